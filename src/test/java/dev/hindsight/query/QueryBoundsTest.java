package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The size bounds and the strict parsing of {@code POST /api/query}: every over-large or malformed request is a 4xx
 * problem+json naming the field or bound, before any work is done.
 */
class QueryBoundsTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of("query-max-result-mb", "1"), NOW);
        assertThat(s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", List.of(Map.of("kind", "pageview",
                "device_id", "d1", "time", NOW.millis() - 3_600_000L, "url", "https://x.com/")))).status()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static TestServer.Response query(String kind, String from, String to, String rest) {
        return post("{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"" + kind + "\",\"from\":\"" + from
                + "\",\"to\":\"" + to + "\"" + rest + "}");
    }

    private static TestServer.Response post(String body) {
        return s.post("/api/query", body, bearer(TestServer.ADMIN));
    }

    private static final String PAGEVIEWS = "{\"event\":{\"kind\":\"pageview\"}}";

    /** Asserts a 400 problem of {@code type} whose first error names {@code field}. */
    private static JsonNode refused(TestServer.Response r, String type, String field) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        JsonNode p = r.json();
        assertThat(p.get("type").asText()).isEqualTo("https://hindsight.dev/problems/" + type);
        assertThat(p.get("errors").get(0).get("field").asText()).isEqualTo(field);
        return p;
    }

    @Test
    void anHourlyGraphOverDecadesIsRefusedNamingTheBucketLimit() {
        JsonNode p = refused(query("graph", "2000-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
                ",\"interval\":\"hour\",\"series\":[" + PAGEVIEWS + "]"), "limit-exceeded", "interval");
        assertThat(p.get("detail").asText()).contains("10000 buckets");
        // A year by hour is within the bound.
        assertThat(query("graph", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
                ",\"interval\":\"hour\",\"series\":[" + PAGEVIEWS + "]").status()).isEqualTo(200);
    }

    @Test
    void rangesOutsideYear2000ToAYearFromNowAreRefused() {
        refused(query("graph", "0001-01-01T00:00:00Z", "2026-01-01T00:00:00Z", ",\"series\":[" + PAGEVIEWS + "]"),
                "limit-exceeded", "from");
        refused(query("graph", "2026-01-01T00:00:00Z", "+270000-01-01T00:00:00Z",
                ",\"interval\":\"month\",\"series\":[" + PAGEVIEWS + "]"), "limit-exceeded", "to");
        refused(query("graph", "2026-01-01T00:00:00Z", "+1000000000-01-01T00:00:00Z", ",\"series\":[" + PAGEVIEWS + "]"),
                "limit-exceeded", "to");
        refused(query("graph", "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z", ",\"series\":[" + PAGEVIEWS + "]"),
                "limit-exceeded", "to");
    }

    @Test
    void aDailyRetentionOverDecadesIsRefusedNamingTheCohortLimit() {
        refused(query("retention", "2000-01-01T00:00:00Z", "2026-12-01T00:00:00Z",
                ",\"period\":\"day\",\"start\":{\"kind\":\"pageview\"},\"return\":{\"kind\":\"pageview\"}"),
                "limit-exceeded", "period");
    }

    @Test
    void graphsHaveAtMostFiftySeriesAndHalfAMillionPoints() {
        String many = String.join(",", java.util.Collections.nCopies(2000, PAGEVIEWS));
        refused(query("graph", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", ",\"series\":[" + many + "]"),
                "limit-exceeded", "series");
        refused(query("graph", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", ",\"interval\":\"hour\",\"series\":["
                + PAGEVIEWS + "],\"breakdown\":{\"property\":\"plan\",\"limit\":100}"), "limit-exceeded", "series");
    }

    @Test
    void funnelStepsPathsDepthAndPageSizesAreBounded() {
        String steps = String.join(",", java.util.Collections.nCopies(21, "{\"kind\":\"pageview\"}"));
        refused(query("funnel", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", ",\"steps\":[" + steps + "]"),
                "limit-exceeded", "steps");
        refused(query("paths", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z",
                ",\"start\":{\"kind\":\"pageview\"},\"depth\":11"), "validation", "depth");
        String labels = String.join(",", java.util.Collections.nCopies(51, "{\"kind\":\"pageview\"}"));
        refused(query("paths", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z",
                ",\"start\":{\"kind\":\"pageview\"},\"label_with\":[" + labels + "]"), "limit-exceeded", "label_with");
        for (String limit : List.of("1001", "0", "-1", "\"abc\"", "1e20", "2.5", "99999999999999999999")) {
            refused(query("users", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", ",\"limit\":" + limit),
                    "validation", "limit");
        }
        refused(query("sessions", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", ",\"limit\":501"), "validation",
                "limit");
        refused(query("graph", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", ",\"series\":[" + PAGEVIEWS
                + "],\"breakdown\":{\"property\":\"plan\",\"limit\":101}"), "validation", "breakdown.limit");
    }

    @Test
    void anAnswerLargerThanTheResultLimitIsRefused() {
        // Five hourly lines over a year: about 1.7 MB of JSON, over this server's 1 MiB.
        String five = String.join(",", java.util.Collections.nCopies(5, PAGEVIEWS));
        TestServer.Response r = query("graph", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z",
                ",\"interval\":\"hour\",\"series\":[" + five + "]");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("type").asText()).endsWith("/limit-exceeded");
        assertThat(r.json().get("detail").asText()).contains("at most 1 MiB");
    }

    @Test
    void aTypoedFilterKeyIsRefusedWithItsPathInsteadOfAnsweringUnfiltered() {
        JsonNode p = refused(query("graph", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z",
                ",\"series\":[{\"event\":{\"kind\":\"pageview\",\"filters\":[{\"key\":\"plan\",\"op\":\"=\",\"value\":\"pro\"}]}}]"),
                "validation", "series[0].event.filters");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("properties");
        refused(query("graph", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z",
                ",\"series\":[{\"event\":{\"kind\":\"pageview\"},\"breakdown\":\"plan\"}]"), "validation",
                "series[0].breakdown");
        refused(query("funnel", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z",
                ",\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"click\",\"properties\":[{\"key\":\"a\",\"op\":\"=\",\"valu\":1}]}]"),
                "validation", "steps[1].properties[0].valu");
        refused(query("sessions", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z", ",\"identiy\":\"bob\""),
                "validation", "identiy");
    }

    @Test
    void duplicateKeysAreRefusedNamingTheKey() {
        refused(post("{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\",\"kind\":\"funnel\"}"), "validation",
                "kind");
        refused(query("graph", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z",
                ",\"series\":[{\"event\":{\"kind\":\"pageview\",\"kind\":\"click\"}}]"), "validation", "series[0].event.kind");
    }

    @Test
    void aTenThousandDeepBodyIsAProblemNotAServerError() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        TestServer.Response r = post("{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\",\"series\":" + deep + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).contains("deeper than");
    }

    @Test
    void hostileValuesAreFourHundredProblemsNeverServerErrors() {
        String f = "\"2026-11-01T00:00:00Z\"";
        String t = "\"2026-12-01T00:00:00Z\"";
        String app = "\"app_id\":\"" + s.dev().appId() + "\"";
        List<String> bodies = new ArrayList<>(List.of(
                "[]", "null", "5", "{}", "{" + app + "}",
                "{" + app + ",\"kind\":5}",
                "{" + app + ",\"kind\":\"graph\",\"from\":5,\"to\":" + t + "}",
                "{" + app + ",\"kind\":\"graph\",\"from\":null,\"to\":" + t + "}",
                "{" + app + ",\"kind\":\"graph\",\"from\":" + t + ",\"to\":" + f + ",\"series\":[" + PAGEVIEWS + "]}"));
        String base = "{" + app + ",\"from\":" + f + ",\"to\":" + t + ",";
        for (String rest : List.of(
                "\"kind\":\"graph\",\"series\":{}",
                "\"kind\":\"graph\",\"series\":[5]",
                "\"kind\":\"graph\",\"series\":[null]",
                "\"kind\":\"graph\",\"series\":[]",
                "\"kind\":\"graph\",\"series\":null",
                "\"kind\":\"graph\",\"series\":[{\"event\":null}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"definition\":\"abc\"}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"definition\":1e30}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"definition\":-1}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"definition\":1,\"kind\":\"click\"}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"kind\":5}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"kind\":\"custom\",\"event\":[1]}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"kind\":\"pageview\",\"properties\":{}}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"kind\":\"pageview\",\"properties\":[{\"key\":\"a\",\"op\":\"=\",\"value\":{\"x\":1}}]}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"kind\":\"pageview\",\"properties\":[null]}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"kind\":\"pageview\",\"properties\":[{\"key\":null,\"op\":\"=\",\"value\":1}]}}]",
                "\"kind\":\"graph\",\"series\":[{\"event\":{\"kind\":\"pageview\"},\"measure\":5}]",
                "\"kind\":\"graph\",\"interval\":[\"day\"],\"series\":[" + PAGEVIEWS + "]",
                "\"kind\":\"graph\",\"series\":[" + PAGEVIEWS + "],\"breakdown\":5",
                "\"kind\":\"graph\",\"series\":[" + PAGEVIEWS + "],\"breakdown\":{\"property\":5}",
                "\"kind\":\"graph\",\"series\":[" + PAGEVIEWS + "],\"breakdown\":{\"limit\":-5,\"property\":\"p\"}",
                "\"kind\":\"funnel\",\"steps\":[]",
                "\"kind\":\"funnel\",\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"click\"}],\"window\":\"PT9223372036854775807S\"",
                "\"kind\":\"funnel\",\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"click\"}],\"window\":\"P999999999999D\"",
                "\"kind\":\"funnel\",\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"click\"}],\"window\":5",
                "\"kind\":\"funnel\",\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"click\"}],\"window\":\"-P1D\"",
                "\"kind\":\"retention\",\"start\":{\"kind\":\"pageview\"},\"return\":{\"kind\":\"pageview\"},\"periods\":7.5",
                "\"kind\":\"retention\",\"start\":{\"kind\":\"pageview\"},\"return\":{\"kind\":\"pageview\"},\"periods\":-1",
                "\"kind\":\"retention\",\"start\":{\"kind\":\"pageview\"},\"return\":5",
                "\"kind\":\"retention\",\"start\":{\"kind\":\"pageview\"},\"return\":{\"kind\":\"pageview\"},\"period\":5",
                "\"kind\":\"paths\",\"start\":{\"kind\":\"pageview\"},\"depth\":\"5\"",
                "\"kind\":\"paths\",\"start\":{\"kind\":\"pageview\"},\"depth\":1e400",
                "\"kind\":\"paths\",\"start\":{\"kind\":\"pageview\"},\"direction\":true",
                "\"kind\":\"paths\",\"start\":{\"kind\":\"pageview\"},\"label_with\":[{\"kind\":5}]",
                "\"kind\":\"paths\",\"start\":{\"kind\":\"pageview\"},\"label_with\":[\"x\"]",
                "\"kind\":\"paths\",\"start\":{\"kind\":\"pageview\"},\"label_with\":{}",
                "\"kind\":\"paths\",\"start\":null",
                "\"kind\":\"users\",\"did_not\":\"yes\",\"event\":{\"kind\":\"pageview\"}",
                "\"kind\":\"users\",\"properties\":[{\"key\":\"a\",\"op\":\"~\",\"value\":1}]",
                "\"kind\":\"users\",\"properties\":5",
                "\"kind\":\"users\",\"event\":5",
                "\"kind\":\"sessions\",\"identity\":5",
                "\"kind\":\"sessions\",\"identity\":\"\"",
                "\"kind\":\"sessions\",\"limit\":-3")) {
            bodies.add(base + rest + "}");
        }
        for (String body : bodies) {
            TestServer.Response r = post(body);
            assertThat(r.status()).as(body + " -> " + r.body()).isBetween(400, 499);
            assertThat(r.header("Content-Type")).as(body).startsWith("application/problem+json");
        }
    }
}
