package dev.hindsight.store.duckdb;

import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.query.Analysis.Retention;
import dev.hindsight.query.Analysis.Series;
import dev.hindsight.query.Analysis.Sessions;
import dev.hindsight.query.Analysis.Users;
import dev.hindsight.query.Engine;
import dev.hindsight.store.SqlRunner;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** DuckDB's implementation of the analyses' {@link Engine} port: their SQL over the store's tables. */
public final class DuckDbEngine implements Engine {
    /** Most keys one lookup of labels names. */
    private static final int LOOKUP_BATCH = 2000;

    private final SqlRunner runner;
    private final Dialect d;
    private final AnalysisSql sql;

    /** The engine over a DuckDB store's tables, read through {@code runner}. */
    public DuckDbEngine(SqlRunner runner) {
        this(runner, new DuckDbDialect());
    }

    private DuckDbEngine(SqlRunner runner, Dialect d) {
        this.runner = runner;
        this.d = d;
        this.sql = new AnalysisSql(d);
    }

    @Override
    public Engine watched(SqlRunner.StatementWatch watch) {
        return new DuckDbEngine(runner.watched(watch), d);
    }

    @Override
    public List<GraphRow> graphSeries(Graph g, Series s) {
        Sql q = sql.graphSeries(g, s);
        return runner.query(q.text(), q.params(), rs -> new GraphRow(rs.getLong(1), rs.getString(2), rs.getDouble(3)));
    }

    @Override
    public void partRows(long envId, List<Part> parts, PartRow row) {
        if (parts.stream().anyMatch(p -> p.property() != null)) {
            codedPartRows(envId, parts, row);
            return;
        }
        Sql q = Identities.partRows(d, envId, parts);
        runner.forEach(q.text(), q.params(), rs -> {
            long tp = rs.getLong(1);
            int actor = rs.getInt(2);
            // An event with neither an identity nor a device is nobody's; the stores have none.
            if (!rs.wasNull()) {
                row.accept(tp, actor, null);
            }
        });
    }

    /**
     * The rows with values read as codes ({@link Identities#codedPartRows}): each value's text once, and every row
     * with the same String for it. A row whose value's text has not come yet waits (most rows, at worst) until the
     * end of the statement.
     */
    private void codedPartRows(long envId, List<Part> parts, PartRow row) {
        Sql q = Identities.codedPartRows(d, envId, parts);
        Map<Long, String> labels = new HashMap<>();
        // The rows waiting for their value's text: time and part, code, actor.
        long[][] waiting = {new long[0], new long[0]};
        int[][] actors = {new int[0]};
        int[] waits = {0};
        runner.forEach(q.text(), q.params(), rs -> {
            long tp = rs.getLong(1);
            if (rs.wasNull()) {
                long code = rs.getLong(3);
                String label = rs.getString(4);
                String before = labels.putIfAbsent(code, label);
                if (before != null && !before.equals(label)) {
                    throw new IllegalStateException("two breakdown values with one code: " + before + ", " + label);
                }
                return;
            }
            int actor = rs.getInt(2);
            if (rs.wasNull()) {
                return;
            }
            long code = rs.getLong(3);
            if (rs.wasNull()) {
                row.accept(tp, actor, null);
                return;
            }
            String label = labels.get(code);
            if (label != null) {
                row.accept(tp, actor, label);
                return;
            }
            int n = waits[0];
            if (n == actors[0].length) {
                int cap = Math.max(1024, n * 2);
                waiting[0] = java.util.Arrays.copyOf(waiting[0], cap);
                waiting[1] = java.util.Arrays.copyOf(waiting[1], cap);
                actors[0] = java.util.Arrays.copyOf(actors[0], cap);
            }
            waiting[0][n] = tp;
            waiting[1][n] = code;
            actors[0][n] = actor;
            waits[0] = n + 1;
        });
        for (int i = 0; i < waits[0]; i++) {
            String label = labels.get(waiting[1][i]);
            if (label == null) {
                throw new IllegalStateException("a breakdown value's code without its text");
            }
            row.accept(waiting[0][i], actors[0][i], label);
        }
    }

