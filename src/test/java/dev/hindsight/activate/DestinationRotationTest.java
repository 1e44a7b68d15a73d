package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static dev.hindsight.activate.ActivationHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A webhook's secret rotated the way the set-up screen sends it: the new secret first, the kept ones masked. */
class DestinationRotationTest {
    private static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-05-02T10:00:00Z"));
    private static final String OLD = "whsec_old0123456789abcd";
    private static final String NEW = "whsec_new0123456789wxyz";
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
    void aRotationWithTheKeptSecretsMaskedSignsWithBoth() {
        String event = unique("signup");
        assertThat(admin("POST", env("/registry/schemas"), map("event", event, "properties",
                map())).status()).isEqualTo(201);
        // A receiver that still knows only the old secret.
        try (WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(OLD))) {
            TestServer.Response created = admin("POST", env("/destinations"), map("name", "hook",
                    "kind", "webhook", "settings", map("url", hook.url(), "secrets", List.of(OLD)),
                    "mapping", map(event, "signed_up")));
            long id = created.json().get("id").asLong();
            TestServer.Response rotated = admin("PUT", env("/destinations/" + id), map("settings",
                    map("url", hook.url(), "secrets", List.of(NEW, "****abcd"))));
            assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
            assertThat(rotated.json().get("settings").get("secrets").toString()).isEqualTo("[\"****wxyz\",\"****abcd\"]");
            TestServer.Response unknown = admin("PUT", env("/destinations/" + id), map("settings",
                    map("url", hook.url(), "secrets", List.of(NEW, "****zzzz"))));
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(unknown.body()).contains("settings.secrets[1]");

            String eventId = unique("ev");
            TestServer.Response r = s.post("/api/capture", json(map("event", event,
                    "event_id", eventId, "user_id", "u1")), "Content-Type", "application/json", "Authorization",
                    "Bearer " + s.dev().secretKey());
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (hook.processed.isEmpty()) {
                assertThat(System.nanoTime()).as("delivered, signed with the old secret too").isLessThan(end);
                try {
                    s.app().delivery().settle(Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            assertThat(hook.processed.get(0).path("id").asText()).isEqualTo(eventId);
            // Finishing the rotation keeps only the new secret.
            TestServer.Response finished = admin("PUT", env("/destinations/" + id), map("settings",
                    map("url", hook.url(), "secrets", List.of("****wxyz"))));
            assertThat(finished.json().get("settings").get("secrets").toString()).isEqualTo("[\"****wxyz\"]");
            admin("DELETE", env("/destinations/" + id), null);
        }
    }

    private static TestServer.Response admin(String method, String path, Object body) {
        return ActivationHttp.admin(s, method, path, body);
    }

    private static String env(String rest) {
        return ActivationHttp.env(s, rest);
    }
}
