package dev.hindsight.store.duckdb;

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
     * caller fills the gaps with zeros); {@link LocalTimes#bucketStart} turns a key into the bucket's start.
     */
    public Sql graphSeries(Graph g, Series s) {
        String measure = switch (s.measure()) {
            case "count" -> "count(*)";
            case "users" -> "count(DISTINCT user_key)";
            case "sessions" -> "count(DISTINCT session_id)";
            default -> throw new IllegalArgumentException(s.measure());
        };
        String bucket = LocalTimeSql.bucketKey(LocalTimes.of(g.scope().zone(), g.scope().fromMs(), g.scope().toMs()),
                d, g.interval(), "time");
        Sql sql = new Sql().append("WITH ").append(Identities.events(d, g.scope(), s.event().filter()));
        if (g.breakdown() == null) {
            return sql.append(" SELECT " + bucket + " AS t, NULL AS b, " + measure + " FROM ev GROUP BY t ORDER BY t");
        }
        // The value once per event: a built-in property's may be a lookup (see BuiltInSql), not to be repeated; a
        // session-level one's is a join to the sessions' kept values.
        String property = g.breakdown().property();
        sql.append(BuiltInSql.isSessionLevel(property)
                ? ", eb AS (SELECT *, " + BuiltInSql.joinedValue(property) + " AS bv FROM ev LEFT JOIN session_firsts"
                        + " ON sf_key = ev.session_key)"
                : ", eb AS (SELECT *, " + d.property(property) + " AS bv FROM ev)");
        sql.append(", top AS (SELECT bv AS v FROM eb WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v LIMIT ")
                .param(g.breakdown().limit()).append(")");
        return sql.append(" SELECT " + bucket + " AS t, CASE WHEN bv IN (SELECT v FROM top) THEN bv"
                + " WHEN bv IS NULL THEN '(none)' ELSE '(other)' END AS b, " + measure
                + " FROM eb GROUP BY t, b ORDER BY t, b");
    }
}
