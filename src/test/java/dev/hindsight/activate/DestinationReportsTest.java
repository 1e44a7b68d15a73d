package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static dev.hindsight.activate.ActivationHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import dev.hindsight.activate.destination.Pii;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The destinations' health, reconciliation and trace over HTTP (issue 15, point 8), against a real server and the
 * platforms' stand-ins.
 */
class DestinationReportsTest {
    private static final Instant NOW = Instant.parse("2026-04-20T09:00:00Z");
    private static final MutableClock CLOCK = new MutableClock(NOW);
    private static final String SECRET = "whsec_reports0123456789";
    private static final String TOKEN = "EAAreportstoken42";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void reconciliationCountsEveryStageWithTheReasonOfEachDrop() {
        String event = event();
        try (MetaStandIn meta = new MetaStandIn(CLOCK, "777", TOKEN)) {
            long m = meta(event, meta);
            // Before the period: delivered, and not counted.
            capture(event, id(), "early", props("o-0", 5, "ads"));
            await("the early event is delivered", () -> meta.acceptedIds.size() == 1);
            CLOCK.advance(Duration.ofHours(2));
            Instant from = CLOCK.instant().minus(Duration.ofMinutes(1));

            // Refused by Meta (400, not retried): dead-lettered.
            meta.failNext(StandIn.Failure.status(400, "{\"error\":{\"message\":\"Invalid parameter\",\"type\":"
                    + "\"OAuthException\",\"code\":100,\"is_transient\":false}}"));
            String refused = id();
            capture(event, refused, "u-refused", props("o-1", 10, "ads"));
            await("dead", () -> "dead".equals(state(m, refused)));
            // A 500: retrying (the clock does not move, so it waits).
            meta.failNext(StandIn.Failure.status(500, "{\"error\":{\"message\":\"down\"}}"));
            String retrying = id();
            capture(event, retrying, "u-retry", props("o-2", 10, "ads"));
            await("retrying", () -> "retrying".equals(state(m, retrying)));
            // Three valid and consented, two without the consent flag, two that violate the schema.
            List<String> ok = List.of(id(), id(), id());
            for (int i = 0; i < ok.size(); i++) {
                capture(event, ok.get(i), "u-ok" + i, props("o-ok" + i, 20 + i, "ads"));
            }
            List<String> unconsented = List.of(id(), id());
            for (String u : unconsented) {
                capture(event, u, "u-no", props("o-no", 1, "analytics"));
            }
            Map<String, Object> mismatch = props("o-bad", 1, "ads");
            mismatch.put("value", "lots");
            capture(event, id(), "u-bad", mismatch);
            Map<String, Object> extra = props("o-extra", 1, "ads");
            extra.put("coupon", "SPRING");
            capture(event, id(), "u-extra", extra);
            await("delivered and skipped", () -> ok.stream().allMatch(i -> "delivered".equals(state(m, i)))
                    && unconsented.stream().allMatch(i -> "skipped".equals(state(m, i))));

            JsonNode r = get(env("/destinations/" + m + "/reconciliation?from=" + from + "&to=now"));
            assertThat(r.get("period_of").asText()).isEqualTo("received_at");
            assertThat(r.get("events")).extracting(JsonNode::asText).containsExactly(event);
            Map<String, JsonNode> stages = new HashMap<>();
            r.get("stages").forEach(st -> stages.put(st.get("stage").asText(), st));
            assertThat(r.get("stages")).extracting(st -> st.get("stage").asText()).containsExactly("captured",
                    "passed_registry", "queued", "consented", "delivered", "accepted");
            assertThat(count(stages, "captured")).isEqualTo(9);
            assertThat(count(stages, "passed_registry")).isEqualTo(7);
            assertThat(reasons(stages.get("passed_registry"))).containsEntry("type_mismatch", 1L)
                    .containsEntry("additional_property", 1L).hasSize(2);
            assertThat(count(stages, "queued")).isEqualTo(7);
            assertThat(count(stages, "consented")).isEqualTo(5);
            assertThat(reasons(stages.get("consented"))).containsExactly(Map.entry("no-consent", 2L));
            assertThat(count(stages, "delivered")).isEqualTo(3);
            assertThat(stages.get("delivered").get("dropped").asLong()).isEqualTo(2);
            assertThat(reasons(stages.get("delivered"))).containsEntry("dead_lettered", 1L)
                    .containsEntry("retrying", 1L).hasSize(2);
            stages.get("delivered").get("reasons").forEach(x -> {
                if (x.get("reason").asText().equals("dead_lettered")) {
                    assertThat(x.get("detail").asText()).contains("Invalid parameter");
                } else {
                    assertThat(x.get("detail").asText()).contains("server error 500");
                }
            });
            // Meta's own count: events_received of each answer, once per request.
            assertThat(count(stages, "accepted")).isEqualTo(3);
            assertThat(stages.get("accepted").get("reported_by_destination").asBoolean()).isTrue();

            // The period bounds: all of it before the event, nothing; too long, or unreadable, a 400 naming it.
            JsonNode before = get(env("/destinations/" + m + "/reconciliation?from=-30d&to=" + from));
            assertThat(before.get("stages").get(0).get("count").asLong()).isEqualTo(1);
            assertThat(admin("GET", env("/destinations/" + m + "/reconciliation?from=-91d"), null).body())
                    .contains("\"from\"").contains("at most 90 days");
            TestServer.Response bad = admin("GET", env("/destinations/" + m + "/reconciliation?to=yesterdayish"), null);
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("\"to\"");
            admin("DELETE", env("/destinations/" + m), null);
        }
    }

