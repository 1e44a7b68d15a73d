package dev.hindsight.store.duckdb;

import dev.hindsight.query.Membership;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of cohort membership (semantics in the query package's {@link Membership}): a statement whose rows are the
 * members' user keys at a moment {@code now}. It is self-contained (its own CTEs, named apart), so an analysis
 * nests it as {@code user_key IN (...)}, and the engine computes it once per statement.
 *
 * <p>A dynamic rule reads every event before {@code now} once: one row per candidate user with a count per
 * {@code did} condition ({@code count(*) FILTER}), a window per {@code then_not} condition over only the events
 * matching its two events (for each {@code first} event, the earliest {@code then} event at or after it), and the
 * user's current properties when a condition asks for them.
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
        Sql sql = new Sql().append("WITH ").append(Identities.memberEvents(d, envId, nowMs));
        sql.append(", agg AS (SELECT user_key, max(" + Identities.IDENTITY_KEY + ") AS identity_key");
        for (int i = 0; i < counts.size(); i++) {
            Membership.Did c = counts.get(i);
            sql.append(", count(*) FILTER (WHERE time >= " + d.timestampParam()).params(nowMs - c.withinMs())
                    .append(" AND coalesce(").append(d.filter(c.event())).append(", FALSE)) AS c" + i);
        }
        sql.append(" FROM cev GROUP BY user_key)");
        for (int i = 0; i < thenNots.size(); i++) {
            Membership.DidThenNot t = thenNots.get(i);
            long from = t.inLastMs() == null ? 0 : nowMs - t.inLastMs();
            sql.append(", tn" + i + " AS (SELECT DISTINCT user_key FROM (SELECT user_key, time, a, min(CASE WHEN b THEN time END)"
                            + " OVER (PARTITION BY user_key ORDER BY time RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)"
                            + " AS nb FROM (SELECT user_key, time, coalesce(")
                    .append(d.filter(t.first())).append(", FALSE) AS a, coalesce(").append(d.filter(t.then()))
                    .append(", FALSE) AS b FROM cev WHERE time >= " + d.timestampParam()).params(from)
                    .append(") x WHERE a OR b) y WHERE a AND time >= " + d.timestampParam()).params(from)
                    .append(" AND (nb IS NULL OR nb > " + d.plusMs("time", t.withinMs()) + "))");
        }
        String source = "agg";
        if (props[0]) {
            sql.append(", up AS (SELECT ik.user_key AS identity_key, " + d.jsonObjectAgg("key", "value") + " AS properties"
                            + " FROM user_properties p JOIN " + d.identityUserKeys() + " ik ON ik.identity = p.identity"
                            + " WHERE p.env_id = ").param(envId).append(" GROUP BY ik.user_key)")
                    .append(", dp AS (SELECT dk.user_key AS device_key, " + d.jsonObjectAgg("key", "value") + " AS properties"
                            + " FROM device_properties p JOIN " + d.deviceUserKeys() + " dk ON dk.device_id = p.device_id"
                            + " WHERE p.env_id = ").param(envId).append(" GROUP BY dk.user_key)")
                    .append(", cand AS (SELECT agg.*, coalesce(up.properties, dp.properties, '{}') AS properties FROM agg"
                            + " LEFT JOIN up ON up.identity_key = agg.identity_key"
                            + " LEFT JOIN dp ON agg.identity_key IS NULL AND dp.device_key = agg.user_key)");
            source = "cand";
        }
        return sql.append(" SELECT user_key FROM " + source + " WHERE ").append(condition(d, m, counts, thenNots));
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
                String col = "c" + indexOf(counts, c);
                Sql s = new Sql().append("(" + col + " >= ").param(c.atLeast());
                if (c.atMost() != null) {
                    s.append(" AND " + col + " <= ").param(c.atMost());
                }
                yield s.append(")");
            }
            case Membership.DidThenNot t -> new Sql().append("user_key IN (SELECT user_key FROM tn"
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
