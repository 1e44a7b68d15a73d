package dev.hindsight.query.reference;

import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Resolved;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The sessions analysis by brute force: the range's sessions of {@link Dataset#sessions} (session ids, and the
 * 30-minute rule for events without one), each described from its events in time order, newest start first.
 */
public final class SessionsReference {
    private SessionsReference() {
    }

    /** One event of a session. */
    public record Event(String kind, String name, String path, String text, long time) {
    }

    /** One session of the answer. */
    public record Session(String sessionId, String userKey, String identity, long start, long end,
            long durationSeconds, String landingPage, String landingPath, String referrer, long eventCount,
            List<Event> events) {
    }

    /** Every session (of {@code userKey}, unless null) newest first; the caller applies the limit. */
    public static List<Session> sessions(Dataset data, long from, long to, String userKey) {
        List<Session> out = new ArrayList<>();
        for (List<Resolved> s : data.sessions(from, to)) {
            Resolved first = s.get(0);
            if (userKey != null && !userKey.equals(first.userKey())) {
                continue;
            }
            long start = first.ev().time();
            long end = s.get(s.size() - 1).ev().time();
            Ev landing = s.stream().map(Resolved::ev).filter(e -> e.kind().equals("pageview")).findFirst().orElse(null);
            List<Event> events = s.stream().map(Resolved::ev)
                    .map(e -> new Event(e.kind(), e.name(), e.path(), e.text(), e.time())).toList();
            out.add(new Session(first.ev().session(), first.userKey(), Dataset.identityOf(first.userKey()), start, end,
                    (end - start) / 1000, landing == null ? null : landing.url(), landing == null ? null : landing.path(),
                    first.ev().referrer(), s.size(), events));
        }
        out.sort(Comparator.comparingLong(Session::start).reversed());
        return out;
    }
}
