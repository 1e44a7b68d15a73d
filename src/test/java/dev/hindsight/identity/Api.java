package dev.hindsight.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The HTTP calls the identity tests make against one environment of a {@link TestServer}. The server runs on
 * a {@link MutableClock} standing still at {@link #NOW}, and every {@code /h} batch carries {@code sent_at}
 * equal to that clock, so clock-skew correction is zero and the explicit event times are stored exactly.
 */
final class Api {
    static final Instant NOW = Instant.parse("2024-06-01T12:00:00Z");
    /** A fixed moment a day before {@link #NOW}; tests place events at minute offsets from it. */
    static final long BASE = NOW.minusSeconds(86_400).toEpochMilli();

    final TestServer s;
    final Environment env;

    Api(TestServer s, Environment env) {
        this.s = s;
        this.env = env;
    }

    /** A server whose clock stands still at {@link #NOW}. */
    static TestServer startServer() {
        return TestServer.start(Map.of(), new MutableClock(NOW));
    }

    /** {@link #BASE} plus some minutes, in epoch ms. */
    static long at(int minutes) {
        return BASE + minutes * 60_000L;
    }

    /** A name no other test uses, so tests can share one server. */
    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Sends one anonymous pageview from the device through {@code /h}; returns its event id. */
    String anonymous(String device, long time) {
        return browserEvent(device, null, time);
    }

    /** Sends one pageview through {@code /h} carrying an identity (null: anonymous); returns its event id. */
    String browserEvent(String device, String identity, long time) {
        String id = UUID.randomUUID().toString();
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", "pageview");
        e.put("event_id", id);
        e.put("device_id", device);
        if (identity != null) {
            e.put("identity", identity);
        }
        e.put("time", time);
        e.put("url", "https://shop.example/p/" + id);
        sendBrowser(List.of(e));
        return id;
    }

    /** The tracker's identify: {@code {"kind":"identify","device_id":D,"identity":U,"time":t}} on {@code /h}. */
    void identifyOnDevice(String device, String identity, long time) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kind", "identify");
        e.put("device_id", device);
        e.put("identity", identity);
        e.put("time", time);
        sendBrowser(List.of(e));
    }

    void sendBrowser(List<Map<String, Object>> events) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("app_id", env.appId());
        body.put("sent_at", NOW.toEpochMilli());
        body.put("events", events);
        TestServer.Response r = s.post("/h", write(body), "Content-Type", "application/json");
        assertThat(r.status()).as("POST /h: %s", r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(events.size());
    }

    /** The canonical server identify {@code {app_id, user_id, anonymous_id, traits, timestamp}}. */
    TestServer.Response identifyServer(String device, String identity, Long timestamp, Map<String, Object> traits) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("app_id", env.appId());
        body.put("user_id", identity);
        body.put("anonymous_id", device);
        body.put("traits", traits);
        if (timestamp != null) {
            body.put("timestamp", timestamp);
        }
        TestServer.Response r = s.post("/api/identify", write(body), TestServer.bearer(env.secretKey()));
        assertThat(r.status()).as("POST /api/identify: %s", r.body()).isEqualTo(200);
        return r;
    }

    void addUserProperties(String identity, Map<String, Object> properties) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("app_id", env.appId());
        body.put("identity", identity);
        body.put("properties", properties);
        TestServer.Response r = s.post("/api/add_user_properties", write(body), TestServer.bearer(env.secretKey()));
        assertThat(r.status()).as("POST /api/add_user_properties: %s", r.body()).isEqualTo(200);
    }

    /** A server-side event for the identity through {@code /api/track}; returns its event id. */
    String track(String identity, String event, long time) {
        String id = UUID.randomUUID().toString();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("app_id", env.appId());
        body.put("identity", identity);
        body.put("event", event);
        body.put("event_id", id);
        body.put("timestamp", time);
        TestServer.Response r = s.post("/api/track", write(body), TestServer.bearer(env.secretKey()));
        assertThat(r.status()).as("POST /api/track: %s", r.body()).isEqualTo(200);
        return id;
    }

    /** The event ids of the user's whole merged stream, newest first, read page by page. */
    List<String> eventIds(String identity) {
        List<String> ids = new ArrayList<>();
        for (JsonNode e : allEvents(identity, 1000)) {
            ids.add(e.get("event_id").asText());
        }
        return ids;
    }

    /** Every event of the user's stream, following {@code next_cursor} with pages of {@code limit}. */
    List<JsonNode> allEvents(String identity, int limit) {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < 10_000; pages++) {
            JsonNode page = eventsPage(identity, limit, cursor);
            page.get("events").forEach(out::add);
            JsonNode next = page.get("next_cursor");
            if (next == null || next.isNull()) {
                return out;
            }
            cursor = next.asText();
        }
        throw new AssertionError("paging did not end");
    }

    JsonNode eventsPage(String identity, int limit, String cursor) {
        TestServer.Response r = s.get("/api/users/" + enc(identity) + "/events?app_id=" + env.appId() + "&limit="
                + limit + (cursor == null ? "" : "&cursor=" + enc(cursor)), TestServer.bearer(TestServer.ADMIN));
        assertThat(r.status()).as("GET events: %s", r.body()).isEqualTo(200);
        return r.json();
    }

    TestServer.Response userResponse(String identity, String... headers) {
        return s.get("/api/users/" + enc(identity) + "?app_id=" + env.appId(), headers);
    }

    JsonNode user(String identity) {
        TestServer.Response r = userResponse(identity, TestServer.bearer(TestServer.ADMIN));
        assertThat(r.status()).as("GET user: %s", r.body()).isEqualTo(200);
        return r.json();
    }

    TestServer.Response mergesResponse(String identity, String... headers) {
        return s.get("/api/users/" + enc(identity) + "/merges?app_id=" + env.appId(), headers);
    }

    /** The user's merges, oldest first. */
    List<JsonNode> merges(String identity) {
        TestServer.Response r = mergesResponse(identity, TestServer.bearer(TestServer.ADMIN));
        assertThat(r.status()).as("GET merges: %s", r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("merges").forEach(out::add);
        return out;
    }

    TestServer.Response undo(String identity, long mergeId, String... headers) {
        return s.post("/api/users/" + enc(identity) + "/merges/" + mergeId + "/undo?app_id=" + env.appId(), "",
                headers);
    }

    /** Undoes the merge as admin and returns the merge as the answer shows it. */
    JsonNode undo(String identity, long mergeId) {
        TestServer.Response r = undo(identity, mergeId, TestServer.bearer(TestServer.ADMIN));
        assertThat(r.status()).as("undo: %s", r.body()).isEqualTo(200);
        return r.json();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String write(Object body) {
        try {
            return TestServer.JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
