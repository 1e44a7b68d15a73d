package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static dev.hindsight.activate.ActivationHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GA4 and HubSpot through the whole delivery path: {@code POST /api/capture} -> the outbox -> the destination's
 * worker -> a stand-in that enforces the platform's request rules; what the stand-in accepted is what is asserted.
 */
class Ga4AndHubSpotDeliveryTest {
    private static final Instant NOW = Instant.parse("2026-04-20T09:00:00Z");
    private static final MutableClock CLOCK = new MutableClock(NOW);
    private static final String HUBSPOT_EVENT = "pe4711_purchase";
    private static TestServer s;
    private static String event;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
        event = unique("purchase");
        TestServer.Response r = admin("POST", env("/registry/schemas"), map("event", event, "properties", map(
                "order_id", map("type", "string", "required", true), "value", map("type", "number"),
                "currency", map("type", "string"), "description", map("type", "string"),
                "email", map("type", "string"), "ga_client_id", map("type", "string"),
                "consents", map("type", "string"), "first_name", map("type", "string"))));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aCapturedPurchaseReachesGa4AsAValidRequestWithItsIdsCappedParamsAndTimestamp() {
        try (Ga4StandIn ga = new Ga4StandIn(CLOCK, "G-OUTBOX1", "ga-outbox-secret")) {
            long d = destination("ga4", map("base_url", ga.baseUrl(), "measurement_id", "G-OUTBOX1",
                    "api_secret", "ga-outbox-secret"), map("name", "purchase", "fields", map("transaction_id",
                    "order_id", "value", "value", "currency", "currency", "description", "description",
                    "event_id", "$event_id")), "analytics");
            String id = unique("ga");
            Instant at = CLOCK.instant().minus(Duration.ofHours(2)).plusMillis(123);
            capture(id, "cust_ga", at, map("order_id", "ord_ga1", "value", 59.5, "currency", "EUR",
                    "description", "d".repeat(150), "ga_client_id", "1234567890.1712345678", "consents",
                    "analytics"));
            // Older than GA4's 72 hours: skipped with its reason, never sent.
            String old = unique("ga_old");
            capture(old, "cust_ga", CLOCK.instant().minus(Duration.ofHours(73)), map("order_id", "ord_ga0",
                    "consents", "analytics"));
            // Without the consent GA4 requires: skipped, never sent.
            String unconsented = unique("ga_nc");
            capture(unconsented, "cust_ga2", at, map("order_id", "ord_ga2"));

            await("delivered", () -> "delivered".equals(state(d, id)));
            await("the old one skipped", () -> "skipped".equals(state(d, old)));
            await("the unconsented one skipped", () -> "skipped".equals(state(d, unconsented)));
            assertThat(delivery(d, old).get("reason").asText()).startsWith("too-old");
            assertThat(delivery(d, unconsented).get("reason").asText()).startsWith("no-consent");

            assertThat(ga.dropped).isEmpty();
            assertThat(ga.accepted).hasSize(1);
            StandIn.Received sent = ga.received.stream().filter(r -> r.path().equals("/mp/collect")).findFirst()
                    .orElseThrow();
            assertThat(sent.query()).containsEntry("measurement_id", "G-OUTBOX1")
                    .containsEntry("api_secret", "ga-outbox-secret");
            JsonNode body = ga.accepted.getFirst();
            assertThat(body.get("client_id").asText()).isEqualTo("1234567890.1712345678");
            assertThat(body.get("user_id").asText()).isEqualTo("cust_ga");
            JsonNode e = body.get("events").get(0);
            assertThat(e.get("name").asText()).isEqualTo("purchase");
            assertThat(e.get("timestamp_micros").asLong()).isEqualTo(at.toEpochMilli() * 1000);
            JsonNode params = e.get("params");
            assertThat(params.get("transaction_id").asText()).isEqualTo("ord_ga1");
            assertThat(params.get("event_id").asText()).isEqualTo(id);
            assertThat(params.get("value").asDouble()).isEqualTo(59.5);
            assertThat(params.get("description").asText()).hasSize(100);
            assertThat(ga.received).noneMatch(r -> r.body().contains("ord_ga0") || r.body().contains("ord_ga2"));
            JsonNode row = delivery(d, id);
            assertThat(row.get("attempts").asInt()).isEqualTo(1);
            assertThat(row.get("last_status").asInt()).isEqualTo(204);
            admin("DELETE", env("/destinations/" + d), null);
        }
    }

