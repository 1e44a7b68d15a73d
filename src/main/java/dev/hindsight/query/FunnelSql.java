package dev.hindsight.query;

import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Funnel;
import dev.hindsight.query.Analysis.Scope;
import java.util.List;

/**
 * The SQL of a funnel (semantics in {@link FunnelQuery}). One scan reads every event matching any step, with
 * identities resolved and one flag per step; each step-1 event is an attempt; step k is then found by an ASOF join
 * (the earliest step-k event of the same user strictly after step k-1), which costs a sort per step rather than a
 * join of all pairs: step 2 per attempt, later steps once per distinct step-2 event the attempts lead to. Each user's
 * result attempt is picked by a hash aggregate (arg_min), not a sorting window. ClickHouse has ASOF LEFT JOIN and
 * GROUPING SETS too.
 */
final class FunnelSql {
    /** The drop-off users listed per step. */
    static final int DROPPED_USERS = 100;

    private final Dialect d;

    FunnelSql(Dialect d) {
        this.d = d;
    }

    /**
     * The filter as a never-null flag whose parts run only where they can still decide it: a CASE evaluates its
     * THEN on the rows its WHEN selected, where AND and OR in a projection evaluate both sides on every row (the
     * regex of a selector would run on every event of the funnel).
     */
    private Sql flag(EventFilter f) {
        List<EventFilter> parts = switch (f) {
            case EventFilter.All all -> all.of();
            case EventFilter.Any any -> any.of();
            default -> null;
        };
        if (parts == null || parts.isEmpty()) {
            return new Sql().append("coalesce(").append(d.filter(f)).append(", FALSE)");
        }
        boolean and = f instanceof EventFilter.All;
        // The cheap tests first (either order gives the same flag): a regex or a JSON lookup runs last.
        parts = parts.stream().sorted(java.util.Comparator.comparingInt(FunnelSql::cost)).toList();
        Sql sql = flag(parts.get(parts.size() - 1));
        for (int i = parts.size() - 2; i >= 0; i--) {
            Sql outer = new Sql().append("CASE WHEN ").append(flag(parts.get(i)));
            outer = and ? outer.append(" THEN ").append(sql).append(" ELSE FALSE END")
                    : outer.append(" THEN TRUE ELSE ").append(sql).append(" END");
            sql = outer;
        }
        return sql;
    }

    private static int cost(EventFilter f) {
        return switch (f) {
            case EventFilter.HierarchyMatches h -> 2;
            case EventFilter.PropertyMatches p -> 1;
            case EventFilter.TextMatches t -> t.op() == EventFilter.TextOp.REGEX ? 2 : 0;
            case EventFilter.All a -> a.of().stream().mapToInt(FunnelSql::cost).max().orElse(0);
            case EventFilter.Any a -> a.of().stream().mapToInt(FunnelSql::cost).max().orElse(0);
            default -> 0;
        };
    }

