package dev.hindsight.store.duckdb;

import dev.hindsight.define.EventFilter;
import dev.hindsight.query.Analysis.Sessions;

/**
 * The SQL of the sessions analysis (semantics in the query package's SessionsQuery): sessions as {@link SessionSql}
 * builds them, the listed ones' figures, and their events, one row per event (see {@code Engine#sessions}).
 */
final class SessionsSql {
    private SessionsSql() {
    }

    static Sql sql(Sessions s, Dialect d) {
        String order = SessionSql.ORDER;
        Sql sql = new Sql().append("WITH ").append(Identities.events(d, s.scope(), new EventFilter.Always()))
                .append(SessionSql.sessions(d))
                .append(", per AS (SELECT sess_key, min(session_id) AS session_id,"
                        + " " + d.firstIf("user_key", order, null) + " AS user_key,"
                        + " " + d.firstIf(Identities.IDENTITY_KEY, order, null) + " AS identity,"
                        + " min(time) AS start_t, " + d.epochMs("min(time)") + " AS start_ms, " + d.epochMs("max(time)") + " AS end_ms,"
                        + " " + d.firstIf("url", order, "kind = 'pageview'") + " AS landing_page,"
                        + " " + d.firstIf("path", order, "kind = 'pageview'") + " AS landing_path,"
                        + " " + d.firstIf("referrer", order, null) + " AS referrer, count(*) AS n FROM ss GROUP BY sess_key)")
                .append(", top AS (SELECT *, count(*) OVER () AS total FROM per");
        String where = " WHERE ";
        if (s.identity() != null) {
            sql.append(where + "user_key IN ").append(d.userKeysLabelled(s.identity()));
            where = " AND ";
        }
        if (!(s.scope().filter() instanceof EventFilter.Always)) {
            // The top-level filters: only sessions with a matching event in the range.
            sql.append(where + "sess_key IN (SELECT sess_key FROM ss WHERE ").append(d.filter(s.scope().filter())).append(")");
        }
        return sql.append(" ORDER BY start_t DESC, sess_key LIMIT ").param(s.limit()).append(")")
                .append(" SELECT top.sess_key, top.session_id, ul.label, il.label, top.start_ms, top.end_ms,"
                        + " top.landing_page, top.landing_path, top.referrer, top.n, top.total,"
                        + " ss.kind, ss.name, ss.path, ss.target_text, " + d.epochMs("ss.time")
                        + " FROM top JOIN ss USING (sess_key) LEFT JOIN " + d.userLabels() + " ul ON ul.user_key = top.user_key"
                        + " LEFT JOIN " + d.userLabels() + " il ON il.user_key = top.identity"
                        + " ORDER BY top.start_t DESC, top.sess_key, ss.time, ss.seq");
    }
}
