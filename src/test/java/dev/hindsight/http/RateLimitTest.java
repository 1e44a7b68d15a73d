package dev.hindsight.http;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rate limits per client address and app id on {@code /h}, and per secret key on the server API, on a frozen clock. */
class RateLimitTest {

    @Test
    void theTrackerEndpointLimitsEachClientAddressWith429AndRetryAfterUntilTheBucketRefills() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer s = TestServer.start(Map.of("rate-address", "2", "rate-burst-seconds", "1"), clock)) {
            assertThat(browser(s, s.dev().appId()).status()).isEqualTo(200);
            assertThat(browser(s, s.dev().appId()).status()).isEqualTo(200);

            TestServer.Response refused = browser(s, s.dev().appId());

            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Content-Type")).startsWith(Problems.CONTENT_TYPE);
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            JsonNode problem = refused.json();
            assertThat(problem.get("type").asText()).endsWith("/rate-limited");
            assertThat(problem.get("limit").asText()).isEqualTo("address");
            assertThat(problem.get("limit_per_second").asInt()).isEqualTo(2);
            assertThat(problem.get("detail").asText()).contains("HINDSIGHT_RATE_ADDRESS");
            assertThat(s.get("/metrics", bearer(TestServer.ADMIN)).body())
                    .contains("hindsight_http_throttled_total{limit=\"address\"} 1.0");

            clock.advance(Duration.ofSeconds(1));
            assertThat(browser(s, s.dev().appId()).status()).as("refilled a second later").isEqualTo(200);
            assertThat(s.app().store().countEvents(s.dev().id())).isEqualTo(3);
        }
    }

    @Test
    void theTrackerEndpointLimitsEachAppIdApart() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer s = TestServer.start(Map.of("rate-app-id", "2", "rate-burst-seconds", "1", "rate-address", "0"),
                clock)) {
            browser(s, s.dev().appId());
            browser(s, s.dev().appId());

            TestServer.Response refused = browser(s, s.dev().appId());
            TestServer.Response otherAppId = browser(s, s.prod().appId());

            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.json().get("limit").asText()).isEqualTo("app_id");
            assertThat(refused.json().get("detail").asText()).contains(s.dev().appId());
            assertThat(otherAppId.status()).as(otherAppId.body()).isNotEqualTo(429);
            assertThat(s.get("/metrics", bearer(TestServer.ADMIN)).body())
                    .contains("hindsight_http_throttled_total{limit=\"app_id\"} 1.0");
        }
    }

    /** Calls with the app id alone carry no key to limit: they are limited as {@code /h} is, by app id and address. */
    @Test
    void appIdOnlyServerCallsAreLimitedPerAppId() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer s = TestServer.start(Map.of("rate-app-id", "1", "rate-burst-seconds", "1"), clock)) {
            assertThat(s.send("PATCH", "/api/environments/" + s.dev().appId(), "{\"accept_app_id_only\": true}",
                    "Content-Type", "application/json", "Authorization", "Bearer " + TestServer.ADMIN).status())
                    .isEqualTo(200);
            String track = TestServer.json("app_id", s.dev().appId(), "identity", "u", "event", "x");

            assertThat(s.post("/api/track", track).status()).isEqualTo(200);
            TestServer.Response refused = s.post("/api/track", track);

            assertThat(refused.status()).as(refused.body()).isEqualTo(429);
            assertThat(refused.json().get("limit").asText()).isEqualTo("app_id");
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(s.app().store().countEvents(s.dev().id())).isEqualTo(1);
        }
    }

    @Test
    void theServerApiLimitsEachSecretKeyApart() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer s = TestServer.start(Map.of("rate-key", "2", "rate-burst-seconds", "1"), clock)) {
            assertThat(s.post("/api/track", TestServer.json("identity", "u", "event", "x"), bearer(s.dev().secretKey()))
                    .status()).isEqualTo(200);
            assertThat(s.post("/api/identify", TestServer.json("identity", "u"), bearer(s.dev().secretKey()))
                    .status()).isEqualTo(200);

            TestServer.Response refused = s.post("/api/add_user_properties", TestServer.json("identity", "u",
                    "properties", Map.of("plan", "pro")), bearer(s.dev().secretKey()));
            TestServer.Response otherKey = s.post("/api/track", TestServer.json("identity", "u", "event", "x"),
                    bearer(s.prod().secretKey()));

            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(refused.json().get("limit").asText()).isEqualTo("key");
            assertThat(otherKey.status()).isEqualTo(200);
        }
    }

    @Test
    void behindATrustedProxyTheForwardedAddressIsLimitedAndRotatingItCannotGrowTheTrackedAddresses() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer s = TestServer.start(Map.of("rate-address", "1", "rate-burst-seconds", "1",
                "rate-tracked-keys", "10", "trusted-proxies", "127.0.0.1, ::1"), clock)) {
            assertThat(browser(s, s.dev().appId(), "X-Forwarded-For", "198.51.100.7").status()).isEqualTo(200);
            assertThat(browser(s, s.dev().appId(), "X-Forwarded-For", "203.0.113.1, 198.51.100.7").status())
                    .as("the hop the proxy saw is the client; what the client wrote before it is not")
                    .isEqualTo(429);

            for (int i = 0; i < 50; i++) {
                assertThat(browser(s, s.dev().appId(), "X-Forwarded-For", "192.0.2." + i).status()).isEqualTo(200);
            }

            assertThat(s.get("/metrics", bearer(TestServer.ADMIN)).body())
                    .containsPattern("hindsight_http_rate_tracked\\{limit=\"address\"\\} (10|[0-9])\\.0\n");
        }
    }

    @Test
    void withoutATrustedProxyForwardedForIsIgnored() {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestServer s = TestServer.start(Map.of("rate-address", "1", "rate-burst-seconds", "1"), clock)) {
            assertThat(browser(s, s.dev().appId(), "X-Forwarded-For", "192.0.2.1").status()).isEqualTo(200);
            assertThat(browser(s, s.dev().appId(), "X-Forwarded-For", "192.0.2.2").status()).isEqualTo(429);
        }
    }

    private static TestServer.Response browser(TestServer s, String appId, String... headers) {
        return s.post("/h", TestServer.json("app_id", appId, "events",
                List.of(Map.of("kind", "pageview", "device_id", "d1", "session_id", "s1"))), headers);
    }
}
