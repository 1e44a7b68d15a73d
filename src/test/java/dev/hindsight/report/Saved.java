package dev.hindsight.report;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.util.List;
import java.util.Map;

/** Requests of the saved-reports tests: events, definitions, reports and dashboards of one environment. */
final class Saved {
    static final long NOV10 = 1_794_268_800_000L;
    static final long H = 3_600_000L;
    static final String RANGE = "\"from\":\"2026-11-10T00:00:00Z\",\"to\":\"2026-11-13T00:00:00Z\"";

    final TestServer s;
    final Environment env;
    final String[] auth;

    Saved(TestServer s, Environment env) {
        this(s, env, bearer(TestServer.ADMIN));
    }

    Saved(TestServer s, Environment env, String[] auth) {
        this.s = s;
        this.env = env;
        this.auth = auth;
    }

    /** The same environment, asked with another credential. */
    Saved as(String[] otherAuth) {
        return new Saved(s, env, otherAuth);
    }

    /** Custom events named {@code name} through {@code /h}, acknowledged once committed. */
    void events(String name, int count, long time) {
        List<Map<String, Object>> ev = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            ev.add(Map.of("kind", "custom", "name", name, "device_id", "d" + i, "time", time + i));
        }
        TestServer.Response r = s.post("/h", TestServer.json("app_id", env.appId(), "events", ev));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** A definition of custom events named {@code event}; its id. */
    long define(String name, String event) {
        TestServer.Response r = s.post("/api/definitions", definition(name, event), bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    void redefine(long id, String name, String event) {
        TestServer.Response r = s.put("/api/definitions/" + id, definition(name, event), bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private String definition(String name, String event) {
        return "{\"app_id\":\"" + env.appId() + "\",\"name\":\"" + name + "\",\"rules\":[{\"kind\":\"custom\","
                + "\"event\":\"" + event + "\"}]}";
    }

    /** A daily graph of a definition's count over Nov 10 to 12. */
    static String graphOf(long definition) {
        return "{\"kind\":\"graph\"," + RANGE + ",\"interval\":\"day\",\"series\":[{\"event\":{\"definition\":"
                + definition + "}}]}";
    }

    /** A daily graph of raw custom events named {@code name}. */
    static String graphOf(String name) {
        return "{\"kind\":\"graph\"," + RANGE + ",\"interval\":\"day\",\"series\":[{\"event\":{\"kind\":\"custom\","
                + "\"event\":\"" + name + "\"}}]}";
    }

    /** A query body with this environment's {@code app_id}, as {@code POST /api/query} takes it. */
    String withAppId(String query) {
        return "{\"app_id\":\"" + env.appId() + "\"," + query.substring(1);
    }

    TestServer.Response save(String name, String query) {
        return s.post("/api/reports", "{\"app_id\":\"" + env.appId() + "\",\"name\":\"" + name + "\",\"query\":"
                + query + "}", auth);
    }

    long saved(String name, String query) {
        TestServer.Response r = save(name, query);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    TestServer.Response get(String path) {
        return s.get(path + (path.contains("?") ? "&" : "?") + "app_id=" + env.appId(), auth);
    }

    TestServer.Response delete(String path) {
        return s.send("DELETE", path + "?app_id=" + env.appId(), (String) null, auth);
    }

    TestServer.Response run(long report) {
        return s.post("/api/reports/" + report + "/run?app_id=" + env.appId(), "", auth);
    }

    /** Runs a report, expecting an answer. */
    JsonNode ran(long report) {
        TestServer.Response r = run(report);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    /** Sends {@code body} (JSON members after {@code app_id}) with {@code method} to {@code path}. */
    TestServer.Response send(String method, String path, String members) {
        return s.send(method, path, "{\"app_id\":\"" + env.appId() + "\"" + (members.isEmpty() ? "" : "," + members)
                + "}", auth);
    }

    /** The daily counts of a graph answer's first line. */
    static List<Long> counts(JsonNode result) {
        List<Long> out = new java.util.ArrayList<>();
        result.get("series").get(0).get("points").forEach(p -> out.add(p.get("value").asLong()));
        return out;
    }
}