    /**
     * One row per group: the total first ({@code total} true, value null), then with a breakdown one per value.
     * Columns: total, value, then per step k = 1..n the users reaching k, then per step k = 2..n the median
     * milliseconds from step k-1 (null without users), then per step k = 1..n-1 a JSON array of the first
     * {@link #DROPPED_USERS} user keys (in order) whose furthest step is k.
     */
    Sql render(Funnel f) {
        List<EventSpec> steps = f.steps();
        int n = steps.size();
        // Later steps may fall after 'to' as long as they are inside the window of an attempt that started before.
        Scope wide = new Scope(f.scope().envId(), f.scope().fromMs(), f.scope().toMs() + f.windowMs());
        EventFilter any = new EventFilter.Any(steps.stream().map(s -> s.filter()).toList());
        Sql sql = new Sql().append("WITH ").append(Identities.events(d, wide, any));
        sql.append(", m AS (SELECT user_key, time");
        for (int k = 1; k <= n; k++) {
            sql.append(", ").append(flag(steps.get(k - 1).filter())).append(" AS m" + k);
        }
        sql.append(f.breakdown() == null ? ", CAST(NULL AS VARCHAR) AS b" : ", " + d.property(f.breakdown().property()) + " AS b");
        sql.append(" FROM ev)");
        for (int k = 3; k <= n; k++) {
            sql.append(", s" + k + " AS (SELECT user_key, time FROM m WHERE m" + k + ")");
        }
        // x2 is the earliest step-2 event strictly after the attempt: one window over the step-1 and step-2 events
        // in time order per user (a sort of both, as an ASOF join would do, but without a join). Attempts with
        // the same x2 share the rest of the chain (x3 the earliest step-3 event after x2, and so on), so it is found
        // once per distinct x2 rather than per attempt; the window then cuts each attempt's chain: if x_k is
        // outside it, every later step is too.
        sql.append(", a2 AS (SELECT user_key, t1, b, x2 FROM (SELECT user_key, time AS t1, b, m1, min(CASE WHEN m2 THEN time END)"
                + " OVER (PARTITION BY user_key ORDER BY time " + d.strictlyLaterRows() + ") AS x2 FROM m WHERE m1 OR m2)"
                + " WHERE m1 AND t1 < " + d.timestampParam() + ")").params(f.scope().toMs());
        sql.append(", g2 AS (SELECT DISTINCT user_key, x2 FROM a2 WHERE x2 IS NOT NULL)");
        for (int k = 3; k <= n; k++) {
            sql.append(", g" + k + " AS (SELECT g.*, s.time AS x" + k + " FROM g" + (k - 1) + " g ASOF LEFT JOIN s" + k
                    + " s ON g.user_key = s.user_key AND s.time > g.x" + (k - 1) + ")");
        }
        sql.append(", a AS (SELECT a.user_key, a.t1, a.b");
        for (int k = 2; k <= n; k++) {
            String x = k == 2 ? "a.x2" : "g.x" + k;
            sql.append(", CASE WHEN " + d.epochMs(x) + " - " + d.epochMs("a.t1") + " <= ").param(f.windowMs())
                    .append(" THEN " + x + " END AS t" + k);
        }
        sql.append(" FROM a2 a LEFT JOIN g" + n + " g ON a.user_key = g.user_key AND a.x2 = g.x2)");
        StringBuilder reached = new StringBuilder("1");
        for (int k = 2; k <= n; k++) {
            reached.append(" + CAST(t" + k + " IS NOT NULL AS INTEGER)");
        }
        sql.append(", r AS (SELECT *, " + reached + " AS reached FROM a)");
        // Each user once: the attempt reaching furthest, the earliest of those (then the smallest breakdown value).
        // A hash aggregate rather than a window: no sort. Attempts of a user with equal keys (same reach, t1 and b)
        // are the same attempt: every step time follows from t1.
        List<String> cols = new java.util.ArrayList<>(List.of("reached", "t1", "b"));
        for (int k = 2; k <= n; k++) {
            cols.add("t" + k);
        }
        StringBuilder out = new StringBuilder("user_key");
        for (int i = 0; i < cols.size(); i++) {
            out.append(", ").append(d.pickedColumn("w", cols.get(i), i)).append(" AS ").append(cols.get(i));
        }
        sql.append(", u AS (SELECT " + out + " FROM (SELECT user_key, "
                + d.pickRow(cols, List.of("-reached", "t1", "b IS NULL", "b")) + " AS w FROM r GROUP BY user_key))");
        String from;
        String group;
        if (f.breakdown() == null) {
            sql.append(" SELECT TRUE AS total, CAST(NULL AS VARCHAR) AS bb");
            from = " FROM u";
            group = "";
        } else {
            sql.append(", top AS (SELECT b FROM u WHERE b IS NOT NULL GROUP BY b ORDER BY count(*) DESC, b LIMIT ")
                    .param(f.breakdown().limit()).append(")");
            sql.append(", g AS (SELECT *, CASE WHEN b IS NULL THEN '(none)' WHEN b IN (SELECT b FROM top) THEN b"
                    + " ELSE '(other)' END AS bb FROM u)");
            sql.append(" SELECT grouping(bb) = 1 AS total, bb");
            from = " FROM g";
            group = " GROUP BY GROUPING SETS ((), (bb)) ORDER BY total DESC, bb";
        }
        for (int k = 1; k <= n; k++) {
            sql.append(", " + d.countIf("reached >= " + k));
        }
        for (int k = 2; k <= n; k++) {
            sql.append(", " + d.medianIf(d.epochMs("t" + k) + " - " + d.epochMs("t" + (k - 1)), "reached >= " + k));
        }
        for (int k = 1; k < n; k++) {
            sql.append(", " + d.smallestJson("user_key", DROPPED_USERS, "reached = " + k));
        }
        return sql.append(from).append(group);
    }
}
