package dev.hindsight.query;

import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Funnel;
import java.util.List;

/**
 * The SQL of a funnel (semantics in {@link FunnelQuery}). One scan per step reads its events (see
 * {@link Identities#parts}), with identities resolved to integer users; each step-1 event is an attempt; step k is
 * then found by an ASOF join (the earliest step-k event of the same user strictly after step k-1), which costs a
 * sort per step rather than a join of all pairs: the chain of later steps once per step-2 event, then one join of the
 * attempts to those chains. Each user's result attempt is picked by a hash aggregate (arg_min), not a sorting window.
 * ClickHouse has ASOF LEFT JOIN and GROUPING SETS too.
 */
final class FunnelSql {
    /** The drop-off users listed per step. */
    static final int DROPPED_USERS = 100;

    private final Dialect d;

    FunnelSql(Dialect d) {
        this.d = d;
    }

    /**
     * One row per group: the total first ({@code total} true, value null), then with a breakdown one per value.
     * Columns: total, value, then per step k = 1..n the users reaching k, then per step k = 2..n the median
     * milliseconds from step k-1 (null without users), then per step k = 1..n-1 a JSON array of the
     * {@link #DROPPED_USERS} smallest user keys (integers, see {@link Identities}) whose furthest step is k.
     */
    Sql render(Funnel f) {
        List<EventSpec> steps = f.steps();
        int n = steps.size();
        // Later steps may fall after 'to' as long as they are inside the window of an attempt that started before.
        List<Identities.Part> parts = new java.util.ArrayList<>();
        for (int k = 1; k <= n; k++) {
            long to = k == 1 ? f.scope().toMs() : f.scope().toMs() + f.windowMs();
            String value = k == 1 && f.breakdown() != null ? d.property(f.breakdown().property()) : null;
            parts.add(new Identities.Part(f.scope().fromMs(), to, steps.get(k - 1).filter(), value));
        }
        Sql sql = new Sql().append("WITH ").append(Identities.parts(d, f.scope().envId(), parts));
        for (int k = 3; k <= n; k++) {
            sql.append(", s" + k + " AS (SELECT user_key, time FROM ev WHERE part = " + k + ")");
        }
        // The chain of each step-2 event e: x2 = e, x3 the earliest step-3 event strictly after it, and so on, one
        // ASOF join per step. It does not depend on the attempt, so it is found once per step-2 event; each attempt
        // then takes the chain of its earliest step-2 event strictly after it, by one more ASOF join, and the window
        // cuts that chain: if x_k is outside it, every later step is too. Step-2 events of one user at the same time
        // have the same chain, so which one an attempt takes is moot and they need no DISTINCT.
        sql.append(", g2 AS (SELECT user_key, time AS x2 FROM ev WHERE part = 2)");
        for (int k = 3; k <= n; k++) {
            sql.append(", g" + k + " AS (SELECT g.*, s.time AS x" + k + " FROM g" + (k - 1) + " g ASOF LEFT JOIN s" + k
                    + " s ON g.user_key = s.user_key AND s.time > g.x" + (k - 1) + ")");
        }
        sql.append(", a AS (SELECT a.user_key, a.time AS t1, a.value AS b");
        StringBuilder chain = new StringBuilder();
        for (int k = 2; k <= n; k++) {
            String x = "g.x" + k;
            // A step exists only after all the earlier ones: DuckDB's ASOF LEFT JOIN on an integer key can match a
            // NULL x_{k-1} (seen with DuckDB 1.5), so a NULL is not left to propagate down the chain by itself.
            chain.append(x).append(" IS NOT NULL AND ");
            sql.append(", CASE WHEN " + chain + d.epochMs(x) + " - " + d.epochMs("a.time") + " <= ").param(f.windowMs())
                    .append(" THEN " + x + " END AS t" + k);
        }
        sql.append(" FROM (SELECT * FROM ev WHERE part = 1) a ASOF LEFT JOIN g" + n
                + " g ON a.user_key = g.user_key AND g.x2 > a.time)");
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
        if (f.breakdown() == null) {
            // Without a breakdown, equal (reach, t1) means equal columns, so each column may be picked on its own,
            // by one integer key ordering reach (descending) then t1: cheaper than picking a row by a composite key.
            // An aggregate skipping NULL values picks the same: t_k is NULL exactly when reach < k, in every row.
            long span = f.scope().toMs() - f.scope().fromMs();
            for (String c : cols) {
                out.append(", ").append(d.argMin(c, "k")).append(" AS ").append(c);
            }
            sql.append(", u AS (SELECT " + out + " FROM (SELECT *, (" + n + " - reached) * CAST(" + span + " AS BIGINT) + "
                    + d.epochMs("t1") + " - ").param(f.scope().fromMs()).append(" AS k FROM r) x GROUP BY user_key)");
        } else {
            for (int i = 0; i < cols.size(); i++) {
                out.append(", ").append(d.pickedColumn("w", cols.get(i), i)).append(" AS ").append(cols.get(i));
            }
            sql.append(", u AS (SELECT " + out + " FROM (SELECT user_key, "
                    + d.pickRow(cols, List.of("-reached", "t1", "b IS NULL", "b")) + " AS w FROM r GROUP BY user_key))");
        }
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
