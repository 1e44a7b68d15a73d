package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.Dataset.Resolved;
import dev.hindsight.query.reference.UsersReference.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random dynamic cohorts over the generated dataset of {@link GeneratedTraffic} (four days, seeded): at random
 * moments, each cohort's members over HTTP must be exactly those a brute-force evaluation of its definition over
 * the same data finds (see {@code Membership} for the rules), and a graph filtered by the cohort must count exactly
 * the members' events.
 */
class CohortsMatchTheReferenceTest {
    private static final long SEED = 20261205L;
    private static final int DAYS = 4;
    private static final long H = 3_600_000L;
    private static final long[] WINDOWS = {H, 6 * H, 24 * H, 2 * 24 * H, 30 * 24 * H};
    private static final String[] WINDOW_TEXT = {"1h", "6h", "1d", "2d", "30d"};
    private static final MutableClock CLOCK = new MutableClock(Instant.ofEpochMilli(GeneratedTraffic.NOV10
            + (DAYS + 1) * GeneratedTraffic.DAY));
    private static TestServer s;
    private static GeneratedTraffic g;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
        g = GeneratedTraffic.send(s, new Traffic(s), SEED, DAYS);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A random condition as JSON and as a predicate of (user, now) over the dataset. */
    private record Rule(String json, Test test) {
    }

    @FunctionalInterface
    private interface Test {
        boolean test(String user, long now);
    }

    private Rule rule(Random rnd, int depth) {
        List<String> names = new ArrayList<>(g.events().keySet());
        int shape = depth >= 2 ? 2 + rnd.nextInt(4) : rnd.nextInt(6);
        switch (shape) {
            case 0, 1 -> {
                List<Rule> parts = new ArrayList<>();
                for (int i = 0; i < 2 + rnd.nextInt(2); i++) {
                    parts.add(rule(rnd, depth + 1));
                }
                boolean all = shape == 0;
                String json = "{\"" + (all ? "all" : "any") + "\": [" + String.join(", ",
                        parts.stream().map(Rule::json).toList()) + "]}";
                if (rnd.nextInt(4) == 0) {
                    Rule inner = new Rule(json, (u, now) -> all ? parts.stream().allMatch(p -> p.test().test(u, now))
                            : parts.stream().anyMatch(p -> p.test().test(u, now)));
                    return new Rule("{\"not\": " + inner.json() + "}", (u, now) -> !inner.test().test(u, now));
                }
                return new Rule(json, (u, now) -> all ? parts.stream().allMatch(p -> p.test().test(u, now))
                        : parts.stream().anyMatch(p -> p.test().test(u, now)));
            }
            case 2 -> {
                String e = names.get(rnd.nextInt(names.size()));
                int w = rnd.nextInt(WINDOWS.length);
                int atLeast = rnd.nextInt(3);
                Integer atMost = rnd.nextBoolean() ? null : atLeast + rnd.nextInt(3);
                String json = "{\"did\": " + g.eventJson().get(e) + ", \"at_least\": " + atLeast
                        + (atMost == null ? "" : ", \"at_most\": " + atMost) + ", \"within\": \"" + WINDOW_TEXT[w] + "\"}";
                Named named = g.events().get(e);
                return new Rule(json, (u, now) -> {
                    long n = events(u, now).stream().filter(r -> r.ev().time() >= now - WINDOWS[w]
                            && named.test().test(r.ev())).count();
                    return n >= atLeast && (atMost == null || n <= atMost);
                });
            }
            case 3 -> {
                String e = names.get(rnd.nextInt(names.size()));
                int w = rnd.nextInt(WINDOWS.length);
                Named named = g.events().get(e);
                return new Rule("{\"did_not\": " + g.eventJson().get(e) + ", \"within\": \"" + WINDOW_TEXT[w] + "\"}",
                        (u, now) -> events(u, now).stream().noneMatch(r -> r.ev().time() >= now - WINDOWS[w]
                                && named.test().test(r.ev())));
            }
            case 4 -> {
                String a = names.get(rnd.nextInt(names.size()));
                String b = names.get(rnd.nextInt(names.size()));
                int w = rnd.nextInt(WINDOWS.length);
                Integer last = rnd.nextBoolean() ? null : rnd.nextInt(WINDOWS.length);
                Predicate<Ev> first = g.events().get(a).test();
                Predicate<Ev> then = g.events().get(b).test();
                String json = "{\"did\": " + g.eventJson().get(a) + ", \"then_not\": " + g.eventJson().get(b)
                        + ", \"within\": \"" + WINDOW_TEXT[w] + "\"" + (last == null ? "" : ", \"in_last\": \""
                        + WINDOW_TEXT[last] + "\"") + "}";
                return new Rule(json, (u, now) -> {
                    List<Resolved> mine = events(u, now);
                    long from = last == null ? Long.MIN_VALUE : now - WINDOWS[last];
                    return mine.stream().anyMatch(x -> x.ev().time() >= from && first.test(x.ev())
                            && mine.stream().noneMatch(y -> then.test(y.ev()) && y.ev().time() >= x.ev().time()
                                    && y.ev().time() <= x.ev().time() + WINDOWS[w]));
                });
            }
            default -> {
                Condition c = switch (rnd.nextInt(4)) {
                    case 0 -> new Condition("plan", "=", rnd.nextBoolean() ? "pro" : "free");
                    case 1 -> new Condition("seats", ">", rnd.nextInt(9));
                    case 2 -> new Condition("plan", "is_set", null);
                    default -> new Condition("plan", "!=", "pro");
                };
                String op = switch (c.op()) {
                    case "=" -> "eq";
                    case ">" -> "gt";
                    case "!=" -> "neq";
                    default -> c.op();
                };
                String value = c.value() == null ? "" : ", \"value\": " + (c.value() instanceof String t ? "\"" + t + "\""
                        : c.value());
                return new Rule("{\"property\": \"" + c.key() + "\", \"op\": \"" + op + "\"" + value + "}",
                        (u, now) -> c.test(props(u)));
            }
        }
    }

