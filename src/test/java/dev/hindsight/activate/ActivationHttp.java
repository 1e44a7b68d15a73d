package dev.hindsight.activate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** What the activation tests say to a server over HTTP: bodies, the admin's requests, and waits for deliveries. */
final class ActivationHttp {
    private ActivationHttp() {
    }

    /** A name no other test uses: {@code prefix_} and 12 random hex digits. */
    static String unique(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** A JSON object's members, in order: name, value, name, value... */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static String json(Object o) {
        try {
            return TestServer.JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A path under the development environment's {@code /api/environments/{appId}}. */
    static String env(TestServer s, String rest) {
        return "/api/environments/" + s.dev().appId() + rest;
    }

    /** A request with the admin token and a JSON body (none when {@code body} is null). */
    static TestServer.Response admin(TestServer s, String method, String path, Object body) {
        return s.send(method, path, body == null ? null : json(body), "Authorization", "Bearer " + TestServer.ADMIN,
                "Content-Type", "application/json");
    }

    /** A destination's outbox row of one canonical event, with its attempts; null when it has none. */
    static JsonNode delivery(TestServer s, long dest, String eventId) {
        TestServer.Response r = admin(s, "GET", env(s, "/destinations/" + dest + "/deliveries?event_id=" + eventId),
                null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("deliveries").get(0);
    }

    /** The state of a destination's outbox row of one canonical event, or null when it has none. */
    static String state(TestServer s, long dest, String eventId) {
        JsonNode d = delivery(s, dest, eventId);
        return d == null ? null : d.get("state").asText();
    }

    /** Waits until no delivery is due or in flight (at the server's clock). */
    static void settle(TestServer s) {
        try {
            assertThat(s.app().delivery().settle(Duration.ofSeconds(30))).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits up to 30 s for a condition, waking the delivery workers meanwhile (polling, never a fixed sleep). */
    static void await(TestServer s, Supplier<String> what, BooleanSupplier ok) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waiting for " + what.get());
            }
            s.app().delivery().wake();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
