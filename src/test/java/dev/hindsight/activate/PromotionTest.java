package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Definition mappings over HTTP (issue 15, point 3): a definition promoted to a canonical event by its approved,
 * pinned version, once per raw event (derived ids), live and by backfill, across restarts.
 */
class PromotionTest {
    private static final String BUY = "body:1:1|div#app:1:1|button.buy[type=button]:1:1";
    private static final String OTHER = "body:1:1|div#app:2:1|button.other[type=button]:1:1";
    private static final String START = "body:1:1|main:1:1|a.start:1:1";
    private static final String START_NOW = "body:1:1|main:1:1|a.start-now:1:1";
    private static TestServer s;
    private static String analyst;
    private static String architect;
    private static int seq;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        analyst = member("analyst");
        architect = member("architect");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void approvedMappingPromotesEachMatchOnceLiveByBackfillAndAfterARestart() {
        long now = System.currentTimeMillis();
        assertThat(admin("POST", registry("/schemas"), map("event", "purchase", "properties", map(
                "value", map("type", "number", "required", true), "currency", map("type", "string"),
                "page", map("type", "string"), "plan", map("type", "string"), "channel", map("type", "string"))))
                .status()).isEqualTo(201);
        assertThat(s.post("/api/add_user_properties", json(map("app_id", s.dev().appId(), "identity", "u1",
                "properties", map("plan", "pro"))), TestServer.bearer(s.dev().secretKey())).status()).isEqualTo(200);
        long definition = define("Clicked Buy", "button.buy");
        Map<String, Object> body = map("definition_id", definition, "canonical_event", "purchase", "properties", map(
                "value", map("from", "price"), "currency", map("from", "currency"), "page", map("from", "$path"),
                "plan", map("from", "$user.plan"), "channel", map("value", "web")));
        TestServer.Response created = as(analyst, "POST", mappings(""), body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long id = created.json().get("id").asLong();
        assertThat(created.json().get("status").asText()).isEqualTo("draft");
        assertThat(created.json().get("producing_version").isNull()).isTrue();

        // A draft produces nothing.
        String early = click("d1", "u1", now - 3_600_000, BUY, "/checkout");
        run();
        assertThat(produced(id).get("count").asLong()).isZero();

        // Approval needs an architect or an admin.
        assertThat(as(analyst, "POST", mappings("/" + id + "/approve"), null).status()).isEqualTo(403);
        TestServer.Response approved = as(architect, "POST", mappings("/" + id + "/approve"), null);
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(approved.json().get("status").asText()).isEqualTo("approved");
        assertThat(approved.json().get("producing_version").asInt()).isEqualTo(2);
        assertThat(approved.json().get("pinned").get("rules").get(0).get("selector").asText()).isEqualTo("button.buy");

        String live = click("d1", "u1", now - 1_800_000, BUY, "/checkout");
        click("d1", "u1", now - 1_700_000, OTHER, "/checkout");
        run();
        JsonNode p = produced(id);
        assertThat(p.get("count").asLong()).isEqualTo(1);
        JsonNode e = p.get("latest").get(0);
        assertThat(e.get("event").asText()).isEqualTo("purchase");
        assertThat(e.get("event_id").asText()).isEqualTo(Promoter.eventId(s.dev().id(), id, live));
        assertThat(e.get("user_id").asText()).isEqualTo("u1");
        assertThat(e.get("anonymous_id").asText()).isEqualTo("d1");
        assertThat(e.get("source").asText()).isEqualTo("hindsight");
        assertThat(Instant.parse(e.get("timestamp").asText()).toEpochMilli()).isEqualTo(now - 1_800_000);
        assertThat(e.get("properties").get("value").asDouble()).isEqualTo(42.5);
        assertThat(e.get("properties").get("currency").asText()).isEqualTo("EUR");
        assertThat(e.get("properties").get("page").asText()).isEqualTo("/checkout");
        assertThat(e.get("properties").get("plan").asText()).isEqualTo("pro");
        assertThat(e.get("properties").get("channel").asText()).isEqualTo("web");
        // Valid against the registry, as a capture would be: nothing of it is listed among the violations.
        assertThat(s.get(registry("/violations?event=purchase"), TestServer.bearer(TestServer.ADMIN)).body())
                .doesNotContain(Promoter.prefix(id));

        // A re-run finds nothing new.
        run();
        assertThat(produced(id).get("count").asLong()).isEqualTo(1);

        // A backfill over the past two hours: the early click once, the live one a duplicate (the same derived id).
        Instant to = Instant.now();
        String from = Instant.ofEpochMilli(now - 7_200_000).toString();
        TestServer.Response backfill = as(architect, "POST", mappings("/" + id + "/backfill"), map("from", from,
                "to", to.toString()));
        assertThat(backfill.status()).as(backfill.body()).isEqualTo(200);
        JsonNode b = backfill.json();
        assertThat(b.get("matched").asLong()).isEqualTo(2);
        assertThat(b.get("produced").asLong()).isEqualTo(1);
        assertThat(b.get("duplicates").asLong()).isEqualTo(1);
        JsonNode again = as(architect, "POST", mappings("/" + id + "/backfill"), map("from", from, "to", to.toString()))
                .json();
        assertThat(again.get("produced").asLong()).isZero();
        assertThat(again.get("duplicates").asLong()).isEqualTo(2);
        p = produced(id);
        assertThat(p.get("count").asLong()).isEqualTo(2);
        assertThat(p.get("latest").findValuesAsText("event_id")).containsExactlyInAnyOrder(
                Promoter.eventId(s.dev().id(), id, early), Promoter.eventId(s.dev().id(), id, live));

        // After a restart the promoter resumes from its kept position: nothing twice, new matches once.
        s.restart();
        run();
        assertThat(produced(id).get("count").asLong()).isEqualTo(2);
        click("d2", "u2", now - 60_000, BUY, "/checkout");
        run();
        assertThat(produced(id).get("count").asLong()).isEqualTo(3);

        // The canonical events are custom events of every analysis.
        TestServer.Response graph = s.post("/api/query", json(map("app_id", s.dev().appId(), "kind", "graph",
                "from", Instant.ofEpochMilli(now - 86_400_000).truncatedTo(ChronoUnit.DAYS).toString(),
                "to", Instant.ofEpochMilli(now + 86_400_000).truncatedTo(ChronoUnit.DAYS).toString(), "interval", "day",
                "series", List.of(map("event", map("kind", "custom", "event", "purchase"), "measure", "count")))),
                TestServer.bearer(TestServer.ADMIN));
        assertThat(graph.status()).as(graph.body()).isEqualTo(200);
        long total = 0;
        for (JsonNode point : graph.json().get("series").get(0).get("points")) {
            total += point.get("value").asLong();
        }
        assertThat(total).as(graph.body()).isEqualTo(3);
    }

    @Test
    void anEditedDefinitionChangesNothingUntilANewVersionIsApproved() {
        long now = System.currentTimeMillis();
        long definition = define("Clicked Start", "a.start");
        long id = as(analyst, "POST", mappings(""), map("definition_id", definition, "canonical_event", "start_trial",
                "properties", map("page", map("from", "$path")))).json().get("id").asLong();
        assertThat(as(architect, "POST", mappings("/" + id + "/approve"), null).status()).isEqualTo(200);
        run();

        TestServer.Response edit = s.put("/api/definitions/" + definition, json(map("app_id", s.dev().appId(),
                "name", "Clicked Start", "rules", List.of(map("kind", "click", "selector", "a.start-now")))),
                TestServer.bearer(TestServer.ADMIN));
        assertThat(edit.status()).as(edit.body()).isEqualTo(200);
        JsonNode m = as(analyst, "GET", mappings("/" + id), null).json();
        assertThat(m.get("definition_changed").asBoolean()).isTrue();
        assertThat(m.get("definition_note").asText()).contains("Definition changed since approval");

        String old = click("d3", null, now - 50_000, START, "/pricing");
        String renamed = click("d3", null, now - 40_000, START_NOW, "/pricing");
        run();
        JsonNode p = produced(id);
        assertThat(p.get("count").asLong()).isEqualTo(1);
        assertThat(p.get("latest").get(0).get("event_id").asText()).isEqualTo(Promoter.eventId(s.dev().id(), id, old));
        assertThat(p.get("latest").get(0).get("anonymous_id").asText()).isEqualTo("d3");

        // A new approved version pins the new rules.
        JsonNode approved = as(architect, "POST", mappings("/" + id + "/approve"), null).json();
        assertThat(approved.get("producing_version").asInt()).isEqualTo(3);
        assertThat(approved.get("definition_changed").asBoolean()).isFalse();
        click("d3", null, now - 30_000, START, "/pricing");
        String newer = click("d3", null, now - 20_000, START_NOW, "/pricing");
        run();
        p = produced(id);
        assertThat(p.get("count").asLong()).isEqualTo(2);
        assertThat(p.get("latest").findValuesAsText("event_id")).contains(Promoter.eventId(s.dev().id(), id, newer))
                .doesNotContain(Promoter.eventId(s.dev().id(), id, renamed));
        assertThat(as(analyst, "GET", mappings("/" + id + "/versions"), null).json().get("versions")).hasSize(3);
    }

    @Test
    void aClickBeforeTheSignInThatIdentifiedItsDeviceIsPromotedAsTheUsers() {
        long now = System.currentTimeMillis();
        long definition = define("Clicked Pay Later", "button.pay-later");
        // Its own canonical event, so that the other tests' counts of purchases stay theirs.
        long id = as(analyst, "POST", mappings(""), map("definition_id", definition, "canonical_event", "paid_later",
                "properties", map("value", map("from", "price"), "plan", map("from", "$user.plan")))).json()
                .get("id").asLong();
        // An anonymous device clicks, then signs in: the canonical form of identify links it to the user.
        String clicked = click("d-later", null, now - 600_000, "body:1:1|div#app:1:1|button.pay-later[type=button]:1:1", "/checkout");
        TestServer.Response identify = s.post("/api/identify", json(map("app_id", s.dev().appId(), "user_id", "u-later",
                "anonymous_id", "d-later", "traits", map("plan", "team"))), TestServer.bearer(s.dev().secretKey()));
        assertThat(identify.status()).as(identify.body()).isEqualTo(200);
        as(architect, "POST", mappings("/" + id + "/approve"), null);
        TestServer.Response backfill = as(architect, "POST", mappings("/" + id + "/backfill"), map("from",
                Instant.ofEpochMilli(now - 3_600_000).toString(), "to", Instant.now().toString()));
        assertThat(backfill.status()).as(backfill.body()).isEqualTo(200);
        JsonNode e = produced(id).get("latest").get(0);
        assertThat(e.get("event_id").asText()).isEqualTo(Promoter.eventId(s.dev().id(), id, clicked));
        assertThat(e.get("user_id").asText()).isEqualTo("u-later");
        assertThat(e.get("anonymous_id").asText()).isEqualTo("d-later");
        assertThat(e.get("properties").get("plan").asText()).isEqualTo("team");
        as(architect, "POST", mappings("/" + id + "/deprecate"), null);
    }

    @Test
    void aPropertyCanComeFromTheSessionsChannelAndUtmTagsAsTheAnalysesHaveThem() {
        long now = System.currentTimeMillis();
        long definition = define("Clicked Subscribe", "button.subscribe");
        long id = as(analyst, "POST", mappings(""), map("definition_id", definition, "canonical_event", "subscribed",
                "properties", map("channel", map("from", "$channel"), "campaign", map("from", "$utm_campaign"),
                        "landing", map("from", "$landing_path"), "page", map("from", "$path")))).json()
                .get("id").asLong();
        // The session lands from a newsletter link, then clicks Subscribe on another page.
        TestServer.Response r = s.post("/h", json(map("app_id", s.dev().appId(), "events", List.of(
                map("event_id", UUID.randomUUID().toString(), "kind", "pageview", "device_id", "d-news",
                        "session_id", "s-news", "time", now - 120_000,
                        "url", "https://shop.example.com/spring?utm_source=newsletter&utm_medium=email"
                                + "&utm_campaign=spring_sale"),
                map("event_id", UUID.randomUUID().toString(), "kind", "click", "device_id", "d-news",
                        "session_id", "s-news", "time", now - 60_000,
                        "hierarchy", "body:1:1|div#app:1:1|button.subscribe[type=button]:1:1", "text", "Subscribe",
                        "url", "https://shop.example.com/pricing")))));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        as(architect, "POST", mappings("/" + id + "/approve"), null);
        TestServer.Response backfill = as(architect, "POST", mappings("/" + id + "/backfill"), map("from",
                Instant.ofEpochMilli(now - 3_600_000).toString(), "to", Instant.now().toString()));
        assertThat(backfill.status()).as(backfill.body()).isEqualTo(200);
        JsonNode props = produced(id).get("latest").get(0).get("properties");
        assertThat(props.get("channel").asText()).isEqualTo("email");
        assertThat(props.get("campaign").asText()).isEqualTo("spring_sale");
        assertThat(props.get("landing").asText()).isEqualTo("/spring");
        assertThat(props.get("page").asText()).isEqualTo("/pricing");
        as(architect, "POST", mappings("/" + id + "/deprecate"), null);
    }

    @Test
    void backfillWindowsAreBounded() {
        long definition = define("Clicked Buy Bounded", "button.buy");
        long id = as(analyst, "POST", mappings(""), map("definition_id", definition, "canonical_event", "purchase"))
                .json().get("id").asLong();
        Instant now = Instant.now();
        // Not approved: nothing to backfill with.
        TestServer.Response draft = as(architect, "POST", mappings("/" + id + "/backfill"), map("from",
                now.minus(Duration.ofHours(1)).toString(), "to", now.toString()));
        assertThat(draft.status()).as(draft.body()).isEqualTo(409);
        as(architect, "POST", mappings("/" + id + "/approve"), null);
        TestServer.Response wide = as(architect, "POST", mappings("/" + id + "/backfill"), map("from",
                now.minus(Duration.ofDays(5)).toString(), "to", now.minus(Duration.ofDays(1)).toString()));
        assertThat(wide.status()).as(wide.body()).isEqualTo(400);
        assertThat(wide.header("Content-Type")).contains("application/problem+json");
        assertThat(wide.json().get("errors").get(0).get("field").asText()).isEqualTo("to");
        TestServer.Response old = as(architect, "POST", mappings("/" + id + "/backfill"), map("from",
                now.minus(Duration.ofDays(9)).toString(), "to", now.minus(Duration.ofDays(8)).toString()));
        assertThat(old.status()).as(old.body()).isEqualTo(400);
        assertThat(old.json().get("errors").get(0).get("field").asText()).isEqualTo("from");
        TestServer.Response unknown = as(architect, "POST", mappings("/" + id + "/backfill"), map("from",
                now.minus(Duration.ofHours(1)).toString(), "to", now.toString(), "days", 3));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body()).contains("days");
        assertThat(as(analyst, "POST", mappings("/" + id + "/backfill"), map("from",
                now.minus(Duration.ofHours(1)).toString(), "to", now.toString())).status()).isEqualTo(403);
        // An unknown source of a property is refused naming it.
        TestServer.Response bad = as(analyst, "POST", mappings(""), map("definition_id", definition,
                "canonical_event", "purchase", "properties", map("x", map("from", "$nope"))));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("properties.x.from");
        // Deprecated, it produces no more (and leaves the other tests' clicks alone).
        assertThat(as(architect, "POST", mappings("/" + id + "/deprecate"), null).json().get("producing_version")
                .isNull()).isTrue();
    }