    private static Map<String, Object> props(String user) {
        return g.data().properties(user);
    }

    private static final Map<Long, Map<String, List<Resolved>>> BY_USER = new HashMap<>();

    /** A user's events before {@code now}, in time order. */
    private static List<Resolved> events(String user, long now) {
        return BY_USER.computeIfAbsent(now, n -> {
            Map<String, List<Resolved>> out = new HashMap<>();
            g.data().resolved(Long.MIN_VALUE, n).forEach(r -> out.computeIfAbsent(r.userKey(), k -> new ArrayList<>()).add(r));
            return out;
        }).getOrDefault(user, List.of());
    }

    private static Set<String> members(long id) {
        Set<String> out = new TreeSet<>();
        String cursor = null;
        do {
            TestServer.Response r = s.get("/api/cohorts/" + id + "/members?limit=1000&app_id=" + s.dev().appId()
                    + (cursor == null ? "" : "&cursor=" + cursor), bearer(TestServer.ADMIN));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            r.json().get("users").forEach(u -> out.add(u.get("user_key").asText()));
            cursor = r.json().get("next_cursor").isNull() ? null : r.json().get("next_cursor").asText();
        } while (cursor != null);
        return out;
    }

    @org.junit.jupiter.api.Test
    void randomCohortsHaveExactlyTheMembersTheReferenceFinds() {
        Random rnd = new Random(SEED);
        int nonEmpty = 0;
        int partial = 0;
        for (int q = 0; q < 30; q++) {
            Rule rule = rule(rnd, 0);
            TestServer.Response created = s.post("/api/cohorts", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"c"
                    + q + "\",\"definition\":" + rule.json() + "}", bearer(TestServer.ADMIN));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            long id = created.json().get("id").asLong();
            for (int k = 0; k < 2; k++) {
                long now = GeneratedTraffic.NOV10 + (long) (rnd.nextDouble() * (DAYS + 0.5) * GeneratedTraffic.DAY);
                CLOCK.set(Instant.ofEpochMilli(now));
                Set<String> candidates = new TreeSet<>();
                g.data().resolved(Long.MIN_VALUE, now).forEach(r -> candidates.add(r.userKey()));
                Set<String> expected = new TreeSet<>();
                for (String u : candidates) {
                    if (rule.test().test(u, now)) {
                        expected.add(u);
                    }
                }
                assertThat(members(id)).as(rule.json() + " at " + Instant.ofEpochMilli(now)).isEqualTo(expected);
                nonEmpty += expected.isEmpty() ? 0 : 1;
                partial += expected.isEmpty() || expected.size() == candidates.size() ? 0 : 1;
                if (k == 0) {
                    assertGraphCountsTheMembersEvents(id, expected, now, rnd);
                }
            }
        }
        assertThat(nonEmpty).as("cohorts with members").isGreaterThan(10);
        assertThat(partial).as("cohorts that split the users").isGreaterThan(10);
    }

    private static void assertGraphCountsTheMembersEvents(long id, Set<String> members, long now, Random rnd) {
        List<String> names = new ArrayList<>(g.events().keySet());
        String e = names.get(rnd.nextInt(names.size()));
        boolean not = rnd.nextBoolean();
        long from = GeneratedTraffic.NOV10;
        long to = GeneratedTraffic.NOV10 + DAYS * GeneratedTraffic.DAY;
        long expected = g.data().resolved(from, to).stream().filter(r -> g.events().get(e).test().test(r.ev())
                && members.contains(r.userKey()) != not).count();
        Map<String, Object> body = new HashMap<>(Map.of("kind", "graph", "interval", "day",
                "from", Instant.ofEpochMilli(from).toString(), "to", Instant.ofEpochMilli(to).toString(),
                "series", List.of(Map.of("event", TestServer.JSON.convertValue(parse(g.eventJson().get(e)), Map.class),
                        "measure", "count")),
                "cohort", Map.of("id", id, "not", not)));
        long total = 0;
        for (JsonNode p : Sends.query(s, s.dev(), body).get("series").get(0).get("points")) {
            total += p.get("value").asLong();
        }
        assertThat(total).as("graph of " + e + " in cohort " + id + (not ? " (not)" : "")).isEqualTo(expected);
    }

    private static JsonNode parse(String json) {
        try {
            return TestServer.JSON.readTree(json);
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
