package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static dev.hindsight.query.Traffic.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exact JSON of each kind of answer, and of the users list and a cohort's members, size and changes, on a small
 * dataset: member names and order, members left out or written as null, and whole numbers against fractions (a
 * count is {@code 1}, a sum {@code 30.0}). The other tests read answers as trees, which see none of these. The
 * expected texts are in {@code answer-wire-shape.txt}, a label line then the answer's line; the users' properties
 * hold one member each, as an engine gives a user's properties in no particular order. With
 * {@code -Dwire.dump=FILE} the test writes the answers it got in that file's form.
 */
class AnswerWireShapeTest {
    private static final long NOW = Instant.parse("2026-11-20T00:00:00Z").toEpochMilli();
    private static final long D = 86_400_000L;
    private static final long H = 3_600_000L;
    private static final long MIN = 60_000L;
    private static final MutableClock CLOCK = new MutableClock(Instant.ofEpochMilli(NOW));
    private static TestServer s;
    private static long vip;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
        long t0 = NOW - 3 * D + H;
        Sends.browser(s, s.dev(), List.of(
                map("kind", "pageview", "device_id", "a1", "identity", "alice", "session_id", "s1", "time", t0,
                        "url", "https://x.com/home"),
                map("kind", "custom", "name", "Started checkout", "device_id", "a1", "identity", "alice",
                        "session_id", "s1", "time", t0 + MIN, "properties", Map.of("plan", "pro")),
                map("kind", "custom", "name", "Purchased", "device_id", "a1", "identity", "alice", "session_id", "s1",
                        "time", t0 + 2 * MIN, "properties", Map.of("plan", "pro", "revenue", 30)),
                map("kind", "pageview", "device_id", "a1", "identity", "alice", "session_id", "s2", "time", t0 + D,
                        "url", "https://x.com/home"),
                map("kind", "custom", "name", "Started checkout", "device_id", "b1", "identity", "bob",
                        "time", t0 + H, "properties", Map.of("plan", "free")),
                map("kind", "custom", "name", "Purchased", "device_id", "b1", "identity", "bob", "time", t0 + D + H,
                        "properties", Map.of("plan", "free", "revenue", 2.5)),
                map("kind", "custom", "name", "Started checkout", "device_id", "c1", "time", t0 + D + 2 * H),
                map("kind", "pageview", "device_id", "c1", "session_id", "s3", "time", t0 + D + 2 * H + MIN,
                        "url", "https://x.com/pricing?utm_source=ad", "referrer", "https://google.com/")));
        userProperties("alice", Map.of("seats", 5));
        userProperties("bob", Map.of("score", 2.5));
        TestServer.Response r = s.post("/api/cohorts", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"VIP\",\"definition\":"
                + "{\"type\":\"static\",\"identities\":[\"alice\",\"bob\"]}}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        vip = r.json().get("id").asLong();
    }

    private static void userProperties(String identity, Map<String, Object> properties) {
        TestServer.Response r = s.post("/api/add_user_properties", TestServer.json("app_id", s.dev().appId(),
                "identity", identity, "properties", properties), bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static String query(String kind, String fields) {
        TestServer.Response r = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"" + kind
                + "\",\"from\":\"2026-11-17\",\"to\":\"2026-11-19\",\"time_zone\":\"Europe/Berlin\""
                + (fields.isEmpty() ? "" : "," + fields) + "}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static String get(String path) {
        TestServer.Response r = s.get(path + (path.contains("?") ? "&" : "?") + "app_id=" + s.dev().appId(),
                bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    private static final String CHECKOUT = "{\"kind\":\"custom\",\"event\":\"Started checkout\"}";
    private static final String PURCHASED = "{\"kind\":\"custom\",\"event\":\"Purchased\"}";

    @Test
    void everyAnswerIsWrittenExactlyAsBefore() throws Exception {
        Map<String, String> actual = new LinkedHashMap<>();
        actual.put("graph", query("graph", "\"interval\":\"day\",\"series\":[{\"event\":" + CHECKOUT + ",\"measure\":\"count\"},"
                + "{\"event\":" + PURCHASED + ",\"measure\":\"sum\",\"property\":\"revenue\"},"
                + "{\"event\":" + PURCHASED + ",\"measure\":\"per_user\",\"aggregate\":\"avg\"}],"
                + "\"breakdown\":{\"property\":\"plan\",\"limit\":1},\"formulas\":[{\"expression\":\"B / A\",\"name\":\"per checkout\"}]"));
        actual.put("graph without breakdown or formulas", query("graph", "\"interval\":\"day\",\"series\":[{\"event\":" + CHECKOUT + "}]"));
        actual.put("graph by cohort", query("graph", "\"interval\":\"day\",\"series\":[{\"event\":" + CHECKOUT + "}],"
                + "\"breakdown\":{\"cohorts\":[" + vip + "]}"));
        actual.put("funnel", query("funnel", "\"steps\":[" + CHECKOUT + "," + PURCHASED + "],\"window\":\"P7D\","
                + "\"breakdown\":\"plan\",\"users\":{\"step\":1,\"status\":\"converted\",\"limit\":1}"));
        actual.put("funnel's last page of users", query("funnel", "\"steps\":[" + CHECKOUT + "," + PURCHASED + "],\"window\":\"PT1H\","
                + "\"users\":{\"step\":2,\"status\":\"dropped\"}"));
        actual.put("funnel without breakdown or users", query("funnel", "\"steps\":[" + CHECKOUT + "," + PURCHASED + "]"));
        actual.put("retention", query("retention", "\"start\":" + CHECKOUT + ",\"return\":{\"kind\":\"pageview\"},"
                + "\"period\":\"day\",\"periods\":1,\"breakdown\":\"plan\""));
        actual.put("retention without breakdown", query("retention", "\"start\":" + CHECKOUT + ",\"return\":{\"kind\":\"pageview\"},"
                + "\"periods\":1"));
        actual.put("paths", query("paths", "\"start\":" + PURCHASED + ",\"depth\":2,\"direction\":\"before\""));
        actual.put("users", query("users", ""));
        actual.put("sessions", query("sessions", "\"limit\":3"));
        actual.put("users list, first page", get("/api/users?limit=1"));
        actual.put("users list, last page", get("/api/users"));
        actual.put("cohort members", get("/api/cohorts/" + vip + "/members?limit=1"));
        actual.put("cohort size", get("/api/cohorts/" + vip + "/size?interval=day&from=2026-11-18&to=2026-11-19"));
        actual.put("cohort changes", get("/api/cohorts/" + vip + "/changes?since=2026-11-19T00:00:00Z"));
        if (System.getProperty("wire.dump") != null) {
            StringBuilder b = new StringBuilder();
            actual.forEach((k, v) -> b.append(k).append('\n').append(v).append('\n'));
            java.nio.file.Files.writeString(java.nio.file.Path.of(System.getProperty("wire.dump")), b);
        }
        Map<String, String> expected = new LinkedHashMap<>();
        try (var in = AnswerWireShapeTest.class.getResourceAsStream("answer-wire-shape.txt")) {
            List<String> lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
            for (int i = 0; i + 1 < lines.size(); i += 2) {
                expected.put(lines.get(i), lines.get(i + 1));
            }
        }
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        actual.forEach((what, json) -> assertThat(json).as(what).isEqualTo(expected.get(what)));
    }
}
