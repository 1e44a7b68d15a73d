package dev.hindsight.store.duckdb;

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
     * Rows (cohort start in local wall-clock ms, k, users): k = -1 is the cohort's size, k = 0..periods the users
     * retained in period k; only cohorts and periods with users appear. Periods are counted on the local wall clock
     * (see {@link LocalTimes}), where days are all 24 hours long, so a day of 23 or 25 hours is one period.
     */
    Sql render(Retention r) {
        List<Engine.Part> parts = List.of(
                new Engine.Part(r.scope().fromMs(), r.scope().toMs(), r.start().filter(), null),
                new Engine.Part(r.scope().fromMs(), r.scope().toMs(), r.returning().filter(), null));
        Sql sql = new Sql().append("WITH ").append(Identities.parts(d, r.scope().envId(), parts, r.scope().cohort()));
        sql.append(", m AS (SELECT user_key, time, part = 1 AS s, part = 2 AS r FROM ev)");
        LocalTimes local = LocalTimes.of(r.scope().zone(), r.scope().fromMs(), r.scope().toMs());
        sql.append(", f AS (SELECT user_key, min(time) AS first FROM m WHERE s GROUP BY user_key)");
        sql.append(", c AS (SELECT user_key, first, " + d.truncate(r.period(), LocalTimeSql.local(local, d, "first"))
                + " AS cohort FROM f)");
        sql.append(", k AS (SELECT DISTINCT c.user_key, c.cohort, "
                + d.intDiv(d.epochMs(LocalTimeSql.local(local, d, "m.time")) + " - " + d.epochMs("c.cohort"),
                        String.valueOf(r.periodMs()))
                + " AS k FROM c JOIN m ON m.user_key = c.user_key AND m.r AND m.time >= c.first)");
        sql.append(" SELECT " + d.epochMs("cohort") + " AS t, -1 AS k, count(*) AS users FROM c GROUP BY cohort");
        return sql.append(" UNION ALL SELECT " + d.epochMs("cohort") + ", k, count(*) FROM k WHERE k <= ").param(r.periods())
                .append(" GROUP BY cohort, k");
    }
}
