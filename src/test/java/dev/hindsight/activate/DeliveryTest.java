package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static dev.hindsight.activate.ActivationHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Destinations, the outbox and its workers over HTTP against a real server and the platforms' stand-ins. */
class DeliveryTest {
    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    private static final MutableClock CLOCK = new MutableClock(NOW);
    private static final String SECRET = "whsec_0123456789abcdef";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    // --- helpers ---

    private static TestServer.Response admin(String method, String path, Object body) {
        return ActivationHttp.admin(s, method, path, body);
    }

    private static String env(String rest) {
        return ActivationHttp.env(s, rest);
    }

    /** A canonical event with a schema, so that its captures are deliverable. */
    private static String event() {
        String event = unique("purchase");
        TestServer.Response r = admin("POST", env("/registry/schemas"), map("event", event, "properties", map(
                "order_id", map("type", "string"), "value", map("type", "number"),
                "consents", map("type", "string"), "currency", map("type", "string"), "seq", map("type", "number"))));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return event;
    }

    private static long webhook(String event, String url, Object extra) {
        Map<String, Object> body = map("name", "hook", "kind", "webhook", "settings", map("url", url, "secrets",
                List.of(SECRET)), "mapping", map(event, map("name", "order.completed")), "concurrency", 2);
        if (extra instanceof Map<?, ?> m) {
            m.forEach((k, v) -> body.put((String) k, v));
        }
        TestServer.Response r = admin("POST", env("/destinations"), body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static long meta(String event, MetaStandIn meta) {
        TestServer.Response r = admin("POST", env("/destinations"), map("name", "meta", "kind", "meta", "settings",
                map("base_url", meta.baseUrl(), "pixel_id", "123", "access_token", "EAAtoken123456",
                        "action_source", "system_generated"),
                "mapping", map(event, map("name", "Purchase", "fields", map("value", "value", "currency", "currency",
                        "order_id", "order_id"))), "required_consent", "ads"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static TestServer.Response capture(String event, String eventId, String user, Map<String, Object> props) {
        TestServer.Response r = s.post("/api/capture", json(map("event", event, "event_id", eventId,
                "user_id", user, "properties", props)), "Content-Type", "application/json", "Authorization",
                "Bearer " + s.dev().secretKey());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("items").get(0).get("deliverable").asBoolean()).as(r.body()).isTrue();
        return r;
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

    private static void await(java.util.function.Supplier<String> what, BooleanSupplier ok) {
        ActivationHttp.await(s, what, ok);
    }

    // --- tests ---

    @Test
    void aCaptureIsDeliveredToAWebhookAndToMetaWithTheSameEventIdAndTraced() {
        String event = event();
        try (WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(SECRET));
                MetaStandIn meta = new MetaStandIn(CLOCK, "123", "EAAtoken123456")) {
            long h = webhook(event, hook.url(), null);
            long m = meta(event, meta);
            String id = unique("ord");
            capture(event, id, "u1", map("order_id", "o1", "value", 10, "currency", "EUR", "consents", "ads"));
            await(() -> "delivered to both: " + delivery(h, id) + " " + delivery(m, id), () -> "delivered".equals(state(h, id)) && "delivered".equals(state(m, id)));
            assertThat(hook.processed).extracting(b -> b.path("id").asText()).containsExactly(id);
            assertThat(meta.acceptedIds).containsExactly(id);
            JsonNode d = delivery(m, id);
            assertThat(d.get("attempts").asInt()).isEqualTo(1);
            assertThat(d.get("last_status").asInt()).isEqualTo(200);
            assertThat(d.get("attempts_log").get(0).get("outcome").asText()).isEqualTo("delivered");
            TestServer.Response trace = admin("GET", env("/canonical/" + id + "/trace"), null);
            assertThat(trace.status()).as(trace.body()).isEqualTo(200);
            List<String> kinds = new ArrayList<>();
            trace.json().get("destinations").forEach(x -> {
                kinds.add(x.get("kind").asText());
                assertThat(x.get("state").asText()).isEqualTo("delivered");
            });
            assertThat(kinds).containsExactlyInAnyOrder("webhook", "meta");
            String metrics = s.get("/metrics", "Authorization", "Bearer " + TestServer.ADMIN).body();
            assertThat(metrics).contains("hindsight_delivery_delivered_total{destination=\"" + h + "\"");
            assertThat(metrics).contains("hindsight_delivery_latency");
            admin("DELETE", env("/destinations/" + h), null);
            admin("DELETE", env("/destinations/" + m), null);
        }
    }

    @Test
    void rateLimitedWithRetryAfterIsDeliveredOnceAfterTheWait() {
        String event = event();
        try (WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(SECRET))) {
            long h = webhook(event, hook.url(), null);
            hook.failNext(StandIn.Failure.rateLimited("120"));
            String id = unique("ord");
            capture(event, id, "u1", map("order_id", "o1"));
            await("retrying", () -> "retrying".equals(state(h, id)));
            JsonNode d = delivery(h, id);
            assertThat(d.get("last_status").asInt()).isEqualTo(429);
            assertThat(Duration.between(CLOCK.instant(), Instant.parse(d.get("next_attempt_at").asText())))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(120));
            CLOCK.advance(Duration.ofSeconds(60));
            settle();
            assertThat(state(h, id)).isEqualTo("retrying");
            CLOCK.advance(Duration.ofSeconds(61));
            await("delivered", () -> "delivered".equals(state(h, id)));
            assertThat(hook.processed).hasSize(1);
            assertThat(hook.duplicates).isEmpty();
            assertThat(delivery(h, id).get("attempts").asInt()).isEqualTo(2);
            admin("DELETE", env("/destinations/" + h), null);
        }
    }

    @Test
    void aDestinationDownForAnHourDrainsFullyAndInOrderPerUser() {
        String event = event();
        try (WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(SECRET))) {
            long h = webhook(event, hook.url(), map("concurrency", 4));
            hook.always = StandIn.Failure.status(500, "{\"error\":\"down\"}");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = unique("e" + i);
                ids.add(id);
                capture(event, id, "user" + (i % 3), map("seq", i));
            }
            Instant start = CLOCK.instant();
            while (CLOCK.instant().isBefore(start.plus(Duration.ofHours(1)))) {
                CLOCK.advance(Duration.ofMinutes(5));
                settle();
            }
            assertThat(hook.processed).isEmpty();
            for (String id : ids) {
                assertThat(state(h, id)).isIn("retrying", "pending");
            }
            hook.always = null;
            // Past the longest backoff (30 minutes) once: every retry is then due. Moving the clock on inside the
            // wait would race the workers on a busy machine and run the rows into their 4-hour window.
            CLOCK.advance(Duration.ofMinutes(31));
            await("drained", () -> ids.stream().allMatch(id -> "delivered".equals(state(h, id))));
            assertThat(hook.processed).hasSize(12);
            for (int u = 0; u < 3; u++) {
                String user = "user" + u;
                List<Integer> seqs = hook.processed.stream()
                        .filter(b -> b.path("data").path("user_id").asText().equals(user))
                        .map(b -> b.path("data").path("properties").path("seq").asInt()).toList();
                assertThat(seqs).as("order of " + user).isSorted().hasSize(4);
            }
            admin("DELETE", env("/destinations/" + h), null);
        }
    }

