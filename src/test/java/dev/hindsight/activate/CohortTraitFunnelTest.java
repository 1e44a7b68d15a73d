package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Traits back in an analysis (issue 15, point 7; reference 004, "The reverse direction"): the audience membership a
 * cohort sync writes back ({@code $user.hs_in_audience_<sync id>}) splits a funnel into its members, those who left
 * the audience and those never in it, with the counts the test computes on its own from who did what.
 */
class CohortTraitFunnelTest {
    private static final String SECRET = "whsec_traitfunnel0123456789";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aFunnelBrokenDownByTheSyncedTraitCountsMembersLeaversAndOthersApart() {
        long now = System.currentTimeMillis();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            users.add("tf-" + i);
        }
        Set<String> converted = Set.of("tf-0", "tf-1", "tf-2", "tf-5", "tf-7");
        for (String u : users) {
            track(u, "tf_view", now - 120_000);
            if (converted.contains(u)) {
                track(u, "tf_buy", now - 60_000);
            }
        }
        List<String> first = List.of("tf-0", "tf-1", "tf-2", "tf-3", "tf-4");
        List<String> second = List.of("tf-0", "tf-1", "tf-5", "tf-6");
        long cohort = cohort(null, first);
        try (WebhookReceiver hook = new WebhookReceiver(Clock.systemUTC(), List.of(SECRET))) {
            TestServer.Response d = admin("POST", env("/destinations"), map("name", "Audience hook", "kind",
                    "webhook", "settings", map("url", hook.url(), "secrets", List.of(SECRET)), "mapping", map()));
            assertThat(d.status()).as(d.body()).isEqualTo(201);
            TestServer.Response sync = admin("POST", env("/cohort-syncs"), map("cohort_id", cohort,
                    "destination_id", d.json().get("id").asLong(), "schedule_minutes", 60));
            assertThat(sync.status()).as(sync.body()).isEqualTo(201);
            long id = sync.json().get("id").asLong();
            String trait = sync.json().get("trait").asText();
            assertThat(trait).isEqualTo("hs_in_audience_" + id);

            // Two runs: the first cohort joins, then three leave and two join.
            assertThat(run(id).get("status").asText()).isEqualTo("delivered");
            cohort(cohort, second);
            JsonNode again = run(id);
            assertThat(again.get("status").asText()).isEqualTo("delivered");
            assertThat(again.get("joined").asInt()).isEqualTo(2);
            assertThat(again.get("left").asInt()).isEqualTo(3);

            // What the breakdown must say, from the test's own lists.
            Map<String, List<Long>> expected = new LinkedHashMap<>();
            Set<String> members = new TreeSet<>(second);
            Set<String> leavers = new TreeSet<>(first);
            leavers.removeAll(members);
            Set<String> others = new TreeSet<>(users);
            others.removeAll(members);
            others.removeAll(leavers);
            expected.put("true", List.of((long) members.size(), members.stream().filter(converted::contains).count()));
            expected.put("false", List.of((long) leavers.size(), leavers.stream().filter(converted::contains).count()));
            expected.put("(none)", List.of((long) others.size(), others.stream().filter(converted::contains).count()));

            JsonNode funnel = funnel("tf_view", "tf_buy", "$user." + trait);
            assertThat(counts(funnel.get("steps"))).containsExactly((long) users.size(), (long) converted.size());
            Map<String, List<Long>> groups = new LinkedHashMap<>();
            funnel.get("breakdowns").forEach(g -> groups.put(g.get("value").asText(), counts(g.get("steps"))));
            assertThat(groups).as(funnel.toString()).isEqualTo(expected);
            // The user lists of the groups are the members themselves.
            funnel.get("breakdowns").forEach(g -> {
                if (g.get("value").asText().equals("true")) {
                    assertThat(texts(g.get("dropped_off").get(0).get("users"))).containsExactly("tf-6");
                }
            });
        }
    }

    // --- helpers ---

    /** Creates (id null) or replaces a static cohort of these identities; returns its id. */
    private static long cohort(Long id, List<String> identities) {
        Map<String, Object> body = map("app_id", s.dev().appId(), "name", "Trait funnel audience", "definition",
                map("type", "static", "identities", identities));
        TestServer.Response r = id == null ? admin("POST", "/api/cohorts", body)
                : admin("PUT", "/api/cohorts/" + id, body);
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        return id == null ? r.json().get("id").asLong() : id;
    }

    private static JsonNode funnel(String from, String to, String breakdown) {
        Instant now = Instant.now();
        TestServer.Response r = admin("POST", "/api/query", map("app_id", s.dev().appId(), "kind", "funnel",
                "from", now.minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS).toString(),
                "to", now.plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS).toString(), "window", "P1D",
                "steps", List.of(map("kind", "custom", "event", from), map("kind", "custom", "event", to)),
                "breakdown", map("property", breakdown, "limit", 10)));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static List<Long> counts(JsonNode steps) {
        List<Long> out = new ArrayList<>();
        steps.forEach(st -> out.add(st.get("count").asLong()));
        return out;
    }

    private static List<String> texts(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static void track(String identity, String event, long time) {
        TestServer.Response r = s.post("/api/track", TestServer.json("app_id", s.dev().appId(), "identity", identity,
                "event", event, "timestamp", time), TestServer.bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static JsonNode run(long id) {
        TestServer.Response r = admin("POST", env("/cohort-syncs/" + id + "/run"), null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static String env(String rest) {
        return ActivationHttp.env(s, rest);
    }

    private static TestServer.Response admin(String method, String path, Object body) {
        return ActivationHttp.admin(s, method, path, body);
    }
}
