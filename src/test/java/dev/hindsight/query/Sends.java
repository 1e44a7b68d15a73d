package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test data for analyses: custom events and identifies through {@code /h}, server events through {@code /api/track}. */
final class Sends {
    private Sends() {
    }

    /** A tracker custom event named {@code name} on a device at an exact time, with an optional plan property. */
    static Map<String, Object> custom(String device, String name, long time, String plan) {
        Map<String, Object> e = new HashMap<>(Map.of("kind", "custom", "name", name, "device_id", device, "time", time));
        e.put("properties", plan == null ? Map.of() : Map.of("plan", plan));
        return e;
    }

    /** A tracker custom event sent by an already identified page: it carries the identity itself. */
    static Map<String, Object> identified(String device, String identity, String name, long time, String plan) {
        Map<String, Object> e = custom(device, name, time, plan);
        e.put("identity", identity);
        return e;
    }

    /** The tracker's identify: links the device to the identity from this time (and its earlier history). */
    static Map<String, Object> identify(String device, String identity, long time) {
        return Map.of("kind", "identify", "device_id", device, "identity", identity, "time", time);
    }

    static void browser(TestServer s, Environment env, List<Map<String, Object>> events) {
        for (int i = 0; i < events.size(); i += 500) {
            List<Map<String, Object>> batch = events.subList(i, Math.min(events.size(), i + 500));
            TestServer.Response r = s.post("/h", TestServer.json("app_id", env.appId(), "events", batch));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).doesNotContain("\"errors\"");
        }
    }

    /** A server-side event of an identified user through {@code /api/track}. */
    static void track(TestServer s, Environment env, String identity, String name, long time) {
        TestServer.Response r = s.post("/api/track", TestServer.json("app_id", env.appId(), "identity", identity,
                "event", name, "timestamp", time), bearer(env.secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** {@code POST /api/query} with the environment's app id added; asserts a 200 and returns the answer. */
    static JsonNode query(TestServer s, Environment env, Map<String, Object> body) {
        TestServer.Response r = ask(s, env, body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static TestServer.Response ask(TestServer s, Environment env, Map<String, Object> body) {
        Map<String, Object> b = new HashMap<>(body);
        b.put("app_id", env.appId());
        List<Object> kv = new ArrayList<>();
        b.forEach((k, v) -> {
            kv.add(k);
            kv.add(v);
        });
        return s.post("/api/query", TestServer.json(kv.toArray()), bearer(TestServer.ADMIN));
    }

    /** A raw custom event of a query: {@code {"kind": "custom", "event": name}}. */
    static Map<String, Object> event(String name) {
        return Map.of("kind", "custom", "event", name);
    }
}
