package dev.hindsight.activate.destination;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Meta Conversions API: {@code data[]} of at most 1,000 events per request; {@code event_time} in Unix
 * seconds; {@code event_id} = the canonical event id, so the browser pixel's event with the same id is
 * deduplicated; {@code user_data} with SHA-256 of the normalised email ({@code em}), phone ({@code ph}) and
 * external id, and {@code fbp}, {@code fbc}, client IP and user agent unhashed; mapped fields in
 * {@code custom_data} ({@code value}, {@code currency}, {@code order_id}, ...).
 */
final class MetaRequests {
    static final int MAX_EVENTS = 1000;

    private MetaRequests() {
    }

    static Build build(Destination.Meta m, List<RequestBuilder.Mapped> events, boolean test) {
        List<Build.Skipped> skipped = new ArrayList<>();
        List<Map<String, Object>> data = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        boolean website = "website".equals(m.actionSource());
        for (var e : events) {
            var ev = e.out().event();
            var u = e.out().user();
            Map<String, Object> userData = userData(u, ev.userId());
            if (userData.isEmpty()) {
                skipped.add(new Build.Skipped(e.eventId(), "no-match-keys",
                        "no email, phone, external id, fbp, fbc or client IP/user agent for this user"));
                continue;
            }
            String url = u.pageUrl() != null ? u.pageUrl() : stringProp(ev.properties(), "url");
            if (website && (url == null || u.userAgent() == null)) {
                skipped.add(new Build.Skipped(e.eventId(), "missing-field",
                        "action_source website needs event_source_url and client_user_agent"));
                continue;
            }
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("event_name", e.rule().name());
            item.put("event_time", e.at().getEpochSecond());
            item.put("event_id", ev.eventId());
            item.put("action_source", m.actionSource());
            if (url != null) item.put("event_source_url", url);
            item.put("user_data", userData);
            Map<String, Object> custom = customData(EventMapping.fields(e.rule(), ev));
            if (!custom.isEmpty()) item.put("custom_data", custom);
            data.add(item);
            ids.add(ev.eventId());
        }
        List<BuiltRequest> requests = new ArrayList<>();
        var dataChunks = RequestBuilder.chunks(data, MAX_EVENTS);
        var idChunks = RequestBuilder.chunks(ids, MAX_EVENTS);
        for (int i = 0; i < dataChunks.size(); i++) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("data", dataChunks.get(i));
            if (test && m.testEventCode() != null) body.put("test_event_code", m.testEventCode());
            requests.add(new BuiltRequest("meta", "events", "POST", m.eventsUri(),
                    BuiltRequest.bearerJson(m.accessToken()),
                    Json.write(body), idChunks.get(i), List.of(), test));
        }
        return new Build(requests, skipped, List.of());
    }

    static Map<String, Object> userData(UserData u, String userId) {
        Map<String, Object> ud = new LinkedHashMap<>();
        String em = Pii.hashEmail(u.email());
        if (em != null) ud.put("em", List.of(em));
        String ph = Pii.hashPhone(u.phone());
        if (ph != null) ud.put("ph", List.of(ph));
        String ext = Pii.hashId(u.externalId() != null ? u.externalId() : userId);
        if (ext != null) ud.put("external_id", List.of(ext));
        if (u.fbp() != null) ud.put("fbp", u.fbp());
        if (u.fbc() != null) ud.put("fbc", u.fbc());
        if (u.clientIp() != null) ud.put("client_ip_address", u.clientIp());
        if (u.userAgent() != null) ud.put("client_user_agent", u.userAgent());
        return ud;
    }

    /** Meta wants {@code value} a number and {@code currency} an upper-case ISO 4217 code. */
    static Map<String, Object> customData(Map<String, Object> fields) {
        Map<String, Object> out = new LinkedHashMap<>(fields);
        Object v = out.get("value");
        if (v instanceof String s) {
            try {
                out.put("value", Double.parseDouble(s.trim()));
            } catch (NumberFormatException ex) {
                out.remove("value");
            }
        }
        if (out.get("currency") instanceof String c) out.put("currency", c.trim().toUpperCase(Locale.ROOT));
        if (out.get("order_id") instanceof Number n) out.put("order_id", n.toString());
        return out;
    }

    private static String stringProp(Map<String, Object> props, String key) {
        return props != null && props.get(key) instanceof String s ? s : null;
    }
}