    @Test
    void aHubSpotRateLimitIsHonouredByItsRetryAfterThenTheContactAndTheEventArriveOnce() {
        try (HubSpotStandIn hub = new HubSpotStandIn(CLOCK, "pat-na1-outbox", Map.of(HUBSPOT_EVENT,
                Set.of("order_id", "value", "currency", "user_id")))) {
            long d = destination("hubspot", map("base_url", hub.baseUrl(), "access_token", "pat-na1-outbox",
                    "contact_properties", map("firstname", "first_name")),
                    map("name", HUBSPOT_EVENT, "fields", map("order_id", "order_id", "value", "value",
                            "currency", "currency", "user_id", "$user_id")), "crm");
            hub.failNext(StandIn.Failure.rateLimited("120"));
            String id = unique("hs");
            Instant at = CLOCK.instant().minus(Duration.ofDays(3));
            capture(id, "cust_hs", at, map("order_id", "ord_hs1", "value", 12, "currency", "USD",
                    "email", "  Hub.Buyer@Example.COM ", "consents", "crm,ads", "first_name", "Ada"));

            await("retrying", () -> "retrying".equals(state(d, id)));
            JsonNode retrying = delivery(d, id);
            assertThat(retrying.get("last_status").asInt()).isEqualTo(429);
            assertThat(Duration.between(CLOCK.instant(), Instant.parse(retrying.get("next_attempt_at").asText())))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(120));
            // Half-way through the announced wait nothing is sent again.
            int seen = hub.received.size();
            CLOCK.advance(Duration.ofSeconds(60));
            settle();
            assertThat(state(d, id)).isEqualTo("retrying");
            assertThat(hub.received).hasSize(seen);
            CLOCK.advance(Duration.ofSeconds(61));
            await("delivered", () -> "delivered".equals(state(d, id)));

            assertThat(hub.contacts).containsOnlyKeys("hub.buyer@example.com");
            // The contact's properties come from the canonical event's, as contact_properties maps them.
            JsonNode upsert = hub.received.stream().filter(r -> r.path().endsWith("/batch/upsert")).reduce((a, b) -> b)
                    .orElseThrow().json();
            assertThat(upsert.at("/inputs/0/properties/firstname").asText()).isEqualTo("Ada");
            assertThat(hub.occurrences).hasSize(1);
            JsonNode o = hub.occurrences.getFirst();
            assertThat(o.get("eventName").asText()).isEqualTo(HUBSPOT_EVENT);
            assertThat(o.get("email").asText()).isEqualTo("hub.buyer@example.com");
            assertThat(o.get("occurredAt").asText()).isEqualTo(at.toString());
            assertThat(o.get("properties").get("order_id").asText()).isEqualTo("ord_hs1");
            assertThat(o.get("properties").get("user_id").asText()).isEqualTo("cust_hs");
            assertThat(o.get("uuid").asText()).isEqualTo(UUID.nameUUIDFromBytes(("hindsight:" + s.dev().id() + ":"
                    + id).getBytes(StandardCharsets.UTF_8)).toString());
            assertThat(hub.received).allSatisfy(r -> assertThat(r.headers().get("Authorization"))
                    .isEqualTo("Bearer pat-na1-outbox"));
            JsonNode row = delivery(d, id);
            assertThat(row.get("attempts").asInt()).isEqualTo(2);
            assertThat(row.get("attempts_log")).extracting(a -> a.get("outcome").asText())
                    .contains("delivered");
            admin("DELETE", env("/destinations/" + d), null);
        }
    }

    @Test
    void aMappingFieldFromAnUnknownDollarSourceIsRefusedNamingTheField() {
        TestServer.Response r = admin("POST", env("/destinations"), map("name", "bad", "kind", "ga4", "settings",
                map("measurement_id", "G-1", "api_secret", "x"), "mapping", map(event, map("name", "purchase",
                        "fields", map("event_id", "$eventid")))));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText())
                .isEqualTo("mapping." + event + ".fields.event_id");
        assertThat(r.body()).contains("$event_id");
    }

    // --- helpers ---

    private static long destination(String kind, Map<String, Object> settings, Map<String, Object> rule,
            String consent) {
        TestServer.Response r = admin("POST", env("/destinations"), map("name", kind + " outbox", "kind", kind,
                "settings", settings, "mapping", map(event, rule), "required_consent", consent));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static void capture(String eventId, String user, Instant at, Map<String, Object> props) {
        TestServer.Response r = s.post("/api/capture", json(map("event", event, "event_id", eventId,
                "user_id", user, "anonymous_id", "anon_" + user, "timestamp", at.toString(), "properties", props)),
                "Content-Type", "application/json", "Authorization", "Bearer " + s.dev().secretKey());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("items").get(0).get("deliverable").asBoolean()).as(r.body()).isTrue();
    }

    private static JsonNode delivery(long dest, String eventId) {
        return ActivationHttp.delivery(s, dest, eventId);
    }

    private static String state(long dest, String eventId) {
        return ActivationHttp.state(s, dest, eventId);
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

    private static TestServer.Response admin(String method, String path, Object body) {
        return ActivationHttp.admin(s, method, path, body);
    }
}
