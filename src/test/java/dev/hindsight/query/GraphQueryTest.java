package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Graphs on a small hand-computed dataset: 2026-11-10 and 2026-11-11, three devices, one merge. */
class GraphQueryTest {
    private static final long NOV10 = 1_794_268_800_000L;
    private static final long NOV11 = NOV10 + 86_400_000L;
    private static final long H = 3_600_000L;
    private static final String ADD = "body:1:1|div.product:1:1|button.add-to-cart:1:1";
    private static TestServer s;
    private static long addToCart;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        List<Map<String, Object>> ev = new ArrayList<>();
        // d1: two add-to-cart clicks on Nov 10 (session a) and one on Nov 11 (session b), plan pro.
        ev.add(click("d1", NOV10 + H, "a", "pro"));
        ev.add(click("d1", NOV10 + 2 * H, "a", "pro"));
        ev.add(click("d1", NOV11 + H, "b", "pro"));
        // d2: one on Nov 10, plan free; d3: one on Nov 11 without a plan, later identified as d2's user.
        ev.add(click("d2", NOV10 + 3 * H, "c", "free"));
        ev.add(click("d3", NOV11 + 2 * H, "d", null));
        ev.add(Map.of("kind", "pageview", "device_id", "d1", "time", NOV10 + H, "url", "https://x.com/pricing"));
        ev.add(Map.of("kind", "identify", "device_id", "d2", "identity", "alice", "time", NOV10 + 4 * H));
        send(s.dev(), ev);
        send(s.prod(), List.of(click("d1", NOV10 + H, "a", "pro")));
        TestServer.Response def = s.post("/api/definitions", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":"
                + "\"Added to cart\",\"rules\":[{\"kind\":\"click\",\"selector\":\".product button.add-to-cart\"}]}",
                bearer(TestServer.ADMIN));
        addToCart = def.json().get("id").asLong();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> click(String device, long time, String session, String plan) {
        Map<String, Object> props = plan == null ? Map.of() : Map.of("plan", plan);
        return Map.of("kind", "click", "device_id", device, "time", time, "session_id", session, "hierarchy", ADD,
                "url", "https://x.com/products/1", "properties", props);
    }

    private static void send(Environment env, List<Map<String, Object>> events) {
        assertThat(s.post("/h", TestServer.json("app_id", env.appId(), "events", events)).status()).isEqualTo(200);
    }

    private static JsonNode graph(String series, String extra) {
        TestServer.Response r = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\","
                + "\"from\":\"2026-11-10T00:00:00Z\",\"to\":\"2026-11-13T00:00:00Z\",\"interval\":\"day\",\"series\":"
                + series + extra + "}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("series");
    }

    private static List<Long> values(JsonNode line) {
        List<Long> out = new ArrayList<>();
        line.get("points").forEach(p -> out.add(p.get("value").asLong()));
        return out;
    }

    @Test
    void countsUsersAndSessionsPerDayWithZerosForEmptyDays() {
        JsonNode series = graph("[{\"event\":{\"definition\":" + addToCart + "},\"measure\":\"count\"},"
                + "{\"event\":{\"definition\":" + addToCart + "},\"measure\":\"users\"},"
                + "{\"event\":{\"definition\":" + addToCart + "},\"measure\":\"sessions\"}]", "");

        assertThat(series.get(0).get("label").asText()).isEqualTo("Added to cart");
        assertThat(series.get(0).get("points").get(0).get("t").asText()).isEqualTo("2026-11-10T00:00:00Z");
        assertThat(values(series.get(0))).containsExactly(3L, 2L, 0L);
        assertThat(values(series.get(1))).containsExactly(2L, 2L, 0L);
        assertThat(values(series.get(2))).containsExactly(2L, 2L, 0L);
    }

