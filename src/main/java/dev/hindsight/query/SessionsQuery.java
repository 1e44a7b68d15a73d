package dev.hindsight.query;

import dev.hindsight.define.EventFilter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Sessions;
import dev.hindsight.store.SqlRunner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sessions analysis: request {@code {identity?, limit?: 1..500}}, answer {@code {sessions: [{session_id,
 * user_key, identity, start, end, duration_seconds, landing_page, landing_path, referrer, event_count, events:
 * [{kind, name, path, text, time}]}], total}}.
 *
 * <p>Exact semantics. Sessions are built from the events in [from, to) only (see {@link SessionSql}), so a session
 * crossing a bound is cut there. A session's user is the resolved user of its first event; {@code identity}
 * keeps the sessions of that user (an identity, or a {@code user_key} such as {@code device:abc}). {@code start}
 * and {@code end} are its first and last event's times, {@code duration_seconds} the whole seconds between them;
 * {@code landing_page} and {@code landing_path} are the url and path of its first pageview (null without one);
 * {@code referrer} is its first event's. {@code session_id} is null for a session of events without session ids.
 * Sessions come newest (latest start) first, at most {@code limit} (default 50); {@code total} counts them all.
 */
final class SessionsQuery {
    private SessionsQuery() {
    }

    static Sessions parse(JsonNode body, Scope scope) {
        JsonNode id = body.get("identity");
        if (id != null && !id.isNull() && (!id.isTextual() || id.asText().isBlank())) {
            throw HindsightException.field("identity", "must be a non-empty string");
        }
        int limit = QueryLimits.whole(body, "limit", "limit", 50, 1, 500);
        return new Sessions(scope, id == null || id.isNull() ? null : id.asText(), limit);
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
        if (s.identity() != null) {
            sql.append(" WHERE user_key IN ").append(d.userKeysLabelled(s.identity()));
        }
        return sql.append(" ORDER BY start_t DESC, sess_key LIMIT ").param(s.limit()).append(")")
                .append(" SELECT top.sess_key, top.session_id, ul.label, il.label, top.start_ms, top.end_ms,"
                        + " top.landing_page, top.landing_path, top.referrer, top.n, top.total,"
                        + " ss.kind, ss.name, ss.path, ss.target_text, " + d.epochMs("ss.time")
                        + " FROM top JOIN ss USING (sess_key) LEFT JOIN " + d.userLabels() + " ul ON ul.user_key = top.user_key"
                        + " LEFT JOIN " + d.userLabels() + " il ON il.user_key = top.identity"
                        + " ORDER BY top.start_t DESC, top.sess_key, ss.time, ss.seq");
    }

    static Map<String, Object> run(Sessions s, Dialect d, SqlRunner runner) {
        Sql q = sql(s, d);
        Map<String, Map<String, Object>> sessions = new LinkedHashMap<>();
        long[] total = {0};
        runner.query(q.text(), q.params(), rs -> {
            Map<String, Object> session = sessions.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>());
            if (session.isEmpty()) {
                long start = rs.getLong(5);
                long end = rs.getLong(6);
                session.put("session_id", rs.getString(2));
                session.put("user_key", rs.getString(3));
                session.put("identity", rs.getString(4));
                session.put("start", Instant.ofEpochMilli(start).toString());
                session.put("end", Instant.ofEpochMilli(end).toString());
                session.put("duration_seconds", (end - start) / 1000);
                session.put("landing_page", rs.getString(7));
                session.put("landing_path", rs.getString(8));
                session.put("referrer", rs.getString(9));
                session.put("event_count", rs.getLong(10));
                session.put("events", new ArrayList<Map<String, Object>>());
                total[0] = rs.getLong(11);
            }
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("kind", rs.getString(12));
            event.put("name", rs.getString(13));
            event.put("path", rs.getString(14));
            event.put("text", rs.getString(15));
            event.put("time", Instant.ofEpochMilli(rs.getLong(16)).toString());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> events = (List<Map<String, Object>>) session.get("events");
            events.add(event);
            return null;
        });
        return Map.of("sessions", List.copyOf(sessions.values()), "total", total[0]);
    }
}
