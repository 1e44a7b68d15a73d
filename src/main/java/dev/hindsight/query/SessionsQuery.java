package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Sessions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sessions analysis: request {@code {identity?, limit?: 1..500}}, answer {@code {sessions: [{session_id,
 * user_key, identity, start, end, duration_seconds, landing_page, landing_path, referrer, channel, event_count, events:
 * [{kind, name, path, text, time}]}], total}}.
 *
 * <p>Exact semantics. Sessions are built from the events in [from, to) only (see {@link Engine}), so a session
 * crossing a bound is cut there. A session's user is the resolved user of its first event; {@code identity}
 * keeps the sessions of that user (an identity, or a {@code user_key} such as {@code device:abc}). {@code start}
 * and {@code end} are its first and last event's times, {@code duration_seconds} the whole seconds between them;
 * {@code landing_page} and {@code landing_path} are the url and path of its first pageview (null without one);
 * {@code referrer} is its first event's, {@code channel} the {@code $channel} rules applied to these two. {@code session_id} is null for a session of events without session ids.
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

    static Answer.Sessions run(Sessions s, Engine engine) {
        // Per session, in the engine's order: its first row (which carries the session's figures) and its events.
        Map<String, Engine.SessionRow> first = new LinkedHashMap<>();
        Map<String, List<Answer.SessionEvent>> events = new LinkedHashMap<>();
        long total = 0;
        for (Engine.SessionRow row : engine.sessions(s)) {
            if (first.putIfAbsent(row.sessionKey(), row) == null) {
                total = row.total();
            }
            events.computeIfAbsent(row.sessionKey(), k -> new ArrayList<>()).add(new Answer.SessionEvent(row.kind(),
                    row.name(), row.path(), row.text(), Instant.ofEpochMilli(row.timeMs()).toString()));
        }
        List<Answer.Session> sessions = new ArrayList<>();
        first.forEach((key, row) -> sessions.add(new Answer.Session(row.sessionId(), row.userKey(), row.identity(),
                Instant.ofEpochMilli(row.startMs()).toString(), Instant.ofEpochMilli(row.endMs()).toString(),
                (row.endMs() - row.startMs()) / 1000, row.landingPage(), row.landingPath(), row.referrer(),
                channel(row.landingPage(), row.referrer()), row.eventCount(), events.get(key))));
        return new Answer.Sessions(sessions, total);
    }

    /** The session's {@code $channel}, by the one set of rules ({@link dev.hindsight.define.BuiltIns#channel}). */
    static String channel(String landingPage, String referrer) {
        String query = null;
        if (landingPage != null) {
            int q = landingPage.indexOf('?');
            if (q >= 0) {
                int h = landingPage.indexOf('#', q);
                query = landingPage.substring(q + 1, h < 0 ? landingPage.length() : h);
            }
        }
        return dev.hindsight.define.BuiltIns.channel(dev.hindsight.define.BuiltIns.host(referrer),
                dev.hindsight.define.BuiltIns.host(landingPage), query);
    }
}
