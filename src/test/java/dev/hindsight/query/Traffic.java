package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Sends test traffic to a {@link TestServer} through the public endpoints and asks {@code POST /api/query}. */
record Traffic(TestServer s) {

    /** Browser events (and identify events) through {@code /h}, all accepted. */
    void browser(Environment env, List<Map<String, Object>> events) {
        TestServer.Response r = s.post("/h", TestServer.json("app_id", env.appId(), "events", events));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("rejected").asInt()).as(r.body()).isZero();
    }

    /** A server-side custom event through {@code /api/track}. */
    void track(Environment env, String identity, String event, long time) {
        ok(s.post("/api/track", TestServer.json("app_id", env.appId(), "identity", identity, "event", event,
                "timestamp", time), bearer(env.secretKey())));
    }

    /** The canonical identify: from {@code time} on (and before its first link), the device is the user's. */
    void identify(Environment env, String device, String identity, long time) {
        ok(s.post("/api/identify", TestServer.json("app_id", env.appId(), "user_id", identity, "anonymous_id", device,
                "timestamp", time), bearer(env.secretKey())));
    }

    void userProperties(Environment env, String identity, Map<String, Object> properties) {
        ok(s.post("/api/add_user_properties", TestServer.json("app_id", env.appId(), "identity", identity,
                "properties", properties), bearer(env.secretKey())));
    }

    long define(Environment env, String name, String rulesJson) {
        TestServer.Response r = s.post("/api/definitions", "{\"app_id\":\"" + env.appId() + "\",\"name\":\"" + name
                + "\",\"rules\":" + rulesJson + "}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        return r.json().get("id").asLong();
    }

    /** Undoes the user's merge of {@code device}. */
    void unmerge(Environment env, String identity, String device) {
        JsonNode merges = s.get("/api/users/" + identity + "/merges?app_id=" + env.appId(), bearer(TestServer.ADMIN))
                .json().get("merges");
        long id = -1;
        for (JsonNode m : merges) {
            if (m.toString().contains("\"" + device + "\"")) {
                id = m.get("id").asLong();
            }
        }
        assertThat(id).as("merge of %s in %s", device, merges).isPositive();
        ok(s.post("/api/users/" + identity + "/merges/" + id + "/undo?app_id=" + env.appId(), "",
                bearer(TestServer.ADMIN)));
    }

    /** Runs a query of {@code kind} over [from, to) with the kind's fields as JSON members (no braces). */
    JsonNode query(Environment env, String kind, String from, String to, String fields) {
        TestServer.Response r = queryResponse(env, kind, from, to, fields);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    TestServer.Response queryResponse(Environment env, String kind, String from, String to, String fields) {
        return s.post("/api/query", "{\"app_id\":\"" + env.appId() + "\",\"kind\":\"" + kind + "\",\"from\":\"" + from
                + "\",\"to\":\"" + to + "\"" + (fields.isEmpty() ? "" : "," + fields) + "}", bearer(TestServer.ADMIN));
    }

    /** A map from alternating keys and values (values may be null, unlike {@code Map.of}). */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    private static void ok(TestServer.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
}
