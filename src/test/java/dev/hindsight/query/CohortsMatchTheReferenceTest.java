package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.ReferenceEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random dynamic cohorts ({@link RandomCohorts}) over the generated dataset of {@link GeneratedTraffic} (four days,
 * seeded), over HTTP: at random moments, each cohort's members, read page by page from
 * {@code GET /api/cohorts/{id}/members}, must be exactly those the brute-force {@link ReferenceEngine} finds over the
 * same data (see {@code Membership} for the rules), and a graph filtered by the cohort must count what the reference
 * engine counts.
 */
class CohortsMatchTheReferenceTest {
    private static final long SEED = 20261205L;
    private static final int DAYS = 4;
    private static final MutableClock CLOCK = new MutableClock(Instant.ofEpochMilli(GeneratedTraffic.NOV10
            + (DAYS + 1) * GeneratedTraffic.DAY));
    private static TestServer s;
    private static GeneratedTraffic g;
    private static ReferenceEngine reference;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
        g = GeneratedTraffic.send(s, new Traffic(s), SEED, DAYS);
        reference = new ReferenceEngine(s.dev().id(), g.data());
    }

    @AfterAll
    static void stop() {
        s.close();
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

    /** The reference engine's members, by their text. */
    private static Set<String> expected(Membership m, long now) {
        List<Long> keys = new ArrayList<>();
        for (int k : reference.cohortMembers(s.dev().id(), m, now)) {
            keys.add((long) k);
        }
        return new TreeSet<>(reference.userLabels(keys).values());
    }

    @Test
    void randomCohortsHaveExactlyTheMembersTheReferenceFinds() {
        Random rnd = new Random(SEED);
        int nonEmpty = 0;
        int partial = 0;
        for (int q = 0; q < 30; q++) {
            String definition = RandomCohorts.definition(rnd, g, 0);
            TestServer.Response created = s.post("/api/cohorts", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"c"
                    + q + "\",\"definition\":" + definition + "}", bearer(TestServer.ADMIN));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            long id = created.json().get("id").asLong();
            for (int k = 0; k < 2; k++) {
                long now = GeneratedTraffic.NOV10 + (long) (rnd.nextDouble() * (DAYS + 0.5) * GeneratedTraffic.DAY);
                CLOCK.set(Instant.ofEpochMilli(now));
                Asked graph = graph(id, rnd);
                Set<String> expected = expected(graph.graph().scope().cohort().cohort().definition(), now);
                assertThat(members(id)).as(definition + " at " + Instant.ofEpochMilli(now)).isEqualTo(expected);
                long candidates = g.data().resolved(0, now).stream().map(Dataset.Resolved::userKey).distinct().count();
                nonEmpty += expected.isEmpty() ? 0 : 1;
                partial += expected.isEmpty() || expected.size() == candidates ? 0 : 1;
                if (k == 0) {
                    assertGraphCountsWhatTheReferenceCounts(graph);
                }
            }
        }
        assertThat(nonEmpty).as("cohorts with members").isGreaterThan(10);
        assertThat(partial).as("cohorts that split the users").isGreaterThan(10);
    }

    /** A graph's request body, and the graph as {@code POST /api/query} reads it at the clock's now. */
    private record Asked(Map<String, Object> body, Analysis.Graph graph) {
    }

    /** A graph of a random event's count per day, of the cohort's users or (not) of everyone else's. */
    private static Asked graph(long id, Random rnd) {
        List<String> names = new ArrayList<>(g.events().keySet());
        String e = names.get(rnd.nextInt(names.size()));
        Map<String, Object> body = new HashMap<>(Map.of("kind", "graph", "interval", "day",
                "from", Instant.ofEpochMilli(GeneratedTraffic.NOV10).toString(),
                "to", Instant.ofEpochMilli(GeneratedTraffic.NOV10 + DAYS * GeneratedTraffic.DAY).toString(),
                "series", List.of(Map.of("event", TestServer.JSON.convertValue(parse(g.eventJson().get(e)), Map.class),
                        "measure", "count")),
                "cohort", Map.of("id", id, "not", rnd.nextBoolean())));
        return new Asked(body, (Analysis.Graph) s.app().queries().parse(s.dev(), TestServer.JSON.valueToTree(body)));
    }

    private static void assertGraphCountsWhatTheReferenceCounts(Asked asked) {
        double expected = reference.graphSeries(asked.graph(), asked.graph().series().get(0)).stream()
                .mapToDouble(Engine.GraphRow::value).sum();
        long total = 0;
        for (JsonNode p : Sends.query(s, s.dev(), asked.body()).get("series").get(0).get("points")) {
            total += p.get("value").asLong();
        }
        assertThat(total).as(asked.graph().toString()).isEqualTo((long) expected);
    }

    private static JsonNode parse(String json) {
        try {
            return TestServer.JSON.readTree(json);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
