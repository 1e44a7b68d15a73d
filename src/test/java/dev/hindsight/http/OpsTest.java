package dev.hindsight.http;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.ServerProcess;
import dev.hindsight.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpsTest {

    @Test
    void healthAnswersReadyWhileTheStoreIsOpen() {
        try (TestServer s = TestServer.start()) {
            TestServer.Response r = s.get("/health");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("status").asText()).isEqualTo("ready");
        }
    }

    @Test
    void metricsNeedTheAdminOrTheMetricsTokenUnlessMadePublicWhileHealthStaysPublic() {
        try (TestServer s = TestServer.start(Map.of("metrics-token", "scraper-token"), java.time.Clock.systemUTC())) {
            TestServer.Response anonymous = s.get("/metrics");
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.header("Content-Type")).startsWith(Problems.CONTENT_TYPE);
            assertThat(anonymous.json().get("detail").asText()).contains("HINDSIGHT_METRICS_PUBLIC");
            assertThat(s.get("/metrics", bearer(s.dev().secretKey())).status()).as("a secret key").isEqualTo(401);
            assertThat(s.get("/metrics", bearer(TestServer.ADMIN)).status()).isEqualTo(200);
            assertThat(s.get("/metrics", bearer("scraper-token")).status()).isEqualTo(200);
            assertThat(s.get("/health").status()).isEqualTo(200);
        }
        try (TestServer s = TestServer.start(Map.of("metrics-public", "true"), java.time.Clock.systemUTC())) {
            assertThat(s.get("/metrics").status()).isEqualTo(200);
        }
    }

    @Test
    void theServerRollsUpNewEventsForPathsOnItsOwn() throws InterruptedException {
        List<Map<String, Object>> events = List.of(Map.of("kind", "pageview", "device_id", "d1", "session_id", "s1"),
                Map.of("kind", "click", "device_id", "d1", "session_id", "s1", "text", "Buy"));
        try (TestServer s = TestServer.start()) {
            assertThat(s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", events)).status()).isEqualTo(200);
            assertThat(samples(s.get("/metrics", bearer(TestServer.ADMIN)).body())).as("the tests' servers roll up only when told")
                    .containsEntry("hindsight_rollup_behind", 2.0);
            s.app().rollUp();
            assertThat(samples(s.get("/metrics", bearer(TestServer.ADMIN)).body())).containsEntry("hindsight_rollup_behind", 0.0);
        }
        MutableClock clock = new MutableClock(java.time.Instant.now());
        try (TestServer s = TestServer.start(Map.of("rollup-seconds", "1"), clock)) {
            assertThat(s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", events)).status()).isEqualTo(200);
            Thread.sleep(1500);
            assertThat(samples(s.get("/metrics", bearer(TestServer.ADMIN)).body())).as("events are rolled up half an hour after they arrive")
                    .containsEntry("hindsight_rollup_behind", 2.0);
            clock.advance(java.time.Duration.ofMinutes(31));
            double behind = 2;
            for (int i = 0; i < 100 && behind > 0; i++) {
                Thread.sleep(100);
                behind = samples(s.get("/metrics", bearer(TestServer.ADMIN)).body()).get("hindsight_rollup_behind");
            }
            assertThat(behind).as("events left to roll up after 10 s").isZero();
        }
    }

    @Test
    void metricsCountAcceptedAndRejectedEventsPerEndpointInPrometheusText() {
        try (TestServer s = TestServer.start()) {
            String appId = s.dev().appId();
            String key = s.dev().secretKey();
            TestServer.Response track = s.post("/api/track", TestServer.json("app_id", appId, "events", List.of(
                    Map.of("identity", "u1", "event", "A"),
                    Map.of("identity", "u1", "event", "B"),
                    Map.of("identity", "u1", "event", "C"),
                    Map.of("event", "no identity"))), bearer(key));
            assertThat(track.status()).as("one bad event in the batch").isEqualTo(400);
            TestServer.Response browser = s.post("/h", TestServer.json("app_id", appId, "events", List.of(
                    Map.of("kind", "pageview", "device_id", "d1", "identity", "u1"),
                    Map.of("kind", "click", "device_id", "d1", "identity", "u1"),
                    Map.of("kind", "bogus", "device_id", "d1"),
                    Map.of("kind", "click"))));
            assertThat(browser.status()).isEqualTo(400);
            assertThat(s.app().store().countEvents(s.dev().id())).as("the valid events were stored").isEqualTo(5);

            TestServer.Response r = s.get("/metrics", bearer(TestServer.ADMIN));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("text/plain");
            Map<String, Double> m = samples(r.body());
            assertThat(m).containsEntry("hindsight_events_accepted_total{endpoint=\"track\"}", 3.0)
                    .containsEntry("hindsight_events_rejected_total{endpoint=\"track\"}", 1.0)
                    .containsEntry("hindsight_events_accepted_total{endpoint=\"h\"}", 2.0)
                    .containsEntry("hindsight_events_rejected_total{endpoint=\"h\"}", 2.0)
                    .containsEntry("hindsight_queue_depth", 0.0);
            assertThat(m.get("hindsight_commit_batch_size_count")).as("commits so far").isGreaterThanOrEqualTo(2.0);
            assertThat(m.get("hindsight_commit_batch_size_sum")).as("ops committed so far").isEqualTo(5.0);
            assertThat(m.get("hindsight_commit_latency_seconds_count")).isGreaterThanOrEqualTo(2.0);
            assertThat(m).containsKey("hindsight_commit_latency_seconds_sum")
                    .containsKey("hindsight_commit_latency_seconds{quantile=\"0.99\"}");
            assertThat(m.get("hindsight_store_size_bytes")).isPositive();
            assertThat(m.keySet()).anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"));
            assertThat(r.body()).contains("# TYPE hindsight_events_accepted_total counter");
        }
    }

    @Test
    void duplicatesAndOverloadRefusalsAreCountedApartFromStoredEvents() {
        try (TestServer s = TestServer.start(Map.of("queue-capacity", "2"), java.time.Clock.systemUTC())) {
            String body = TestServer.json("app_id", s.dev().appId(), "identity", "u1", "event", "Paid",
                    "idempotency_key", "order-1");
            s.post("/api/track", body, bearer(s.dev().secretKey()));
            TestServer.Response retry = s.post("/api/track", body, bearer(s.dev().secretKey()));
            assertThat(retry.json().get("duplicates").asInt()).isEqualTo(1);
            TestServer.Response overloaded = s.post("/api/track", TestServer.json("app_id", s.dev().appId(), "events",
                    List.of(Map.of("identity", "u", "event", "a"), Map.of("identity", "u", "event", "b"),
                            Map.of("identity", "u", "event", "c"))), bearer(s.dev().secretKey()));
            assertThat(overloaded.status()).isEqualTo(503);

            Map<String, Double> m = samples(s.get("/metrics", bearer(TestServer.ADMIN)).body());

            assertThat(m).containsEntry("hindsight_events_accepted_total{endpoint=\"track\"}", 1.0);
            assertThat(m).containsEntry("hindsight_events_duplicates_total{endpoint=\"track\"}", 1.0);
            assertThat(m).containsEntry("hindsight_write_refused_total{reason=\"overloaded\"}", 3.0);
            assertThat(s.app().store().countEvents(s.dev().id())).isEqualTo(1);
        }
    }

    /**
     * The log (slf4j-simple writes it to stderr) never carries a secret key or the admin token, whatever the
     * requests carry; the credentials are printed to stdout once, on the first start only, by design.
     */
    @Test
    void secretKeysAndTheAdminTokenNeverAppearInTheLog() throws Exception {
        Path data = Files.createTempDirectory("hindsight-log-secrets");
        String devKey;
        String prodKey;
        String rotated;
        String firstLog;
        String firstStdout;
        String wrongKey = "hs_sk_ThisIsNotAKeyButLooksLikeOne000";
        try (ServerProcess p = ServerProcess.start(data)) {
            JsonNode dev = p.environment("development");
            JsonNode prod = p.environment("production");
            devKey = dev.get("secret_key").asText();
            prodKey = prod.get("secret_key").asText();
            String appId = dev.get("app_id").asText();
            String auth = "Bearer " + devKey;

            assertThat(p.post("/api/track", TestServer.json("app_id", appId, "identity", "u", "event", "ok"),
                    "Authorization", auth).statusCode()).isEqualTo(200);
            assertThat(p.post("/api/track", TestServer.json("app_id", appId, "identity", "u", "event", "bad key"),
                    "Authorization", "Bearer " + wrongKey).statusCode()).isEqualTo(401);
            assertThat(p.post("/api/track", TestServer.json("app_id", prod.get("app_id").asText(), "identity", "u",
                    "event", "key of another env"), "Authorization", auth).statusCode()).isEqualTo(403);
            assertThat(p.post("/api/track", "{not json", "Authorization", auth).statusCode()).isEqualTo(400);
            assertThat(p.post("/api/identify", TestServer.json("app_id", appId, "identity", "u", "properties",
                    Map.of("secret_key", devKey)), "Authorization", auth).statusCode()).isEqualTo(200);
            assertThat(p.get("/api/projects", "Authorization", "Bearer wrong-admin").statusCode()).isEqualTo(401);
            assertThat(p.get("/api/users/u/events?app_id=" + appId, "Authorization", auth).statusCode())
                    .isEqualTo(200);
            assertThat(p.get("/no/such/path?key=" + devKey, "Authorization", auth).statusCode()).isEqualTo(404);
            HttpResponse<String> rotate = p.post("/api/environments/" + prod.get("app_id").asText() + "/rotate-key",
                    "", "Authorization", "Bearer " + ServerProcess.ADMIN);
            rotated = TestServer.JSON.readTree(rotate.body()).get("secret_key").asText();
            p.close(); // graceful: the shutdown hook logs too
            firstLog = p.stderr();
            firstStdout = p.stdout();
        }
        String secondLog;
        String secondStdout;
        try (ServerProcess p = ServerProcess.start(data)) {
            p.close();
            secondLog = p.stderr();
            secondStdout = p.stdout();
        }

        assertThat(firstLog).as("the log was captured").contains("Hindsight listening").contains("Hindsight stopped");
        for (String log : List.of(firstLog, secondLog)) {
            assertThat(log).doesNotContain(devKey, prodKey, rotated, ServerProcess.ADMIN, wrongKey, "hs_sk_");
        }
        assertThat(firstStdout).as("first start prints the keys once, on the console").contains(devKey, prodKey);
        assertThat(secondStdout + secondLog).as("a later start prints no key").doesNotContain("hs_sk_");
    }

    /** Prometheus text samples by {@code name{labels}}; comment lines are skipped. */
    private static Map<String, Double> samples(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return out;
    }
}
