package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.ServerProcess;
import dev.hindsight.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * "A kill -9 during delivery loses nothing" (issue 15, point 5): a separate server JVM delivers canonical events to a
 * webhook in this JVM that answers the first few requests and then holds the next ones; with deliveries in flight the
 * server is killed with SIGKILL, the held requests are let through (the receiver processes them, but the server never
 * hears the answer), and a new server on the same data directory resends what was in flight and drains the rest. The
 * receiver, deduplicating by event id as the webhook's documentation asks, ends up with every event exactly once and
 * each user's events in order; the delivery log shows every event delivered.
 */
class DeliveryKillNineTest {
    private static final String SECRET = "whsec_kill9_0123456789abcdef";
    private static final int USERS = 4;
    private static final int EVENTS = 20;
    /** Requests answered before the receiver starts holding: some deliveries finish before the kill. */
    private static final int ANSWERED_BEFORE_HOLD = 6;

    @Test
    void aKillDuringDeliveryLosesNothingAndTheRetryIsDeduplicatedByEventId() throws Exception {
        Path data = Files.createTempDirectory("hindsight-delivery-kill9");
        List<String> ids = new ArrayList<>();
        Map<String, String> userOf = new HashMap<>();
        String appId;
        long dest;
        try (WebhookReceiver hook = new WebhookReceiver(Clock.systemUTC(), List.of(SECRET))) {
            hook.holdAfter(ANSWERED_BEFORE_HOLD);
            ServerProcess first = ServerProcess.start(data);
            try {
                JsonNode dev = first.environment("development");
                appId = dev.get("app_id").asText();
                String secretKey = dev.get("secret_key").asText();
                String env = "/api/environments/" + appId;
                HttpResponse<String> schema = admin(first, env + "/registry/schemas", map("event", "purchase",
                        "properties", map("order_id", map("type", "string"), "seq", map("type", "number"))));
                assertThat(schema.statusCode()).as(schema.body()).isEqualTo(201);
                HttpResponse<String> created = admin(first, env + "/destinations", map("name", "hook", "kind",
                        "webhook", "settings", map("url", hook.url(), "secrets", List.of(SECRET)), "mapping",
                        map("purchase", map("name", "order.completed")), "concurrency", 2));
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                dest = json(created).get("id").asLong();

                for (int i = 0; i < EVENTS; i++) {
                    String id = "kill9-" + i + "-" + java.util.UUID.randomUUID();
                    String user = "user" + (i % USERS);
                    ids.add(id);
                    userOf.put(id, user);
                    HttpResponse<String> r = first.post("/api/capture", TestServer.JSON.writeValueAsString(map(
                            "event", "purchase", "event_id", id, "user_id", user, "properties", map("order_id",
                                    "o" + i, "seq", i))), "Content-Type", "application/json", "Authorization",
                            "Bearer " + secretKey);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(json(r).get("items").get(0).get("deliverable").asBoolean()).as(r.body()).isTrue();
                }

                ServerProcess s1 = first;
                long d1 = dest;
                await(() -> "a request held and some deliveries logged: held " + hook.held.get() + ", delivered "
                        + states(s1, appId, d1), () -> hook.held.get() > 0
                                && count(states(s1, appId, d1), "delivered") > 0);
                Map<String, String> before = states(first, appId, dest);
                assertThat(count(before, "delivered")).as("delivered before the kill").isLessThan(EVENTS);
                assertThat(before.values()).as("states before the kill").contains("sending");
                first.killHard();
            } finally {
                first.killHard();
            }
            // The held requests go through now: the receiver processes them, but no server hears the answers.
            hook.release();
            await(() -> "held requests served", () -> hook.held.get() == 0);

            try (ServerProcess second = ServerProcess.start(data)) {
                long d2 = dest;
                await(() -> "every event delivered after the restart: " + states(second, appId, d2),
                        () -> count(states(second, appId, d2), "delivered") == EVENTS);
                Map<String, String> after = states(second, appId, dest);
                assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(ids);
                assertThat(after.values()).allMatch("delivered"::equals);
                assertThat(second.stderr()).contains("in flight when the server stopped; they are retried");
            }

            Set<String> reached = new HashSet<>();
            hook.processed.forEach(b -> reached.add(b.path("id").asText()));
            int distinct = reached.size();
            reached.addAll(hook.duplicates);
            assertThat(reached).as("every event reached the receiver").containsExactlyInAnyOrderElementsOf(ids);
            assertThat(hook.processed).as("distinct events after the receiver's deduplication").hasSize(EVENTS);
            assertThat(distinct).isEqualTo(EVENTS);
            assertThat(hook.duplicates).as("what was in flight at the kill was sent again (at least once)")
                    .isNotEmpty();
            assertThat(hook.heldTotal.get()).isPositive();
            for (int u = 0; u < USERS; u++) {
                String user = "user" + u;
                List<Integer> seqs = hook.processed.stream()
                        .filter(b -> b.path("data").path("user_id").asText().equals(user))
                        .map(b -> b.path("data").path("properties").path("seq").asInt()).toList();
                assertThat(seqs).as("order of " + user).hasSize(EVENTS / USERS).isSorted();
            }
        }
    }

    private static HttpResponse<String> admin(ServerProcess s, String path, Object body) throws IOException {
        return s.post(path, TestServer.JSON.writeValueAsString(body), "Content-Type", "application/json",
                "Authorization", "Bearer " + ServerProcess.ADMIN);
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return TestServer.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each event's delivery state at the destination, from the delivery log API. */
    private static Map<String, String> states(ServerProcess s, String appId, long dest) {
        HttpResponse<String> r = s.get("/api/environments/" + appId + "/destinations/" + dest
                + "/deliveries?limit=1000", "Authorization", "Bearer " + ServerProcess.ADMIN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, String> out = new HashMap<>();
        json(r).get("deliveries").forEach(d -> out.put(d.get("event_id").asText(), d.get("state").asText()));
        return out;
    }

    private static long count(Map<String, String> states, String state) {
        return states.values().stream().filter(state::equals).count();
    }

    /** Polls until the condition holds (the servers run on the real clock: nothing is woken by time). */
    private static void await(Supplier<String> what, BooleanSupplier ok) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waiting for " + what.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
