package dev.hindsight.query;

import static dev.hindsight.TestServer.ADMIN;
import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.GraphReference;
import dev.hindsight.query.reference.RetentionReference;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Graphs by hour, day, week and month and retention grids by day and week, in time zones with daylight-saving
 * changes (Berlin, New York, and Adelaide's half-hour offsets) and one without (Kolkata, +05:30), answer exactly
 * what the brute-force references compute in the same zone. The data (seeded) crowds around every change of 2026
 * in these zones, with events a millisecond either side of each local midnight, and spreads thinly over the year;
 * the ranges start and end around the changes too. Berlin is the environment's own zone; the others are asked for
 * with the query's {@code time_zone}.
 */
class TimeZonesMatchReferenceTest {
    private static final long SEED = 20260329L;
    private static final long MIN = 60_000L;
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 86_400_000L;
    private static final List<String> NAMES = List.of("a", "b", "c");
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("Europe/Berlin"), ZoneId.of("America/New_York"),
            ZoneId.of("Australia/Adelaide"), ZoneId.of("Asia/Kolkata"));
    /** The daylight-saving changes of 2026 in these zones (Kolkata has none). */
    private static final List<Long> CHANGES = new ArrayList<>();

    private static TestServer s;
    private static Dataset data;

    @BeforeAll
    static void start() {
        for (ZoneId z : ZONES) {
            var t = z.getRules().nextTransition(Instant.parse("2026-01-01T00:00:00Z"));
            while (t != null && t.getInstant().isBefore(Instant.parse("2027-01-01T00:00:00Z"))) {
                CHANGES.add(t.getInstant().toEpochMilli());
                t = z.getRules().nextTransition(t.getInstant());
            }
        }
        assertThat(CHANGES).as("two changes each in Berlin, New York and Adelaide").hasSize(6);
        s = TestServer.start(Map.of(), Clock.fixed(Instant.parse("2026-12-20T00:00:00Z"), ZoneOffset.UTC));
        TestServer.Response patched = s.send("PATCH", "/api/environments/" + s.dev().appId(),
                "{\"time_zone\": \"Europe/Berlin\"}", "Content-Type", "application/json", "Authorization", "Bearer " + ADMIN);
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);

        Random r = new Random(SEED);
        List<Long> times = new ArrayList<>();
        for (long change : CHANGES) {
            for (int i = 0; i < 150; i++) {
                times.add(change - 6 * DAY + r.nextInt(12 * 24 * 60) * MIN + r.nextInt(60_000));
            }
            for (ZoneId z : ZONES) {
                LocalDate d = Instant.ofEpochMilli(change).atZone(z).toLocalDate().minusDays(6);
                for (int k = 0; k < 13; k++) {
                    long midnight = d.plusDays(k).atStartOfDay(z).toInstant().toEpochMilli();
                    times.add(midnight - 1);
                    times.add(midnight);
                }
            }
        }
        for (int i = 0; i < 300; i++) {
            times.add(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli() + (long) (r.nextDouble() * 345 * DAY));
        }
        List<Ev> events = new ArrayList<>();
        List<Map<String, Object>> sent = new ArrayList<>();
        for (long time : times) {
            String device = "d" + r.nextInt(40);
            String name = NAMES.get(r.nextInt(NAMES.size()));
            sent.add(Sends.custom(device, name, time, null));
            events.add(new Ev("custom", name, device, null, null, time, null, null, null, null, null, Map.of()));
        }
        Sends.browser(s, s.dev(), sent);
        data = new Dataset(events, List.of(), Map.of());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A query in {@code zone}: the environment's own (Berlin) by default, the others named by the query. */
    private static JsonNode query(ZoneId zone, Map<String, Object> body) {
        Map<String, Object> b = new HashMap<>(body);
        if (!zone.getId().equals("Europe/Berlin")) {
            b.put("time_zone", zone.getId());
        }
        JsonNode answer = Sends.query(s, s.dev(), b);
        assertThat(answer.get("range").get("time_zone").asText()).isEqualTo(zone.getId());
        return answer;
    }

    /** A range around a random change: whole days' worth of {@code maxHours} at most, starting at any minute. */
    private static long[] range(Random r, int maxHours) {
        long change = CHANGES.get(r.nextInt(CHANGES.size()));
        long from = change - r.nextInt(4 * 24 * 60) * MIN;
        return new long[] {from, Math.max(change + HOUR, from + (1 + r.nextInt(maxHours)) * HOUR)};
    }

    @Test
    void randomGraphsInZonesWithDaylightSavingAnswerWhatTheReferenceComputes() {
        Random r = new Random(SEED + 1);
        int values = 0;
        for (int q = 0; q < 32; q++) {
            ZoneId zone = ZONES.get(q % ZONES.size());
            String interval = Buckets.INTERVALS.get(q / ZONES.size() % Buckets.INTERVALS.size());
            long[] range = switch (interval) {
                case "hour" -> range(r, 96);
                case "day" -> range(r, 12 * 24);
                case "week" -> range(r, 40 * 24);
                default -> {
                    long from = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli() + r.nextInt(90 * 24) * HOUR;
                    yield new long[] {from, from + (200 + r.nextInt(140)) * DAY};
                }
            };
            String name = NAMES.get(r.nextInt(NAMES.size()));
            String measure = r.nextBoolean() ? "count" : "users";
            String what = "graph of " + name + " by " + interval + " in " + zone + " [" + Instant.ofEpochMilli(range[0])
                    + ", " + Instant.ofEpochMilli(range[1]) + ")";
            JsonNode answer = query(zone, Map.of("kind", "graph", "from", Instant.ofEpochMilli(range[0]).toString(),
                    "to", Instant.ofEpochMilli(range[1]).toString(), "interval", interval,
                    "series", List.of(Map.of("event", Sends.event(name), "measure", measure))));

            Named event = new Named(name, e -> e.name().equals(name));
            GraphReference.Line line = GraphReference.series(data, range[0], range[1], interval, event, measure, null, 0,
                    zone).get(0);
            List<String> expected = new ArrayList<>();
            line.points().forEach((t, v) -> expected.add(Instant.ofEpochMilli(t) + "=" + v));
            List<String> actual = new ArrayList<>();
            answer.get("series").get(0).get("points").forEach(p -> actual.add(p.get("t").asText() + "=" + p.get("value").asLong()));
            assertThat(actual).as(what).isEqualTo(expected);
            values += line.points().values().stream().filter(v -> v > 0).count();
        }
        assertThat(values).as("buckets with events to compare").isGreaterThan(200);
    }

    @Test
    void randomRetentionGridsInZonesWithDaylightSavingAnswerWhatTheReferenceComputes() {
        Random r = new Random(SEED + 2);
        long users = 0;
        for (int q = 0; q < 16; q++) {
            ZoneId zone = ZONES.get(q % ZONES.size());
            String period = q / ZONES.size() % 2 == 0 ? "day" : "week";
            long[] range = range(r, period.equals("day") ? 10 * 24 : 40 * 24);
            String start = NAMES.get(r.nextInt(NAMES.size()));
            String ret = NAMES.get(r.nextInt(NAMES.size()));
            int periods = 1 + r.nextInt(8);
            String what = "retention " + start + " -> " + ret + " by " + period + " in " + zone + " ["
                    + Instant.ofEpochMilli(range[0]) + ", " + Instant.ofEpochMilli(range[1]) + ")";
            JsonNode cohorts = query(zone, Map.of("kind", "retention", "from", Instant.ofEpochMilli(range[0]).toString(),
                    "to", Instant.ofEpochMilli(range[1]).toString(), "period", period, "periods", periods,
                    "start", Sends.event(start), "return", Sends.event(ret))).get("cohorts");

            List<RetentionReference.Cohort> expected = RetentionReference.run(data.events().stream().map(e ->
                    new RetentionReference.Event("device:" + e.device(), e.time(), e.name().equals(start),
                            e.name().equals(ret))).toList(), range[0], range[1], period, periods, zone);
            List<RetentionReference.Cohort> actual = new ArrayList<>();
            cohorts.forEach(c -> {
                List<Long> retained = new ArrayList<>();
                c.get("retained").forEach(x -> retained.add(x.isNull() ? null : x.asLong()));
                actual.add(new RetentionReference.Cohort(Instant.parse(c.get("start").asText()).toEpochMilli(),
                        c.get("users").asLong(), retained));
            });
            assertThat(actual).as(what).isEqualTo(expected);
            users += expected.stream().mapToLong(RetentionReference.Cohort::users).sum();
        }
        assertThat(users).as("cohorts with users to compare").isGreaterThan(100);
    }

    @Test
    void aDayOf23HoursAndOneOf25HoursAreEachOneBucketOfTheirLocalHours() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        JsonNode days = query(berlin, Map.of("kind", "graph", "from", "2026-03-28", "to", "2026-03-30",
                "interval", "day", "series", List.of(Map.of("event", Sends.event("a")))));
        JsonNode spring = query(berlin, Map.of("kind", "graph", "from", "2026-03-29", "to", "2026-03-29",
                "interval", "hour", "series", List.of(Map.of("event", Sends.event("a")))));
        JsonNode autumn = query(berlin, Map.of("kind", "graph", "from", "2026-10-25", "to", "2026-10-25",
                "interval", "hour", "series", List.of(Map.of("event", Sends.event("a")))));

        List<String> starts = new ArrayList<>();
        days.get("series").get(0).get("points").forEach(p -> starts.add(p.get("t").asText()));
        assertThat(starts).as("local midnights: CET, then CEST from the 30th")
                .containsExactly("2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
        assertThat(days.get("range").get("from_local").asText()).isEqualTo("2026-03-28T00:00+01:00");
        assertThat(days.get("range").get("to").asText()).as("'to' a date includes that day").isEqualTo("2026-03-30T22:00:00Z");
        assertThat(spring.get("series").get(0).get("points")).as("the day the clocks go forward").hasSize(23);
        assertThat(autumn.get("series").get(0).get("points")).as("the day the clocks go back").hasSize(25);
        assertThat(autumn.get("series").get(0).get("points").get(2).get("t").asText()).isEqualTo("2026-10-25T00:00:00Z");
        assertThat(autumn.get("series").get(0).get("points").get(3).get("t").asText())
                .as("02:00 CET, the second 02:00 of the night").isEqualTo("2026-10-25T01:00:00Z");
    }

    @Test
    void bucketsOfAZoneWithAHalfHourOffsetStartAtItsLocalHalfHours() {
        JsonNode answer = query(ZoneId.of("Asia/Kolkata"), Map.of("kind", "graph", "from", "2026-03-29T10:00",
                "to", "2026-03-29T13:00", "interval", "hour", "series", List.of(Map.of("event", Sends.event("a")))));

        List<String> starts = new ArrayList<>();
        answer.get("series").get(0).get("points").forEach(p -> starts.add(p.get("t").asText()));
        assertThat(starts).as("a local date-time is wall-clock time in the zone")
                .containsExactly("2026-03-29T04:30:00Z", "2026-03-29T05:30:00Z", "2026-03-29T06:30:00Z");
        assertThat(s.get("/api/environments/" + s.dev().appId(), bearer(ADMIN)).json().get("time_zone").asText())
                .isEqualTo("Europe/Berlin");
    }
}
