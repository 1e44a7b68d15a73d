package dev.hindsight.collect;

import static dev.hindsight.collect.Api.browserBatch;
import static dev.hindsight.collect.Api.count;
import static dev.hindsight.collect.Api.events;
import static dev.hindsight.collect.Api.json;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.postH;
import static dev.hindsight.collect.Api.postServer;
import static dev.hindsight.collect.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Retries are acknowledged but stored once: the same event_id, or the same idempotency_key. */
class DedupTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void browserEventSentTwiceWithTheSameEventIdIsStoredOnce() {
        String user = unique("u");
        String body = browserBatch(s.dev(), map("event_id", UUID.randomUUID().toString(), "kind", "pageview",
                "device_id", unique("d"), "identity", user));

        TestServer.Response first = postH(s, body);
        long afterFirst = count(s, s.dev());
        TestServer.Response retry = postH(s, body);

        assertThat(first.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(first.json().get("duplicates").asInt()).isZero();
        assertThat(retry.status()).as(retry.body()).isEqualTo(200);
        assertThat(retry.json().get("accepted").asInt()).isZero();
        assertThat(retry.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(count(s, s.dev())).isEqualTo(afterFirst);
        assertThat(events(s, s.dev(), user)).hasSize(1);
    }

    @Test
    void eventIdThatIsNotAUuidDedupsToo() {
        String user = unique("u");
        String body = browserBatch(s.dev(), map("event_id", "tracker-" + System.nanoTime(), "kind", "click",
                "device_id", unique("d"), "identity", user));

        postH(s, body);
        TestServer.Response retry = postH(s, body);

        assertThat(retry.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(events(s, s.dev(), user)).hasSize(1);
    }

    @Test
    void sameEventIdTwiceInOneBatchIsStoredOnce() {
        String user = unique("u");
        Map<String, Object> ev = map("event_id", UUID.randomUUID().toString(), "kind", "pageview",
                "device_id", unique("d"), "identity", user);

        TestServer.Response r = postH(s, browserBatch(s.dev(), ev, ev));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(r.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(events(s, s.dev(), user)).hasSize(1);
    }

    @Test
    void trackedEventRetriedWithTheSameIdempotencyKeyIsStoredOnce() {
        String user = unique("u");
        String key = unique("order");
        String body = json(map("app_id", s.dev().appId(), "identity", user, "event", "Purchase",
                "idempotency_key", key, "properties", map("amount", 10)));

        TestServer.Response first = postServer(s, "/api/track", s.dev(), body);
        TestServer.Response retry = postServer(s, "/api/track", s.dev(), body);

        assertThat(first.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(retry.status()).as(retry.body()).isEqualTo(200);
        assertThat(retry.json().get("accepted").asInt()).isZero();
        assertThat(retry.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(events(s, s.dev(), user)).hasSize(1);
    }

    @Test
    void differentIdempotencyKeysAreDifferentEvents() {
        String user = unique("u");

        for (String key : List.of(unique("k"), unique("k"))) {
            postServer(s, "/api/track", s.dev(), json(map("app_id", s.dev().appId(), "identity", user,
                    "event", "Purchase", "idempotency_key", key)));
        }

        assertThat(events(s, s.dev(), user)).hasSize(2);
    }

    @Test
    void trackedEventsWithoutAKeyAreNeverTakenForRetries() {
        String user = unique("u");
        String body = json(map("app_id", s.dev().appId(), "identity", user, "event", "Heartbeat"));

        postServer(s, "/api/track", s.dev(), body);
        TestServer.Response second = postServer(s, "/api/track", s.dev(), body);

        assertThat(second.json().get("duplicates").asInt()).isZero();
        assertThat(events(s, s.dev(), user)).hasSize(2);
    }

    @Test
    void theSameIdempotencyKeyInTwoEnvironmentsIsTwoEvents() {
        String user = unique("u");
        String key = unique("k");

        TestServer.Response dev = postServer(s, "/api/track", s.dev(), json(map("app_id", s.dev().appId(),
                "identity", user, "event", "Purchase", "idempotency_key", key)));
        TestServer.Response prod = postServer(s, "/api/track", s.prod(), json(map("app_id", s.prod().appId(),
                "identity", user, "event", "Purchase", "idempotency_key", key)));

        assertThat(dev.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(prod.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(events(s, s.dev(), user)).hasSize(1);
        assertThat(events(s, s.prod(), user)).hasSize(1);
    }

    @Test
    void retryAfterARestartIsStillRecognised() {
        MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
        try (TestServer t = TestServer.start(Map.of(), clock)) {
            String user = unique("u");
            String body = browserBatch(t.dev(), map("event_id", UUID.randomUUID().toString(), "kind", "pageview",
                    "device_id", unique("d"), "identity", user));
            assertThat(postH(t, body).json().get("accepted").asInt()).isEqualTo(1);

            t.restart();
            clock.advance(Duration.ofMinutes(5));
            TestServer.Response retry = postH(t, body);

            assertThat(retry.json().get("duplicates").asInt()).isEqualTo(1);
            assertThat(events(t, t.dev(), user)).hasSize(1);
        }
    }

    @Test
    void retryAfterTheDedupWindowIsStoredAgain() {
        MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
        try (TestServer t = TestServer.start(Map.of("dedup-window-hours", "1"), clock)) {
            String user = unique("u");
            Map<String, Object> ev = map("event_id", UUID.randomUUID().toString(), "kind", "pageview",
                    "device_id", unique("d"), "identity", user);
            postH(t, browserBatch(t.dev(), ev));

            clock.advance(Duration.ofMinutes(20));
            assertThat(postH(t, browserBatch(t.dev(), ev)).json().get("duplicates").asInt())
                    .as("inside the window").isEqualTo(1);
            clock.advance(Duration.ofHours(2));
            // Rotation happens on insert: one unrelated event moves the generations on.
            postH(t, browserBatch(t.dev(), map("kind", "pageview", "device_id", unique("d"))));
            clock.advance(Duration.ofHours(2));
            postH(t, browserBatch(t.dev(), map("kind", "pageview", "device_id", unique("d"))));
            TestServer.Response late = postH(t, browserBatch(t.dev(), ev));

            assertThat(late.json().get("duplicates").asInt()).isZero();
            assertThat(events(t, t.dev(), user)).hasSize(2);
        }
    }
}
