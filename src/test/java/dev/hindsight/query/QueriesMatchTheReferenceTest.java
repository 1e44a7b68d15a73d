package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.PathsReference;
import dev.hindsight.query.reference.UsersReference;
import dev.hindsight.query.reference.UsersReference.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated dataset of {@link GeneratedTraffic} over one day (seeded, so a failure repeats). Random paths and users queries through {@code /api/query} must answer exactly what the
 * brute-force references in {@code dev.hindsight.query.reference} compute from the same data.
 */
class QueriesMatchTheReferenceTest {
    private static final long SEED = 20261110L;
    private static TestServer s;
    private static Traffic t;
    private static Dataset data;
    private static final Map<String, Named> EVENTS = new TreeMap<>();
    private static final Map<String, String> EVENT_JSON = new HashMap<>();

    @BeforeAll
    static void start() {
        s = TestServer.start();
        t = new Traffic(s);
        GeneratedTraffic g = GeneratedTraffic.send(s, t, SEED, 1);
        data = g.data();
        EVENTS.putAll(g.events());
        EVENT_JSON.putAll(g.eventJson());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A random range: the whole day, or whole hours within it. */
    private static long[] range(Random rnd) {
        if (rnd.nextBoolean()) {
            return new long[] {GeneratedTraffic.NOV10, GeneratedTraffic.NOV10 + 86_400_000L};
        }
        int a = rnd.nextInt(23);
        int b = a + 1 + rnd.nextInt(24 - a);
        return new long[] {GeneratedTraffic.NOV10 + a * 3_600_000L, GeneratedTraffic.NOV10 + b * 3_600_000L};
    }

    private static String pick(Random rnd, List<String> from) {
        return from.get(rnd.nextInt(from.size()));
    }

    @Test
    void randomPathsQueriesAnswerWhatTheReferenceComputes() {
        assertRandomPathsMatchTheReference(s, t, data, EVENTS, EVENT_JSON, SEED + 1);
    }

    /** Asks 25 random paths queries of the generated dataset {@code data} and compares them with the reference's. */
    static void assertRandomPathsMatchTheReference(TestServer s, Traffic t, Dataset data, Map<String, Named> events,
            Map<String, String> eventJson, long seed) {
        Random rnd = new Random(seed);
        List<String> names = new ArrayList<>(events.keySet());
        List<String> definitions = List.of("Viewed pricing", "Clicked buy", "Opened");
        int nonEmpty = 0;
        for (int q = 0; q < 25; q++) {
            long[] r = range(rnd);
            String start = pick(rnd, names);
            boolean before = rnd.nextBoolean();
            int depth = 1 + rnd.nextInt(4);
            List<String> labelWith = new ArrayList<>();
            if (rnd.nextBoolean()) {
                labelWith.addAll(definitions);
                Collections.shuffle(labelWith, rnd);
                labelWith = labelWith.subList(0, 1 + rnd.nextInt(3));
            }
            String fields = "\"start\":" + eventJson.get(start) + ",\"direction\":\"" + (before ? "before" : "after")
                    + "\",\"depth\":" + depth + ",\"label_with\":["
                    + String.join(",", labelWith.stream().map(eventJson::get).toList()) + "]";
            JsonNode answer = t.query(s.dev(), "paths", Instant.ofEpochMilli(r[0]).toString(),
                    Instant.ofEpochMilli(r[1]).toString(), fields);
            PathsReference.Answer expected = PathsReference.paths(data, r[0], r[1], events.get(start), before, depth,
                    labelWith.stream().map(events::get).toList());
            Map<String, Long> nodes = new TreeMap<>();
            answer.get("nodes").forEach(n -> nodes.put(n.get("id").asText(), n.get("count").asLong()));
            Map<String, Long> edges = new TreeMap<>();
            answer.get("edges").forEach(e -> edges.put(e.get("source").asText() + " -> " + e.get("target").asText(),
                    e.get("count").asLong()));
            assertThat(nodes).as("nodes of query %d: %s", q, fields).isEqualTo(expected.nodes());
            assertThat(edges).as("edges of query %d: %s", q, fields).isEqualTo(expected.edges());
            nonEmpty += expected.edges().isEmpty() ? 0 : 1;
        }
        assertThat(nonEmpty).as("queries with paths to compare").isGreaterThan(10);
    }

    @Test
    void randomUsersQueriesAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 2);
        List<String> names = new ArrayList<>(EVENTS.keySet());
        List<Condition> conditions = List.of(new Condition("plan", "=", "pro"), new Condition("plan", "!=", "free"),
                new Condition("seats", ">", 4), new Condition("seats", "<", 3), new Condition("seats", "=", 5),
                new Condition("plan", "contains", "r"), new Condition("plan", "is_set", null),
                new Condition("plan", "is_not_set", null));
        int nonEmpty = 0;
        for (int q = 0; q < 25; q++) {
            long[] r = range(rnd);
            String event = rnd.nextInt(5) == 0 ? null : pick(rnd, names);
            boolean didNot = event != null && rnd.nextBoolean();
            List<Condition> chosen = new ArrayList<>();
            for (int i = rnd.nextInt(3); i > 0; i--) {
                chosen.add(conditions.get(rnd.nextInt(conditions.size())));
            }
            int limit = rnd.nextBoolean() ? 5 : 100;
            StringBuilder fields = new StringBuilder("\"limit\":" + limit + ",\"did_not\":" + didNot + ",\"properties\":[");
            for (int i = 0; i < chosen.size(); i++) {
                Condition c = chosen.get(i);
                fields.append(i > 0 ? "," : "").append("{\"key\":\"").append(c.key()).append("\",\"op\":\"").append(c.op())
                        .append("\"").append(c.value() == null ? "" : ",\"value\":" + (c.value() instanceof String v
                                ? "\"" + v + "\"" : c.value())).append("}");
            }
            fields.append("]").append(event == null ? "" : ",\"event\":" + EVENT_JSON.get(event));
            JsonNode answer = t.query(s.dev(), "users", Instant.ofEpochMilli(r[0]).toString(),
                    Instant.ofEpochMilli(r[1]).toString(), fields.toString());
            List<UsersReference.User> all = UsersReference.users(data, r[0], r[1], event == null ? null : EVENTS.get(event),
                    didNot, chosen);
            List<String> expected = all.stream().limit(limit).map(u -> line(u.userKey(), u.identity(), u.properties(),
                    u.eventCount(), Instant.ofEpochMilli(u.firstSeen()).toString(),
                    Instant.ofEpochMilli(u.lastSeen()).toString())).toList();
            List<String> actual = new ArrayList<>();
            for (JsonNode u : answer.get("users")) {
                actual.add(line(u.get("user_key").asText(), u.get("identity").asText(null),
                        TestServer.JSON.convertValue(u.get("properties"), new TypeReference<Map<String, Object>>() {
                        }), u.get("event_count").asLong(), u.get("first_seen").asText(), u.get("last_seen").asText()));
            }
            assertThat(actual).as("users of query %d: %s", q, fields).isEqualTo(expected);
            assertThat(answer.get("total").asLong()).as("total of query %d", q).isEqualTo(all.size());
            nonEmpty += all.isEmpty() ? 0 : 1;
        }
        assertThat(nonEmpty).as("queries with users to compare").isGreaterThan(10);
    }

    private static String line(String key, String identity, Map<String, Object> props, long count, String first,
            String last) {
        return key + " | " + identity + " | " + new TreeMap<>(props) + " | " + count + " | " + first + " | " + last;
    }
}
