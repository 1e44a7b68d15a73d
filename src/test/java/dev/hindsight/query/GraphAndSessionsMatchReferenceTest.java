package dev.hindsight.query;

import static dev.hindsight.query.GeneratedTraffic.DAY;
import static dev.hindsight.query.GeneratedTraffic.NOV10;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.GraphReference;
import dev.hindsight.query.reference.SessionsReference;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated dataset of {@link GeneratedTraffic} spread over 40 days from 10 November (so across a month's
 * end), seeded: random graph and sessions queries through {@code /api/query} must answer exactly what
 * {@link GraphReference} and {@link SessionsReference} compute from the same data.
 */
class GraphAndSessionsMatchReferenceTest {
    private static final long SEED = 20261110L;
    private static final long HOUR = 3_600_000L;
    private static final List<String> MEASURES = List.of("count", "users", "sessions");

    /** Property filters of event specs, as request JSON and as a test of an event. */
    private record Filter(String json, Predicate<Ev> test) {
    }

    private static final List<Filter> FILTERS = List.of(
            new Filter("{\"key\":\"plan\",\"op\":\"=\",\"value\":\"pro\"}", e -> "pro".equals(prop(e, "plan"))),
            new Filter("{\"key\":\"plan\",\"op\":\"!=\",\"value\":\"free\"}", e -> !"free".equals(prop(e, "plan"))),
            new Filter("{\"key\":\"seats\",\"op\":\">\",\"value\":4}",
                    e -> prop(e, "seats") instanceof Integer n && n > 4),
            new Filter("{\"key\":\"seats\",\"op\":\"is_set\"}", e -> prop(e, "seats") != null),
            new Filter("{\"key\":\"plan\",\"op\":\"contains\",\"value\":\"r\"}",
                    e -> prop(e, "plan") instanceof String p && p.contains("r")));

    private static TestServer s;
    private static Traffic t;
    private static GeneratedTraffic g;

