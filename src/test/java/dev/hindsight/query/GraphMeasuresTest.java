package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Property measures, per-user measures and formulas of graphs on a small hand-computed dataset over four days from
 * 2026-11-10. Purchases carry {@code revenue}: numbers, numeric text, a number too big for a double (stored as its
 * exact text), and values that are not numbers (text, a boolean), which are left out. Devices d1 and d3 are alice's
 * (d3 only through its link, identified after its events), d2 stays anonymous, and bob buys server-side.
 */
class GraphMeasuresTest {
    private static final long NOV10 = 1_794_268_800_000L;
    private static final long DAY = 86_400_000L;
    private static final long H = 3_600_000L;
    private static final String BIG = "12345678901234567890123";
    private static final String PURCHASE = "{\"kind\":\"custom\",\"event\":\"purchase\"}";
    private static final String PAGEVIEW = "{\"kind\":\"pageview\"}";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        List<Map<String, Object>> ev = new ArrayList<>();
        // Nov 10: revenue 10, 20.5 (d1, pro), "30" as text (d2, free), "abc" and true (d3, pro), none (d2, free).
        ev.add(purchase("d1", NOV10 + H, 10, "pro"));
        ev.add(purchase("d1", NOV10 + 2 * H, 20.5, "pro"));
        ev.add(purchase("d2", NOV10 + 3 * H, "30", "free"));
        ev.add(purchase("d3", NOV10 + 2 * H, "abc", "pro"));
        ev.add(purchase("d3", NOV10 + 3 * H, true, "pro"));
        ev.add(purchase("d2", NOV10 + 4 * H, null, "free"));
        // Nov 11: 5 (d1, pro), 7 and 9 (d2, free).
        ev.add(purchase("d1", NOV10 + DAY + H, 5, "pro"));
        ev.add(purchase("d2", NOV10 + DAY + 2 * H, 7, "free"));
        ev.add(purchase("d2", NOV10 + DAY + 3 * H, 9, "free"));
        // Nov 13: a purchase without a numeric revenue.
        ev.add(purchase("d2", NOV10 + 3 * DAY + H, "n/a", null));
        // Pageviews: four on Nov 10, two on Nov 12.
        for (long t : new long[] {H, 2 * H, 3 * H, 4 * H, 2 * DAY + H, 2 * DAY + 2 * H}) {
            ev.add(Map.of("kind", "pageview", "device_id", "d2", "time", NOV10 + t, "url", "https://x.com/"));
        }
        ev.add(Map.of("kind", "identify", "device_id", "d1", "identity", "alice", "time", NOV10));
        ev.add(Map.of("kind", "identify", "device_id", "d3", "identity", "alice", "time", NOV10 + 5 * H));
        TestServer.Response sent = s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", ev));
        assertThat(sent.status()).as(sent.body()).isEqualTo(200);
        // Nov 12: bob's purchase of a revenue too big for a double, sent as a JSON number.
        TestServer.Response tracked = s.post("/api/track", "{\"app_id\":\"" + s.dev().appId() + "\",\"identity\":\"bob\","
                + "\"event\":\"purchase\",\"timestamp\":" + (NOV10 + 2 * DAY + H) + ",\"properties\":{\"revenue\":"
                + BIG + "}}", "Content-Type", "application/json", "Authorization", "Bearer " + s.dev().secretKey());
        assertThat(tracked.status()).as(tracked.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> purchase(String device, long time, Object revenue, String plan) {
        Map<String, Object> props = new HashMap<>();
        if (revenue != null) {
            props.put("revenue", revenue);
        }
        if (plan != null) {
            props.put("plan", plan);
        }
        return Map.of("kind", "custom", "name", "purchase", "device_id", device, "time", time, "properties", props);
    }

    private static TestServer.Response post(String fields) {
        return s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\",\"from\":\"2026-11-10\","
                + "\"to\":\"2026-11-13\",\"time_zone\":\"UTC\",\"interval\":\"day\"," + fields + "}",
                bearer(TestServer.ADMIN));
    }