    @Test
    void rawKindsAndPropertyFiltersSelectEvents() {
        JsonNode series = graph("[{\"event\":{\"kind\":\"pageview\"}},{\"event\":{\"kind\":\"click\",\"properties\":"
                + "[{\"key\":\"plan\",\"op\":\"=\",\"value\":\"pro\"}]}}]", "");
        assertThat(values(series.get(0))).containsExactly(1L, 0L, 0L);
        assertThat(values(series.get(1))).containsExactly(2L, 1L, 0L);
    }

    @Test
    void breakdownSplitsByPropertyWithNoneForMissing() {
        JsonNode series = graph("[{\"event\":{\"definition\":" + addToCart + "}}]", ",\"breakdown\":{\"property\":\"plan\"}");
        Map<String, List<Long>> byValue = new java.util.HashMap<>();
        series.forEach(l -> byValue.put(l.get("breakdown").asText(), values(l)));
        assertThat(byValue).containsEntry("pro", List.of(2L, 1L, 0L)).containsEntry("free", List.of(1L, 0L, 0L))
                .containsEntry("(none)", List.of(0L, 1L, 0L));
    }

    @Test
    void mergingADeviceChangesPastUserCountsAndUndoingRevertsThem() {
        String users = "[{\"event\":{\"definition\":" + addToCart + "},\"measure\":\"users\"}]";
        assertThat(values(graph(users, "").get(0))).containsExactly(2L, 2L, 0L);
        // d3 (Nov 11) becomes alice, who is d2 (Nov 10): over the whole range there are 2 users, not 3.
        send(s.dev(), List.of(Map.of("kind", "identify", "device_id", "d3", "identity", "alice", "time", NOV11 + 3 * H)));
        JsonNode weekly = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\","
                + "\"from\":\"2026-11-09T00:00:00Z\",\"to\":\"2026-11-16T00:00:00Z\",\"interval\":\"week\",\"series\":"
                + users + "}", bearer(TestServer.ADMIN)).json().get("series");
        assertThat(values(weekly.get(0))).containsExactly(2L);
        long merge = s.get("/api/users/alice/merges?app_id=" + s.dev().appId(), bearer(TestServer.ADMIN)).json()
                .get("merges").get(1).get("id").asLong();
        s.post("/api/users/alice/merges/" + merge + "/undo?app_id=" + s.dev().appId(), "", bearer(TestServer.ADMIN));
        JsonNode after = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\","
                + "\"from\":\"2026-11-09T00:00:00Z\",\"to\":\"2026-11-16T00:00:00Z\",\"interval\":\"week\",\"series\":"
                + users + "}", bearer(TestServer.ADMIN)).json().get("series");
        assertThat(values(after.get(0))).containsExactly(3L);
    }

    @Test
    void editingADefinitionChangesHistoricalCounts() {
        TestServer.Response created = s.post("/api/definitions", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":"
                + "\"Pro clicks\",\"rules\":[{\"kind\":\"click\",\"properties\":[{\"key\":\"plan\",\"op\":\"=\",\"value\":"
                + "\"pro\"}]}]}", bearer(TestServer.ADMIN));
        long id = created.json().get("id").asLong();
        String series = "[{\"event\":{\"definition\":" + id + "}}]";
        assertThat(values(graph(series, "").get(0))).containsExactly(2L, 1L, 0L);
        s.put("/api/definitions/" + id, "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"Pro clicks\",\"rules\":"
                + "[{\"kind\":\"click\",\"properties\":[{\"key\":\"plan\",\"op\":\"is_set\"}]}]}", bearer(TestServer.ADMIN));
        assertThat(values(graph(series, "").get(0))).containsExactly(3L, 1L, 0L);
    }

    @Test
    void unknownKindsAndIntervalsAreRefusedNamingTheField() {
        TestServer.Response r = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\","
                + "\"from\":\"2026-11-10T00:00:00Z\",\"to\":\"2026-11-13T00:00:00Z\",\"interval\":\"fortnight\","
                + "\"series\":[]}", bearer(TestServer.ADMIN));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("interval");
    }
}
