package dev.hindsight.define;

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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;

/**
 * The live view's feed ({@code GET /api/environments/{appId}/live}): newest first, bounded, a cursor that yields
 * exactly the events received after it, and each event with exactly the definitions whose rules it matches.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveFeedTest {
    private static final String ADD = "body:2:1|div#app:1:1|div.card.product:1:1|button.add-to-cart.btn[type=button]:2:1";
    private static TestServer s;
    private static long addedToCart;
    private static long viewedPricing;
    private static long proPlan;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        addedToCart = define("Added to cart", "[{\"kind\":\"click\",\"selector\":\"div.product button.add-to-cart\","
                + "\"path\":\"/products/*\"}]");
        viewedPricing = define("Viewed pricing", "[{\"kind\":\"pageview\",\"path\":\"/pricing\"}]");
        proPlan = define("Any page on the pro plan", "[{\"kind\":\"pageview\",\"properties\":[{\"key\":\"plan\","
                + "\"op\":\"=\",\"value\":\"pro\"}]}]");
        send(s.dev(), List.of(click("d1", 1_794_306_000_000L, "/products/42"),
                pageview("d1", 1_794_306_100_000L, "/pricing", Map.of()),
                pageview("d2", 1_794_306_200_000L, "/pricing", Map.of("plan", "pro")),
                pageview("d2", 1_794_306_300_000L, "/home", Map.of("plan", "free")),
                click("d3", 1_794_306_400_000L, "/cart")));
        send(s.prod(), List.of(click("d9", 1_794_306_000_000L, "/products/42")));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static long define(String name, String rules) {
        TestServer.Response r = s.post("/api/definitions", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"" + name
                + "\",\"rules\":" + rules + "}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static Map<String, Object> click(String device, long time, String path) {
        return Map.of("kind", "click", "device_id", device, "time", time, "hierarchy", ADD, "text", "Add to cart",
                "url", "https://shop.example.com" + path);
    }

    private static Map<String, Object> pageview(String device, long time, String path, Map<String, Object> props) {
        return Map.of("kind", "pageview", "device_id", device, "time", time, "url", "https://shop.example.com" + path,
                "properties", props);
    }

    private static void send(Environment env, List<Map<String, Object>> events) {
        TestServer.Response r = s.post("/h", TestServer.json("app_id", env.appId(), "events", events));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static TestServer.Response live(String query, String token) {
        return s.get("/api/environments/" + s.dev().appId() + "/live" + query, bearer(token));
    }

    private static JsonNode ok(TestServer.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    /** Each event as "path: definition ids". */
    private static List<String> shown(JsonNode answer) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : answer.get("events")) {
            List<Long> ids = new ArrayList<>();
            e.get("definitions").forEach(d -> ids.add(d.get("id").asLong()));
            out.add(e.get("kind").asText() + " " + e.get("path").asText() + " " + ids);
        }
        return out;
    }

    @Test
    void newestFirstEachWithExactlyTheDefinitionsItMatches() {
        // The secret key may read it, like the other reads.
        JsonNode all = ok(live("?limit=5", s.dev().secretKey()));
        assertThat(shown(all)).containsExactly(
                "click /cart []",
                "pageview /home []",
                "pageview /pricing [" + viewedPricing + ", " + proPlan + "]",
                "pageview /pricing [" + viewedPricing + "]",
                "click /products/42 [" + addedToCart + "]");
        JsonNode first = all.get("events").get(2).get("definitions");
        assertThat(first.get(0).get("name").asText()).isEqualTo("Viewed pricing");
        assertThat(all.get("events").get(0).get("device_id").asText()).isEqualTo("d3");
    }

    @Test
    void theLimitIsBoundedAndKeepsTheNewest() {
        assertThat(shown(ok(live("?limit=2", TestServer.ADMIN)))).containsExactly("click /cart []", "pageview /home []");
        assertThat(live("?limit=0", TestServer.ADMIN).status()).isEqualTo(400);
        assertThat(live("?limit=501", TestServer.ADMIN).status()).isEqualTo(400);
        assertThat(live("?limit=ten", TestServer.ADMIN).status()).isEqualTo(400);
        assertThat(live("?after=x", TestServer.ADMIN).status()).isEqualTo(400);
        assertThat(live("?since=1", TestServer.ADMIN).body()).contains("since");
        assertThat(ok(live("?limit=500", TestServer.ADMIN)).get("events")).hasSize(5);
    }

    @Test
    @Order(Integer.MAX_VALUE) // it sends more events: after the others
    void theCursorYieldsExactlyTheEventsReceivedAfterIt() {
        Environment other = s.prod();
        JsonNode before = ok(live("", TestServer.ADMIN));
        String cursor = before.get("cursor").asText();
        JsonNode none = ok(live("?after=" + cursor, TestServer.ADMIN));
        assertThat(none.get("events")).isEmpty();
        assertThat(none.get("cursor").asText()).as("nothing new: the cursor stays").isEqualTo(cursor);

        // An event of another environment is not this one's; the new ones come, newest first, and only they.
        send(other, List.of(pageview("d8", 1_794_306_500_000L, "/pricing", Map.of())));
        send(s.dev(), List.of(pageview("d4", 1_794_306_600_000L, "/pricing", Map.of("plan", "pro")),
                click("d4", 1_794_306_700_000L, "/products/7")));
        JsonNode next = ok(live("?after=" + cursor, TestServer.ADMIN));
        assertThat(shown(next)).containsExactly("click /products/7 [" + addedToCart + "]",
                "pageview /pricing [" + viewedPricing + ", " + proPlan + "]");
        assertThat(ok(live("?after=" + next.get("cursor").asText(), TestServer.ADMIN)).get("events")).isEmpty();
        // Another environment's key cannot read this one's feed.
        assertThat(live("", other.secretKey()).status()).isIn(401, 403);
    }

    @Test
    @Order(Integer.MAX_VALUE) // it sends more events: after the others
    void aUsersEventStreamCarriesTheDefinitionsEachEventMatches() {
        long upgraded = define("Upgraded", "[{\"kind\":\"custom\",\"event\":\"Upgraded plan\"}]");
        for (String event : List.of("Upgraded plan", "Downgraded plan")) {
            TestServer.Response r = s.post("/api/track", TestServer.json("app_id", s.dev().appId(), "identity", "ann",
                    "event", event), bearer(s.dev().secretKey()));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
        JsonNode stream = ok(s.get("/api/users/ann/events?app_id=" + s.dev().appId(), bearer(TestServer.ADMIN)));
        List<String> shown = new ArrayList<>();
        stream.get("events").forEach(e -> shown.add(e.get("name").asText() + " " + e.get("definitions")
                .findValuesAsText("id")));
        assertThat(shown).containsExactlyInAnyOrder("Upgraded plan [" + upgraded + "]", "Downgraded plan []");
        JsonNode live = ok(live("?limit=2", TestServer.ADMIN));
        assertThat(live.get("events").get(1).get("definitions").get(0).get("name").asText()).isEqualTo("Upgraded");
    }
}
