package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import dev.hindsight.activate.destination.Pii;
import dev.hindsight.tracker.Chromium;
import dev.hindsight.tracker.FixtureSite;
import dev.hindsight.tracker.Stored;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reference 004's validation path end to end: a click in Chromium with the real tracker -> a definition -> an
 * approved definition mapping -> canonical {@code purchase} -> Meta, GA4, HubSpot and a webhook, each receiving the
 * same user id, order id and stable event id, as each platform carries them; a re-run or a backfill changes nothing.
 */
class ActivationEndToEndTest {
    private static final String SECRET = "whsec_e2e0123456789abcdef";
    private static final String HUBSPOT_EVENT = "pe4711_purchase";
    private static TestServer s;
    private static FixtureSite site;
    private static Chromium chromium;
    private static String architect;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        site = new FixtureSite(s);
        chromium = Chromium.launch();
        architect = dev.hindsight.account.Session.member(s, "architect-e2e@example.com", "architect").token(s);
    }

    @AfterAll
    static void stop() {
        chromium.close();
        site.close();
        s.close();
    }

    @Test
    void aBuyClickBecomesOnePurchaseThatFourDestinationsReceiveWithTheSameUserOrderAndEventId() {
        // The registry's purchase, the definition of the click, and its mapping, approved before anyone clicks.
        TestServer.Response schema = as(architect, "POST", env("/registry/schemas"), map("event", "purchase",
                "properties", map("order_id", map("type", "string", "required", true),
                        "value", map("type", "number", "required", true), "currency", map("type", "string"),
                        "email", map("type", "string"))));
        assertThat(schema.status()).as(schema.body()).isEqualTo(201);
        TestServer.Response def = s.post("/api/definitions", json(map("app_id", s.dev().appId(),
                "name", "Clicked Buy", "rules", List.of(map("kind", "click", "selector", "button.buy")))),
                TestServer.bearer(TestServer.ADMIN));
        assertThat(def.status()).as(def.body()).isEqualTo(201);
        TestServer.Response created = as(architect, "POST", mappings(""), map("definition_id",
                def.json().get("id").asLong(), "canonical_event", "purchase", "properties", map(
                        "order_id", map("from", "order_id"), "value", map("from", "value"),
                        "currency", map("from", "currency"), "email", map("from", "$user.email"))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long mapping = created.json().get("id").asLong();
        assertThat(as(architect, "POST", mappings("/" + mapping + "/approve"), null).status()).isEqualTo(200);

        try (MetaStandIn meta = new MetaStandIn(Clock.systemUTC(), "px-e2e", "EAAe2etoken");
                Ga4StandIn ga = new Ga4StandIn(Clock.systemUTC(), "G-E2E42", "ga-secret-e2e");
                HubSpotStandIn hub = new HubSpotStandIn(Clock.systemUTC(), "pat-na1-e2e", Map.of(HUBSPOT_EVENT,
                        Set.of("order_id", "value", "currency", "user_id", "event_id")));
                WebhookReceiver hook = new WebhookReceiver(Clock.systemUTC(), List.of(SECRET))) {
            long metaId = destination("Meta", "meta", map("base_url", meta.baseUrl(), "pixel_id", "px-e2e",
                    "access_token", "EAAe2etoken", "action_source", "system_generated"), map("name", "Purchase",
                    "fields", map("value", "value", "currency", "currency", "order_id", "order_id")));
            long gaId = destination("GA4", "ga4", map("base_url", ga.baseUrl(), "measurement_id", "G-E2E42",
                    "api_secret", "ga-secret-e2e"), map("name", "purchase", "fields", map("transaction_id", "order_id",
                    "value", "value", "currency", "currency", "event_id", "$event_id")));
            long hubId = destination("HubSpot", "hubspot", map("base_url", hub.baseUrl(), "access_token",
                    "pat-na1-e2e"), map("name", HUBSPOT_EVENT, "fields", map("order_id", "order_id", "value", "value",
                    "currency", "currency", "user_id", "$user_id", "event_id", "$event_id")));
            long hookId = destination("Orders hook", "webhook", map("url", hook.url(), "secrets", List.of(SECRET)),
                    map("name", "order.completed"));

            // An anonymous visitor browses, signs in (the page calls identify), opens the checkout and buys.
            String user = "cust_" + UUID.randomUUID();
            String email = "Jo.Buyer+" + user.substring(5, 13) + "@Example.com";
            String device;
            try (BrowserContext ctx = chromium.newContext()) {
                Page page = ctx.newPage();
                page.navigate(site.url("checkout", "/shop?user=" + user + "&email="
                        + URLEncoder.encode(email, StandardCharsets.UTF_8), Map.of()));
                page.waitForFunction("() => window.hindsight && window.hindsight.version");
                page.click("#shoes");
                page.click("#socks");
                device = (String) page.evaluate("hindsight.getUserId()");
                page.click("#sign-in");
                await("the profile has the email", () -> email.equals(s.get("/api/users/" + user + "?app_id="
                        + s.dev().appId(), TestServer.bearer(TestServer.ADMIN)).json().path("properties")
                        .path("email").asText(null)));
                page.click("#checkout");
                page.click("#buy");
                await("the Buy click is stored", () -> buyClick(user) != null);
            }
            JsonNode click = buyClick(user);
            assertThat(click.path("identity").asText()).isEqualTo(user);
            assertThat(click.path("properties").path("order_id").asText()).isEqualTo("ord_10492");
            String eventId = Promoter.eventId(s.dev().id(), mapping, click.get("event_id").asText());

            // The promoter makes the canonical purchase (its own pass, or this one); the four destinations get it.
            run();
            await(() -> "every destination received it: meta " + meta.received.size() + ", ga4 " + ga.accepted.size()
                    + " (dropped " + ga.dropped + "), hubspot " + hub.occurrences.size() + ", webhook "
                    + hook.processed.size() + "; trace " + trace(eventId),
                    () -> meta.acceptedIds.contains(eventId) && !ga.accepted.isEmpty() && !hub.occurrences.isEmpty()
                            && !hook.processed.isEmpty());

            JsonNode produced = as(architect, "GET", mappings("/" + mapping + "/produced"), null).json();
            assertThat(produced.get("count").asLong()).isEqualTo(1);
            JsonNode canonical = produced.get("latest").get(0);
            assertThat(canonical.get("event").asText()).isEqualTo("purchase");
            assertThat(canonical.get("event_id").asText()).isEqualTo(eventId);
            assertThat(canonical.get("user_id").asText()).isEqualTo(user);
            assertThat(canonical.get("anonymous_id").asText()).isEqualTo(device);
            assertThat(canonical.get("properties").get("order_id").asText()).isEqualTo("ord_10492");

            // Meta: the event id for deduplication with the pixel, the user as external_id and email, hashed.
            JsonNode metaEvent = meta.received.getFirst().json().get("data").get(0);
            assertThat(metaEvent.get("event_id").asText()).isEqualTo(eventId);
            assertThat(metaEvent.get("event_name").asText()).isEqualTo("Purchase");
            assertThat(metaEvent.get("user_data").get("external_id").get(0).asText()).isEqualTo(Pii.sha256Hex(user));
            assertThat(metaEvent.get("user_data").get("em").get(0).asText())
                    .isEqualTo(Pii.sha256Hex(email.toLowerCase(java.util.Locale.ROOT)));
            assertThat(metaEvent.get("custom_data").get("order_id").asText()).isEqualTo("ord_10492");
            assertThat(metaEvent.get("custom_data").get("value").asDouble()).isEqualTo(129.95);
            assertThat(metaEvent.get("event_time").asLong())
                    .isEqualTo(Instant.parse(click.get("time").asText()).getEpochSecond());

            // GA4: the user as user_id, the device as client_id, the order as transaction_id, the event id a param.
            assertThat(ga.dropped).isEmpty();
            JsonNode gaBody = ga.accepted.getFirst();
            assertThat(gaBody.get("user_id").asText()).isEqualTo(user);
            assertThat(gaBody.get("client_id").asText()).isEqualTo(device);
            JsonNode gaEvent = gaBody.get("events").get(0);
            assertThat(gaEvent.get("name").asText()).isEqualTo("purchase");
            assertThat(gaEvent.get("params").get("transaction_id").asText()).isEqualTo("ord_10492");
            assertThat(gaEvent.get("params").get("event_id").asText()).isEqualTo(eventId);
            assertThat(gaEvent.get("params").get("value").asDouble()).isEqualTo(129.95);

            // HubSpot: the contact upserted by email, then the behavioural event with the user and event ids.
            assertThat(hub.contacts).containsOnlyKeys(email.toLowerCase(java.util.Locale.ROOT));
            JsonNode occurrence = hub.occurrences.getFirst();
            assertThat(occurrence.get("eventName").asText()).isEqualTo(HUBSPOT_EVENT);
            assertThat(occurrence.get("email").asText()).isEqualTo(email.toLowerCase(java.util.Locale.ROOT));
            assertThat(occurrence.get("properties").get("user_id").asText()).isEqualTo(user);
            assertThat(occurrence.get("properties").get("order_id").asText()).isEqualTo("ord_10492");
            assertThat(occurrence.get("properties").get("event_id").asText()).isEqualTo(eventId);
            assertThat(occurrence.get("uuid").asText()).isEqualTo(UUID.nameUUIDFromBytes(("hindsight:"
                    + s.dev().id() + ":" + eventId).getBytes(StandardCharsets.UTF_8)).toString());

            // The webhook: the event id as the body's id, the user and the order in its data.
            JsonNode body = hook.processed.getFirst();
            assertThat(body.get("id").asText()).isEqualTo(eventId);
            assertThat(body.get("type").asText()).isEqualTo("order.completed");
            assertThat(body.get("data").get("user_id").asText()).isEqualTo(user);
            assertThat(body.get("data").get("properties").get("order_id").asText()).isEqualTo("ord_10492");

            // The trace follows the event to the four destinations.
            JsonNode trace = trace(eventId);
            List<String> kinds = new ArrayList<>();
            trace.get("destinations").forEach(d -> {
                kinds.add(d.get("kind").asText());
                assertThat(d.get("state").asText()).as(d.toString()).isEqualTo("delivered");
                assertThat(d.get("event_id").asText()).isEqualTo(eventId);
            });
            assertThat(kinds).containsExactlyInAnyOrder("meta", "ga4", "hubspot", "webhook");

            // A re-run and a backfill over the same window find the click again and produce nothing new.
            assertThat(run().get("produced").asLong()).isZero();
            Instant now = Instant.now();
            TestServer.Response backfill = as(architect, "POST", mappings("/" + mapping + "/backfill"), map(
                    "from", now.minus(Duration.ofHours(1)).toString(), "to", now.toString()));
            assertThat(backfill.status()).as(backfill.body()).isEqualTo(200);
            assertThat(backfill.json().get("matched").asLong()).isEqualTo(1);
            assertThat(backfill.json().get("produced").asLong()).isZero();
            assertThat(backfill.json().get("duplicates").asLong()).isEqualTo(1);
            assertThat(as(architect, "GET", mappings("/" + mapping + "/produced"), null).json().get("count").asLong())
                    .isEqualTo(1);
            settle();
            assertThat(meta.acceptedIds).containsExactly(eventId);
            assertThat(ga.accepted).hasSize(1);
            assertThat(hub.occurrences).hasSize(1);
            assertThat(hook.processed).hasSize(1);
            assertThat(hook.duplicates).isEmpty();
            for (long d : List.of(metaId, gaId, hubId, hookId)) {
                JsonNode rows = as(architect, "GET", env("/destinations/" + d + "/deliveries?event_id=" + eventId),
                        null).json().get("deliveries");
                assertThat(rows).as("deliveries of " + d).hasSize(1);
                assertThat(rows.get(0).get("attempts").asInt()).isEqualTo(1);
            }
        }
    }

    // --- helpers ---

    /** The stored click on the Buy button of a user, or null. */
    private static JsonNode buyClick(String user) {
        return Stored.ofKind(Stored.events(s, s.dev(), user), "click").stream()
                .filter(e -> e.path("hierarchy").asText().contains("#buy")).findFirst().orElse(null);
    }

    private static long destination(String name, String kind, Map<String, Object> settings, Map<String, Object> rule) {
        TestServer.Response r = as(TestServer.ADMIN, "POST", env("/destinations"), map("name", name, "kind", kind,
                "settings", settings, "mapping", map("purchase", rule)));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static JsonNode trace(String eventId) {
        TestServer.Response r = as(architect, "GET", env("/canonical/" + eventId + "/trace"), null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static JsonNode run() {
        TestServer.Response r = as(architect, "POST", mappings("/run"), null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static void settle() {
        ActivationHttp.settle(s);
    }

    private static void await(String what, BooleanSupplier ok) {
        await(() -> what, ok);
    }

    /** Waits for a condition, waking the delivery workers meanwhile (polling, never a fixed sleep). */
    private static void await(Supplier<String> what, BooleanSupplier ok) {
        ActivationHttp.await(s, what, ok);
    }

    private static String env(String rest) {
        return ActivationHttp.env(s, rest);
    }

    private static String mappings(String rest) {
        return env("/registry/definition-mappings" + rest);
    }

    private static TestServer.Response as(String token, String method, String path, Object body) {
        return s.send(method, path, body == null ? null : json(body), "Authorization", "Bearer " + token,
                "Content-Type", "application/json");
    }
}
