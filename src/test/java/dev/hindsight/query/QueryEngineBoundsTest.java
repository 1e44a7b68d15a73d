package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.Hindsight;
import dev.hindsight.TestServer;
import dev.hindsight.config.Settings;
import dev.hindsight.demo.Demo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine-side bounds of {@code /api/query} on the demo's 200,000 events: the time limit stops the engine's
 * statement and the kernels, the kernels' memory is reserved before they allocate, DuckDB runs under its memory
 * limit, and at most the configured number of queries run at once.
 */
class QueryEngineBoundsTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);
    private static Path data;

    @BeforeAll
    static void fill() throws IOException {
        data = Files.createTempDirectory("hindsight-bounds");
        Hindsight.demo(Settings.from(new String[] {"--port=0", "--data=" + data}, Map.of()),
                new Demo.Options(200_000, 30, 7, false), NOW);
    }

    private static TestServer server(String... settings) {
        Map<String, String> all = new HashMap<>(Map.of("data", data.toString()));
        for (int i = 0; i < settings.length; i += 2) {
            all.put(settings[i], settings[i + 1]);
        }
        return TestServer.start(all, NOW);
    }

    private static String body(TestServer s, String rest) {
        return "{\"app_id\":\"" + s.dev().appId() + "\",\"from\":\"2026-11-01T00:00:00Z\",\"to\":\"2026-12-05T00:00:00Z\","
                + rest + "}";
    }

    private static final String FUNNEL = "\"kind\":\"funnel\",\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"click\"},"
            + "{\"kind\":\"pageview\"}],\"breakdown\":\"plan\"";
    private static final String PATHS = "\"kind\":\"paths\",\"start\":{\"kind\":\"pageview\"},\"depth\":10";

    private static TestServer.Response query(TestServer s, String rest) {
        return s.post("/api/query", body(s, rest), bearer(TestServer.ADMIN));
    }

    private static double metric(TestServer s, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(s.get("/metrics", bearer(TestServer.ADMIN)).body());
        return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
    }

    @Test
    void aQueryPastItsTimeLimitIsStoppedAndFreesItsSlot() {
        try (TestServer s = server("query-timeout-ms", "1", "max-concurrent-queries", "1", "query-wait-ms", "0")) {
            for (String q : new String[] {FUNNEL, PATHS, FUNNEL}) {
                TestServer.Response r = query(s, q);
                assertThat(r.status()).as(r.body()).isEqualTo(503);
                assertThat(r.header("Content-Type")).startsWith("application/problem+json");
                assertThat(r.json().get("type").asText()).isEqualTo("https://hindsight.dev/problems/query-timeout");
                assertThat(r.json().get("detail").asText()).contains("time limit of 1 ms");
                // The answer comes only once the work has stopped: nothing of it runs on, and its slot is free
                // (the next query gets its own timeout, never the 503 of a full server).
                assertThat(metric(s, "hindsight_queries_running")).isEqualTo(0.0);
                assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("paths-filer"));
            }
            assertThat(metric(s, "hindsight_queries_timed_out_total")).isEqualTo(3.0);
            assertThat(metric(s, "hindsight_queries_rejected_total")).isEqualTo(0.0);
        }
    }

    @Test
    void theSameQueriesAnswerWithinTheDefaultLimits() {
        try (TestServer s = server()) {
            assertThat(query(s, FUNNEL).status()).isEqualTo(200);
            assertThat(query(s, PATHS).status()).isEqualTo(200);
        }
    }

    @Test
    void aFunnelNeedingMoreThanTheQueryMemoryLimitIsRefusedBeforeItAllocates() {
        try (TestServer s = server("query-memory-mb", "2")) {
            TestServer.Response r = query(s, FUNNEL);
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().get("type").asText()).isEqualTo("https://hindsight.dev/problems/limit-exceeded");
            assertThat(r.json().get("detail").asText()).contains("memory limit of 2 MiB");
            assertThat(metric(s, "hindsight_queries_running")).isEqualTo(0.0);
        }
    }

    @Test
    void aQueryNeedingMoreThanTheEngineMemoryLimitIsA503ProblemNotAServerError() {
        try (TestServer s = server("duckdb-memory-limit", "4MB")) {
            TestServer.Response r = query(s, "\"kind\":\"users\",\"limit\":1000");
            assertThat(r.status()).as(r.body()).isEqualTo(503);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
            assertThat(r.header("Retry-After")).isNotNull();
            assertThat(r.json().get("detail").asText()).contains("HINDSIGHT_DUCKDB_MEMORY_LIMIT");
        }
    }

    @Test
    void queriesBeyondTheConcurrencyCapGet503WithRetryAfterAndAreCounted() throws Exception {
        try (TestServer s = server("max-concurrent-queries", "1", "query-wait-ms", "0")) {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest slow = HttpRequest.newBuilder(URI.create(s.baseUrl() + "/api/query"))
                    .header("Authorization", "Bearer " + TestServer.ADMIN)
                    .POST(HttpRequest.BodyPublishers.ofString(body(s, PATHS))).build();
            TestServer.Response refused = null;
            // The second query must arrive while the first runs; on a fast machine the first may end before the
            // test sees it running, so the pair is tried until it overlaps.
            for (int attempt = 0; attempt < 50 && refused == null; attempt++) {
                CompletableFuture<HttpResponse<String>> first = http.sendAsync(slow, HttpResponse.BodyHandlers.ofString());
                while (!first.isDone() && metric(s, "hindsight_queries_running") < 1.0) {
                    Thread.onSpinWait();
                }
                if (!first.isDone()) {
                    TestServer.Response second = query(s, FUNNEL);
                    if (second.status() == 503) {
                        refused = second;
                    }
                }
                assertThat(first.get().statusCode()).isEqualTo(200);
            }
            assertThat(refused).as("a query arriving while another ran").isNotNull();
            assertThat(refused.json().get("type").asText()).isEqualTo("https://hindsight.dev/problems/overloaded");
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(metric(s, "hindsight_queries_rejected_total")).isGreaterThanOrEqualTo(1.0);
            // With the slot free again, the next query runs.
            assertThat(query(s, FUNNEL).status()).isEqualTo(200);
        }
    }
}
