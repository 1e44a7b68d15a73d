package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.FunnelReference;
import dev.hindsight.query.reference.RetentionReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Funnels and retention grids over a generated dataset answer exactly what the brute-force references in
 * {@code query.reference} compute. The generator (seeded) sends a few hundred custom events on 50 devices over ten
 * days, at minute resolution so that equal times occur; most devices are identified once or twice (to different
 * users, so a device changes hands), some events carry their identity themselves, and production gets events on
 * the same devices. The test resolves users on its own from what it sent, as the identity rules say.
 */
class AnalysesMatchReferenceTest {
    private static final long BASE = 1_792_454_400_000L; // 2026-10-20T00:00:00Z, a Tuesday
    private static final long MIN = 60_000L;
    private static final long DAY = 86_400_000L;
    private static final List<String> NAMES = List.of("a", "b", "c", "d");
    private static final List<String> PLANS = java.util.Arrays.asList("x", "y", "z", null);
    private static final List<String> WINDOWS = List.of("PT30M", "PT6H", "P1D", "P3D");
    private static final long SEED = 20261122L;

    /** An event as sent, with the user it resolves to. */
    private record Sent(String user, long time, String name, String plan) {
    }

    private static TestServer s;
    private static final List<Sent> sent = new ArrayList<>();

