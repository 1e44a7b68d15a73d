package dev.hindsight.query;

import static dev.hindsight.query.GeneratedTraffic.DAY;
import static dev.hindsight.query.GeneratedTraffic.NOV10;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.BuiltInsReference;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.FunnelReference;
import dev.hindsight.query.reference.GraphReference;
import dev.hindsight.query.reference.RetentionReference;
import dev.hindsight.query.reference.SessionsReference;
import dev.hindsight.query.reference.UsersReference;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random queries of every kind with built-in properties in their top-level filters and breakdowns, over the
 * generated dataset of {@link GeneratedTraffic} (utm tags, ad click ids, fragments, many referrers, sessions with and
 * without ids, merged users with properties), answer exactly what the brute-force references compute with
 * {@link BuiltInsReference}.
 */
class BuiltInsMatchReferenceTest {
    private static final long SEED = 20261205L;
    private static final long HOUR = 3_600_000L;
    private static final List<String> MEASURES = List.of("count", "users", "sessions");
    private static final List<String> BREAKDOWNS = List.of("$channel", "$utm_source", "$utm_medium", "$landing_path",
            "$referring_domain", "$user.plan", "$hash", "$utm_campaign", "$domain", "$referrer", "$user_at_event.plan",
            "$user_at_event.plan");

    /** A top-level filter: its JSON, and its test of an event. */
    private record Filter(String json, String key, String op, Object value) {
        boolean test(Dataset data, Ev e) {
            return BuiltInsReference.test(data, e, key, op, value);
        }
    }

    private static Filter filter(String key, String op, String value) {
        return new Filter("{\"key\":\"" + key + "\",\"op\":\"" + op + "\"" + (value == null ? "" : ",\"value\":\""
                + value + "\"") + "}", key, op, value);
    }

    private static final List<Filter> FILTERS = List.of(
            filter("$channel", "=", "search"), filter("$channel", "=", "paid"), filter("$channel", "=", "direct"),
            filter("$channel", "!=", "social"), filter("$channel", "=", "email"), filter("$channel", "=", "referral"),
            filter("$utm_source", "=", "google"), filter("$utm_source", "is_set", null),
            filter("$utm_term", "=", "a b"), filter("$utm_campaign", "contains", "Spring"),
            filter("$referring_domain", "=", "news.ycombinator.com"), filter("$landing_path", "=", "/pricing"),
            filter("$path", "!=", "/docs"), filter("$domain", "=", "x.com"), filter("$hash", "is_set", null),
            filter("$user.plan", "=", "pro"), filter("$user.seats", "is_not_set", null),
            filter("$user_at_event.plan", "=", "pro"), filter("$user_at_event.plan", "!=", "free"),
            filter("$user_at_event.plan", "is_set", null),
            filter("$referrer", "contains", "google"), filter("$landing_page", "contains", "utm_"));