    @Test
    void anEventMetaTookButDidNotCountIsDeliveredAndNotAccepted() {
        String event = event();
        try (MetaStandIn meta = new MetaStandIn(CLOCK, "778", TOKEN)) {
            long m = meta(event, meta);
            CLOCK.advance(Duration.ofHours(2));
            Instant from = CLOCK.instant().minus(Duration.ofMinutes(1));
            meta.undercount = 1;
            String id = id();
            capture(event, id, "u-uncounted", props("o-u", 10, "ads"));
            await("delivered", () -> "delivered".equals(state(m, id)));
            JsonNode r = get(env("/destinations/" + m + "/reconciliation?from=" + from + "&to=now"));
            Map<String, JsonNode> stages = new HashMap<>();
            r.get("stages").forEach(st -> stages.put(st.get("stage").asText(), st));
            assertThat(count(stages, "delivered")).isEqualTo(1);
            assertThat(count(stages, "accepted")).isZero();
            assertThat(reasons(stages.get("accepted"))).containsExactly(Map.entry("not_counted", 1L));
            admin("DELETE", env("/destinations/" + m), null);
        }
    }

    @Test
    void healthCountsDeliveredDeadLetteredAndLatencyPerDestination() {
        String event = event();
        try (WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(SECRET))) {
            long h = webhook(event, hook.url());
            String a = id();
            String b = id();
            capture(event, a, "h1", props("o-a", 1, null));
            capture(event, b, "h2", props("o-b", 1, null));
            await("delivered", () -> "delivered".equals(state(h, a)) && "delivered".equals(state(h, b)));
            hook.failNext(StandIn.Failure.status(400, "{\"error\":\"no\"}"));
            String dead = id();
            capture(event, dead, "h3", props("o-c", 1, null));
            await("dead", () -> "dead".equals(state(h, dead)));

            JsonNode health = get(env("/destinations/" + h + "/health"));
            assertThat(health.get("delivered").asLong()).isEqualTo(2);
            assertThat(health.get("dead_lettered").asLong()).isEqualTo(1);
            assertThat(health.get("pending").asLong() + health.get("retrying").asLong()).isZero();
            assertThat(health.get("latency_ms").get("p50").isNumber()).isTrue();
            assertThat(health.get("latency_ms").get("p95").asLong())
                    .isGreaterThanOrEqualTo(health.get("latency_ms").get("p50").asLong());
            assertThat(Duration.between(Instant.parse(health.get("from").asText()),
                    Instant.parse(health.get("to").asText()))).isEqualTo(Duration.ofHours(24));
            // The list and the destination carry the same figures.
            JsonNode listed = null;
            for (JsonNode d : get(env("/destinations")).get("destinations")) {
                if (d.get("id").asLong() == h) {
                    listed = d;
                }
            }
            assertThat(listed).isNotNull();
            assertThat(listed.get("health").get("delivered").asLong()).isEqualTo(2);
            assertThat(get(env("/destinations/" + h)).get("health").get("dead_lettered").asLong()).isEqualTo(1);
            // A later period has none of them.
            JsonNode later = get(env("/destinations/" + h + "/health?from=" + CLOCK.instant().plusSeconds(60)
                    + "&to=" + CLOCK.instant().plusSeconds(120)));
            assertThat(later.get("delivered").asLong()).isZero();
            assertThat(later.get("latency_ms").get("p50").isNull()).isTrue();
            assertThat(admin("GET", env("/destinations/" + h + "/health?from=now&to=-1h"), null).status())
                    .isEqualTo(400);
            admin("DELETE", env("/destinations/" + h), null);
        }
    }

    @Test
    void aTraceShowsTheSameIdsFromTheCaptureThroughEachDestination() {
        String event = event();
        try (MetaStandIn meta = new MetaStandIn(CLOCK, "778", TOKEN);
                WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(SECRET))) {
            long m = meta(event, meta);
            long h = webhook(event, hook.url());
            String id = id();
            capture(event, id, "cust_2048", props("ord_10492", 129.95, "ads"));
            await("delivered", () -> "delivered".equals(state(m, id)) && "delivered".equals(state(h, id)));

            JsonNode t = get(env("/canonical/" + id + "/trace"));
            assertThat(t.get("origin").get("type").asText()).isEqualTo("capture");
            assertThat(t.get("origin").get("source").asText()).isEqualTo("checkout-service");
            JsonNode c = t.get("canonical");
            assertThat(c.get("event_id").asText()).isEqualTo(id);
            assertThat(c.get("user_id").asText()).isEqualTo("cust_2048");
            assertThat(c.get("order_id").asText()).isEqualTo("ord_10492");
            assertThat(c.get("value").asDouble()).isEqualTo(129.95);
            assertThat(c.get("received_at").asText()).isEqualTo(CLOCK.instant().toString());
            assertThat(t.get("registry").get("passed").asBoolean()).isTrue();
            assertThat(t.get("destinations")).hasSize(2);
            for (JsonNode d : t.get("destinations")) {
                JsonNode sent = d.get("sent");
                assertThat(d.get("state").asText()).isEqualTo("delivered");
                assertThat(sent.get("event_id").asText()).as(d.toString()).isEqualTo(id);
                assertThat(sent.get("order_id").asText()).isEqualTo("ord_10492");
                assertThat(sent.get("user_id_matches").asBoolean()).isTrue();
                if (d.get("kind").asText().equals("meta")) {
                    assertThat(sent.get("user_id").asText()).isEqualTo(Pii.hashId("cust_2048"));
                    assertThat(sent.get("event_name").asText()).isEqualTo("Purchase");
                    assertThat(sent.get("request").asText()).endsWith("/778/events").doesNotContain(TOKEN);
                } else {
                    assertThat(sent.get("user_id").asText()).isEqualTo("cust_2048");
                }
            }
            // What the stand-ins received carries the same ids.
            assertThat(meta.acceptedIds).containsExactly(id);
            assertThat(hook.processed.get(0).path("data").path("user_id").asText()).isEqualTo("cust_2048");

            // A violating event: the registry's reasons, and no destination.
            String bad = id();
            Map<String, Object> p = props("o-bad", 1, "ads");
            p.put("value", "lots");
            capture(event, bad, "cust_2048", p);
            JsonNode v = get(env("/canonical/" + bad + "/trace"));
            assertThat(v.get("registry").get("passed").asBoolean()).isFalse();
            assertThat(v.get("registry").get("violations").get(0).get("type").asText()).isEqualTo("type_mismatch");
            assertThat(v.get("destinations")).isEmpty();
            assertThat(admin("GET", env("/canonical/nope-" + UUID.randomUUID() + "/trace"), null).status())
                    .isEqualTo(404);
            admin("DELETE", env("/destinations/" + m), null);
            admin("DELETE", env("/destinations/" + h), null);
        }
    }

    @Test
    void aPromotedEventIsTracedToItsRawClickAndMappingVersion() {
        String event = unique("promoted");
        assertThat(admin("POST", env("/registry/schemas"), map("event", event, "properties", map(
                "page", map("type", "string")))).status()).isEqualTo(201);
        TestServer.Response def = s.post("/api/definitions", json(map("app_id", s.dev().appId(),
                "name", "Clicked trial " + event, "rules", List.of(map("kind", "click", "selector", "a.trial")))),
                TestServer.bearer(TestServer.ADMIN));
        assertThat(def.status()).as(def.body()).isEqualTo(201);
        TestServer.Response mapping = admin("POST", env("/registry/definition-mappings"), map("definition_id",
                def.json().get("id").asLong(), "canonical_event", event, "properties", map("page", map("from", "$path"))));
        assertThat(mapping.status()).as(mapping.body()).isEqualTo(201);
        long mappingId = mapping.json().get("id").asLong();
        assertThat(admin("POST", env("/registry/definition-mappings/" + mappingId + "/approve"), null).status())
                .isEqualTo(200);
        String raw = UUID.randomUUID().toString();
        long time = CLOCK.millis() - 60_000;
        TestServer.Response tracked = s.post("/h", json(map("app_id", s.dev().appId(), "events",
                List.of(map("event_id", raw, "kind", "click", "device_id", "dev-7", "identity", "cust_7", "time", time,
                        "hierarchy", "body:1:1|main:1:1|a.trial:1:1", "text", "Start trial",
                        "url", "https://shop.example.com/pricing")))));
        assertThat(tracked.status()).as(tracked.body()).isEqualTo(200);
        assertThat(admin("POST", env("/registry/definition-mappings/run"), null).status()).isEqualTo(200);
        String id = Promoter.eventId(s.dev().id(), mappingId, raw);

        JsonNode t = get(env("/canonical/" + id + "/trace"));
        JsonNode o = t.get("origin");
        assertThat(o.get("type").asText()).isEqualTo("promotion");
        assertThat(o.get("mapping_id").asLong()).isEqualTo(mappingId);
        assertThat(o.get("mapping_version").asInt()).isEqualTo(2);
        assertThat(o.get("raw_event").get("event_id").asText()).isEqualTo(raw);
        assertThat(o.get("raw_event").get("kind").asText()).isEqualTo("click");
        assertThat(o.get("raw_event").get("url").asText()).isEqualTo("https://shop.example.com/pricing");
        assertThat(o.get("raw_event").get("time").asText()).isEqualTo(Instant.ofEpochMilli(time).toString());
        assertThat(t.get("canonical").get("user_id").asText()).isEqualTo("cust_7");
        assertThat(t.get("canonical").get("anonymous_id").asText()).isEqualTo("dev-7");
    }

    // --- helpers ---

    private static String id() {
        return unique("ev");
    }

    private static Map<String, Object> props(String order, Object value, String consents) {
        Map<String, Object> p = map("order_id", order, "value", value, "currency", "EUR");
        if (consents != null) {
            p.put("consents", consents);
        }
        return p;
    }

    private static long count(Map<String, JsonNode> stages, String stage) {
        return stages.get(stage).get("count").asLong();
    }

    private static Map<String, Long> reasons(JsonNode stage) {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        stage.get("reasons").forEach(x -> out.put(x.get("reason").asText(), x.get("count").asLong()));
        return out;
    }

    private static TestServer.Response admin(String method, String path, Object body) {
        return ActivationHttp.admin(s, method, path, body);
    }

    private static JsonNode get(String path) {
        TestServer.Response r = admin("GET", path, null);
        assertThat(r.status()).as(path + " " + r.body()).isEqualTo(200);
        return r.json();
    }

    private static String env(String rest) {
        return ActivationHttp.env(s, rest);
    }

    private static String event() {
        String event = unique("purchase");
        TestServer.Response r = admin("POST", env("/registry/schemas"), map("event", event, "properties", map(
                "order_id", map("type", "string"), "value", map("type", "number"),
                "consents", map("type", "string"), "currency", map("type", "string"))));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return event;
    }

    private static long meta(String event, MetaStandIn meta) {
        TestServer.Response r = admin("POST", env("/destinations"), map("name", "meta", "kind", "meta", "settings",
                map("base_url", meta.baseUrl(), "pixel_id", meta.pixelId, "access_token", TOKEN,
                        "action_source", "system_generated"),
                "mapping", map(event, map("name", "Purchase", "fields", map("value", "value", "currency", "currency",
                        "order_id", "order_id"))), "required_consent", "ads"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static long webhook(String event, String url) {
        TestServer.Response r = admin("POST", env("/destinations"), map("name", "hook", "kind", "webhook", "settings",
                map("url", url, "secrets", List.of(SECRET)), "mapping", map(event, map("name", "order.completed"))));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static void capture(String event, String eventId, String user, Map<String, Object> props) {
        TestServer.Response r = s.post("/api/capture", json(map("event", event, "event_id", eventId,
                "user_id", user, "properties", props, "source", "checkout-service")), "Content-Type",
                "application/json", "Authorization", "Bearer " + s.dev().secretKey());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static String state(long dest, String eventId) {
        return ActivationHttp.state(s, dest, eventId);
    }

    private static void await(String what, BooleanSupplier ok) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waiting for " + what);
            }
            try {
                s.app().delivery().settle(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
