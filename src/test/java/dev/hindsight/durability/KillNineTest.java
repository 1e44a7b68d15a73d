package dev.hindsight.durability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.ServerProcess;
import dev.hindsight.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * "A killed process loses no acknowledged event": a separate server JVM takes concurrent batches on /h and
 * /api/track, is killed with SIGKILL while requests are still in flight, and restarted on the same data dir.
 */
class KillNineTest {
    private static final int CLIENTS = 8;
    private static final int BATCH = 50;
    private static final int ACKED_BEFORE_KILL = 4000;

    /** One acknowledged batch: which endpoint took it and the events it carried, to replay them later. */
    private record Batch(String path, boolean browser, String identity, List<String> keys) {
    }

    @Test
    void everyAcknowledgedEventSurvivesKillNineAndRetriesAfterTheRestartAreAnsweredAsDuplicates() throws Exception {
        Path data = Files.createTempDirectory("hindsight-kill9");
        String appId;
        String secret;
        List<Batch> acked = new ArrayList<>();
        AtomicInteger inFlightAtKill = new AtomicInteger();

        ServerProcess first = ServerProcess.start(data);
        try {
            JsonNode dev = first.environment("development");
            appId = dev.get("app_id").asText();
            secret = dev.get("secret_key").asText();

            ConcurrentLinkedQueue<Batch> acks = new ConcurrentLinkedQueue<>();
            AtomicInteger ackedEvents = new AtomicInteger();
            AtomicInteger inFlight = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch enough = new CountDownLatch(1);
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(Thread.ofPlatform().name("client-" + c).start(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        boolean browser = (n + client) % 2 == 0;
                        Batch b = new Batch(browser ? "/h" : "/api/track", browser, "user-" + client, newKeys());
                        inFlight.incrementAndGet();
                        try {
                            HttpResponse<String> r = send(first, b, appId, secret);
                            if (r.statusCode() == 200) {
                                acks.add(b);
                                if (ackedEvents.addAndGet(BATCH) >= ACKED_BEFORE_KILL) {
                                    enough.countDown();
                                }
                            } else if (r.statusCode() != 503) {
                                throw new AssertionError(b.path() + " answered " + r.statusCode() + ": " + r.body());
                            }
                        } catch (UncheckedIOException | IllegalStateException killed) {
                            return; // the server is gone
                        } finally {
                            inFlight.decrementAndGet();
                        }
                    }
                }));
            }
            assertThat(enough.await(3, TimeUnit.MINUTES)).as("%d events acknowledged before the kill", ACKED_BEFORE_KILL)
                    .isTrue();
            inFlightAtKill.set(inFlight.get());
            first.killHard();
            stop.set(true);
            for (Thread t : clients) {
                t.join(TimeUnit.MINUTES.toMillis(2));
            }
            acked.addAll(acks);
        } finally {
            first.killHard();
        }
        assertThat(inFlightAtKill.get()).as("requests still in flight when the process was killed").isPositive();

        Map<String, Set<String>> ackedByUser = new HashMap<>();
        for (Batch b : acked) {
            ackedByUser.computeIfAbsent(b.identity(), k -> ConcurrentHashMap.newKeySet()).addAll(b.keys());
        }
        int ackedCount = acked.size() * BATCH;
        assertThat(ackedCount).isGreaterThanOrEqualTo(ACKED_BEFORE_KILL);

        try (ServerProcess second = ServerProcess.start(data)) {
            Map<String, Integer> stored = storedKeys(second, appId, ackedByUser.keySet());
            for (Map.Entry<String, Set<String>> user : ackedByUser.entrySet()) {
                assertThat(stored.keySet()).as("stored events of %s", user.getKey()).containsAll(user.getValue());
            }
            assertThat(stored.values()).as("no event stored twice").allMatch(n -> n == 1);

            // Retry every acknowledged batch, as a client that never saw the answers would.
            for (Batch b : acked) {
                HttpResponse<String> r = send(second, b, appId, secret);
                assertThat(r.statusCode()).as("retry of an acknowledged batch on %s: %s", b.path(), r.body())
                        .isEqualTo(200);
                JsonNode body = TestServer.JSON.readTree(r.body());
                assertThat(body.get("duplicates").asInt()).as("duplicates in %s", r.body()).isEqualTo(BATCH);
                assertThat(body.get("accepted").asInt()).as("accepted in %s", r.body()).isZero();
            }
            Map<String, Integer> afterRetry = storedKeys(second, appId, ackedByUser.keySet());
            assertThat(afterRetry).as("the store after the retries").isEqualTo(stored);
        }
    }

    private static List<String> newKeys() {
        List<String> keys = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            keys.add(UUID.randomUUID().toString());
        }
        return keys;
    }

    /**
     * /h batches carry the key as event_id, /api/track batches as idempotency_key; both also put it into the
     * properties, so that the stored events can be matched to what was sent whatever id the server derives.
     */
    private static HttpResponse<String> send(ServerProcess s, Batch b, String appId, String secret) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (String key : b.keys()) {
            Map<String, Object> e = new LinkedHashMap<>();
            if (b.browser()) {
                e.put("kind", "pageview");
                e.put("event_id", key);
                e.put("device_id", "device-" + b.identity());
                e.put("identity", b.identity());
                e.put("url", "https://shop.example.com/products/" + key);
            } else {
                e.put("event", "Bought");
                e.put("idempotency_key", key);
                e.put("identity", b.identity());
            }
            e.put("properties", Map.of("k", key));
            events.add(e);
        }
        String body = json(Map.of("app_id", appId, "events", events));
        return b.browser() ? s.post("/h", body, "Content-Type", "application/json")
                : s.post("/api/track", body, "Content-Type", "application/json", "Authorization", "Bearer " + secret);
    }

    /** How many times each property {@code k} occurs among the stored events of these users. */
    private static Map<String, Integer> storedKeys(ServerProcess s, String appId, Set<String> identities)
            throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        for (String identity : identities) {
            String cursor = null;
            do {
                String path = "/api/users/" + identity + "/events?limit=1000&app_id=" + appId
                        + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
                HttpResponse<String> r = s.get(path, "Authorization", "Bearer " + ServerProcess.ADMIN);
                assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
                JsonNode page = TestServer.JSON.readTree(r.body());
                for (JsonNode e : page.get("events")) {
                    counts.merge(e.get("properties").get("k").asText(), 1, Integer::sum);
                }
                cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            } while (cursor != null);
        }
        return counts;
    }

    private static String json(Object value) {
        try {
            return TestServer.JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
