package dev.hindsight.store.duckdb;

import dev.hindsight.query.Membership;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of cohort membership (semantics in the query package's {@link Membership}): a statement whose rows are the
 * members' user keys at a moment {@code now}. It is self-contained (its own CTEs, named apart), so an analysis
 * nests it as {@code user_key IN (...)}, and the engine computes it once per statement.
 *
 * <p>A dynamic rule reads only what its conditions need, each a scan of its own narrowed to its events, window
 * and few columns, with users resolved: per {@code did} condition the users' counts, per {@code then_not}
 * condition a window over the events matching either of its two events (for each first event, the earliest
 * then event at or after it), and the users' current properties when a condition asks for them. The candidates
 * are the users those scans found when every member must be among them ({@link #positive}), else every user with
 * an event before now (a scan of all events' users, the costly case: a rule that is only negations or properties).
 */
final class CohortSql {
    private CohortSql() {
    }

    /** The statement {@code SELECT user_key ...} of the members of {@code m} at {@code nowMs}. */
    static Sql members(Dialect d, long envId, Membership m, long nowMs) {
        if (m instanceof Membership.Listed l) {
            return listed(d, l.cohortId(), nowMs);
        }
        List<Membership.Did> counts = new ArrayList<>();
        List<Membership.DidThenNot> thenNots = new ArrayList<>();
        boolean[] props = {false};
        collect(m, counts, thenNots, props);
        Sql sql = new Sql().append("WITH ").append(Identities.memberLinks(d, envId));
        for (int i = 0; i < counts.size(); i++) {
            Membership.Did c = counts.get(i);
            // Only the condition's events in its window: a scan the engine narrows to the few columns it reads.
            sql.append(", d" + i + " AS (SELECT user_key, count(*) AS n FROM ")
                    .append(Identities.memberScan(d, envId, Math.max(0, nowMs - c.withinMs()), nowMs, null,
                            new Sql().append("coalesce(").append(d.filter(c.event())).append(", FALSE)")))
                    .append(" s GROUP BY user_key)");
        }
        for (int i = 0; i < thenNots.size(); i++) {
            Membership.DidThenNot t = thenNots.get(i);
            long from = t.inLastMs() == null ? 0 : Math.max(0, nowMs - t.inLastMs());
            Sql flags = new Sql().append("coalesce(").append(d.filter(t.first())).append(", FALSE) AS a, coalesce(")
                    .append(d.filter(t.then())).append(", FALSE) AS b");
            Sql either = new Sql().append("(coalesce(").append(d.filter(t.first())).append(", FALSE) OR coalesce(")
                    .append(d.filter(t.then())).append(", FALSE))");
            // For each first event, the earliest then event at or after it (its own time included).
            sql.append(", tn" + i + " AS (SELECT DISTINCT user_key FROM (SELECT user_key, time, a, min(CASE WHEN b THEN time END)"
                            + " OVER (PARTITION BY user_key ORDER BY time RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)"
                            + " AS nb FROM ")
                    .append(Identities.memberScan(d, envId, from, nowMs, flags, either))
                    .append(" x) y WHERE a AND (nb IS NULL OR nb > " + d.plusMs("time", t.withinMs()) + "))");
        }
        sql.append(", cand AS (");
        if (positive(m)) {
            // Every member did some event a positive rule asks for: the candidates are those users, no full scan.
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < counts.size(); i++) {
                if (counts.get(i).atLeast() >= 1) {
                    parts.add("SELECT user_key FROM d" + i);
                }
            }
            for (int i = 0; i < thenNots.size(); i++) {
                parts.add("SELECT user_key FROM tn" + i);
            }
            sql.append(String.join(" UNION ", parts));
        } else {
            sql.append("SELECT DISTINCT user_key FROM ")
                    .append(Identities.memberScan(d, envId, 0, nowMs, null, new Sql().append("TRUE"))).append(" s");
        }
        sql.append(")");
        if (props[0]) {
            // Identities and devices share one space of keys: an identified user's key is its identity's. Only the
            // candidates' properties are gathered.
            sql.append(", up AS (SELECT ik.user_key, " + d.jsonObjectAgg("key", "value") + " AS properties"
                            + " FROM user_properties p JOIN " + d.identityUserKeys() + " ik ON ik.identity = p.identity"
                            + " WHERE p.env_id = ").param(envId)
                    .append(" AND ik.user_key IN (SELECT user_key FROM cand) GROUP BY ik.user_key)")
                    .append(", dp AS (SELECT dk.user_key, " + d.jsonObjectAgg("key", "value") + " AS properties"
                            + " FROM device_properties p JOIN " + d.deviceUserKeys() + " dk ON dk.device_id = p.device_id"
                            + " WHERE p.env_id = ").param(envId)
                    .append(" AND dk.user_key IN (SELECT user_key FROM cand) GROUP BY dk.user_key)");
        }
        sql.append(" SELECT cand.user_key FROM cand");
        for (int i = 0; i < counts.size(); i++) {
            sql.append(" LEFT JOIN d" + i + " ON d" + i + ".user_key = cand.user_key");
        }
        if (props[0]) {
            sql.append(" LEFT JOIN (SELECT user_key, coalesce(up.properties, dp.properties, '{}') AS properties"
                    + " FROM cand LEFT JOIN up USING (user_key) LEFT JOIN dp USING (user_key)) pr ON pr.user_key = cand.user_key");
        }
        return sql.append(" WHERE ").append(condition(d, m, counts, thenNots));
    }

    /**
     * Whether every member of {@code m} has an event some {@code did} (at least once) or {@code then_not} condition
     * of it counts: then the users with such events are enough candidates.
     */
    static boolean positive(Membership m) {
        return switch (m) {
            case Membership.Did c -> c.atLeast() >= 1;
            case Membership.DidThenNot t -> true;
            case Membership.HasProperty p -> false;
            case Membership.All a -> a.of().stream().anyMatch(CohortSql::positive);
            case Membership.Any a -> a.of().stream().allMatch(CohortSql::positive);
            case Membership.Not n -> false;
            case Membership.Listed l -> false;
        };
    }

    /** The identities a static list holds at {@code nowMs}, as user keys (identities the store never saw have none). */
    private static Sql listed(Dialect d, long cohortId, long nowMs) {
        return new Sql().append("SELECT DISTINCT ik.user_key FROM cohort_members cm JOIN " + d.identityUserKeys()
                        + " ik ON ik.identity = cm.identity WHERE cm.cohort_id = ").param(cohortId)
                .append(" AND cm.added_at <= " + d.timestampParam()).params(nowMs)
                .append(" AND (cm.removed_at IS NULL OR cm.removed_at > " + d.timestampParam() + ")").params(nowMs);
    }

    private static void collect(Membership m, List<Membership.Did> counts, List<Membership.DidThenNot> thenNots,
            boolean[] props) {
        switch (m) {
            case Membership.Did c -> counts.add(c);
            case Membership.DidThenNot t -> thenNots.add(t);
            case Membership.HasProperty p -> props[0] = true;
            case Membership.All a -> a.of().forEach(x -> collect(x, counts, thenNots, props));
            case Membership.Any a -> a.of().forEach(x -> collect(x, counts, thenNots, props));
            case Membership.Not n -> collect(n.of(), counts, thenNots, props);
            case Membership.Listed l -> throw new IllegalArgumentException("a static list inside a dynamic rule");
        }
    }

    /** The rule as a condition over the candidates' row; leaves are found by identity, in {@link #collect}'s order. */
    private static Sql condition(Dialect d, Membership m, List<Membership.Did> counts,
            List<Membership.DidThenNot> thenNots) {
        return switch (m) {
            case Membership.Did c -> {
                String col = "coalesce(d" + indexOf(counts, c) + ".n, 0)";
                Sql s = new Sql().append("(" + col + " >= ").param(c.atLeast());
                if (c.atMost() != null) {
                    s.append(" AND " + col + " <= ").param(c.atMost());
                }
                yield s.append(")");
            }
            case Membership.DidThenNot t -> new Sql().append("cand.user_key IN (SELECT user_key FROM tn"
                    + indexOf(thenNots, t) + ")");
            case Membership.HasProperty p -> new Sql().append("coalesce(").append(d.filter(p.match())).append(", FALSE)");
            case Membership.All a -> join(d, a.of(), " AND ", "TRUE", counts, thenNots);
            case Membership.Any a -> join(d, a.of(), " OR ", "FALSE", counts, thenNots);
            case Membership.Not n -> new Sql().append("NOT ").append(condition(d, n.of(), counts, thenNots));
            case Membership.Listed l -> throw new IllegalArgumentException("a static list inside a dynamic rule");
        };
    }

    private static Sql join(Dialect d, List<Membership> parts, String op, String empty, List<Membership.Did> counts,
            List<Membership.DidThenNot> thenNots) {
        if (parts.isEmpty()) {
            return new Sql().append(empty);
        }
        Sql s = new Sql().append("(");
        for (int i = 0; i < parts.size(); i++) {
            s.append(i == 0 ? "" : op).append(condition(d, parts.get(i), counts, thenNots));
        }
        return s.append(")");
    }

    /** The position of {@code leaf} itself (not an equal record: two equal conditions are two columns). */
    private static int indexOf(List<?> leaves, Object leaf) {
        for (int i = 0; i < leaves.size(); i++) {
            if (leaves.get(i) == leaf) {
                return i;
            }
        }
        throw new IllegalStateException("leaf not collected");
    }
}
