package dev.hindsight.collect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Small helpers the ingest tests share: JSON bodies from maps, sending to the ingest endpoints, and reading
 * back what was stored through the users API.
 */
final class Api {
    static final String JSON_TYPE = "application/json";

    private Api() {
    }

    /** A fresh id, so that each test works with its own devices and users on a shared server. */
    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    static String json(Object value) {
        try {
            return TestServer.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An insertion-ordered map from alternating keys and values (values may be null, unlike Map.of). */
    static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    /** A {@code /h} batch body for {@code env} with {@code sent_at} left out. */
    static String browserBatch(Environment env, Object... events) {
        return json(map("app_id", env.appId(), "events", List.of(events)));
    }

    static TestServer.Response postH(TestServer s, String body, String... headers) {
        List<String> h = new ArrayList<>(List.of("Content-Type", JSON_TYPE));
        h.addAll(List.of(headers));
        return s.post("/h", body, h.toArray(String[]::new));
    }

    /** Posts to a server endpoint with the environment's secret key. */
    static TestServer.Response postServer(TestServer s, String path, Environment env, String body) {
        return s.post(path, body, "Content-Type", JSON_TYPE, "Authorization", "Bearer " + env.secretKey());
    }

    /** The stored events of a user (newest first), as the users API shows them. */
    static List<JsonNode> events(TestServer s, Environment env, String identity) {
        TestServer.Response r = s.get("/api/users/" + URLEncoder.encode(identity, StandardCharsets.UTF_8)
                .replace("+", "%20") + "/events?limit=1000&app_id=" + env.appId(), TestServer.bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("events").forEach(out::add);
        return out;
    }

    /** The one stored event of a user; fails when there is not exactly one. */
    static JsonNode onlyEvent(TestServer s, Environment env, String identity) {
        List<JsonNode> events = events(s, env, identity);
        assertThat(events).as("events of %s", identity).hasSize(1);
        return events.get(0);
    }

    /** A user's profile ({@code identity, properties, ...}), or the 404 answer's body when there is none. */
    static TestServer.Response user(TestServer s, Environment env, String identity) {
        return s.get("/api/users/" + URLEncoder.encode(identity, StandardCharsets.UTF_8).replace("+", "%20")
                + "?app_id=" + env.appId(), TestServer.bearer(TestServer.ADMIN));
    }

    static long count(TestServer s, Environment env) {
        return s.app().store().countEvents(env.id());
    }

    /** The field names of a problem's {@code errors[]}. */
    static List<String> errorFields(TestServer.Response r) {
        List<String> out = new ArrayList<>();
        r.json().path("errors").forEach(e -> out.add(e.get("field").asText()));
        return out;
    }

    /** Asserts a problem+json answer with the status and the problem type slug. */
    static JsonNode assertProblem(TestServer.Response r, int status, String slug) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.get("type").asText()).isEqualTo("https://hindsight.dev/problems/" + slug);
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("title").asText()).isNotBlank();
        assertThat(p.get("detail").asText()).isNotBlank();
        return p;
    }
}
