package dev.hindsight.catalog;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The catalog API against a real server: names, definitions, properties, values and candidates to define. */
class CatalogApiTest {
    private static final long NOV10 = 1_794_268_800_000L;
    private static final long H = 3_600_000L;
    private static final String BUY = "body:1:1|div#shop:1:1|div.product:1:1|button.add-to-cart.primary:1:1";
    private static final String DOCS = "body:1:1|nav:1:1|a.nav-link[href=%2Fdocs]:2:2";
    // A class that needs escaping in CSS: w-1/2.
    private static final String HALF = "body:1:1|div:1:1|button.w-1%2F2:1:1";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        List<Map<String, Object>> ev = new ArrayList<>();
        ev.add(custom("Signed up", NOV10 + H, Map.of("plan", "pro", "amount", 5)));
        ev.add(custom("Signed up", NOV10 + 2 * H, Map.of("plan", "pro", "amount", 7.5)));
        ev.add(custom("Signed up", NOV10 + 3 * H, Map.of("plan", "free", "amount", "n/a")));
        ev.add(custom("Searched", NOV10 + 4 * H, Map.of("query", "shoes")));
        for (int i = 0; i < 3; i++) {
            ev.add(click(BUY, "Buy", "https://x.com/products/1", NOV10 + (5 + i) * H));
        }
        ev.add(click(DOCS, "Docs", "https://x.com/", NOV10 + 9 * H));
        ev.add(click(DOCS, "Docs", "https://x.com/", NOV10 + 10 * H));
        ev.add(click(HALF, "Half", "https://x.com/a%20b", NOV10 + 11 * H));
        send(s.dev(), ev);
        send(s.prod(), List.of(custom("Prod only", NOV10, Map.of("secret_key_like", "x"))));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> custom(String name, long time, Map<String, Object> props) {
        return Map.of("kind", "custom", "name", name, "device_id", "d1", "time", time, "properties", props);
    }

    private static Map<String, Object> click(String hierarchy, String text, String url, long time) {
        return Map.of("kind", "click", "device_id", "d2", "time", time, "hierarchy", hierarchy, "text", text,
                "url", url);
    }