    private static JsonNode graph(String fields) {
        TestServer.Response r = post(fields);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static String series(String event, String measure, String more) {
        return "{\"event\":" + event + ",\"measure\":\"" + measure + "\"" + more + "}";
    }

    /** The values of a line, null where the answer has null. */
    private static List<Double> values(JsonNode line) {
        List<Double> out = new ArrayList<>();
        line.get("points").forEach(p -> out.add(p.get("value").isNull() ? null : p.get("value").asDouble()));
        return out;
    }

    private static void assertValues(JsonNode line, Double... expected) {
        List<Double> actual = values(line);
        assertThat(actual).as(line.toString()).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == null) {
                assertThat(actual.get(i)).as(line + " at " + i).isNull();
            } else {
                assertThat(actual.get(i)).as(line + " at " + i).isNotNull();
                assertThat(actual.get(i)).as(line + " at " + i).isCloseTo(expected[i], within(Math.abs(expected[i]) * 1e-12));
            }
        }
    }

    @Test
    void eachPropertyMeasureTakesOnlyNumericValuesAndIsNullWhereThereAreNone() {
        List<String> measures = List.of("sum", "avg", "min", "max", "median", "p90");
        List<String> all = new ArrayList<>();
        measures.forEach(m -> all.add(series(PURCHASE, m, ",\"property\":\"revenue\"")));
        JsonNode lines = graph("\"series\":[" + String.join(",", all) + "]").get("series");
        double big = Double.parseDouble(BIG);
        Map<String, Double[]> expected = new LinkedHashMap<>();
        // Numeric values: Nov 10 10, 20.5, 30; Nov 11 5, 7, 9; Nov 12 the big number; Nov 13 none.
        expected.put("sum", new Double[] {60.5, 21.0, big, null});
        expected.put("avg", new Double[] {60.5 / 3, 7.0, big, null});
        expected.put("min", new Double[] {10.0, 5.0, big, null});
        expected.put("max", new Double[] {30.0, 9.0, big, null});
        expected.put("median", new Double[] {20.5, 7.0, big, null});
        // p90 interpolates: position 0.9 * (3 - 1) = 1.8 of the sorted values.
        expected.put("p90", new Double[] {20.5 + 0.8 * 9.5, 7 + 0.8 * 2.0, big, null});
        assertThat(lines).hasSize(6);
        for (int i = 0; i < 6; i++) {
            JsonNode line = lines.get(i);
            assertThat(line.get("measure").asText()).isEqualTo(measures.get(i));
            assertThat(line.get("property").asText()).isEqualTo("revenue");
            assertValues(line, expected.get(measures.get(i)));
        }
        assertThat(lines.get(0).get("points").get(3).has("value")).as("a null value is written, not left out").isTrue();
    }

    @Test
    void countingMeasuresStayWholeNumbersBesideAPropertyMeasure() {
        JsonNode lines = graph("\"series\":[" + series(PURCHASE, "count", "") + ","
                + series(PURCHASE, "sum", ",\"property\":\"revenue\"") + "]").get("series");
        assertThat(lines.get(0).get("points").toString()).isEqualTo("[{\"t\":\"2026-11-10T00:00:00Z\",\"value\":6},"
                + "{\"t\":\"2026-11-11T00:00:00Z\",\"value\":3},{\"t\":\"2026-11-12T00:00:00Z\",\"value\":1},"
                + "{\"t\":\"2026-11-13T00:00:00Z\",\"value\":1}]");
        assertThat(lines.get(1).get("points").get(1).get("value").isNumber()).isTrue();
    }

    @Test
    void perUserMeasuresAggregateEachResolvedUsersEventsOrSum() {
        List<String> aggregates = List.of("avg", "min", "max", "median", "p90");
        List<String> all = new ArrayList<>();
        aggregates.forEach(a -> all.add(series(PURCHASE, "per_user", ",\"aggregate\":\"" + a + "\"")));
        aggregates.forEach(a -> all.add(series(PURCHASE, "per_user", ",\"aggregate\":\"" + a + "\",\"property\":\"revenue\"")));
        JsonNode lines = graph("\"series\":[" + String.join(",", all) + "]").get("series");
        // Events per user: Nov 10 alice 4 (d1 2, d3 2 through its link), d2 2; Nov 11 alice 1, d2 2; Nov 12 bob 1;
        // Nov 13 d2 1.
        assertValues(lines.get(0), 3.0, 1.5, 1.0, 1.0);
        assertValues(lines.get(1), 2.0, 1.0, 1.0, 1.0);
        assertValues(lines.get(2), 4.0, 2.0, 1.0, 1.0);
        assertValues(lines.get(3), 3.0, 1.5, 1.0, 1.0);
        assertValues(lines.get(4), 2 + 0.9 * 2, 1 + 0.9, 1.0, 1.0);
        // Revenue per user: Nov 10 alice 30.5, d2 30; Nov 11 alice 5, d2 16; Nov 12 bob big; Nov 13 nobody.
        double big = Double.parseDouble(BIG);
        assertValues(lines.get(5), 30.25, 10.5, big, null);
        assertValues(lines.get(6), 30.0, 5.0, big, null);
        assertValues(lines.get(7), 30.5, 16.0, big, null);
        assertValues(lines.get(8), 30.25, 10.5, big, null);
        assertValues(lines.get(9), 30 + 0.9 * 0.5, 5 + 0.9 * 11, big, null);
        assertThat(lines.get(0).get("aggregate").asText()).isEqualTo("avg");
        assertThat(lines.get(0).has("property")).isFalse();
    }

    @Test
    void perUserAveragesWhenNoAggregateIsGiven() {
        JsonNode line = graph("\"series\":[" + series(PURCHASE, "per_user", "") + "]").get("series").get(0);
        assertThat(line.get("aggregate").asText()).isEqualTo("avg");
        assertValues(line, 3.0, 1.5, 1.0, 1.0);
    }

    @Test
    void formulasCombineSeriesWithConstantsAndDivisionByZeroIsNull() {
        JsonNode answer = graph("\"series\":[" + series(PURCHASE, "count", "") + "," + series(PAGEVIEW, "count", "")
                + "],\"formulas\":[{\"expression\":\"A / B * 100\",\"name\":\"conversion %\"},"
                + "{\"expression\":\" -(A - B) * 2 + .5\"}]");
        JsonNode formulas = answer.get("formulas");
        assertThat(formulas).hasSize(2);
        assertThat(formulas.get(0).get("name").asText()).isEqualTo("conversion %");
        assertThat(formulas.get(0).get("expression").asText()).isEqualTo("A / B * 100");
        // Purchases 6, 3, 1, 1; pageviews 4, 0, 2, 0.
        assertValues(formulas.get(0), 150.0, null, 50.0, null);
        assertThat(formulas.get(1).get("name").asText()).as("the expression names an unnamed formula")
                .isEqualTo(" -(A - B) * 2 + .5");
        assertValues(formulas.get(1), -3.5, -5.5, 2.5, -1.5);
        assertThat(formulas.get(0).get("points").get(0).get("t").asText()).isEqualTo("2026-11-10T00:00:00Z");
        assertThat(formulas.get(0).has("breakdown")).isFalse();
    }

    @Test
    void aFormulaOfAMissingPropertyValueIsNull() {
        JsonNode f = graph("\"series\":[" + series(PURCHASE, "sum", ",\"property\":\"revenue\"") + "],"
                + "\"formulas\":[{\"expression\":\"A * 2\"}]").get("formulas").get(0);
        assertValues(f, 121.0, 42.0, 2 * Double.parseDouble(BIG), null);
    }

    @Test
    void aBrokenDownFormulaPairsTheSeriesByBreakdownValue() {
        JsonNode answer = graph("\"series\":[" + series(PURCHASE, "sum", ",\"property\":\"revenue\"") + ","
                + series(PURCHASE, "count", "") + "],\"breakdown\":{\"property\":\"plan\",\"limit\":5},"
                + "\"formulas\":[{\"expression\":\"A / B\",\"name\":\"revenue per purchase\"}]");
        Map<String, JsonNode> byPlan = new HashMap<>();
        answer.get("formulas").forEach(f -> byPlan.put(f.get("breakdown").asText(), f));
        assertThat(byPlan.keySet()).containsExactlyInAnyOrder("pro", "free", "(none)");
        // pro: revenue 30.5 over 4 purchases, then 5 over 1; free: 30 over 2, then 16 over 2; (none): the big
        // number over 1 on Nov 12, and on Nov 13 a purchase with no numeric revenue.
        assertValues(byPlan.get("pro"), 7.625, 5.0, null, null);
        assertValues(byPlan.get("free"), 15.0, 8.0, null, null);
        assertValues(byPlan.get("(none)"), null, null, Double.parseDouble(BIG), null);
        Map<String, JsonNode> sums = new HashMap<>();
        answer.get("series").forEach(l -> {
            if (l.get("measure").asText().equals("sum")) {
                sums.put(l.get("breakdown").asText(), l);
            }
        });
        assertValues(sums.get("pro"), 30.5, 5.0, null, null);
    }

    /** Asserts a 400 whose first error names {@code field} and whose message holds {@code words}. */
    private static void refused(String fields, String field, String words) {
        TestServer.Response r = post(fields);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        JsonNode error = r.json().get("errors").get(0);
        assertThat(error.get("field").asText()).as(r.body()).isEqualTo(field);
        assertThat(error.get("message").asText()).as(r.body()).contains(words);
    }

    @Test
    void unknownKeysAndMisplacedPropertiesAndAggregatesAreRefusedNamingTheField() {
        String count = series(PURCHASE, "count", "");
        refused("\"series\":[" + series(PURCHASE, "sum", ",\"propertee\":\"revenue\"") + "]", "series[0].propertee",
                "not a field");
        refused("\"series\":[" + count + "],\"formulas\":[{\"expr\":\"A\"}]", "formulas[0].expr", "not a field");
        refused("\"series\":[" + series(PURCHASE, "sum", "") + "]", "series[0].property", "required");
        refused("\"series\":[" + count + "," + series(PURCHASE, "count", ",\"property\":\"revenue\"") + "]",
                "series[1].property", "not taken");
        refused("\"series\":[" + series(PURCHASE, "max", ",\"property\":\"revenue\",\"aggregate\":\"avg\"") + "]",
                "series[0].aggregate", "per_user");
        refused("\"series\":[" + series(PURCHASE, "per_user", ",\"aggregate\":\"sum\"") + "]", "series[0].aggregate",
                "must be one of");
        refused("\"series\":[" + series(PURCHASE, "mean", ",\"property\":\"revenue\"") + "]", "series[0].measure",
                "p90");
        refused("\"series\":[" + series(PURCHASE, "sum", ",\"property\":5") + "]", "series[0].property", "string");
    }

    @Test
    void aBadFormulaIsRefusedNamingItsExpressionAndThePosition() {
        String two = "\"series\":[" + series(PURCHASE, "count", "") + "," + series(PAGEVIEW, "count", "") + "]";
        refused(two + ",\"formulas\":[{\"expression\":\"A\"},{\"expression\":\"A +\"}]", "formulas[1].expression",
                "column 4");
        refused(two + ",\"formulas\":[{\"expression\":\"A / C\"}]", "formulas[0].expression", "unknown series C");
        refused(two + ",\"formulas\":[{\"expression\":\"A / C\"}]", "formulas[0].expression", "column 5");
        refused(two + ",\"formulas\":[{\"expression\":\"(A + B\"}]", "formulas[0].expression", "')'");
        refused(two + ",\"formulas\":[{\"expression\":\"A % B\"}]", "formulas[0].expression", "'%'");
        refused(two + ",\"formulas\":[{\"expression\":\"a + b\"}]", "formulas[0].expression", "capital");
        refused(two + ",\"formulas\":[{\"name\":\"x\"}]", "formulas[0].expression", "required");
        refused(two + ",\"formulas\":{\"expression\":\"A\"}", "formulas", "array");
        List<String> eleven = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            eleven.add("{\"expression\":\"A\"}");
        }
        refused(two + ",\"formulas\":[" + String.join(",", eleven) + "]", "formulas", "at most 10");
    }
}
