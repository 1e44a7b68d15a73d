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
import org.junit.jupiter.api.Test;

class DefinitionsApiTest {
    private static final String ADD = "body:2:1|div#app:1:1|div.card.product:1:1|button.add-to-cart.btn[type=button]:2:1";
    private static final String ADD_NEW_DOM = "body:2:1|div#app:1:1|section.item:1:1|button.cta[data-action=add]:1:1";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        // Captured on 2026-11-10 and 2026-11-11, long before any definition exists.
        send(s.dev(), List.of(click("d1", 1_794_306_000_000L, ADD, "Add to cart", "/products/42"),
                click("d1", 1_794_306_100_000L, ADD, "Add to cart", "/products/7"),
                click("d2", 1_794_392_400_000L, ADD_NEW_DOM, "Add to cart", "/products/42"),
                click("d2", 1_794_392_500_000L, ADD, "Add to cart", "/cart"),
                Map.of("kind", "pageview", "device_id", "d3", "time", 1_794_392_600_000L,
                        "url", "https://shop.example.com/pricing?plan=pro")));
        send(s.prod(), List.of(click("d9", 1_794_306_000_000L, ADD, "Add to cart", "/products/42")));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> click(String device, long time, String hierarchy, String text, String path) {
        return Map.of("kind", "click", "device_id", device, "time", time, "hierarchy", hierarchy, "text", text,
                "url", "https://shop.example.com" + path);
    }

    private static void send(Environment env, List<Map<String, Object>> events) {
        List<Map<String, Object>> withIds = new ArrayList<>();
        events.forEach(e -> withIds.add(e));
        TestServer.Response r = s.post("/h", TestServer.json("app_id", env.appId(), "events", withIds));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static TestServer.Response create(Environment env, String body) {
        return s.post("/api/definitions", body.replace("APP", env.appId()), bearer(TestServer.ADMIN));
    }

    private static long previewTotal(Environment env, String rules) {
        TestServer.Response r = s.post("/api/definitions/preview", "{\"app_id\":\"" + env.appId() + "\",\"from\":"
                + "\"2026-11-01T00:00:00Z\",\"rules\":" + rules + "}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("total").asLong();
    }

    @Test
    void previewCountsHistoricalEventsPerDayWithSamples() {
        TestServer.Response r = s.post("/api/definitions/preview", "{\"app_id\":\"" + s.dev().appId() + "\","
                + "\"from\":\"2026-11-01T00:00:00Z\",\"rules\":[{\"kind\":\"click\",\"selector\":\"div.product "
                + "button.add-to-cart\",\"path\":\"/products/*\"}]}", bearer(TestServer.ADMIN));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("total").asLong()).isEqualTo(2);
        assertThat(body.get("days")).hasSize(1);
        assertThat(body.get("days").get(0).get("day").asText()).isEqualTo("2026-11-10T00:00:00Z");
        assertThat(body.get("samples")).hasSize(2);
    }

    @Test
    void severalRulesCoverAButtonAcrossDomChanges() {
        assertThat(previewTotal(s.dev(), "[{\"kind\":\"click\",\"selector\":\"button.add-to-cart\"}]")).isEqualTo(3);
        assertThat(previewTotal(s.dev(), "[{\"kind\":\"click\",\"selector\":\"button.add-to-cart\"},"
                + "{\"kind\":\"click\",\"selector\":\"button[data-action=add]\"}]")).isEqualTo(4);
        assertThat(previewTotal(s.dev(), "[{\"kind\":\"click\",\"text\":\"Add to cart\"}]")).isEqualTo(4);
        assertThat(previewTotal(s.dev(), "[{\"kind\":\"pageview\",\"path_contains\":\"pric\"}]")).isEqualTo(1);
    }

    @Test
    void definitionIsCreatedListedUpdatedAndDeleted() {
        TestServer.Response created = create(s.dev(), "{\"app_id\":\"APP\",\"name\":\"Added to cart\",\"category\":"
                + "\"commerce\",\"rules\":[{\"kind\":\"click\",\"selector\":\"div.product button.add-to-cart\","
                + "\"path\":\"/products/*\"},{\"kind\":\"click\",\"text\":\"Add to cart\"}]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long id = created.json().get("id").asLong();
        assertThat(created.json().get("status").asText()).isEqualTo("draft");

        JsonNode list = s.get("/api/definitions?app_id=" + s.dev().appId(), bearer(TestServer.ADMIN)).json();
        assertThat(list.get("definitions").findValuesAsText("name")).contains("Added to cart");
        assertThat(s.get("/api/definitions?app_id=" + s.prod().appId(), bearer(TestServer.ADMIN)).json()
                .get("definitions").findValuesAsText("name")).doesNotContain("Added to cart");

        TestServer.Response updated = s.put("/api/definitions/" + id, "{\"app_id\":\"" + s.dev().appId()
                + "\",\"name\":\"Added to cart\",\"status\":\"verified\",\"rules\":[{\"kind\":\"click\",\"text\":"
                + "\"Add to cart\"}]}", bearer(TestServer.ADMIN));
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        JsonNode got = s.get("/api/definitions/" + id + "?app_id=" + s.dev().appId(), bearer(TestServer.ADMIN)).json();
        assertThat(got.get("status").asText()).isEqualTo("verified");
        assertThat(got.get("rules")).hasSize(1);

        assertThat(s.send("DELETE", "/api/definitions/" + id + "?app_id=" + s.dev().appId(), (String) null,
                bearer(TestServer.ADMIN)).status()).isEqualTo(204);
        assertThat(s.get("/api/definitions/" + id + "?app_id=" + s.dev().appId(), bearer(TestServer.ADMIN)).status())
                .isEqualTo(404);
    }

    @Test
    void namesAreUniquePerEnvironment() {
        String body = "{\"app_id\":\"APP\",\"name\":\"Viewed pricing\",\"rules\":[{\"kind\":\"pageview\",\"path\":\"/pricing\"}]}";
        assertThat(create(s.dev(), body).status()).isEqualTo(201);
        assertThat(create(s.dev(), body).status()).isEqualTo(409);
        assertThat(create(s.prod(), body).status()).isEqualTo(201);
    }

    @Test
    void unsupportedSelectorIsRefusedNamingTheRuleAndThePart() {
        TestServer.Response r = create(s.dev(), "{\"app_id\":\"APP\",\"name\":\"Hover\",\"rules\":[{\"kind\":\"click\"},"
                + "{\"kind\":\"click\",\"selector\":\"a:hover\"}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("rules[1].selector");
        assertThat(r.json().get("errors").get(0).get("message").asText()).contains(":hover");
    }

    @Test
    void malformedRulesAreRefusedNamingEachField() {
        TestServer.Response r = create(s.dev(), "{\"app_id\":\"APP\",\"name\":\"Bad\",\"rules\":[{\"kind\":\"tap\"},"
                + "{\"kind\":\"custom\"},{\"kind\":\"pageview\",\"selector\":\"a\"},{\"kind\":\"click\",\"text_regex\":\"(\"},"
                + "{\"kind\":\"click\",\"properties\":[{\"key\":\"n\",\"op\":\">\",\"value\":\"x\"}]}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").findValuesAsText("field")).containsExactly("rules[0].kind", "rules[1].event",
                "rules[2].selector", "rules[3].text_regex", "rules[4].properties[0].value");
        TestServer.Response unknown = create(s.dev(), "{\"app_id\":\"APP\",\"name\":\"X\",\"rules\":[{\"kind\":\"click\","
                + "\"selecter\":\"a\"}]}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("errors").get(0).get("field").asText()).contains("selecter");
    }
}
