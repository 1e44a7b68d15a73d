package dev.hindsight.store.duckdb;

import dev.hindsight.query.Analysis;
import dev.hindsight.query.LocalTimes;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Series;

/** Renders analyses to SQL for a dialect. */
public final class AnalysisSql {
    private final Dialect d;

    public AnalysisSql(Dialect d) {
        this.d = d;
    }

    /** The dialect this renders for (kinds with their own SQL class render with it). */
    public Dialect dialect() {
        return d;
    }

    /**
     * One series of a graph: rows (bucket key, breakdown value or null, value), only for buckets with events (the
     * caller fills the gaps); {@link LocalTimes#bucketStart} turns a key into the bucket's start. A measure of a
     * property reads only the events with a numeric value of it ({@link Dialect#number}), as the column {@code x};
     * a per-user measure groups by user first, then aggregates the users' figures.
     */
    public Sql graphSeries(Graph g, Series s) {
        String x = s.property() == null ? null : d.number(s.property());
        String measure = switch (s.measure()) {
            case "count" -> "count(*)";
            case "users" -> "count(DISTINCT user_key)";
            case "sessions" -> "count(DISTINCT session_id)";
            case "sum", "avg", "min", "max", "median", "p90" -> aggregate(s.measure(), "x");
            case "per_user" -> x == null ? "count(*)" : "sum(x)";
            default -> throw new IllegalArgumentException(s.measure());
        };
        String bucket = LocalTimeSql.bucketKey(LocalTimes.of(g.scope().zone(), g.scope().fromMs(), g.scope().toMs()),
                d, g.interval(), "time");
        // A measure of a property's values needs no users: its events are read without resolving them.
        // Cohorts (as a filter or a breakdown) need each event's user.
        boolean users = x == null || s.measure().equals("per_user") || g.scope().cohort() != null
                || (g.breakdown() != null && g.breakdown().byCohort());
        Sql sql = new Sql().append("WITH ").append(users ? Identities.events(d, g.scope(), s.event().filter())
                : Identities.unresolvedEvents(d, g.scope(), s.event().filter()));
        // The events measured: with a property, those with a numeric value of it, that value as x.
        String from = "ev";
        if (x != null) {
            sql.append(", nv AS (SELECT * FROM (SELECT *, " + x + " AS x FROM ev) WHERE x IS NOT NULL)");
            from = "nv";
        }
        String perUser = s.measure().equals("per_user") ? ", user_key" : "";
        String select;
        if (g.breakdown() == null) {
            select = "SELECT " + bucket + " AS t, NULL AS b, " + measure + " AS x FROM " + from + " GROUP BY t" + perUser;
        } else if (g.breakdown().byCohort()) {
            // A user in several cohorts is in each group: one row per (event, cohort of its user).
            sql.append(", cm AS (");
            for (int i = 0; i < g.breakdown().cohorts().size(); i++) {
                Analysis.CohortSpec c = g.breakdown().cohorts().get(i);
                sql.append(i == 0 ? "" : " UNION ALL ").append("SELECT user_key, ").param(c.name())
                        .append(" AS b FROM (").append(CohortSql.members(d, g.scope().envId(), c.definition(),
                                g.breakdown().nowMs())).append(") m" + i);
            }
            sql.append(")");
            select = "SELECT " + bucket + " AS t, cm.b AS b, " + measure + " AS x FROM " + from
                    + " JOIN cm USING (user_key) GROUP BY t, cm.b" + perUser;
        } else {
            // The value once per event: a built-in property's may be a lookup (see BuiltInSql), not to be repeated;
            // a session-level one's is a join to the sessions' kept values.
            String property = g.breakdown().property();
            if (BuiltInSql.isSessionLevel(property)) {
                sql.append(", eb AS (SELECT *, " + BuiltInSql.joinedValue(property) + " AS bv FROM ev LEFT JOIN ")
                        .append(SessionFirsts.relation(d, g.scope().envId(), g.scope().toMs()))
                        .append(" sf ON sf_key = ev.session_key)");
            } else if (BuiltInSql.isUserLevel(property)) {
                sql.append(", eb AS (" + BuiltInSql.userJoined(property, "ev") + ")");
            } else {
                sql.append(", eb AS (SELECT *, " + d.property(property) + " AS bv FROM ev)");
            }
            // The top values are those of the series' events; a property measure then takes those with a number.
            if (x != null) {
                sql.append(", ebn AS (SELECT * FROM (SELECT *, " + x + " AS x FROM eb) WHERE x IS NOT NULL)");
            }
            sql.append(", top AS (SELECT bv AS v FROM eb WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v LIMIT ")
                    .param(g.breakdown().limit()).append(")");
            select = "SELECT " + bucket + " AS t, CASE WHEN bv IN (SELECT v FROM top) THEN bv"
                    + " WHEN bv IS NULL THEN '(none)' ELSE '(other)' END AS b, " + measure
                    + " AS x FROM " + (x != null ? "ebn" : "eb") + " GROUP BY t, b" + perUser;
        }
        if (perUser.isEmpty()) {
            return sql.append(" " + select + " ORDER BY t, b");
        }
        return sql.append(" SELECT t, b, " + aggregate(s.aggregate(), "x") + " FROM (" + select
                + ") GROUP BY t, b ORDER BY t, b");
    }

    /** The aggregate {@code name} (sum, avg, min, max, median, p90) of the numeric {@code x}. */
    private static String aggregate(String name, String x) {
        return switch (name) {
            case "sum", "avg", "min", "max" -> name + "(" + x + ")";
            case "median" -> "quantile_cont(" + x + ", 0.5)";
            case "p90" -> "quantile_cont(" + x + ", 0.9)";
            default -> throw new IllegalArgumentException(name);
        };
    }
}
