package dev.hindsight.store.duckdb;

import dev.hindsight.query.Analysis;
import dev.hindsight.query.LocalTimes;
import dev.hindsight.query.Analysis.Retention;
import dev.hindsight.query.Engine;
import java.util.List;

/**
 * The SQL of a retention grid (semantics in RetentionQuery): the events matching the start event and those
 * matching the return event (a scan each, see {@link Identities#parts}), with identities resolved, each user's
 * first start, and their returns numbered by period.
 */
final class RetentionSql {
    private final Dialect d;

    RetentionSql(Dialect d) {
        this.d = d;
    }

    /**
     * Rows (cohort start in local wall-clock ms, k, users, breakdown group): k = -1 is the cohort's size, k =
     * 0..periods the users retained in period k; only cohorts and periods with users appear. The group is NULL in the
     * rows of every user, and with a breakdown each group has its rows too. Periods are counted on the local wall
     * clock (see {@link LocalTimes}), where days are all 24 hours long, so a day of 23 or 25 hours is one period.
     */
    Sql render(Retention r) {
        Analysis.Breakdown b = r.breakdown();
        String property = b != null && !b.byCohort() ? b.property() : null;
        List<Engine.Part> parts = List.of(
                new Engine.Part(r.scope().fromMs(), r.scope().toMs(), r.start().filter(), property),
                new Engine.Part(r.scope().fromMs(), r.scope().toMs(), r.returning().filter(), null));
        Sql sql = new Sql().append("WITH ").append(Identities.parts(d, r.scope().envId(), parts, r.scope().cohort()));
        sql.append(", m AS (SELECT user_key, time, value, part = 1 AS s, part = 2 AS r FROM ev)");
        LocalTimes local = LocalTimes.of(r.scope().zone(), r.scope().fromMs(), r.scope().toMs());
        sql.append(", f AS (SELECT user_key, min(time) AS first FROM m WHERE s GROUP BY user_key)");
        sql.append(", c AS (SELECT user_key, first, " + d.truncate(r.period(), LocalTimeSql.local(local, d, "first"))
                + " AS cohort FROM f)");
        String at = LocalTimeSql.local(local, d, "m.time");
        // Months have no fixed length: their k is the difference of calendar month numbers.
        String k = r.period().equals("month") ? d.monthNumber(at) + " - " + d.monthNumber("c.cohort")
                : d.intDiv(d.epochMs(at) + " - " + d.epochMs("c.cohort"), String.valueOf(r.periodMs()));
        sql.append(", k AS (SELECT DISTINCT c.user_key, c.cohort, " + k + " AS k FROM c JOIN m ON m.user_key = c.user_key AND m.r AND m.time >= c.first)");
        if (b != null) {
            sql.append(", g AS (");
            groups(sql, r, b);
            sql.append(")");
        }
        sql.append(" SELECT " + d.epochMs("cohort") + " AS t, -1 AS k, count(*) AS users, NULL AS b FROM c GROUP BY cohort");
        sql.append(" UNION ALL SELECT " + d.epochMs("cohort") + ", k, count(*), NULL FROM k WHERE k <= ")
                .param(r.periods()).append(" GROUP BY cohort, k");
        if (b != null) {
            sql.append(" UNION ALL SELECT " + d.epochMs("cohort") + ", -1, count(*), g.b FROM c JOIN g"
                    + " ON g.user_key = c.user_key GROUP BY cohort, g.b");
            sql.append(" UNION ALL SELECT " + d.epochMs("cohort") + ", k, count(*), g.b FROM k JOIN g"
                    + " ON g.user_key = k.user_key WHERE k <= ").param(r.periods()).append(" GROUP BY cohort, k, g.b");
        }
        return sql;
    }

    /**
     * The body of the CTE {@code g}: each user's breakdown groups (user_key, b). By property, one per user: the value
     * on their first start event (of several at that instant, a value before none, then the smallest), kept when it
     * is one of the limit values with most users, else "(other)", or "(none)" without a value. By cohorts, a row per
     * cohort the user is a member of.
     */
    private void groups(Sql sql, Retention r, Analysis.Breakdown b) {
        if (b.byCohort()) {
            for (int i = 0; i < b.cohorts().size(); i++) {
                Analysis.CohortSpec c = b.cohorts().get(i);
                sql.append(i == 0 ? "" : " UNION ALL ").append("SELECT user_key, ").param(c.name())
                        .append(" AS b FROM (").append(CohortSql.members(d, r.scope().envId(), c.definition(), b.nowMs()))
                        .append(") m" + i);
            }
            return;
        }
        sql.append("WITH fv AS (SELECT m.user_key, min(m.value) AS v FROM m JOIN f ON f.user_key = m.user_key"
                + " AND m.time = f.first WHERE m.s GROUP BY m.user_key),"
                + " top AS (SELECT v FROM fv WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v LIMIT ")
                .param(b.limit()).append(") SELECT user_key, CASE WHEN v IN (SELECT v FROM top) THEN v"
                        + " WHEN v IS NULL THEN '(none)' ELSE '(other)' END AS b FROM fv");
    }
}