    private static TestServer s;
    private static Traffic t;
    private static GeneratedTraffic g;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), Clock.fixed(Instant.ofEpochMilli(NOV10 + 50 * DAY), ZoneOffset.UTC));
        t = new Traffic(s);
        g = GeneratedTraffic.send(s, t, SEED, 3);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static List<Filter> filters(Random rnd) {
        List<Filter> out = new ArrayList<>();
        for (int k = rnd.nextInt(3); k > 0; k--) {
            out.add(FILTERS.get(rnd.nextInt(FILTERS.size())));
        }
        return out;
    }

    private static String json(List<Filter> filters) {
        return ",\"filters\":[" + String.join(",", filters.stream().map(Filter::json).toList()) + "]";
    }

    private static Predicate<Ev> all(List<Filter> filters) {
        return e -> filters.stream().allMatch(f -> f.test(g.data(), e));
    }

    private static long[] range(Random rnd) {
        long from = NOV10 - DAY + rnd.nextInt(4 * 24) * HOUR;
        return new long[] {from, from + (6 + rnd.nextInt(72)) * HOUR};
    }

    private static String iso(long ms) {
        return Instant.ofEpochMilli(ms).toString();
    }

    @Test
    void randomGraphsWithBuiltInFiltersAndBreakdownsAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 1);
        List<String> names = new ArrayList<>(g.events().keySet());
        int lines = 0;
        for (int q = 0; q < 25; q++) {
            long[] r = range(rnd);
            String name = names.get(rnd.nextInt(names.size()));
            List<Filter> filters = filters(rnd);
            String measure = MEASURES.get(rnd.nextInt(MEASURES.size()));
            String breakdown = rnd.nextInt(4) == 0 ? null : BREAKDOWNS.get(rnd.nextInt(BREAKDOWNS.size()));
            int limit = 1 + rnd.nextInt(6);
            Named plain = g.events().get(name);
            Named event = new Named(plain.label(), e -> plain.test().test(e) && all(filters).test(e));
            String fields = "\"interval\":\"hour\",\"series\":[{\"event\":" + g.eventJson().get(name) + ",\"measure\":\""
                    + measure + "\"}]" + json(filters)
                    + (breakdown == null ? "" : ",\"breakdown\":{\"property\":\"" + breakdown + "\",\"limit\":" + limit + "}");
            String what = "graph " + q + " [" + iso(r[0]) + ", " + iso(r[1]) + "): " + fields;
            JsonNode answer = t.query(s.dev(), "graph", iso(r[0]), iso(r[1]), fields);

            List<String> expected = new ArrayList<>();
            for (GraphReference.Line line : GraphReference.series(g.data(), r[0], r[1], "hour", event, measure,
                    breakdown, limit)) {
                StringBuilder b = new StringBuilder(String.valueOf(line.breakdown()));
                line.points().forEach((time, v) -> b.append(v == 0 ? "" : " " + iso(time) + "=" + v));
                expected.add(b.toString());
                lines += line.points().values().stream().anyMatch(v -> v > 0) ? 1 : 0;
            }
            List<String> actual = new ArrayList<>();
            for (JsonNode line : answer.get("series")) {
                StringBuilder b = new StringBuilder(breakdown == null ? "null" : line.get("breakdown").asText());
                line.get("points").forEach(p -> b.append(p.get("value").asLong() == 0 ? ""
                        : " " + p.get("t").asText() + "=" + p.get("value").asLong()));
                actual.add(b.toString());
            }
            assertThat(actual).as(what).containsExactlyInAnyOrderElementsOf(expected);
        }
        assertThat(lines).as("graph lines with values").isGreaterThan(20);
    }

    @Test
    void randomFunnelsWithBuiltInFiltersAndBreakdownsAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 2);
        List<String> names = new ArrayList<>(g.events().keySet());
        long converted = 0;
        for (int q = 0; q < 10; q++) {
            int n = 2 + rnd.nextInt(2);
            List<String> steps = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                steps.add(names.get(rnd.nextInt(names.size())));
            }
            long[] r = range(rnd);
            List<Filter> filters = filters(rnd);
            String breakdown = BREAKDOWNS.get(rnd.nextInt(BREAKDOWNS.size()));
            int limit = 1 + rnd.nextInt(4);
            String fields = "\"window\":\"PT6H\",\"steps\":[" + String.join(",", steps.stream()
                    .map(x -> g.eventJson().get(x)).toList()) + "]" + json(filters)
                    + ",\"breakdown\":{\"property\":\"" + breakdown + "\",\"limit\":" + limit + "}";
            String what = "funnel " + q + " [" + iso(r[0]) + ", " + iso(r[1]) + "): " + fields;
            JsonNode answer = t.query(s.dev(), "funnel", iso(r[0]), iso(r[1]), fields);

            List<FunnelReference.Event> events = new ArrayList<>();
            for (Ev e : g.data().events()) {
                boolean[] flags = new boolean[n];
                for (int k = 0; k < n; k++) {
                    flags[k] = g.events().get(steps.get(k)).test().test(e) && all(filters).test(e);
                }
                events.add(new FunnelReference.Event(g.data().userKey(e), e.time(), flags,
                        BuiltInsReference.value(g.data(), e, breakdown)));
            }
            FunnelReference.Result expected = FunnelReference.run(events, n, r[0], r[1], 6 * HOUR, limit);
            assertThat(counts(answer.get("steps"))).as(what).isEqualTo(expected.total().counts());
            Map<String, List<Long>> groups = new HashMap<>();
            answer.get("breakdowns").forEach(b -> groups.put(b.get("value").asText(), counts(b.get("steps"))));
            Map<String, List<Long>> want = new HashMap<>();
            expected.breakdowns().forEach((v, grp) -> want.put(v, grp.counts()));
            assertThat(groups).as(what).isEqualTo(want);
            converted += expected.total().counts().get(1);
        }
        assertThat(converted).as("funnels that convert").isPositive();
    }

    private static List<Long> counts(JsonNode steps) {
        List<Long> out = new ArrayList<>();
        steps.forEach(st -> out.add(st.get("count").asLong()));
        return out;
    }

    @Test
    void randomRetentionUsersAndSessionsWithBuiltInFiltersAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 3);
        List<String> names = new ArrayList<>(g.events().keySet());
        int nonEmpty = 0;
        for (int q = 0; q < 8; q++) {
            long[] r = range(rnd);
            List<Filter> filters = filters(rnd);
            if (filters.isEmpty()) {
                filters = List.of(FILTERS.get(rnd.nextInt(FILTERS.size())));
            }
            Predicate<Ev> matches = all(filters);

            // Retention: both events filtered.
            Named start = g.events().get(names.get(rnd.nextInt(names.size())));
            Named back = g.events().get(names.get(rnd.nextInt(names.size())));
            String startName = start.label();
            String backName = back.label();
            String retention = "\"period\":\"day\",\"periods\":2,\"start\":" + g.eventJson().get(startName)
                    + ",\"return\":" + g.eventJson().get(backName) + json(filters);
            JsonNode cohorts = t.query(s.dev(), "retention", iso(r[0]), iso(r[1]), retention).get("cohorts");
            List<RetentionReference.Cohort> expected = RetentionReference.run(g.data().events().stream()
                    .map(e -> new RetentionReference.Event(g.data().userKey(e), e.time(),
                            start.test().test(e) && matches.test(e), back.test().test(e) && matches.test(e)))
                    .toList(), r[0], r[1], "day", 2);
            List<RetentionReference.Cohort> actual = new ArrayList<>();
            cohorts.forEach(c -> {
                List<Long> retained = new ArrayList<>();
                c.get("retained").forEach(x -> retained.add(x.isNull() ? null : x.asLong()));
                actual.add(new RetentionReference.Cohort(Instant.parse(c.get("start").asText()).toEpochMilli(),
                        c.get("users").asLong(), retained));
            });
            assertThat(actual).as("retention " + q + ": " + retention).isEqualTo(expected);

            // Users: those with a matching event in the range.
            JsonNode users = t.query(s.dev(), "users", iso(r[0]), iso(r[1]), "\"limit\":1000" + json(filters));
            List<String> seen = g.data().resolved(r[0], r[1]).stream().filter(x -> matches.test(x.ev()))
                    .map(Dataset.Resolved::userKey).distinct().toList();
            List<String> wantUsers = UsersReference.users(g.data(), r[0], r[1], null, false, List.of()).stream()
                    .map(UsersReference.User::userKey).filter(seen::contains).toList();
            List<String> gotUsers = new ArrayList<>();
            users.get("users").forEach(u -> gotUsers.add(u.get("user_key").asText()));
            assertThat(gotUsers).as("users " + q + ": " + filters).isEqualTo(wantUsers);
            assertThat(users.get("total").asLong()).isEqualTo(wantUsers.size());

            // Sessions: those with a matching event in the range.
            JsonNode sessions = t.query(s.dev(), "sessions", iso(r[0]), iso(r[1]), "\"limit\":500" + json(filters));
            List<String> wantSessions = new ArrayList<>();
            List<List<Dataset.Resolved>> built = g.data().sessions(r[0], r[1]);
            for (SessionsReference.Session x : SessionsReference.sessions(g.data(), r[0], r[1], null)) {
                boolean any = built.stream().filter(b -> b.get(0).ev().time() == x.start()
                        && b.get(0).userKey().equals(x.userKey())).findFirst().orElseThrow().stream()
                        .anyMatch(e -> matches.test(e.ev()));
                if (any) {
                    wantSessions.add(x.sessionId() + " " + x.userKey() + " " + iso(x.start()));
                }
            }
            List<String> gotSessions = new ArrayList<>();
            sessions.get("sessions").forEach(x -> gotSessions.add(x.get("session_id").asText(null) + " "
                    + x.get("user_key").asText() + " " + x.get("start").asText()));
            assertThat(gotSessions).as("sessions " + q + ": " + filters).isEqualTo(wantSessions);
            nonEmpty += wantSessions.size() > 1 && !wantUsers.isEmpty() ? 1 : 0;
        }
        assertThat(nonEmpty).as("queries with users and sessions to compare").isGreaterThan(3);
    }

    @Test
    void randomRetentionBreakdownsByBuiltInsAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 4);
        List<String> names = new ArrayList<>(g.events().keySet());
        int groups = 0;
        long atEvent = 0;
        for (int q = 0; q < 16; q++) {
            long[] r = range(rnd);
            List<Filter> filters = rnd.nextBoolean() ? List.of() : filters(rnd);
            Predicate<Ev> matches = all(filters);
            Named start = g.events().get(names.get(rnd.nextInt(names.size())));
            Named back = g.events().get(names.get(rnd.nextInt(names.size())));
            String breakdown = q % 3 == 0 ? "$user_at_event.plan" : BREAKDOWNS.get(rnd.nextInt(BREAKDOWNS.size()));
            int limit = 1 + rnd.nextInt(4);
            String fields = "\"period\":\"day\",\"periods\":2,\"start\":" + g.eventJson().get(start.label())
                    + ",\"return\":" + g.eventJson().get(back.label()) + json(filters)
                    + ",\"breakdown\":{\"property\":\"" + breakdown + "\",\"limit\":" + limit + "}";
            String what = "retention " + q + " [" + iso(r[0]) + ", " + iso(r[1]) + "): " + fields;
            JsonNode answer = t.query(s.dev(), "retention", iso(r[0]), iso(r[1]), fields);
            List<RetentionReference.Event> events = g.data().events().stream()
                    .map(e -> new RetentionReference.Event(g.data().userKey(e), e.time(),
                            start.test().test(e) && matches.test(e), back.test().test(e) && matches.test(e),
                            BuiltInsReference.value(g.data(), e, breakdown)))
                    .toList();
            Map<String, List<RetentionReference.Cohort>> expected = RetentionReference.breakdown(events, r[0], r[1],
                    "day", 2, ZoneOffset.UTC, limit);
            Map<String, List<RetentionReference.Cohort>> actual = new java.util.LinkedHashMap<>();
            answer.get("breakdowns").forEach(b -> {
                List<RetentionReference.Cohort> grid = new ArrayList<>();
                b.get("cohorts").forEach(c -> {
                    List<Long> retained = new ArrayList<>();
                    c.get("retained").forEach(x -> retained.add(x.isNull() ? null : x.asLong()));
                    grid.add(new RetentionReference.Cohort(Instant.parse(c.get("start").asText()).toEpochMilli(),
                            c.get("users").asLong(), retained));
                });
                actual.put(b.get("value").asText(), grid);
            });
            assertThat(actual).as(what).containsExactlyEntriesOf(expected);
            groups += expected.size();
            atEvent += breakdown.startsWith("$user_at_event.") ? expected.keySet().stream()
                    .filter(v -> !v.startsWith("(")).count() : 0;
        }
        assertThat(groups).as("breakdown groups compared").isGreaterThan(12);
        assertThat(atEvent).as("groups of a value at the event's time").isGreaterThan(3);
    }
}
