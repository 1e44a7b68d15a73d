package dev.hindsight.query;

import static dev.hindsight.query.Traffic.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Link;
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
 * A generated dataset (seeded, so a failure repeats): 30 devices with one to three sessions each (some without
 * session ids, some with long pauses), server-side events, identifies that merge devices and re-identify some,
 * and user properties. Random paths and users queries through {@code /api/query} must answer exactly what the
 * brute-force references in {@code dev.hindsight.query.reference} compute from the same data.
 */
class QueriesMatchTheReferenceTest {
    private static final long NOV10 = 1_794_268_800_000L;
    private static final long SEED = 20261110L;
    private static final String[] PAGES = {"/", "/pricing", "/home", "/docs", "/checkout"};
    private static final String[] TEXTS = {"Buy", "Menu", null};
    private static final String[] HIERARCHIES = {"body:1:1|div.product:1:1|button.add-to-cart:1:1",
        "body:1:1|nav#top:1:1|a.menu%2Eitem[href=%2Fdocs]:3:1"};
    private static final String[] CUSTOM = {"signup", "opened", "exported"};
    private static TestServer s;
    private static Traffic t;
    private static Dataset data;
    private static final Map<String, Named> EVENTS = new TreeMap<>();
    private static final Map<String, String> EVENT_JSON = new HashMap<>();

    @BeforeAll
    static void start() {
        s = TestServer.start();
        t = new Traffic(s);
        Random rnd = new Random(SEED);
        int[] unique = {0};
        List<Ev> events = new ArrayList<>();
        List<Map<String, Object>> browser = new ArrayList<>();
        for (int d = 0; d < 30; d++) {
            int sessions = 1 + rnd.nextInt(3);
            for (int k = 0; k < sessions; k++) {
                String session = rnd.nextInt(100) < 15 ? null : "d" + d + "s" + k;
                long sec = rnd.nextInt(80_000);
                int n = 2 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) {
                    sec += rnd.nextInt(10) == 0 ? 1800 + rnd.nextInt(600) : 5 + rnd.nextInt(300);
                    long time = NOV10 + Math.min(sec, 86_000) * 1000 + unique[0]++;
                    String identity = rnd.nextInt(10) == 0 ? "u" + rnd.nextInt(10) : null;
                    int kind = rnd.nextInt(10);
                    Ev e;
                    if (kind < 5) {
                        e = new Ev("pageview", null, "d" + d, identity, session, time, PAGES[rnd.nextInt(PAGES.length)],
                                null, null);
                    } else if (kind < 8) {
                        e = new Ev("click", null, "d" + d, identity, session, time, "/pricing",
                                TEXTS[rnd.nextInt(TEXTS.length)], HIERARCHIES[rnd.nextInt(HIERARCHIES.length)]);
                    } else {
                        e = new Ev("custom", CUSTOM[rnd.nextInt(CUSTOM.length)], "d" + d, identity, session, time, "/",
                                null, null);
                    }
                    events.add(e);
                    browser.add(map("kind", e.kind(), "name", e.name(), "device_id", e.device(), "identity", e.identity(),
                            "session_id", e.session(), "time", e.time(), "url", "https://x.com" + e.path(), "text", e.text(),
                            "hierarchy", e.hierarchy()));
                }
            }
        }
        // Identifies in time order: 12 devices, 3 of them later re-identified as someone else.
        List<Link> links = new ArrayList<>();
        List<Integer> devices = new ArrayList<>();
        for (int d = 0; d < 30; d++) {
            devices.add(d);
        }
        Collections.shuffle(devices, rnd);
        for (int i = 0; i < 12; i++) {
            String identity = "u" + rnd.nextInt(10);
            links.add(new Link("d" + devices.get(i), identity, NOV10 + rnd.nextInt(40_000) * 1000L + unique[0]++, false));
            if (i < 3) {
                String other = identity.equals("u9") ? "u0" : "u" + (Integer.parseInt(identity.substring(1)) + 1);
                links.add(new Link("d" + devices.get(i), other, NOV10 + (40_000 + rnd.nextInt(40_000)) * 1000L
                        + unique[0]++, false));
            }
        }
        links.sort((a, b) -> Long.compare(a.validFrom(), b.validFrom()));
        List<Map<String, Object>> identifies = new ArrayList<>();
        links.forEach(l -> identifies.add(map("kind", "identify", "device_id", l.device(), "identity", l.identity(),
                "time", l.validFrom())));
        for (int i = 0; i < 40; i++) {
            Ev e = new Ev("custom", CUSTOM[rnd.nextInt(CUSTOM.length)], null, "u" + rnd.nextInt(10), null,
                    NOV10 + rnd.nextInt(86_000) * 1000L + unique[0]++, null, null, null);
            events.add(e);
        }
        assertThat(unique[0]).as("times stay distinct").isLessThan(1000);
        Map<String, Map<String, Object>> props = new HashMap<>();
        List<Map<String, Object>> users = new ArrayList<>();
        for (int u = 0; u < 10; u++) {
            if (rnd.nextInt(10) < 7) {
                Map<String, Object> p = map("plan", rnd.nextBoolean() ? "pro" : "free", "seats", 1 + rnd.nextInt(9));
                props.put("u" + u, p);
                users.add(map("identity", "u" + u, "properties", p));
            }
        }
        t.browser(s.dev(), browser);
        t.browser(s.dev(), identifies);
        for (Ev e : events) {
            if (e.device() == null) {
                t.track(s.dev(), e.identity(), e.name(), e.time());
            }
        }
        assertThat(s.post("/api/add_user_properties", TestServer.json("app_id", s.dev().appId(), "users", users),
                TestServer.bearer(s.dev().secretKey())).status()).isEqualTo(200);
        data = new Dataset(events, links, props);

