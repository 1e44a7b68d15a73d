package dev.hindsight.durability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Overload answers 503 with Retry-After and stores nothing of the refused request; a graceful restart loses nothing. */
class OverloadTest {

    @Test
    void aServerBatchLargerThanTheQueueGets503WithRetryAfterAndNothingOfItIsStored() throws Exception {
        try (TestServer s = TestServer.start(Map.of("queue-capacity", "10"), Clock.systemUTC())) {
            List<String> ids = newIds(11);
            TestServer.Response r = s.post("/api/track", trackBatch(s, "overloaded-user", ids),
                    TestServer.bearer(s.dev().secretKey()));

            assertOverloaded(r);
            assertThat(s.app().store().countEvents(s.dev().id())).isZero();
            assertThat(storedIds(s, "overloaded-user")).isEmpty();

            List<String> fitting = newIds(10);
            TestServer.Response ok = s.post("/api/track", trackBatch(s, "overloaded-user", fitting),
                    TestServer.bearer(s.dev().secretKey()));
            assertThat(ok.status()).as(ok.body()).isEqualTo(200);
            assertThat(storedIds(s, "overloaded-user")).containsExactlyInAnyOrderElementsOf(fitting);
        }
    }

    @Test
    void aBrowserBatchLargerThanTheQueueGets503WithRetryAfterAndNothingOfItIsStored() throws Exception {
        try (TestServer s = TestServer.start(Map.of("queue-capacity", "10"), Clock.systemUTC())) {
            TestServer.Response r = s.post("/h", browserBatch(s, "browser-user", newIds(25)),
                    "Content-Type", "application/json");

            assertOverloaded(r);
            assertThat(s.app().store().countEvents(s.dev().id())).isZero();
        }
    }

    @Test
    void underConcurrentLoadEveryRequestIsEitherStoredWholeOrRefusedWith503() throws Exception {
        try (TestServer s = TestServer.start(Map.of("queue-capacity", "10"), Clock.systemUTC())) {
            Set<String> acknowledged = Collections.synchronizedSet(new HashSet<>());
            List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                clients.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        for (int n = 0; n < 10; n++) {
                            List<String> ids = newIds(4);
                            TestServer.Response r = s.post("/api/track", trackBatch(s, "busy-user", ids),
                                    TestServer.bearer(s.dev().secretKey()));
                            if (r.status() == 200) {
                                acknowledged.addAll(ids);
                            } else if (r.status() != 503 || r.header("Retry-After") == null) {
                                unexpected.add(r.status() + " " + r.body());
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            go.countDown();
            for (Thread t : clients) {
                t.join();
            }

            assertThat(unexpected).isEmpty();
            assertThat(storedIds(s, "busy-user")).as("exactly the acknowledged events, no refused one")
                    .containsExactlyInAnyOrderElementsOf(acknowledged);
        }
    }

    @Test
    void aGracefulRestartKeepsEveryAcknowledgedEventAndStillRecognisesRetries() throws Exception {
        try (TestServer s = TestServer.start()) {
            List<String> sent = new ArrayList<>();
            List<String> bodies = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                List<String> ids = newIds(50);
                String body = i % 2 == 0 ? browserBatch(s, "restart-user", ids) : trackBatch(s, "restart-user", ids);
                String path = i % 2 == 0 ? "/h" : "/api/track";
                TestServer.Response r = s.post(path, body, TestServer.bearer(s.dev().secretKey()));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(r.json().get("accepted").asInt()).isEqualTo(50);
                sent.addAll(ids);
                bodies.add(path + "\n" + body);
            }

            s.restart();

            assertThat(storedIds(s, "restart-user")).containsExactlyInAnyOrderElementsOf(sent);
            for (String pathAndBody : bodies) {
                String[] parts = pathAndBody.split("\n", 2);
                TestServer.Response r = s.post(parts[0], parts[1], TestServer.bearer(s.dev().secretKey()));
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                assertThat(r.json().get("duplicates").asInt()).as(r.body()).isEqualTo(50);
            }
            assertThat(storedIds(s, "restart-user")).as("retries after the restart are not stored again")
                    .containsExactlyInAnyOrderElementsOf(sent);
        }
    }

    private static void assertOverloaded(TestServer.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(503);
        assertThat(r.header("Retry-After")).isNotNull().matches("[1-9][0-9]*");
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = r.json();
        assertThat(problem.get("status").asInt()).isEqualTo(503);
        assertThat(problem.get("type").asText()).endsWith("/overloaded");
        assertThat(problem.get("detail").asText()).isNotBlank();
    }

    private static List<String> newIds(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(UUID.randomUUID().toString());
        }
        return ids;
    }

    /** A bulk /api/track body; each event carries its id as idempotency key and as property {@code k}. */
    static String trackBatch(TestServer s, String identity, List<String> ids) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (String id : ids) {
            events.add(Map.of("identity", identity, "event", "Paid", "idempotency_key", id, "properties", Map.of("k", id)));
        }
        return json(Map.of("app_id", s.dev().appId(), "events", events));
    }

    /** A tracker /h body; each event carries its id as event_id and as property {@code k}. */
    static String browserBatch(TestServer s, String identity, List<String> ids) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (String id : ids) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("kind", "click");
            e.put("event_id", id);
            e.put("device_id", "d-" + identity);
            e.put("identity", identity);
            e.put("properties", Map.of("k", id));
            events.add(e);
        }
        return json(Map.of("app_id", s.dev().appId(), "events", events));
    }

    /** The {@code k} property of every stored event of the user, read through the API (duplicates kept). */
    static List<String> storedIds(TestServer s, String identity) {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            TestServer.Response r = s.get("/api/users/" + identity + "/events?limit=1000&app_id=" + s.dev().appId()
                    + (cursor == null ? "" : "&cursor=" + cursor), TestServer.bearer(TestServer.ADMIN));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            for (JsonNode e : r.json().get("events")) {
                out.add(e.get("properties").get("k").asText());
            }
            cursor = r.json().get("next_cursor").isNull() ? null : r.json().get("next_cursor").asText();
        } while (cursor != null);
        return out;
    }

    private static String json(Object value) {
        try {
            return TestServer.JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
