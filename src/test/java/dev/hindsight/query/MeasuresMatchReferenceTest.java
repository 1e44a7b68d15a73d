package dev.hindsight.query;

import static dev.hindsight.query.GeneratedTraffic.DAY;
import static dev.hindsight.query.GeneratedTraffic.NOV10;
import static dev.hindsight.query.Traffic.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.GraphReference;
import dev.hindsight.query.reference.GraphReference.MeasuredLine;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every graph measure (counts, the six measures of a numeric property, per-user figures with and without a
 * property) and formulas over them, on the seeded {@link GeneratedTraffic} over 40 days plus purchases whose
 * {@code revenue} is of every kind (whole and decimal numbers, negative ones, numeric text, numbers too big or too
 * precise for a double and so stored as their exact text, an infinite one, and values that are not numbers),
 * crowded around the daylight-saving ends of Berlin (25 October 2026) and New York (1 November 2026). Random graph
 * queries in random zones through {@code /api/query} must answer what {@link GraphReference} computes; sums and
 * averages may differ in their last bits, since the engine adds in its own order.
 */
class MeasuresMatchReferenceTest {
    private static final long SEED = 20261025L;
    private static final long HOUR = 3_600_000L;
    private static final long OCT25 = Instant.parse("2026-10-25T01:00:00Z").toEpochMilli();
    private static final long NOV1 = Instant.parse("2026-11-01T06:00:00Z").toEpochMilli();
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/New_York"), ZoneId.of("Asia/Kolkata"), ZoneId.of("Australia/Adelaide"));
    private static final List<String> MEASURES = List.of("count", "users", "sessions", "sum", "avg", "min", "max",
            "median", "p90", "per_user");
    private static final List<String> AGGREGATES = List.of("avg", "min", "max", "median", "p90");
    private static final Object[] REVENUES = {
        12, 7, 250, 0, -3, 19.99, 0.5, -12.75, 1234.5, "42", "3.25", "-8", "1e3", new BigInteger("12345678901234567890123"),
        new BigDecimal("1.00000000000000000001"), new BigDecimal("1e400"), "abc", " 5", "NaN", "0x10", "", true, false,
        null, null};
    private static final String[] PLANS = {"pro", "free", "team", null};

    /** A formula as the request writes it and as Java computes it (null for no value). */
    private record Template(String expression, int series, Function<Double[], Double> eval) {
    }

    private static final List<Template> FORMULAS = List.of(
            new Template("A * 2 - 1", 1, v -> v[0] == null ? null : v[0] * 2 - 1),
            new Template("-A / 4", 1, v -> v[0] == null ? null : -v[0] / 4),
            new Template("A / B * 100", 2, v -> v[0] == null || v[1] == null || v[1] == 0 ? null : v[0] / v[1] * 100),
            new Template("(A + B) / 2", 2, v -> v[0] == null || v[1] == null ? null : (v[0] + v[1]) / 2),
            new Template("A - B * C", 3, v -> v[0] == null || v[1] == null || v[2] == null ? null : v[0] - v[1] * v[2]));

