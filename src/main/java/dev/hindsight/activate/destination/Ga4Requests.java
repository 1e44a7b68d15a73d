package dev.hindsight.activate.destination;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * GA4 Measurement Protocol: one request per user (all events in a request share its {@code client_id} and
 * {@code user_id}), at most 25 events each; event names of at most 40 letters, digits and underscores
 * starting with a letter and not reserved; at most 25 parameters per event, names of at most 40 characters
 * without a reserved prefix, string values of at most 100 characters; {@code timestamp_micros} per event.
 * A parameter over a limit is capped or dropped and the build says so; an event with an invalid name is not sent.
 */
final class Ga4Requests {
    static final int MAX_EVENTS = 25;
    static final int MAX_PARAMS = 25;
    static final int MAX_NAME = 40;
    static final int MAX_VALUE = 100;
    static final int MAX_USER_ID = 256;
    static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    /** Reserved for web and app streams by the Measurement Protocol reference. */
    static final Set<String> RESERVED_EVENTS = Set.of("ad_activeview", "ad_click", "ad_exposure", "ad_impression",
            "ad_query", "ad_reward", "adunit_exposure", "app_background", "app_clear_data", "app_exception",
            "app_install", "app_remove", "app_store_refund", "app_store_subscription_cancel",
            "app_store_subscription_convert", "app_store_subscription_renew", "app_update", "app_upgrade",
            "dynamic_link_app_open", "dynamic_link_app_update", "dynamic_link_first_open", "error",
            "firebase_campaign", "firebase_in_app_message_action", "firebase_in_app_message_dismiss",
            "firebase_in_app_message_impression", "first_open", "first_visit", "in_app_purchase",
            "notification_dismiss", "notification_foreground", "notification_open", "notification_receive",
            "os_update", "session_start", "session_start_with_rollout", "user_engagement");
    static final List<String> RESERVED_PREFIXES = List.of("_", "firebase_", "ga_", "google_", "gtag.");
    static final Set<String> RESERVED_PARAMS = Set.of("firebase_conversion");

    private Ga4Requests() {
    }

    static String invalidEventName(String name) {
        if (name == null || name.isEmpty()) return "empty";
        if (name.length() > MAX_NAME) return "longer than " + MAX_NAME + " characters";
        if (!NAME.matcher(name).matches()) return "must start with a letter and hold only letters, digits and _";
        if (RESERVED_EVENTS.contains(name)) return "reserved by GA4";
        for (String p : RESERVED_PREFIXES) if (name.startsWith(p)) return "reserved prefix " + p;
        return null;
    }

    static String invalidParamName(String name) {
        if (name.length() > MAX_NAME) return "name longer than " + MAX_NAME + " characters";
        if (!NAME.matcher(name).matches()) return "name must start with a letter and hold only letters, digits and _";
        if (RESERVED_PARAMS.contains(name)) return "reserved parameter name";
        for (String p : RESERVED_PREFIXES) if (name.startsWith(p)) return "reserved prefix " + p;
        return null;
    }

    private record Key(String clientId, String userId) {
    }

    static Build build(Destination.Ga4 g, List<RequestBuilder.Mapped> events, boolean test) {
        List<Build.Skipped> skipped = new ArrayList<>();
        List<Build.Note> notes = new ArrayList<>();
        Map<Key, List<Map<String, Object>>> byUser = new LinkedHashMap<>();
        Map<Key, List<String>> idsByUser = new LinkedHashMap<>();
        for (var e : events) {
            var ev = e.out().event();
            String bad = invalidEventName(e.rule().name());
            if (bad != null) {
                skipped.add(new Build.Skipped(ev.eventId(), "invalid-event-name",
                        "GA4 event name '" + e.rule().name() + "': " + bad));
                continue;
            }
            String clientId = e.out().user().gaClientId() != null ? e.out().user().gaClientId() : ev.anonymousId();
            if (clientId == null || clientId.isBlank()) {
                skipped.add(new Build.Skipped(ev.eventId(), "no-client-id",
                        "GA4 needs a client_id: no GA client id or anonymous id for this user"));
                continue;
            }
            String userId = ev.userId() != null && ev.userId().length() <= MAX_USER_ID ? ev.userId() : null;
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("name", e.rule().name());
            item.put("params", params(ev.eventId(), EventMapping.fields(e.rule(), ev), notes));
            item.put("timestamp_micros", e.at().getEpochSecond() * 1_000_000L + e.at().getNano() / 1_000);
            Key k = new Key(clientId, userId);
            byUser.computeIfAbsent(k, x -> new ArrayList<>()).add(item);
            idsByUser.computeIfAbsent(k, x -> new ArrayList<>()).add(ev.eventId());
        }
        List<BuiltRequest> requests = new ArrayList<>();
        byUser.forEach((k, items) -> {
            var itemChunks = RequestBuilder.chunks(items, MAX_EVENTS);
            var idChunks = RequestBuilder.chunks(idsByUser.get(k), MAX_EVENTS);
            for (int i = 0; i < itemChunks.size(); i++) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("client_id", k.clientId());
                if (k.userId() != null) body.put("user_id", k.userId());
                body.put("events", itemChunks.get(i));
                requests.add(new BuiltRequest("ga4", test ? "validate" : "events", "POST", g.collectUri(test),
                        Map.of("Content-Type", "application/json"), Json.write(body), idChunks.get(i), List.of(),
                        test));
            }
        });
        return new Build(requests, skipped, notes);
    }

    /** The event's parameters within GA4's limits; every change is noted with its reason. */
    static Map<String, Object> params(String eventId, Map<String, Object> fields, List<Build.Note> notes) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var f : fields.entrySet()) {
            String name = f.getKey();
            Object v = f.getValue();
            String bad = invalidParamName(name);
            if (bad != null) {
                notes.add(new Build.Note(eventId, name, "dropped", bad));
                continue;
            }
            if (name.equals("items") && v instanceof List<?>) {
                out.put(name, v);
            } else if (v instanceof Number || v instanceof Boolean) {
                out.put(name, v instanceof Boolean b ? b.toString() : v);
            } else if (v instanceof String s) {
                if (s.length() > MAX_VALUE) {
                    notes.add(new Build.Note(eventId, name, "capped",
                            "value of " + s.length() + " characters cut to " + MAX_VALUE));
                    s = s.substring(0, MAX_VALUE);
                }
                out.put(name, s);
            } else {
                notes.add(new Build.Note(eventId, name, "dropped",
                        "not a string or number (" + Objects.toString(v == null ? null : v.getClass().getSimpleName()) + ")"));
                continue;
            }
            if (out.size() > MAX_PARAMS) {
                out.remove(name);
                notes.add(new Build.Note(eventId, name, "dropped", "over " + MAX_PARAMS + " parameters per event"));
            }
        }
        return out;
    }
}