    @Override
    public void identityLinks(long envId, LinkRow row) {
        Sql q = Identities.linkRows(d, envId);
        runner.forEach(q.text(), q.params(), rs -> {
            int device = rs.getInt(1);
            if (rs.wasNull()) {
                return;
            }
            row.accept(device, rs.getInt(2), rs.getBoolean(3), rs.getLong(4));
        });
    }

    @Override
    public Map<Long, String> userLabels(Collection<Long> userKeys) {
        List<Long> all = new ArrayList<>(new TreeSet<>(userKeys));
        Map<Long, String> out = new HashMap<>();
        for (int from = 0; from < all.size(); from += LOOKUP_BATCH) {
            Sql q = new Sql().append("SELECT user_key, label FROM " + d.userLabels() + " ul WHERE user_key IN (")
                    .list(all.subList(from, Math.min(all.size(), from + LOOKUP_BATCH))).append(")");
            runner.query(q.text(), q.params(), rs -> out.put(rs.getLong(1), rs.getString(2)));
        }
        return out;
    }

    @Override
    public List<RetentionRow> retention(Retention r) {
        Sql q = new RetentionSql(d).render(r);
        return runner.query(q.text(), q.params(), rs -> new RetentionRow(rs.getLong(1), rs.getInt(2), rs.getLong(3),
                rs.getString(4)));
    }

    @Override
    public List<UserRow> users(Users u) {
        Sql q = UsersSql.sql(u, d);
        return runner.query(q.text(), q.params(), rs -> new UserRow(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7)));
    }

    @Override
    public List<SessionRow> sessions(Sessions s) {
        Sql q = SessionsSql.sql(s, d);
        return runner.query(q.text(), q.params(), rs -> new SessionRow(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6), rs.getString(7), rs.getString(8),
                rs.getString(9), rs.getLong(10), rs.getLong(11), rs.getString(12), rs.getString(13), rs.getString(14),
                rs.getString(15), rs.getLong(16)));
    }

    @Override
    public PathsLayout pathsLayout(Paths p, int packedBits) {
        return PathsSql.layout(p, d, runner, packedBits);
    }

    @Override
    public void pathRows(Paths p, PathsLayout layout, long unjoinedTail, PathRow row) {
        Sql q = PathsSql.sql(p, d, layout, unjoinedTail);
        if (layout.packed()) {
            runner.forEach(q.text(), q.params(), rs -> {
                long ord = rs.getLong(2);
                row.accept(rs.getLong(1), ord, ord);
            });
        } else {
            runner.forEach(q.text(), q.params(), rs -> row.accept(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
        }
    }

    @Override
    public void rolledUpSteps(long envId, int minBlock, int maxBlock, long fromMs, long toMs, StepsBlock block) {
        Sql q = new Sql().append("SELECT block, steps FROM session_steps WHERE env_id = ").param(envId)
                .append(" AND block BETWEEN ").param(minBlock).append(" AND ").param(maxBlock)
                .append(" AND last_time >= " + d.timestampParam()).params(fromMs)
                .append(" AND first_time < " + d.timestampParam()).params(toMs);
        runner.forEach(q.text(), q.params(), rs -> block.accept(rs.getInt(1), rs.getBytes(2)));
    }

    @Override
    public int[] cohortMembers(long envId, dev.hindsight.query.Membership m, long nowMs) {
        Sql q = new Sql().append("SELECT user_key FROM (").append(CohortSql.members(d, envId, m, nowMs))
                .append(") m ORDER BY user_key");
        return runner.query(q.text(), q.params(), rs -> rs.getInt(1)).stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public Map<Integer, String> eventLabels(Collection<Integer> ids) {
        List<Integer> all = new ArrayList<>(new TreeSet<>(ids));
        Map<Integer, String> out = new HashMap<>();
        for (int from = 0; from < all.size(); from += LOOKUP_BATCH) {
            Sql q = new Sql().append("SELECT id, label FROM labels WHERE id IN (")
                    .list(all.subList(from, Math.min(all.size(), from + LOOKUP_BATCH))).append(")");
            runner.query(q.text(), q.params(), rs -> out.put(rs.getInt(1), rs.getString(2)));
        }
        return out;
    }
}