    // --- helpers ---

    /** Sends one click through /h and returns its event id. */
    @Test
    void aPromotedEventIsDeliveredToADestinationThatMapsItsCanonicalEvent() throws InterruptedException {
        long now = System.currentTimeMillis();
        assertThat(admin("POST", registry("/schemas"), map("event", "trial_promoted", "properties", map(
                "page", map("type", "string")))).status()).isEqualTo(201);
        long definition = define("Clicked Start, delivered", "a.start");
        TestServer.Response created = as(architect, "POST", mappings(""), map("definition_id", definition,
                "canonical_event", "trial_promoted", "properties", map("page", map("from", "$path"))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long id = created.json().get("id").asLong();
        assertThat(as(architect, "POST", mappings("/" + id + "/approve"), null).status()).isEqualTo(200);
        String secret = "whsec_promoted0123456789";
        try (WebhookReceiver hook = new WebhookReceiver(java.time.Clock.systemUTC(), List.of(secret))) {
            TestServer.Response d = admin("POST", "/api/environments/" + s.dev().appId() + "/destinations", map(
                    "name", "trials", "kind", "webhook", "settings", map("url", hook.url(), "secrets", List.of(secret)),
                    "mapping", map("trial_promoted", map("name", "trial.started"))));
            assertThat(d.status()).as(d.body()).isEqualTo(201);
            String raw = click("d9", "u9", now - 60_000, START, "/pricing");
            run();
            String eventId = Promoter.eventId(s.dev().id(), id, raw);
            // Delivery is asynchronous: wait for the receiver to have it, waking the workers meanwhile.
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (hook.processed.stream().noneMatch(b -> b.path("id").asText().equals(eventId))) {
                assertThat(System.nanoTime()).as("the promoted event reaches the webhook").isLessThan(end);
                s.app().delivery().settle(Duration.ofSeconds(1));
            }
            assertThat(hook.processed).extracting(b -> b.path("id").asText()).containsExactly(eventId);
            assertThat(hook.duplicates).isEmpty();
            admin("DELETE", "/api/environments/" + s.dev().appId() + "/destinations/" + d.json().get("id").asLong(),
                    null);
        }
    }

    private static String click(String device, String identity, long time, String hierarchy, String path) {
        String eventId = UUID.randomUUID().toString();
        Map<String, Object> e = map("event_id", eventId, "kind", "click", "device_id", device, "time", time,
                "hierarchy", hierarchy, "text", "Go", "url", "https://shop.example.com" + path,
                "properties", map("price", 42.5, "currency", "EUR"));
        if (identity != null) {
            e.put("identity", identity);
        }
        TestServer.Response r = s.post("/h", json(map("app_id", s.dev().appId(), "events", List.of(e))));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).doesNotContain("\"errors\"");
        return eventId;
    }

    private static long define(String name, String selector) {
        TestServer.Response r = s.post("/api/definitions", json(map("app_id", s.dev().appId(), "name", name,
                "rules", List.of(map("kind", "click", "selector", selector)))), TestServer.bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static JsonNode run() {
        TestServer.Response r = as(architect, "POST", mappings("/run"), null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static JsonNode produced(long id) {
        TestServer.Response r = as(analyst, "GET", mappings("/" + id + "/produced"), null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static String registry(String rest) {
        return "/api/environments/" + s.dev().appId() + "/registry" + rest;
    }

    private static String mappings(String rest) {
        return registry("/definition-mappings" + rest);
    }

    private static TestServer.Response admin(String method, String path, Object body) {
        return as(TestServer.ADMIN, method, path, body);
    }

    private static TestServer.Response as(String token, String method, String path, Object body) {
        return s.send(method, path, body == null ? null : json(body), "Authorization", "Bearer " + token,
                "Content-Type", "application/json");
    }

    private static String member(String role) {
        return dev.hindsight.account.Session.member(s, role + "-promote-" + (++seq) + "@example.com", role).token(s);
    }
}
