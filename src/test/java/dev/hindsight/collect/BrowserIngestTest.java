package dev.hindsight.collect;

import static dev.hindsight.collect.Api.assertProblem;
import static dev.hindsight.collect.Api.browserBatch;
import static dev.hindsight.collect.Api.count;
import static dev.hindsight.collect.Api.events;
import static dev.hindsight.collect.Api.json;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.onlyEvent;
import static dev.hindsight.collect.Api.postH;
import static dev.hindsight.collect.Api.unique;
import static dev.hindsight.collect.Api.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /h}: what the tracker sends is stored field by field, under the origin allow-list and size limit. */
class BrowserIngestTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> pageview(String device, String identity) {
        return map("event_id", UUID.randomUUID().toString(), "kind", "pageview", "device_id", device,
                "identity", identity, "url", "https://shop.example.com/products/42?color=red&size=m#reviews");
    }

    @Test
    void pageviewIsStoredWithEveryTrackerFieldAndTheUrlSplitIntoPathQueryAndHash() {
        String device = unique("d");
        String user = unique("u");
        String eventId = UUID.randomUUID().toString();
        Map<String, Object> ev = map("event_id", eventId, "kind", "click", "device_id", device, "identity", user,
                "session_id", "s-1", "time", 1_700_000_000_000L,
                "session_ms", 1234, "since_prev_ms", 56,
                "hierarchy", "body|div#main.page|button.add-to-cart[type=submit]:nth-child(2)",
                "text", "Add to cart", "href", "https://shop.example.com/cart",
                "url", "https://shop.example.com/products/42?color=red&size=m#reviews", "title", "Blue shoes",
                "referrer", "https://www.google.com/", "viewport_width", 1280, "viewport_height", 720,
                "lib", "hindsight-js", "lib_version", "0.1.0",
                "properties", map("plan", "pro", "seats", 3, "trial", false, "ratio", 0.25));

        TestServer.Response r = postH(s, browserBatch(s.dev(), ev));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(r.json().get("duplicates").asInt()).isZero();
        assertThat(r.json().get("rejected").asInt()).isZero();
        JsonNode stored = onlyEvent(s, s.dev(), user);
        assertThat(stored.get("event_id").asText()).isEqualTo(eventId);
        assertThat(stored.get("kind").asText()).isEqualTo("click");
        assertThat(stored.get("device_id").asText()).isEqualTo(device);
        assertThat(stored.get("identity").asText()).isEqualTo(user);
        assertThat(stored.get("session_id").asText()).isEqualTo("s-1");
        assertThat(stored.get("client_time").asText()).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(stored.get("session_ms").asLong()).isEqualTo(1234);
        assertThat(stored.get("since_prev_ms").asLong()).isEqualTo(56);
        assertThat(stored.get("hierarchy").asText())
                .isEqualTo("body|div#main.page|button.add-to-cart[type=submit]:nth-child(2)");
        assertThat(stored.get("text").asText()).isEqualTo("Add to cart");
        assertThat(stored.get("href").asText()).isEqualTo("https://shop.example.com/cart");
        assertThat(stored.get("url").asText()).isEqualTo("https://shop.example.com/products/42?color=red&size=m#reviews");
        assertThat(stored.get("path").asText()).isEqualTo("/products/42");
        assertThat(stored.get("query").asText()).isEqualTo("color=red&size=m");
        assertThat(stored.get("hash").asText()).isEqualTo("reviews");
        assertThat(stored.get("title").asText()).isEqualTo("Blue shoes");
        assertThat(stored.get("referrer").asText()).isEqualTo("https://www.google.com/");
        assertThat(stored.get("viewport_width").asInt()).isEqualTo(1280);
        assertThat(stored.get("viewport_height").asInt()).isEqualTo(720);
        assertThat(stored.get("lib").asText()).isEqualTo("hindsight-js");
        assertThat(stored.get("lib_version").asText()).isEqualTo("0.1.0");
        assertThat(stored.get("source").asText()).isEqualTo("browser");
        JsonNode props = stored.get("properties");
        assertThat(props.get("plan").asText()).isEqualTo("pro");
        assertThat(props.get("seats").isIntegralNumber()).isTrue();
        assertThat(props.get("seats").asLong()).isEqualTo(3);
        assertThat(props.get("trial").isBoolean()).isTrue();
        assertThat(props.get("trial").asBoolean()).isFalse();
        assertThat(props.get("ratio").asDouble()).isEqualTo(0.25);
    }

    @Test
    void capturedTextLongerThan255CharactersIsCutNotRefused() {
        String user = unique("u");
        Map<String, Object> ev = pageview(unique("d"), user);
        ev.put("kind", "click");
        ev.put("text", "x".repeat(300));

        TestServer.Response r = postH(s, browserBatch(s.dev(), ev));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(onlyEvent(s, s.dev(), user).get("text").asText()).isEqualTo("x".repeat(255));
    }

    @Test
    void everyKindOfBrowserEventIsStoredUnderItsKind() {
        String device = unique("d");
        String user = unique("u");
        List<Object> evs = new ArrayList<>();
        for (String kind : List.of("pageview", "click", "submit", "change")) {
            evs.add(map("kind", kind, "device_id", device, "identity", user, "time", 1_700_000_000_000L));
        }
        evs.add(map("kind", "custom", "name", "Opened chat", "device_id", device, "identity", user,
                "time", 1_700_000_000_000L));

        TestServer.Response r = postH(s, json(map("app_id", s.dev().appId(), "events", evs)));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(5);
        List<JsonNode> stored = events(s, s.dev(), user);
        assertThat(stored).extracting(e -> e.get("kind").asText())
                .containsExactlyInAnyOrder("pageview", "click", "submit", "change", "custom");
        assertThat(stored).filteredOn(e -> e.get("kind").asText().equals("custom"))
                .extracting(e -> e.get("name").asText()).containsExactly("Opened chat");
    }

    @Test
    void anonymousEventsBecomeTheUsersOnceTheDeviceIsIdentified() {
        String device = unique("d");
        String user = unique("u");
        Map<String, Object> anonymous = pageview(device, null);
        assertThat(postH(s, browserBatch(s.dev(), anonymous)).status()).isEqualTo(200);
        assertThat(events(s, s.dev(), user)).isEmpty();

        TestServer.Response r = postH(s, browserBatch(s.dev(),
                map("kind", "identify", "device_id", device, "identity", user)));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        JsonNode stored = onlyEvent(s, s.dev(), user);
        assertThat(stored.get("event_id").asText()).isEqualTo(anonymous.get("event_id"));
        assertThat(stored.get("device_id").asText()).isEqualTo(device);
        assertThat(stored.has("identity")).as("the raw event is not rewritten by the merge").isFalse();
    }

    @Test
    void userPropertiesEventSetsTheUsersProperties() {
        String user = unique("u");

        TestServer.Response r = postH(s, browserBatch(s.dev(), map("kind", "user_properties", "device_id",
                unique("d"), "identity", user, "properties", map("plan", "team", "seats", 12))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        TestServer.Response profile = Api.user(s, s.dev(), user);
        assertThat(profile.status()).as(profile.body()).isEqualTo(200);
        assertThat(profile.json().get("properties").get("plan").asText()).isEqualTo("team");
        assertThat(profile.json().get("properties").get("seats").asInt()).isEqualTo(12);
        assertThat(events(s, s.dev(), user)).as("user properties are not an event").isEmpty();
    }

    @Test
    void nestedUserPropertiesAreFlattenedAndTheAnswerSaysSo() {
        String user = unique("u");

        TestServer.Response r = postH(s, browserBatch(s.dev(), map("kind", "user_properties", "device_id",
                unique("d"), "identity", user, "properties", map("company", map("name", "Acme")))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().path("warnings").toString()).contains("events[0]").contains("company");
        JsonNode props = Api.user(s, s.dev(), user).json().get("properties");
        assertThat(props.get("company.name").asText()).isEqualTo("Acme");
    }

    @Test
    void textPlainBodyAsSentBySendBeaconIsStored() {
        String user = unique("u");

        TestServer.Response r = s.post("/h", browserBatch(s.dev(), pageview(unique("d"), user)),
                "Content-Type", "text/plain;charset=UTF-8", "Origin", "https://anything.example.org");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(onlyEvent(s, s.dev(), user).get("kind").asText()).isEqualTo("pageview");
    }

    @Test
    void developmentEnvironmentAcceptsAnyOriginAndEchoesItForCors() {
        String user = unique("u");

        TestServer.Response r = postH(s, browserBatch(s.dev(), pageview(unique("d"), user)),
                "Origin", "http://localhost:3000");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:3000");
        assertThat(events(s, s.dev(), user)).hasSize(1);
    }

    @Test
    void productionRefusesAnOriginNotOnItsAllowListAndStoresNothing() {
        Environment prod = s.prod();
        String user = unique("u");
        long before = count(s, prod);

        TestServer.Response r = postH(s, browserBatch(prod, pageview(unique("d"), user)),
                "Origin", "https://evil.example.net");

        JsonNode p = assertProblem(r, 403, "origin-not-allowed");
        assertThat(p.get("detail").asText()).contains("https://evil.example.net");
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
        assertThat(count(s, prod)).isEqualTo(before);
        assertThat(events(s, prod, user)).isEmpty();
    }

    @Test
    void productionAcceptsAnOriginOnceAnAdminAllowsIt() {
        Environment prod = s.prod();
        String origin = "https://shop.example.com";
        String first = unique("u");
        TestServer.Response refused = postH(s, browserBatch(prod, pageview(unique("d"), first)), "Origin", origin);
        assertProblem(refused, 403, "origin-not-allowed");

        TestServer.Response put = s.put("/api/environments/" + prod.appId() + "/origins",
                json(map("allowed_origins", List.of(origin))), TestServer.bearer(TestServer.ADMIN));
        assertThat(put.status()).as(put.body()).isEqualTo(200);

        String user = unique("u");
        TestServer.Response r = postH(s, browserBatch(s.prod(), pageview(unique("d"), user)), "Origin", origin);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(origin);
        assertThat(events(s, prod, user)).hasSize(1);
        assertThat(events(s, prod, first)).isEmpty();
        TestServer.Response other = postH(s, browserBatch(s.prod(), pageview(unique("d"), unique("u"))),
                "Origin", "https://other.example.com");
        assertProblem(other, 403, "origin-not-allowed");
    }

    @Test
    void settingOriginsIsRefusedToASecretKey() {
        TestServer.Response r = s.put("/api/environments/" + s.prod().appId() + "/origins",
                json(map("allowed_origins", List.of("https://attacker.example.com"))),
                TestServer.bearer(s.prod().secretKey()));

        // A secret key is known (not 401) but may not change what only admins change.
        assertProblem(r, 403, "forbidden");
        assertThat(s.prod().allowedOrigins()).doesNotContain("https://attacker.example.com");
    }

    @Test
    void preflightAnswers204AndAllowsTheAskingOrigin() {
        TestServer.Response r = s.send("OPTIONS", "/h", (String) null, "Origin", "https://shop.example.com",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type");

        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("https://shop.example.com");
        assertThat(r.header("Access-Control-Allow-Methods")).contains("POST");
        assertThat(r.header("Access-Control-Allow-Headers")).containsIgnoringCase("content-type");
    }

    @Test
    void unknownAppIdIsA404NamingIt() {
        TestServer.Response r = postH(s, json(map("app_id", "no-such-app", "events",
                List.of(pageview(unique("d"), unique("u"))))));

        JsonNode p = assertProblem(r, 404, "unknown-app-id");
        assertThat(p.get("detail").asText()).contains("no-such-app");
    }

    @Test
    void bodyOverOneMebibyteIsRefusedWith413AndNothingIsStored() {
        String user = unique("u");
        long before = count(s, s.dev());
        Map<String, Object> ev = pageview(unique("d"), user);
        ev.put("title", "t".repeat(1000));
        String body = browserBatch(s.dev(), Collections.nCopies(1200, ev).toArray());
        assertThat(body.length()).isGreaterThan(1024 * 1024);

        TestServer.Response r = postH(s, body);

        assertProblem(r, 413, "payload-too-large");
        assertThat(count(s, s.dev())).isEqualTo(before);
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void bodyOfExactlyOneMebibyteIsStillAccepted() {
        String user = unique("u");
        String json = browserBatch(s.dev(), pageview(unique("d"), user));
        byte[] body = new byte[1024 * 1024];
        Arrays.fill(body, (byte) ' ');
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(text, 0, body, 0, text.length);

        TestServer.Response r = s.send("POST", "/h", body, "Content-Type", "application/json");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(events(s, s.dev(), user)).hasSize(1);
    }

    @Test
    void batchWithoutAnEventsArrayIsRefusedNamingTheField() {
        TestServer.Response r = postH(s, json(map("app_id", s.dev().appId())));

        assertProblem(r, 400, "validation");
        assertThat(Api.errorFields(r)).containsExactly("events");
    }

    @Test
    void identifyEventWithPropertiesSetsThemOnTheUser() {
        String device = unique("d");
        String user = unique("u");

        TestServer.Response r = postH(s, browserBatch(s.dev(), map("kind", "identify", "device_id", device,
                "identity", user, "properties", map("plan", "pro", "seats", 4))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode props = user(s, s.dev(), user).json().get("properties");
        assertThat(props.get("plan").asText()).isEqualTo("pro");
        assertThat(props.get("seats").asInt()).isEqualTo(4);
    }

    @Test
    void sentAtThatIsNotANumberStoresTheEventsUncorrectedWithAWarning() {
        String user = unique("u");
        String body = json(map("app_id", s.dev().appId(), "sent_at", "yesterday", "events",
                List.of(map("kind", "pageview", "device_id", unique("d"), "identity", user, "time", 1_700_000_000_000L))));

        TestServer.Response r = postH(s, body);

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("warnings").get(0).asText()).contains("sent_at");
        assertThat(onlyEvent(s, s.dev(), user).get("time").asText()).isEqualTo("2023-11-14T22:13:20Z");
    }
}
