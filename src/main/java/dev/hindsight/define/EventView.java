package dev.hindsight.define;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.hindsight.http.Json;
import dev.hindsight.store.RawEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A stored event as the API shows it: the raw event model's JSON names, times as ISO-8601, nulls left out. */
public final class EventView {
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private EventView() {
    }

    public static Map<String, Object> of(RawEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "event_id", e.eventId().toString());
        put(m, "kind", e.kind());
        put(m, "name", e.name());
        put(m, "device_id", e.deviceId());
        put(m, "identity", e.identity());
        put(m, "session_id", e.sessionId());
        put(m, "time", Instant.ofEpochMilli(e.time()).toString());
        put(m, "client_time", e.clientTime() == null ? null : Instant.ofEpochMilli(e.clientTime()).toString());
        put(m, "received_at", Instant.ofEpochMilli(e.receivedAt()).toString());
        put(m, "session_ms", e.sessionMs());
        put(m, "since_prev_ms", e.sincePrevMs());
        put(m, "hierarchy", e.hierarchy());
        put(m, "text", e.targetText());
        put(m, "href", e.href());
        put(m, "url", e.url());
        put(m, "path", e.path());
        put(m, "title", e.title());
        put(m, "referrer", e.referrer());
        put(m, "query", e.query());
        put(m, "hash", e.hash());
        put(m, "browser", e.browser());
        put(m, "browser_version", e.browserVersion());
        put(m, "os", e.os());
        put(m, "os_version", e.osVersion());
        put(m, "device_type", e.deviceType());
        put(m, "viewport_width", e.viewportWidth());
        put(m, "viewport_height", e.viewportHeight());
        put(m, "lib", e.library());
        put(m, "lib_version", e.libraryVersion());
        put(m, "source", e.source());
        put(m, "ip", e.ip());
        try {
            m.put("properties", Json.MAPPER.readValue(e.propertiesJson(), MAP));
        } catch (JsonProcessingException ex) {
            m.put("properties", Map.of());
        }
        return m;
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
