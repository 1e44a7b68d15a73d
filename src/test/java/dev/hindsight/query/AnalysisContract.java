package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.ReferenceEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The analysis contract every {@link Engine} keeps, as Trino's connectors share {@code BaseConnectorTest}: random
 * graphs (every measure, breakdowns, formulas, every interval), funnels, retention grids, paths, users and sessions
 * queries over random data, in several time zones, each run by the same analysis code on the engine under test and
 * on an engine known to be right, with equal answers. An engine's test is a subclass that says how to build it over
 * the server's store ({@link #engine}); the known-right engine is the brute-force {@link ReferenceEngine} over the
 * same data, unless the subclass names another ({@link #oracle}).
 *
 * <p>The data is {@link GeneratedTraffic} over ten days (sessions with and without ids, merged and re-identified
 * devices, event and user properties, three definitions), sent to a real server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AnalysisContract {
    private static final long SEED = 20261205L;
    private static final int DAYS = 10;
    /** UTC, zones with daylight-saving time, and zones with half-hour offsets. */
    private static final List<String> ZONES = List.of("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
            "Australia/Adelaide", "Pacific/Auckland");
    private static final List<String> INTERVALS = List.of("hour", "day", "week", "month");
    private static final List<String> BREAKDOWNS = List.of("plan", "seats");
    private static final List<String> FORMULAS = List.of("A / B", "A - B", "A * 2 + B", "(A + 1) / (B + 1)", "A / 3");
    private static final List<String> WINDOWS = List.of("PT30M", "PT6H", "P1D", "P3D");

    protected TestServer server;
    protected GeneratedTraffic traffic;
    private Engine engine;
    private Engine oracle;
    /** Queries compared so far, and of those, the ones whose answers hold data. */
    private int queries;
    private int withData;

    /** The engine under test, over the store of {@code server} (which holds {@link #traffic}). */
    protected abstract Engine engine(TestServer server);

    /** The engine whose answers are right: by default the brute-force reference engine over the traffic sent. */
    protected Engine oracle(TestServer server, GeneratedTraffic traffic) {
        return new ReferenceEngine(server.dev().id(), traffic.data());
    }

    @BeforeAll
    void load() {
        server = TestServer.start();
        traffic = GeneratedTraffic.send(server, new Traffic(server), SEED, DAYS);
        engine = engine(server);
        oracle = oracle(server, traffic);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** Most random queries find data: comparing empty answers would prove little. */
    @org.junit.jupiter.api.AfterEach
    void mostAnswersHoldData() {
        assertThat(withData).as(withData + " of " + queries + " answers hold data").isGreaterThanOrEqualTo(queries * 2 / 3);
        queries = 0;
        withData = 0;
    }

    @Test
    void randomGraphsOfEveryMeasureWithBreakdownsAndFormulasAnswerAlike() {
        Random r = new Random(SEED + 1);
        for (int q = 0; q < 40; q++) {
            StringBuilder series = new StringBuilder();
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                String measure = pick(r, GraphQuery.ALL_MEASURES);
                series.append(i == 0 ? "" : ",").append("{\"event\":").append(event(r)).append(",\"measure\":\"")
                        .append(measure).append('"');
                if (GraphQuery.PROPERTY_MEASURES.contains(measure) || measure.equals(GraphQuery.PER_USER) && r.nextBoolean()) {
                    // seats is numeric where set; plan never is, so its measures have no values.
                    series.append(",\"property\":\"").append(r.nextInt(5) == 0 ? "plan" : "seats").append('"');
                }
                if (measure.equals(GraphQuery.PER_USER)) {
                    series.append(",\"aggregate\":\"").append(pick(r, GraphQuery.AGGREGATES)).append('"');
                }
                series.append('}');
            }
            String interval = pick(r, INTERVALS);
            int hours = interval.equals("hour") ? 6 + r.nextInt(60) : 24 + r.nextInt(DAYS * 24);
            StringBuilder fields = new StringBuilder("\"interval\":\"" + interval + "\",\"series\":[" + series + "]");
            if (r.nextBoolean()) {
                fields.append(",\"breakdown\":{\"property\":\"").append(pick(r, BREAKDOWNS)).append("\",\"limit\":")
                        .append(1 + r.nextInt(4)).append('}');
            }
            if (n >= 2 && r.nextBoolean()) {
                fields.append(",\"formulas\":[{\"expression\":\"").append(pick(r, FORMULAS)).append("\"}]");
            }
            assertSameAnswer(r, "graph", hours, fields.toString());
        }
    }

    @Test
    void randomFunnelsAnswerAlike() {
        Random r = new Random(SEED + 2);
        for (int q = 0; q < 25; q++) {
            int n = 2 + r.nextInt(3);
            List<String> steps = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                steps.add(event(r));
            }
            String fields = "\"steps\":" + steps + ",\"window\":\"" + pick(r, WINDOWS) + "\""
                    + (r.nextBoolean() ? ",\"breakdown\":{\"property\":\"" + pick(r, BREAKDOWNS) + "\",\"limit\":"
                    + (1 + r.nextInt(3)) + "}" : "");
            assertSameAnswer(r, "funnel", 24 + r.nextInt(DAYS * 24), fields);
        }
    }

    @Test
    void randomRetentionGridsAnswerAlike() {
        Random r = new Random(SEED + 3);
        for (int q = 0; q < 25; q++) {
            String fields = "\"start\":" + event(r) + ",\"return\":" + event(r) + ",\"period\":\""
                    + (r.nextBoolean() ? "day" : "week") + "\",\"periods\":" + (1 + r.nextInt(10));
            assertSameAnswer(r, "retention", 24 + r.nextInt(DAYS * 24), fields);
        }
    }

    @Test
    void randomPathsAnswerAlike() {
        Random r = new Random(SEED + 4);
        for (int q = 0; q < 25; q++) {
            StringBuilder fields = new StringBuilder("\"start\":" + event(r) + ",\"direction\":\""
                    + (r.nextBoolean() ? "after" : "before") + "\",\"depth\":" + (1 + r.nextInt(5)));
            if (r.nextInt(3) == 0) {
                List<String> with = new ArrayList<>();
                for (int i = 0; i < 1 + r.nextInt(3); i++) {
                    with.add(event(r));
                }
                fields.append(",\"label_with\":").append(with);
            }
            assertSameAnswer(r, "paths", 24 + r.nextInt(DAYS * 24), fields.toString());
        }
    }

    @Test
    void randomUsersQueriesAnswerAlike() {
        Random r = new Random(SEED + 5);
        List<String> conditions = List.of("{\"key\":\"plan\",\"op\":\"=\",\"value\":\"pro\"}",
                "{\"key\":\"plan\",\"op\":\"!=\",\"value\":\"pro\"}", "{\"key\":\"seats\",\"op\":\">\",\"value\":4}",
                "{\"key\":\"seats\",\"op\":\"<=\",\"value\":3}", "{\"key\":\"plan\",\"op\":\"is_set\"}",
                "{\"key\":\"plan\",\"op\":\"is_not_set\"}", "{\"key\":\"plan\",\"op\":\"contains\",\"value\":\"r\"}");
        for (int q = 0; q < 25; q++) {
            StringBuilder fields = new StringBuilder("\"limit\":" + (1 + r.nextInt(40)));
            if (r.nextBoolean()) {
                fields.append(",\"event\":").append(event(r)).append(",\"did_not\":").append(r.nextBoolean());
            }
            if (r.nextBoolean()) {
                fields.append(",\"properties\":[").append(pick(r, conditions)).append(']');
            }
            assertSameAnswer(r, "users", 24 + r.nextInt(DAYS * 24), fields.toString());
        }
    }

    @Test
    void randomSessionsQueriesAnswerAlike() {
        Random r = new Random(SEED + 6);
        for (int q = 0; q < 25; q++) {
            String fields = "\"limit\":" + (1 + r.nextInt(60));
            int who = r.nextInt(3);
            if (who == 1) {
                fields += ",\"identity\":\"u" + r.nextInt(10) + "\"";
            } else if (who == 2) {
                fields += ",\"identity\":\"device:d" + r.nextInt(30) + "\"";
            }
            assertSameAnswer(r, "sessions", 24 + r.nextInt(DAYS * 24), fields);
        }
    }

    @Test
    void theRandomQueriesFindData() {
        var analysis = parse(new Random(SEED + 7), "graph", DAYS * 24,
                "\"interval\":\"day\",\"series\":[{\"event\":{\"kind\":\"pageview\"}}]");
        Map<String, Object> answer = answer(engine, analysis);
        assertThat(answer.toString()).as("a graph of page views has some").containsPattern("value=[1-9]");
        assertAlike(analysis.toString(), answer(oracle, analysis), answer);
    }

    /**
     * Parses a query of {@code kind} over {@code hours} hours starting at a random hour of the data's days, in a
     * random zone, then runs it on both engines and compares the answers.
     */
    private void assertSameAnswer(Random r, String kind, int hours, String fields) {
        queries++;
        var analysis = parse(r, kind, hours, fields);
        Map<String, Object> expected = answer(oracle, analysis);
        Map<String, Object> actual;
        try {
            actual = answer(engine, analysis);
        } catch (RuntimeException e) {
            throw new AssertionError("the engine failed " + analysis, e);
        }
        assertAlike(analysis.toString(), expected, actual);
        // A figure from 1 up: the answer is not all zeros and empty lists.
        if (java.util.regex.Pattern.compile("=[1-9]").matcher(expected.toString()).find()) {
            withData++;
        }
    }

    private dev.hindsight.query.Analysis parse(Random r, String kind, int hours, String fields) {
        long from = GeneratedTraffic.NOV10 - 12 * 3_600_000L + r.nextInt(DAYS * 24) * 3_600_000L;
        long to = from + hours * 3_600_000L;
        String body = "{\"kind\":\"" + kind + "\",\"from\":\"" + Instant.ofEpochMilli(from) + "\",\"to\":\""
                + Instant.ofEpochMilli(to) + "\",\"time_zone\":\"" + pick(r, ZONES) + "\"," + fields + "}";
        try {
            JsonNode node = TestServer.JSON.readTree(body);
            return server.app().queries().parse(server.dev(), node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Object> answer(Engine e, dev.hindsight.query.Analysis a) {
        return server.app().queries().run(a, e);
    }

    private String event(Random r) {
        List<String> names = new ArrayList<>(traffic.eventJson().keySet());
        String json = traffic.eventJson().get(pick(r, names));
        if (r.nextInt(4) == 0) {
            // With an event property filter.
            String filter = r.nextBoolean() ? "{\"key\":\"plan\",\"op\":\"=\",\"value\":\"pro\"}"
                    : "{\"key\":\"seats\",\"op\":\">=\",\"value\":5}";
            json = json.substring(0, json.length() - 1) + ",\"properties\":[" + filter + "]}";
        }
        return json;
    }

    private static <T> T pick(Random r, List<T> xs) {
        return xs.get(r.nextInt(xs.size()));
    }

    /** Answers alike: equal, but for numbers that are not whole, which may differ in their last bits. */
    private static void assertAlike(String what, Object expected, Object actual) {
        compare(what, "", expected, actual);
    }

    private static void compare(String what, String path, Object expected, Object actual) {
        if (expected instanceof Double x && actual instanceof Double y) {
            if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x))) {
                fail(what + " at " + path + ": expected " + x + " but was " + y);
            }
        } else if (expected instanceof Map<?, ?> x && actual instanceof Map<?, ?> y) {
            assertThat(y.keySet()).as(what + " at " + path).isEqualTo(x.keySet());
            x.forEach((k, v) -> compare(what, path + "." + k, v, y.get(k)));
        } else if (expected instanceof List<?> x && actual instanceof List<?> y) {
            if (x.size() != y.size()) {
                fail(what + " at " + path + ": expected " + x + " but was " + y);
            }
            for (int i = 0; i < x.size(); i++) {
                compare(what, path + "[" + i + "]", x.get(i), y.get(i));
            }
        } else {
            assertThat(actual).as(what + " at " + path).isEqualTo(expected);
        }
    }
}