    /** The user's {@code hs_last_delivery_hook} trait as their profile shows it. */
    private static String lastDelivery(String user) {
        TestServer.Response r = admin("GET", "/api/users/" + user + "?app_id=" + s.dev().appId(), null);
        return r.status() == 200 ? r.json().path("properties").path("hs_last_delivery_hook").asText(null) : null;
    }

    @Test
    void aPermanentRefusalIsDeadLetteredAtOnceThenReplayedAndTheUsersLastDeliveryTraitFollows() {
        String event = event();
        try (WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(SECRET))) {
            long h = webhook(event, hook.url(), null);
            hook.failNext(StandIn.Failure.status(400, "{\"message\":\"bad field\"}"));
            String id = unique("ord");
            String user = unique("buyer");
            capture(event, id, user, map());
            await("dead", () -> "dead".equals(state(h, id)));
            await(() -> "the trait dead: " + lastDelivery(user), () -> "dead".equals(lastDelivery(user)));
            JsonNode d = delivery(h, id);
            assertThat(d.get("last_status").asInt()).isEqualTo(400);
            assertThat(d.get("last_answer").asText()).contains("bad field");
            assertThat(d.get("attempts").asInt()).isEqualTo(1);
            TestServer.Response replay = admin("POST", env("/destinations/" + h + "/replay"), map("event_ids",
                    List.of(id)));
            assertThat(replay.json().get("replayed")).as(replay.status() + " " + replay.body()).isNotNull();
            assertThat(replay.json().get("replayed").asInt()).isEqualTo(1);
            await("delivered", () -> "delivered".equals(state(h, id)));
            assertThat(hook.processed).hasSize(1);
            await(() -> "the trait delivered: " + lastDelivery(user), () -> "delivered".equals(lastDelivery(user)));
            admin("DELETE", env("/destinations/" + h), null);
        }
    }

    @Test
    void pastTheRetryWindowADeliveryIsDeadLettered() {
        String event = event();
        try (WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(SECRET))) {
            long h = webhook(event, hook.url(), map("retry_window_seconds", 3600));
            hook.always = StandIn.Failure.status(503, "{}");
            String id = unique("ord");
            capture(event, id, "u1", map());
            await("dead", () -> {
                CLOCK.advance(Duration.ofMinutes(10));
                return "dead".equals(state(h, id));
            });
            assertThat(delivery(h, id).get("reason").asText()).contains("retry window");
            hook.always = null;
            admin("DELETE", env("/destinations/" + h), null);
        }
    }

    @Test
    void aHangingDestinationDelaysNeitherAnotherNorCapture() {
        String event = event();
        try (WebhookReceiver slow = new WebhookReceiver(CLOCK, List.of(SECRET));
                WebhookReceiver fast = new WebhookReceiver(CLOCK, List.of(SECRET))) {
            long a = webhook(event, slow.url(), map("concurrency", 1));
            long b = webhook(event, fast.url(), null);
            slow.always = StandIn.Failure.slow();
            List<String> ids = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                String id = unique("h");
                ids.add(id);
                capture(event, id, "u" + i, map());
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            await("the fast one delivered", () -> ids.stream().allMatch(id -> "delivered".equals(state(b, id))));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
            assertThat(fast.processed).hasSize(5);
            admin("POST", env("/destinations/" + a + "/disable"), null);
            slow.always = null;
            admin("DELETE", env("/destinations/" + a), null);
            admin("DELETE", env("/destinations/" + b), null);
        }
    }

    @Test
    void withoutTheRequiredConsentNothingIsSentAndTheSkipIsLogged() {
        String event = event();
        try (MetaStandIn meta = new MetaStandIn(CLOCK, "123", "EAAtoken123456")) {
            long m = meta(event, meta);
            String id = unique("ord");
            capture(event, id, "u1", map("order_id", "o1", "value", 3));
            await("skipped", () -> "skipped".equals(state(m, id)));
            assertThat(delivery(m, id).get("reason").asText()).startsWith("no-consent");
            assertThat(meta.received).isEmpty();
            admin("DELETE", env("/destinations/" + m), null);
        }
    }

    @Test
    void secretsAreMaskedAndOnlyArchitectsAndAdminsChangeDestinations() {
        String event = event();
        long h = webhook(event, "http://127.0.0.1:9/hook", null);
        TestServer.Response got = admin("GET", env("/destinations/" + h), null);
        assertThat(got.body()).doesNotContain(SECRET);
        assertThat(got.json().get("settings").get("secrets").get(0).asText()).isEqualTo("****cdef");
        // A PUT with the masked value keeps the secret.
        TestServer.Response put = admin("PUT", env("/destinations/" + h), map("name", "renamed", "settings",
                map("url", "http://127.0.0.1:9/hook", "secrets", List.of("****cdef"))));
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("name").asText()).isEqualTo("renamed");
        assertThat(admin("GET", env("/destinations"), null).body()).doesNotContain(SECRET);
        TestServer.Response bad = admin("POST", env("/destinations"), map("name", "x", "kind", "fax"));
        assertThat(bad.status()).isEqualTo(400);
        // URLs must be absolute http(s) URLs with a host: a clear 400 naming the setting, never a failure at send.
        for (String url : List.of("ftp://example.com/hook", "not a url", "javascript:alert(1)", "/relative",
                "https://" + "a".repeat(2050) + ".example.com")) {
            TestServer.Response badUrl = admin("POST", env("/destinations"), map("name", "x", "kind", "webhook",
                    "settings", map("url", url, "secrets", List.of(SECRET)), "mapping", map()));
            assertThat(badUrl.status()).as(url).isEqualTo(400);
            assertThat(badUrl.json().get("errors").get(0).get("field").asText()).isEqualTo("settings.url");
        }
        TestServer.Response badBase = admin("POST", env("/destinations"), map("name", "x", "kind", "ga4", "settings",
                map("base_url", "file:///etc/passwd", "measurement_id", "G-1", "api_secret", "s"), "mapping", map()));
        assertThat(badBase.status()).isEqualTo(400);
        assertThat(badBase.json().get("errors").get(0).get("field").asText()).isEqualTo("settings.base_url");
        assertThat(s.send("POST", env("/destinations"), "{}", TestServer.bearer(s.dev().secretKey())).status())
                .isIn(401, 403);
        assertThat(s.send("DELETE", env("/destinations/" + h), (String) null).status()).isEqualTo(401);
        assertThat(admin("DELETE", env("/destinations/" + h), null).status()).isEqualTo(204);
    }
}