    @BeforeAll
    static void start() {
        // A clock after the data, which reaches into the (real) future.
        s = TestServer.start(Map.of(), Clock.fixed(Instant.ofEpochMilli(NOV10 + 50 * DAY), ZoneOffset.UTC));
        t = new Traffic(s);
        g = GeneratedTraffic.send(s, t, SEED, 40);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Object prop(Ev e, String key) {
        return e.props() == null ? null : e.props().get(key);
    }

    /** A range of whole hours (sometimes starting mid-hour) of up to {@code maxHours}, around the data. */
    private static long[] range(Random rnd, int maxHours) {
        long from = NOV10 - 3 * DAY + rnd.nextInt(45 * 24) * HOUR + (rnd.nextInt(3) == 0 ? rnd.nextInt(60) * 60_000L : 0);
        return new long[] {from, from + (1 + rnd.nextInt(maxHours)) * HOUR};
    }

    @Test
    void randomGraphQueriesAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 3);
        List<String> names = new ArrayList<>(g.events().keySet());
        int nonZero = 0;
        int brokenDown = 0;
        for (int q = 0; q < 20; q++) {
            String interval = Buckets.INTERVALS.get(rnd.nextInt(Buckets.INTERVALS.size()));
            long[] r = range(rnd, switch (interval) {
                case "hour" -> 72;
                case "day" -> 20 * 24;
                default -> 60 * 24;
            });
            String breakdown = rnd.nextInt(3) == 0 ? null : rnd.nextBoolean() ? "plan" : "seats";
            int limit = 1 + rnd.nextInt(5);
            List<String> seriesJson = new ArrayList<>();
            List<Named> events = new ArrayList<>();
            List<String> measures = new ArrayList<>();
            for (int k = 1 + rnd.nextInt(2); k > 0; k--) {
                String name = names.get(rnd.nextInt(names.size()));
                Named event = g.events().get(name);
                String json = g.eventJson().get(name);
                if (rnd.nextInt(3) == 0) {
                    Filter f = FILTERS.get(rnd.nextInt(FILTERS.size()));
                    Named plain = event;
                    event = new Named(plain.label(), e -> plain.test().test(e) && f.test().test(e));
                    json = json.substring(0, json.length() - 1) + ",\"properties\":[" + f.json() + "]}";
                }
                String measure = MEASURES.get(rnd.nextInt(MEASURES.size()));
                events.add(event);
                measures.add(measure);
                seriesJson.add("{\"event\":" + json + ",\"measure\":\"" + measure + "\"}");
            }
            String fields = "\"interval\":\"" + interval + "\",\"series\":[" + String.join(",", seriesJson) + "]"
                    + (breakdown == null ? "" : ",\"breakdown\":{\"property\":\"" + breakdown + "\",\"limit\":" + limit + "}");
            String what = "graph query " + q + " [" + Instant.ofEpochMilli(r[0]) + ", " + Instant.ofEpochMilli(r[1])
                    + "): " + fields;
            JsonNode answer = t.query(s.dev(), "graph", Instant.ofEpochMilli(r[0]).toString(),
                    Instant.ofEpochMilli(r[1]).toString(), fields);

            List<String> expected = new ArrayList<>();
            for (int k = 0; k < events.size(); k++) {
                for (GraphReference.Line line : GraphReference.series(g.data(), r[0], r[1], interval, events.get(k),
                        measures.get(k), breakdown, limit)) {
                    StringBuilder b = new StringBuilder(events.get(k).label() + " | " + measures.get(k)
                            + (breakdown == null ? "" : " | " + line.breakdown()) + " |");
                    line.points().forEach((time, v) -> b.append(' ').append(Instant.ofEpochMilli(time)).append('=').append(v));
                    expected.add(b.toString());
                    nonZero += line.points().values().stream().anyMatch(v -> v > 0) ? 1 : 0;
                }
            }
            List<String> actual = new ArrayList<>();
            for (JsonNode line : answer.get("series")) {
                StringBuilder b = new StringBuilder(line.get("label").asText() + " | " + line.get("measure").asText()
                        + (breakdown == null ? "" : " | " + line.get("breakdown").asText(null)) + " |");
                line.get("points").forEach(p -> b.append(' ').append(p.get("t").asText()).append('=')
                        .append(p.get("value").asLong()));
                actual.add(b.toString());
            }
            assertThat(actual).as(what).isEqualTo(expected);
            brokenDown += breakdown != null && expected.size() > events.size() ? 1 : 0;
        }
        assertThat(nonZero).as("graph lines with values to compare").isGreaterThan(15);
        assertThat(brokenDown).as("graphs split into several lines").isGreaterThan(5);
    }

    @Test
    void randomSessionsQueriesAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 4);
        int nonEmpty = 0;
        for (int q = 0; q < 10; q++) {
            long[] r = range(rnd, 40 * 24);
            int pick = rnd.nextInt(4);
            String identity = pick < 2 ? null : pick == 2 ? "u" + rnd.nextInt(10) : "device:d" + rnd.nextInt(30);
            int limit = rnd.nextBoolean() ? 1 + rnd.nextInt(10) : 500;
            String fields = "\"limit\":" + limit + (identity == null ? "" : ",\"identity\":\"" + identity + "\"");
            String what = "sessions query " + q + " [" + Instant.ofEpochMilli(r[0]) + ", " + Instant.ofEpochMilli(r[1])
                    + "): " + fields;
            JsonNode answer = t.query(s.dev(), "sessions", Instant.ofEpochMilli(r[0]).toString(),
                    Instant.ofEpochMilli(r[1]).toString(), fields);

            List<SessionsReference.Session> all = SessionsReference.sessions(g.data(), r[0], r[1], identity);
            List<String> expected = new ArrayList<>();
            for (SessionsReference.Session x : all.stream().limit(limit).toList()) {
                StringBuilder b = new StringBuilder(String.join(" | ", x.sessionId(), x.userKey(), x.identity(),
                        Instant.ofEpochMilli(x.start()).toString(), Instant.ofEpochMilli(x.end()).toString(),
                        String.valueOf(x.durationSeconds()), x.landingPage(), x.landingPath(), x.referrer(),
                        String.valueOf(x.eventCount())));
                x.events().forEach(e -> b.append("\n  ").append(String.join(" | ", e.kind(), e.name(), e.path(), e.text(),
                        Instant.ofEpochMilli(e.time()).toString())));
                expected.add(b.toString());
            }
            List<String> actual = new ArrayList<>();
            for (JsonNode x : answer.get("sessions")) {
                StringBuilder b = new StringBuilder(String.join(" | ", text(x, "session_id"), text(x, "user_key"),
                        text(x, "identity"), text(x, "start"), text(x, "end"), text(x, "duration_seconds"),
                        text(x, "landing_page"), text(x, "landing_path"), text(x, "referrer"), text(x, "event_count")));
                x.get("events").forEach(e -> b.append("\n  ").append(String.join(" | ", text(e, "kind"), text(e, "name"),
                        text(e, "path"), text(e, "text"), text(e, "time"))));
                actual.add(b.toString());
            }
            assertThat(actual).as(what).isEqualTo(expected);
            assertThat(answer.get("total").asLong()).as(what + ": total").isEqualTo(all.size());
            nonEmpty += all.size() > 1 ? 1 : 0;
        }
        assertThat(nonEmpty).as("sessions queries with several sessions to compare").isGreaterThan(5);
        assertThat(g.data().sessions(NOV10 - 3 * DAY, NOV10 + 45 * DAY).stream()
                .anyMatch(x -> x.get(0).ev().session() == null)).as("sessions by the 30-minute rule").isTrue();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "null" : v.asText();
    }

}