    private static void send(Environment env, List<Map<String, Object>> events) {
        TestServer.Response r = s.post("/h", TestServer.json("app_id", env.appId(), "events", events));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).doesNotContain("\"errors\"");
    }

    private static JsonNode get(String path) {
        TestServer.Response r = s.get(path, bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("up_to_date").asBoolean()).as(r.body()).isTrue();
        return r.json();
    }

    private static String dev() {
        return "app_id=" + s.dev().appId();
    }

    private static String iso(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }

    private static JsonNode find(JsonNode list, String field, String value) {
        for (JsonNode n : list) {
            if (value.equals(n.path(field).asText(null))) {
                return n;
            }
        }
        throw new AssertionError("no " + field + " = " + value + " in " + list);
    }

    @Test
    void listsCustomEventNamesWithCountsAndFirstAndLastSeen() {
        JsonNode events = get("/api/catalog/events?" + dev()).get("custom_events");
        assertThat(events).hasSize(2);
        JsonNode signedUp = events.get(0);
        assertThat(signedUp.get("name").asText()).isEqualTo("Signed up");
        assertThat(signedUp.get("count").asLong()).isEqualTo(3);
        assertThat(signedUp.get("first_seen").asText()).isEqualTo(iso(NOV10 + H));
        assertThat(signedUp.get("last_seen").asText()).isEqualTo(iso(NOV10 + 3 * H));
        assertThat(find(get("/api/catalog/events?" + dev()).get("kinds"), "kind", "click").get("count").asLong())
                .isEqualTo(6);
    }

    @Test
    void findsEventNamesByCaseInsensitivePrefix() {
        JsonNode events = get("/api/catalog/events?" + dev() + "&prefix=sea").get("custom_events");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).get("name").asText()).isEqualTo("Searched");
        assertThat(get("/api/catalog/events?" + dev() + "&prefix=zz").get("custom_events")).isEmpty();
    }

    @Test
    void keepsEachEnvironmentsCatalogToItself() {
        assertThat(get("/api/catalog/events?" + dev()).toString()).doesNotContain("Prod only");
        assertThat(get("/api/catalog/properties?" + dev()).toString()).doesNotContain("secret_key_like");
        JsonNode prod = get("/api/catalog/events?app_id=" + s.prod().appId()).get("custom_events");
        assertThat(prod).hasSize(1);
        assertThat(prod.get(0).get("name").asText()).isEqualTo("Prod only");
        // The production environment's key does not open the development environment's catalog.
        TestServer.Response r = s.get("/api/catalog/events?" + dev(), bearer(s.prod().secretKey()));
        assertThat(r.status()).isEqualTo(401);
        assertThat(s.get("/api/catalog/events?" + dev(), bearer(s.dev().secretKey())).status()).isEqualTo(200);
    }

    @Test
    void listsEventPropertiesWithTheirTypesCountsAndTopValues() {
        JsonNode props = get("/api/catalog/properties?" + dev()).get("properties");
        JsonNode plan = find(props, "name", "plan");
        assertThat(plan.get("count").asLong()).isEqualTo(3);
        assertThat(plan.get("types").toString()).isEqualTo("[{\"type\":\"string\",\"count\":3}]");
        assertThat(plan.get("first_seen").asText()).isEqualTo(iso(NOV10 + H));
        assertThat(plan.get("last_seen").asText()).isEqualTo(iso(NOV10 + 3 * H));
        JsonNode top = plan.get("top_values");
        assertThat(top.get(0).get("value").asText()).isEqualTo("pro");
        assertThat(top.get(0).get("count").asLong()).isEqualTo(2);
        assertThat(top.get(0).get("last_seen").asText()).isEqualTo(iso(NOV10 + 2 * H));
        assertThat(top.get(1).get("value").asText()).isEqualTo("free");
        assertThat(top.get(1).get("count").asLong()).isEqualTo(1);

        JsonNode amount = find(props, "name", "amount");
        assertThat(amount.get("types").toString())
                .isEqualTo("[{\"type\":\"number\",\"count\":2},{\"type\":\"string\",\"count\":1}]");
    }

    @Test
    void completesPropertyNamesAndValuesByPrefix() {
        JsonNode props = get("/api/catalog/properties?" + dev() + "&prefix=PL").get("properties");
        assertThat(props).hasSize(1);
        assertThat(props.get(0).get("name").asText()).isEqualTo("plan");
        JsonNode values = get("/api/catalog/properties/plan/values?" + dev() + "&prefix=f").get("values");
        assertThat(values).hasSize(1);
        assertThat(values.get(0).get("value").asText()).isEqualTo("free");
        assertThat(values.get(0).get("type").asText()).isEqualTo("string");
        assertThat(get("/api/catalog/properties/plan/values?" + dev() + "&limit=1").get("values")).hasSize(1);
    }

    @Test
    void listsUserPropertiesSeparately() {
        TestServer.Response r = s.post("/api/add_user_properties", TestServer.json("app_id", s.dev().appId(),
                "identity", "alice", "properties", Map.of("tier", "gold", "seats", 4)), bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode props = get("/api/catalog/properties?" + dev() + "&scope=user").get("properties");
        JsonNode tier = find(props, "name", "tier");
        assertThat(tier.get("count").asLong()).isEqualTo(1);
        assertThat(tier.get("top_values").get(0).get("value").asText()).isEqualTo("gold");
        assertThat(find(props, "name", "seats").get("types").get(0).get("type").asText()).isEqualTo("number");
        assertThat(props.toString()).doesNotContain("\"plan\"");
    }

    @Test
    void countsEventsAcknowledgedJustBeforeTheRequest() {
        Environment env = s.prod();
        for (int i = 1; i <= 3; i++) {
            send(env, List.of(custom("Fresh " + i, NOV10, Map.of())));
            JsonNode names = get("/api/catalog/events?app_id=" + env.appId() + "&prefix=fresh").get("custom_events");
            assertThat(names).hasSize(i);
        }
    }

    @Test
    void keepsTheMostFrequentValuesOfAPropertyPastItsCap() {
        Environment env = s.prod();
        List<Map<String, Object>> ev = new ArrayList<>();
        for (int i = 0; i < 205; i++) {
            ev.add(custom("Viewed item", NOV10 + i, Map.of("sku", String.format("v%03d", i))));
        }
        for (int i = 0; i < 3; i++) {
            ev.add(custom("Viewed item", NOV10 + 1000 + i, Map.of("sku", "common")));
        }
        send(env, ev);
        String values = "/api/catalog/properties/sku/values?app_id=" + env.appId();
        JsonNode top = get(values + "&limit=1").get("values");
        assertThat(top.get(0).get("value").asText()).isEqualTo("common");
        assertThat(top.get(0).get("count").asLong()).isEqualTo(3);
        // 200 values are kept: "common" and, of the values seen once, the first 199 in order.
        assertThat(get(values + "&prefix=v19&limit=200").get("values")).hasSize(9);
        assertThat(get(values + "&prefix=v2&limit=200").get("values")).isEmpty();
        assertThat(find(get("/api/catalog/properties?app_id=" + env.appId() + "&prefix=sku").get("properties"),
                "name", "sku").get("count").asLong()).isEqualTo(208);
    }

    @Test
    void proposesUncoveredInteractionsUntilADefinitionCoversThemAndAgainAfterItIsDeleted() {
        JsonNode candidates = get("/api/catalog/candidates?" + dev()).get("candidates");
        JsonNode buy = find(candidates, "text", "Buy");
        assertThat(buy.get("count").asLong()).isEqualTo(3);
        assertThat(buy.get("kind").asText()).isEqualTo("click");
        assertThat(buy.get("path").asText()).isEqualTo("/products/1");
        assertThat(buy.get("selector").asText()).isEqualTo("#shop button.add-to-cart.primary");
        assertThat(buy.get("first_seen").asText()).isEqualTo(iso(NOV10 + 5 * H));
        assertThat(buy.get("last_seen").asText()).isEqualTo(iso(NOV10 + 7 * H));

        // Defined with a different but equivalent selector: covered by the matcher, not by comparing strings.
        TestServer.Response def = s.post("/api/definitions", TestServer.json("app_id", s.dev().appId(), "name",
                "Added to cart", "rules", List.of(Map.of("kind", "click", "selector", "div.product > button.primary"))),
                bearer(TestServer.ADMIN));
        assertThat(def.status()).as(def.body()).isEqualTo(201);
        long id = def.json().get("id").asLong();
        JsonNode after = get("/api/catalog/candidates?" + dev()).get("candidates");
        assertThat(after.toString()).doesNotContain("\"Buy\"").contains("\"Docs\"");
        JsonNode defined = find(get("/api/catalog/events?" + dev()).get("definitions"), "name", "Added to cart");
        assertThat(defined.get("count").asLong()).isEqualTo(3);
        assertThat(defined.get("first_seen").asText()).isEqualTo(iso(NOV10 + 5 * H));
        assertThat(defined.get("last_seen").asText()).isEqualTo(iso(NOV10 + 7 * H));

        // A change of rules recounts the definition.
        TestServer.Response put = s.put("/api/definitions/" + id, TestServer.json("app_id", s.dev().appId(), "name",
                "Added to cart", "rules", List.of(Map.of("kind", "click", "selector", "a.nav-link"))),
                bearer(TestServer.ADMIN));
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(find(get("/api/catalog/events?" + dev()).get("definitions"), "name", "Added to cart")
                .get("count").asLong()).isEqualTo(2);
        assertThat(get("/api/catalog/candidates?" + dev()).get("candidates").toString()).contains("\"Buy\"")
                .doesNotContain("\"Docs\"");

        assertThat(s.send("DELETE", "/api/definitions/" + id + "?" + dev(), (String) null, bearer(TestServer.ADMIN))
                .status()).isEqualTo(204);
        JsonNode again = get("/api/catalog/candidates?" + dev()).get("candidates");
        assertThat(find(again, "text", "Buy").get("count").asLong()).isEqualTo(3);
        assertThat(find(again, "text", "Docs").get("count").asLong()).isEqualTo(2);
    }

    @Test
    void aCandidatesSuggestedSelectorDefinesItWhenTakenAsIs() {
        JsonNode candidates = get("/api/catalog/candidates?" + dev() + "&kind=click").get("candidates");
        JsonNode half = find(candidates, "text", "Half");
        assertThat(half.get("selector").asText()).isEqualTo("button.w-1\\2f 2");
        assertThat(half.get("path").asText()).isEqualTo("/a%20b");
        JsonNode docs = find(candidates, "text", "Docs");
        List<Object> rules = List.of(
                Map.of("kind", "click", "selector", half.get("selector").asText(), "path", half.get("path").asText()),
                Map.of("kind", "click", "selector", docs.get("selector").asText(), "text", "Docs"));
        // Made in the other environment first: it covers nothing here.
        TestServer.Response other = s.post("/api/definitions", TestServer.json("app_id", s.prod().appId(), "name",
                "Suggested", "rules", rules), bearer(TestServer.ADMIN));
        assertThat(other.status()).as(other.body()).isEqualTo(201);
        assertThat(get("/api/catalog/candidates?" + dev()).get("candidates").toString()).contains("\"Docs\"", "\"Half\"");

        TestServer.Response def = s.post("/api/definitions", TestServer.json("app_id", s.dev().appId(), "name",
                "Suggested", "rules", rules), bearer(TestServer.ADMIN));
        assertThat(def.status()).as(def.body()).isEqualTo(201);
        try {
            assertThat(get("/api/catalog/candidates?" + dev()).get("candidates").toString())
                    .doesNotContain("\"Docs\"", "\"Half\"").contains("\"Buy\"");
        } finally {
            s.send("DELETE", "/api/definitions/" + def.json().get("id").asLong() + "?" + dev(), (String) null,
                    bearer(TestServer.ADMIN));
        }
    }

    @Test
    void refusesUnknownRepeatedAndOutOfBoundsParametersNamingThem() {
        assertProblem(s.get("/api/catalog/events?" + dev() + "&colour=red", bearer(TestServer.ADMIN)), "colour");
        assertProblem(s.get("/api/catalog/events?" + dev() + "&limit=0", bearer(TestServer.ADMIN)), "limit");
        assertProblem(s.get("/api/catalog/events?" + dev() + "&limit=201", bearer(TestServer.ADMIN)), "limit");
        assertProblem(s.get("/api/catalog/events?" + dev() + "&limit=x", bearer(TestServer.ADMIN)), "limit");
        assertProblem(s.get("/api/catalog/events?" + dev() + "&prefix=a&prefix=b", bearer(TestServer.ADMIN)), "prefix");
        assertProblem(s.get("/api/catalog/properties?" + dev() + "&prefix="
                + URLEncoder.encode("p".repeat(201), StandardCharsets.UTF_8), bearer(TestServer.ADMIN)), "prefix");
        assertProblem(s.get("/api/catalog/properties?" + dev() + "&scope=group", bearer(TestServer.ADMIN)), "scope");
        assertProblem(s.get("/api/catalog/candidates?" + dev() + "&kind=pageview", bearer(TestServer.ADMIN)), "kind");
        assertProblem(s.get("/api/catalog/candidates?" + dev() + "&prefix=a", bearer(TestServer.ADMIN)), "prefix");
        assertProblem(s.get("/api/catalog/candidates", bearer(TestServer.ADMIN)), "app_id");
        assertThat(s.get("/api/catalog/events?" + dev()).status()).isEqualTo(401);
    }

    private static void assertProblem(TestServer.Response r, String field) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().get("errors").get(0).get("field").asText()).as(r.body()).isEqualTo(field);
    }
}
