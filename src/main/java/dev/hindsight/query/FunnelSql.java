package dev.hindsight.query;

import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Funnel;
import dev.hindsight.query.Analysis.Scope;
import java.util.List;

/**
 * The SQL of a funnel (semantics in {@link FunnelQuery}). One scan reads every event matching any step, with
 * identities resolved and one flag per step; each step-1 event is an attempt; step k is then found per attempt by
 * an ASOF join (the earliest step-k event of the same user strictly after the attempt's step k-1), which costs a
 * sort per step rather than a join of all pairs. ClickHouse has ASOF LEFT JOIN, QUALIFY and GROUPING SETS too.
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
        sql.append(f.breakdown() == null ? ", CAST(NULL AS VARCHAR) AS b"
                : ", json_extract_string(properties, " + AnalysisSql.jsonPath(f.breakdown().property()) + ") AS b");
        sql.append(" FROM ev)");
        sql.append(", a1 AS (SELECT user_key, time AS t1, b FROM m WHERE m1 AND time < " + d.timestampParam() + ")")
                .params(f.scope().toMs());
        for (int k = 2; k <= n; k++) {
            sql.append(", s" + k + " AS (SELECT user_key, time FROM m WHERE m" + k + ")");
            // The earliest step-k event after step k-1: if it is outside the window, every later one is too.
            sql.append(", a" + k + " AS (SELECT a.*, CASE WHEN epoch_ms(s.time) - epoch_ms(a.t1) <= ").param(f.windowMs())
                    .append(" THEN s.time END AS t" + k + " FROM a" + (k - 1) + " a ASOF LEFT JOIN s" + k
                            + " s ON a.user_key = s.user_key AND s.time > a.t" + (k - 1) + ")");
        }
        StringBuilder reached = new StringBuilder("1");
        for (int k = 2; k <= n; k++) {
            reached.append(" + CAST(t" + k + " IS NOT NULL AS INTEGER)");
        }
        sql.append(", r AS (SELECT *, " + reached + " AS reached FROM a" + n + ")");
        // Each user once: the attempt reaching furthest, the earliest of those (then the smallest breakdown value).
        sql.append(", u AS (SELECT * FROM r QUALIFY row_number() OVER (PARTITION BY user_key"
                + " ORDER BY reached DESC, t1, b NULLS LAST) = 1)");
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
            sql.append(", count(*) FILTER (WHERE reached >= " + k + ")");
        }
        for (int k = 2; k <= n; k++) {
            sql.append(", median(epoch_ms(t" + k + ") - epoch_ms(t" + (k - 1) + ")) FILTER (WHERE reached >= " + k + ")");
        }
        for (int k = 1; k < n; k++) {
            sql.append(", to_json(min(user_key, " + DROPPED_USERS + ") FILTER (WHERE reached = " + k + "))");
        }
        return sql.append(from).append(group);
    }
}