    private static TestServer s;
    private static Traffic t;
    private static GeneratedTraffic g;
    private static Dataset data;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), Clock.fixed(Instant.ofEpochMilli(NOV10 + 50 * DAY), ZoneOffset.UTC));
        t = new Traffic(s);
        g = GeneratedTraffic.send(s, t, SEED, 40);
        Random rnd = new Random(SEED + 1);
        List<Ev> purchases = new ArrayList<>();
        List<Map<String, Object>> sent = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            int where = rnd.nextInt(3);
            long time = (where == 0 ? OCT25 - 3 * DAY + rnd.nextInt(6 * 24) * HOUR
                    : where == 1 ? NOV1 - 3 * DAY + rnd.nextInt(6 * 24) * HOUR
                    : NOV10 + rnd.nextInt(40 * 24) * HOUR) + rnd.nextInt(3_600_000) / 1000 * 1000 + i;
            String device = "d" + rnd.nextInt(30);
            String identity = rnd.nextInt(8) == 0 ? "u" + rnd.nextInt(10) : null;
            String session = rnd.nextInt(4) == 0 ? null : "p" + rnd.nextInt(200);
            Object revenue = REVENUES[rnd.nextInt(REVENUES.length)];
            Map<String, Object> props = map("revenue", revenue, "plan", PLANS[rnd.nextInt(PLANS.length)]);
            props.values().removeIf(v -> v == null);
            purchases.add(new Ev("custom", "purchase", device, identity, session, time, "/", null, null,
                    "https://x.com/", null, props));
            sent.add(map("kind", "custom", "name", "purchase", "device_id", device, "identity", identity,
                    "session_id", session, "time", time, "url", "https://x.com/", "properties", props));
        }
        for (int from = 0; from < sent.size(); from += 200) {
            t.browser(s.dev(), sent.subList(from, from + 200));
        }
        List<Ev> all = new ArrayList<>(g.data().events());
        all.addAll(purchases);
        data = new Dataset(all, g.data().links(), g.data().userProperties(), g.data().history());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A series of a query: its event, request JSON and measure. */
    private record Pick(Named event, String json, String measure, String property, String aggregate) {
    }

    @Test
    void randomGraphsOfEveryMeasureAndFormulaAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 2);
        List<String> names = new ArrayList<>(g.events().keySet());
        Named purchase = new Named("purchase", e -> e.kind().equals("custom") && "purchase".equals(e.name()));
        int withValues = 0;
        int nulls = 0;
        int formulaValues = 0;
        for (int q = 0; q < 40; q++) {
            String interval = Buckets.INTERVALS.get(rnd.nextInt(Buckets.INTERVALS.size()));
            ZoneId zone = ZONES.get(rnd.nextInt(ZONES.size()));
            long span = switch (interval) {
                case "hour" -> 4 * DAY;
                case "day" -> 20 * DAY;
                default -> 70 * DAY;
            };
            long start = OCT25 - 6 * DAY + rnd.nextInt(60 * 24) * HOUR;
            long from = rnd.nextInt(3) == 0 ? start + rnd.nextInt(60) * 60_000L : start;
            long to = from + HOUR + (long) (rnd.nextDouble() * span) / HOUR * HOUR;
            String breakdown = rnd.nextInt(3) == 0 ? "plan" : null;
            int limit = 1 + rnd.nextInt(3);
            List<Pick> picks = new ArrayList<>();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                String measure = MEASURES.get(rnd.nextInt(MEASURES.size()));
                boolean onPurchases = rnd.nextInt(3) > 0;
                Named event = onPurchases ? purchase : g.events().get(names.get(rnd.nextInt(names.size())));
                String json = onPurchases ? "{\"kind\":\"custom\",\"event\":\"purchase\"}" : g.eventJson().get(event.label());
                String numeric = onPurchases ? "revenue" : "seats";
                String property = GraphQuery.PROPERTY_MEASURES.contains(measure)
                        || measure.equals("per_user") && rnd.nextBoolean() ? numeric : null;
                String aggregate = measure.equals("per_user") ? AGGREGATES.get(rnd.nextInt(AGGREGATES.size())) : null;
                picks.add(new Pick(event, json, measure, property, aggregate));
            }
            List<Template> fitting = FORMULAS.stream().filter(f -> f.series() <= picks.size()).toList();
            Template formula = rnd.nextBoolean() ? fitting.get(rnd.nextInt(fitting.size())) : null;
            List<String> seriesJson = new ArrayList<>();
            for (Pick p : picks) {
                seriesJson.add("{\"event\":" + p.json() + ",\"measure\":\"" + p.measure() + "\""
                        + (p.property() == null ? "" : ",\"property\":\"" + p.property() + "\"")
                        + (p.aggregate() == null ? "" : ",\"aggregate\":\"" + p.aggregate() + "\"") + "}");
            }
            String fields = "\"time_zone\":\"" + zone.getId() + "\",\"interval\":\"" + interval + "\",\"series\":["
                    + String.join(",", seriesJson) + "]"
                    + (breakdown == null ? "" : ",\"breakdown\":{\"property\":\"" + breakdown + "\",\"limit\":" + limit + "}")
                    + (formula == null ? "" : ",\"formulas\":[{\"expression\":\"" + formula.expression() + "\"}]");
            String what = "graph query " + q + " [" + Instant.ofEpochMilli(from) + ", " + Instant.ofEpochMilli(to)
                    + "): " + fields;
            JsonNode answer = t.query(s.dev(), "graph", Instant.ofEpochMilli(from).toString(),
                    Instant.ofEpochMilli(to).toString(), fields);

            List<List<MeasuredLine>> expected = new ArrayList<>();
            for (Pick p : picks) {
                expected.add(GraphReference.measured(data, from, to, interval, p.event(), p.measure(), p.property(),
                        p.aggregate(), breakdown, limit, zone));
            }
            int line = 0;
            for (int k = 0; k < picks.size(); k++) {
                for (MeasuredLine m : expected.get(k)) {
                    JsonNode actual = answer.get("series").get(line++);
                    assertThat(actual).as(what + ": line " + (line - 1) + " of the answer, expected " + m).isNotNull();
                    assertThat(actual.get("measure").asText()).as(what).isEqualTo(picks.get(k).measure());
                    if (breakdown != null) {
                        assertThat(actual.get("breakdown").asText()).as(what + ": " + actual).isEqualTo(m.breakdown());
                    }
                    assertPoints(what + ": series " + k + " " + actual, actual, new ArrayList<>(m.points().entrySet()),
                            GraphQuery.MEASURES.contains(picks.get(k).measure()));
                    withValues += m.points().values().stream().anyMatch(v -> v != null && v != 0) ? 1 : 0;
                    nulls += m.points().values().stream().anyMatch(v -> v == null) ? 1 : 0;
                }
            }
            assertThat(answer.get("series")).as(what).hasSize(line);
            if (formula != null) {
                formulaValues += checkFormula(what, answer.get("formulas"), formula, picks, expected, breakdown,
                        GraphReference.buckets(from, to, interval, zone));
            }
        }
        assertThat(withValues).as("lines with values to compare").isGreaterThan(30);
        assertThat(nulls).as("lines with intervals without a value").isGreaterThan(10);
        assertThat(formulaValues).as("formula points with a value").isGreaterThan(30);
    }

    /** Checks a formula's lines against Java arithmetic over the reference's lines; the points with a value. */
    private static int checkFormula(String what, JsonNode lines, Template formula, List<Pick> picks,
            List<List<MeasuredLine>> expected, String breakdown, List<Long> buckets) {
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        for (int k = 0; k < formula.series(); k++) {
            expected.get(k).forEach(m -> keys.add(m.breakdown()));
        }
        if (breakdown == null) {
            keys.clear();
            keys.add(null);
        }
        assertThat(lines).as(what + ": formula lines").hasSize(keys.size());
        int i = 0;
        int values = 0;
        for (String key : keys) {
            JsonNode actual = lines.get(i++);
            if (breakdown != null) {
                assertThat(actual.get("breakdown").asText()).as(what).isEqualTo(key);
            }
            List<Map.Entry<Long, Double>> points = new ArrayList<>();
            for (long b : buckets) {
                Double[] v = new Double[formula.series()];
                for (int k = 0; k < formula.series(); k++) {
                    MeasuredLine m = expected.get(k).stream().filter(x -> java.util.Objects.equals(x.breakdown(), key))
                            .findFirst().orElse(null);
                    boolean counts = GraphQuery.MEASURES.contains(picks.get(k).measure());
                    v[k] = m == null ? (counts ? 0.0 : null) : m.points().get(b);
                }
                Double r = formula.eval().apply(v);
                points.add(new java.util.AbstractMap.SimpleEntry<>(b, r != null && Double.isFinite(r) ? r : null));
                values += r != null ? 1 : 0;
            }
            assertPoints(what + ": formula " + actual, actual, points, false);
        }
        return values;
    }

    private static void assertPoints(String what, JsonNode line, List<Map.Entry<Long, Double>> expected, boolean counts) {
        JsonNode points = line.get("points");
        assertThat(points).as(what).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode p = points.get(i);
            Double e = expected.get(i).getValue();
            String at = what + " at " + p.get("t").asText();
            assertThat(p.get("t").asText()).as(what).isEqualTo(Instant.ofEpochMilli(expected.get(i).getKey()).toString());
            if (e == null) {
                assertThat(p.get("value").isNull()).as(at + ": null expected").isTrue();
            } else if (counts) {
                assertThat(p.get("value").isIntegralNumber()).as(at + ": a whole number").isTrue();
                assertThat(p.get("value").asLong()).as(at).isEqualTo(e.longValue());
            } else {
                assertThat(p.get("value").isNumber()).as(at + ": " + e + " expected").isTrue();
                double a = p.get("value").asDouble();
                assertThat(Math.abs(a - e)).as(at + ": " + a + " vs " + e).isLessThanOrEqualTo(1e-9 * Math.max(1, Math.abs(e)));
            }
        }
    }
}