    @BeforeAll
    static void start() {
        s = TestServer.start();
        Random r = new Random(SEED);
        // Each device's links in time order: (time, identity).
        Map<String, List<Object[]>> links = new HashMap<>();
        List<Map<String, Object>> identifies = new ArrayList<>();
        for (int d = 0; d < 50; d++) {
            String device = "d" + d;
            List<Object[]> l = new ArrayList<>();
            double p = r.nextDouble();
            int count = p < 0.35 ? 0 : p < 0.85 ? 1 : 2;
            long t = BASE + r.nextInt(10 * 24 * 60) * MIN;
            String previous = null;
            for (int i = 0; i < count; i++) {
                String identity;
                do {
                    identity = "u" + r.nextInt(30);
                } while (identity.equals(previous));
                l.add(new Object[] {t, identity});
                previous = identity;
                t += (1 + r.nextInt(3 * 24 * 60)) * MIN;
            }
            links.put(device, l);
        }
        links.forEach((device, l) -> l.forEach(x -> identifies.add(Sends.identify(device, (String) x[1], (Long) x[0]))));
        identifies.sort(java.util.Comparator.comparingLong(m -> (Long) m.get("time")));
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String device = "d" + r.nextInt(50);
            long time = BASE + r.nextInt(10 * 24 * 60) * MIN;
            String name = NAMES.get(r.nextInt(NAMES.size()));
            String plan = PLANS.get(r.nextInt(PLANS.size()));
            if (r.nextInt(10) == 0) {
                String identity = "u" + r.nextInt(30);
                events.add(Sends.identified(device, identity, name, time, plan));
                sent.add(new Sent(identity, time, name, plan));
            } else {
                events.add(Sends.custom(device, name, time, plan));
                sent.add(new Sent(userOf(links.get(device), device, time), time, name, plan));
            }
        }
        events.addAll(identifies);
        Sends.browser(s, s.dev(), events);
        List<Map<String, Object>> prod = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            prod.add(Sends.custom("d" + r.nextInt(50), NAMES.get(r.nextInt(NAMES.size())),
                    BASE + r.nextInt(10 * 24 * 60) * MIN, "x"));
        }
        Sends.browser(s, s.prod(), prod);
    }

    /** The identity rules: the link in force at the time; the first link also covers earlier events. */
    private static String userOf(List<Object[]> links, String device, long time) {
        if (links.isEmpty()) {
            return "device:" + device;
        }
        String user = (String) links.get(0)[1];
        for (Object[] l : links) {
            if ((Long) l[0] <= time) {
                user = (String) l[1];
            }
        }
        return user;
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void randomFunnelsAnswerWhatTheReferenceComputes() {
        Random r = new Random(SEED + 1);
        long converted = 0;
        for (int q = 0; q < 10; q++) {
            int n = 2 + r.nextInt(3);
            List<String> steps = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                steps.add(NAMES.get(r.nextInt(NAMES.size())));
            }
            String window = WINDOWS.get(r.nextInt(WINDOWS.size()));
            long from = BASE + r.nextInt(4 * 24) * 60 * MIN;
            long to = from + (24 + r.nextInt(7 * 24)) * 60 * MIN;
            Integer limit = r.nextBoolean() ? null : 1 + r.nextInt(3);
            String what = "funnel " + steps + " window " + window + " [" + Instant.ofEpochMilli(from) + ", "
                    + Instant.ofEpochMilli(to) + ") breakdown limit " + limit;

            Map<String, Object> body = new HashMap<>(Map.of("kind", "funnel", "from", Instant.ofEpochMilli(from).toString(),
                    "to", Instant.ofEpochMilli(to).toString(), "window", window,
                    "steps", steps.stream().map(Sends::event).toList()));
            if (limit != null) {
                body.put("breakdown", Map.of("property", "plan", "limit", limit));
            }
            JsonNode answer = Sends.query(s, s.dev(), body);

            List<FunnelReference.Event> events = sent.stream().map(e -> {
                boolean[] flags = new boolean[n];
                for (int k = 0; k < n; k++) {
                    flags[k] = steps.get(k).equals(e.name());
                }
                return new FunnelReference.Event(e.user(), e.time(), flags, e.plan());
            }).toList();
            FunnelReference.Result expected = FunnelReference.run(events, n, from, to,
                    FunnelQuery.window(window), limit);

            assertGroup(what, answer.get("steps"), answer.get("dropped_off"), expected.total());
            converted += expected.total().counts().get(1);
            if (limit != null) {
                JsonNode groups = answer.get("breakdowns");
                Map<String, JsonNode> byValue = new HashMap<>();
                groups.forEach(g -> byValue.put(g.get("value").asText(), g));
                assertThat(byValue.keySet()).as(what).isEqualTo(expected.breakdowns().keySet());
                expected.breakdowns().forEach((v, g) -> assertGroup(what + " value " + v, byValue.get(v).get("steps"),
                        byValue.get(v).get("dropped_off"), g));
            }
        }
        assertThat(converted).as("some random funnels convert").isPositive();
    }

    private static void assertGroup(String what, JsonNode steps, JsonNode dropped, FunnelReference.Group expected) {
        List<Long> counts = new ArrayList<>();
        steps.forEach(st -> counts.add(st.get("count").asLong()));
        assertThat(counts).as(what + ": counts").isEqualTo(expected.counts());
        for (int k = 0; k < expected.medians().size(); k++) {
            JsonNode m = steps.get(k).get("median_seconds_from_previous");
            Double want = expected.medians().get(k);
            if (want == null) {
                assertThat(m.isNull()).as(what + ": median of step " + (k + 1) + " is " + m).isTrue();
            } else {
                assertThat(m.asDouble()).as(what + ": median of step " + (k + 1)).isCloseTo(want, within(1e-6));
            }
        }
        for (int k = 0; k < expected.dropped().size(); k++) {
            List<String> users = new ArrayList<>();
            dropped.get(k).get("users").forEach(u -> users.add(u.asText()));
            List<String> all = expected.dropped().get(k);
            if (all.size() <= 100) {
                assertThat(users).as(what + ": dropped off at step " + (k + 1)).isEqualTo(all);
            } else {
                // Past 100 the answer lists 100 of them, sorted.
                assertThat(users).as(what + ": dropped off at step " + (k + 1)).hasSize(100).isSorted();
                assertThat(all).as(what + ": dropped off at step " + (k + 1)).containsAll(users);
            }
        }
    }

    @Test
    void randomRetentionGridsAnswerWhatTheReferenceComputes() {
        Random r = new Random(SEED + 2);
        for (int q = 0; q < 10; q++) {
            String start = NAMES.get(r.nextInt(NAMES.size()));
            String ret = NAMES.get(r.nextInt(NAMES.size()));
            String period = r.nextBoolean() ? "day" : "week";
            int periods = 1 + r.nextInt(10);
            long from = BASE + r.nextInt(4 * 24) * 60 * MIN;
            long to = from + (24 + r.nextInt(8 * 24)) * 60 * MIN;
            String what = "retention " + start + " -> " + ret + " by " + period + " x" + periods + " ["
                    + Instant.ofEpochMilli(from) + ", " + Instant.ofEpochMilli(to) + ")";

            JsonNode cohorts = Sends.query(s, s.dev(), Map.of("kind", "retention",
                    "from", Instant.ofEpochMilli(from).toString(), "to", Instant.ofEpochMilli(to).toString(),
                    "period", period, "periods", periods, "start", Sends.event(start), "return", Sends.event(ret)))
                    .get("cohorts");
            List<RetentionReference.Cohort> expected = RetentionReference.run(sent.stream().map(e ->
                    new RetentionReference.Event(e.user(), e.time(), e.name().equals(start), e.name().equals(ret)))
                    .toList(), from, to, period, periods);

            List<RetentionReference.Cohort> actual = new ArrayList<>();
            cohorts.forEach(c -> {
                List<Long> retained = new ArrayList<>();
                c.get("retained").forEach(x -> retained.add(x.isNull() ? null : x.asLong()));
                actual.add(new RetentionReference.Cohort(Instant.parse(c.get("start").asText()).toEpochMilli(),
                        c.get("users").asLong(), retained));
            });
            assertThat(actual).as(what).isEqualTo(expected);
            assertThat(expected.stream().mapToLong(RetentionReference.Cohort::users).sum()).as(what + ": has users")
                    .isPositive();
        }
    }

    @Test
    void randomRetentionBreakdownsByPropertyAnswerWhatTheReferenceComputes() {
        Random r = new Random(SEED + 3);
        int groups = 0;
        for (int q = 0; q < 10; q++) {
            String start = NAMES.get(r.nextInt(NAMES.size()));
            String ret = NAMES.get(r.nextInt(NAMES.size()));
            String period = r.nextBoolean() ? "day" : "week";
            int periods = 1 + r.nextInt(6);
            int limit = 1 + r.nextInt(3);
            long from = BASE + r.nextInt(4 * 24) * 60 * MIN;
            long to = from + (24 + r.nextInt(8 * 24)) * 60 * MIN;
            String what = "retention " + start + " -> " + ret + " by " + period + " x" + periods + " by plan, limit "
                    + limit + " [" + Instant.ofEpochMilli(from) + ", " + Instant.ofEpochMilli(to) + ")";

            JsonNode answer = Sends.query(s, s.dev(), Map.of("kind", "retention",
                    "from", Instant.ofEpochMilli(from).toString(), "to", Instant.ofEpochMilli(to).toString(),
                    "period", period, "periods", periods, "start", Sends.event(start), "return", Sends.event(ret),
                    "breakdown", Map.of("property", "plan", "limit", limit)));
            List<RetentionReference.Event> events = sent.stream().map(e -> new RetentionReference.Event(e.user(),
                    e.time(), e.name().equals(start), e.name().equals(ret), e.plan())).toList();
            Map<String, List<RetentionReference.Cohort>> expected = RetentionReference.breakdown(events, from, to,
                    period, periods, java.time.ZoneOffset.UTC, limit);

            Map<String, List<RetentionReference.Cohort>> actual = new java.util.LinkedHashMap<>();
            answer.get("breakdowns").forEach(b -> actual.put(b.get("value").asText(), cohorts(b.get("cohorts"))));
            assertThat(actual).as(what).containsExactlyEntriesOf(expected);
            assertThat(cohorts(answer.get("cohorts"))).as(what + ": the whole grid")
                    .isEqualTo(RetentionReference.run(events, from, to, period, periods));
            groups += expected.size();
        }
        assertThat(groups).as("breakdown groups compared").isGreaterThan(15);
    }

    private static List<RetentionReference.Cohort> cohorts(JsonNode cohorts) {
        List<RetentionReference.Cohort> out = new ArrayList<>();
        cohorts.forEach(c -> {
            List<Long> retained = new ArrayList<>();
            c.get("retained").forEach(x -> retained.add(x.isNull() ? null : x.asLong()));
            out.add(new RetentionReference.Cohort(Instant.parse(c.get("start").asText()).toEpochMilli(),
                    c.get("users").asLong(), retained));
        });
        return out;
    }
}