        EVENTS.put("pageview", new Named("pageview", e -> e.kind().equals("pageview")));
        EVENT_JSON.put("pageview", "{\"kind\":\"pageview\"}");
        EVENTS.put("click", new Named("click", e -> e.kind().equals("click")));
        EVENT_JSON.put("click", "{\"kind\":\"click\"}");
        EVENTS.put("signup", new Named("signup", e -> e.kind().equals("custom") && e.name().equals("signup")));
        EVENT_JSON.put("signup", "{\"kind\":\"custom\",\"event\":\"signup\"}");
        definition("Viewed pricing", "[{\"kind\":\"pageview\",\"path\":\"/pricing\"}]",
                e -> e.kind().equals("pageview") && "/pricing".equals(e.path()));
        definition("Clicked buy", "[{\"kind\":\"click\",\"text\":\"Buy\"}]",
                e -> e.kind().equals("click") && "Buy".equals(e.text()));
        definition("Opened", "[{\"kind\":\"custom\",\"event\":\"opened\"}]",
                e -> e.kind().equals("custom") && e.name().equals("opened"));
    }

    private static void definition(String name, String rules, java.util.function.Predicate<Ev> test) {
        long id = t.define(s.dev(), name, rules);
        EVENTS.put(name, new Named(name, test));
        EVENT_JSON.put(name, "{\"definition\":" + id + "}");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A random range: the whole day, or whole hours within it. */
    private static long[] range(Random rnd) {
        if (rnd.nextBoolean()) {
            return new long[] {NOV10, NOV10 + 86_400_000L};
        }
        int a = rnd.nextInt(23);
        int b = a + 1 + rnd.nextInt(24 - a);
        return new long[] {NOV10 + a * 3_600_000L, NOV10 + b * 3_600_000L};
    }

    private static String pick(Random rnd, List<String> from) {
        return from.get(rnd.nextInt(from.size()));
    }

    @Test
    void randomPathsQueriesAnswerWhatTheReferenceComputes() {
        Random rnd = new Random(SEED + 1);
        List<String> names = new ArrayList<>(EVENTS.keySet());
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
            String fields = "\"start\":" + EVENT_JSON.get(start) + ",\"direction\":\"" + (before ? "before" : "after")
                    + "\",\"depth\":" + depth + ",\"label_with\":["
                    + String.join(",", labelWith.stream().map(EVENT_JSON::get).toList()) + "]";
            JsonNode answer = t.query(s.dev(), "paths", Instant.ofEpochMilli(r[0]).toString(),
                    Instant.ofEpochMilli(r[1]).toString(), fields);
            PathsReference.Answer expected = PathsReference.paths(data, r[0], r[1], EVENTS.get(start), before, depth,
                    labelWith.stream().map(EVENTS::get).toList());
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
