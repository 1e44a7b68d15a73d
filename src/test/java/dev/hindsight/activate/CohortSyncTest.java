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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cohort syncs over HTTP (issue 15, point 6) and traits back (point 7): only the diff since the last accepted run,
 * resumable after a failure, every run logged, and the audience membership written back as a user property.
 */
class CohortSyncTest {
    private static TestServer s;
    private static String analyst;
    private static String architect;
    private static int seq;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        analyst = member("analyst");
        architect = member("architect");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aWebhookSyncSendsOnlyTheDiffRetriesItAfterAFailureAndWritesTraitsBack() {
        long now = System.currentTimeMillis();
        for (String u : List.of("ann", "bob", "cat")) {
            track(u, "visit", now - 60_000);
        }
        long cohort = admin("POST", "/api/cohorts", map("app_id", s.dev().appId(), "name", "Synced",
                "definition", map("type", "static", "identities", List.of("ann", "bob")))).json().get("id").asLong();
        String secret = "whsec_sync0123456789abcdef";
        try (WebhookReceiver hook = new WebhookReceiver(Clock.systemUTC(), List.of(secret))) {
            TestServer.Response d = admin("POST", env("/destinations"), map("name", "Audience hook", "kind", "webhook",
                    "settings", map("url", hook.url(), "secrets", List.of(secret)), "mapping", map()));
            assertThat(d.status()).as(d.body()).isEqualTo(201);
            long dest = d.json().get("id").asLong();

            // Analysts read but may not create or run; architects may.
            Map<String, Object> body = map("cohort_id", cohort, "destination_id", dest, "schedule_minutes", 60);
            assertThat(as(analyst, "POST", env("/cohort-syncs"), body).status()).isEqualTo(403);
            TestServer.Response created = as(architect, "POST", env("/cohort-syncs"), body);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            long id = created.json().get("id").asLong();
            assertThat(as(analyst, "POST", env("/cohort-syncs/" + id + "/run"), null).status()).isEqualTo(403);
            assertThat(as(analyst, "DELETE", env("/cohort-syncs/" + id), null).status()).isEqualTo(403);
            assertThat(as(analyst, "GET", env("/cohort-syncs/" + id), null).status()).isEqualTo(200);

            // Before its first run a sync has no last run.
            assertThat(as(analyst, "GET", env("/cohort-syncs/" + id), null).json().get("last_run").isNull()).isTrue();

            // First run: every member joins.
            JsonNode run1 = run(id);
            assertThat(run1.get("status").asText()).isEqualTo("delivered");
            assertThat(hook.processed).hasSize(1);
            JsonNode first = hook.processed.get(0);
            assertThat(texts(first.get("joined"))).containsExactly("ann", "bob");
            assertThat(texts(first.get("left"))).isEmpty();
            assertThat(first.get("cohort").get("id").asLong()).isEqualTo(cohort);
            assertThat(first.get("synced_at").asText()).isNotBlank();

            // Nothing changed: nothing sent.
            assertThat(run(id).get("status").asText()).isEqualTo("unchanged");
            assertThat(hook.processed).hasSize(1);

            // bob leaves, cat joins; the receiver is down: the run fails and the baseline stays.
            assertThat(admin("PUT", "/api/cohorts/" + cohort, map("app_id", s.dev().appId(), "name", "Synced",
                    "definition", map("type", "static", "identities", List.of("ann", "cat")))).status()).isEqualTo(200);
            hook.failNext(StandIn.Failure.status(500, "{\"error\":\"down\"}"));
            JsonNode failed = run(id);
            assertThat(failed.get("status").asText()).isEqualTo("failed");
            assertThat(failed.get("answer_status").asInt()).isEqualTo(500);
            assertThat(hook.processed).hasSize(1);

            // The retry sends the same diff, once.
            JsonNode retried = run(id);
            assertThat(retried.get("status").asText()).as(retried.toString()).isEqualTo("delivered");
            assertThat(retried.get("joined").asInt()).isEqualTo(1);
            assertThat(retried.get("left").asInt()).isEqualTo(1);
            assertThat(hook.processed).hasSize(2);
            JsonNode second = hook.processed.get(1);
            assertThat(texts(second.get("joined"))).containsExactly("cat");
            assertThat(texts(second.get("left"))).containsExactly("bob");
            // The failed attempt and the retry carried the same diff (the same id).
            List<StandIn.Received> posts = hook.received;
            assertThat(posts).hasSize(3);
            assertThat(posts.get(1).json().get("id").asText()).isEqualTo(posts.get(2).json().get("id").asText());
            assertThat(posts.get(1).json().get("joined")).isEqualTo(posts.get(2).json().get("joined"));

            // The run log, newest first.
            JsonNode runs = as(analyst, "GET", env("/cohort-syncs/" + id + "/runs"), null).json().get("runs");
            List<String> states = new ArrayList<>();
            runs.forEach(r -> states.add(r.get("status").asText()));
            assertThat(states).containsExactly("delivered", "failed", "unchanged", "delivered");
            assertThat(runs.get(0).get("finished_at").asText()).isNotBlank();
            assertThat(as(analyst, "GET", env("/cohort-syncs/" + id), null).json().get("members_synced").asInt())
                    .isEqualTo(2);
            // The list and the sync show the latest run, as the Audience syncs screen lists them.
            JsonNode listed = as(analyst, "GET", env("/cohort-syncs"), null).json().get("cohort_syncs").get(0);
            assertThat(listed.get("id").asLong()).isEqualTo(id);
            assertThat(listed.get("last_run").get("id").asLong()).isEqualTo(runs.get(0).get("id").asLong());
            assertThat(listed.get("last_run").get("status").asText()).isEqualTo("delivered");
            assertThat(listed.get("last_run").get("joined").asInt()).isEqualTo(1);

            // Traits back: the audience membership is a user property, and a breakdown.
            JsonNode ann = as(analyst, "GET", "/api/users/ann?app_id=" + s.dev().appId(), null).json();
            String trait = "hs_in_audience_" + id;
            assertThat(ann.toString()).contains(trait);
            track("ann", "visit", now - 30_000);
            track("bob", "visit", now - 30_000);
            track("cat", "visit", now - 30_000);
            Map<String, Long> by = counts("visit", "$user." + trait);
            assertThat(by).containsEntry("true", 4L).containsEntry("false", 2L);
            assertThat(counts("visit", "$user.hs_match_keys")).containsEntry("external_id", 6L);

            assertThat(as(architect, "DELETE", env("/cohort-syncs/" + id), null).status()).isEqualTo(204);
            assertThat(as(analyst, "GET", env("/cohort-syncs/" + id), null).status()).isEqualTo(404);
            admin("DELETE", env("/destinations/" + dest), null);
        }
    }

    // --- helpers ---

    private static Map<String, Long> counts(String event, String breakdown) {
        Instant now = Instant.now();
        Map<String, Object> body = map("app_id", s.dev().appId(), "kind", "graph",
                "from", now.minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS).toString(),
                "to", now.plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS).toString(), "interval", "day",
                "series", List.of(map("event", map("kind", "custom", "event", event), "measure", "count")),
                "breakdown", map("property", breakdown, "limit", 10));
        TestServer.Response r = admin("POST", "/api/query", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        Map<String, Long> out = new LinkedHashMap<>();
        for (JsonNode line : r.json().get("series")) {
            long n = 0;
            for (JsonNode p : line.get("points")) {
                n += p.get("value").asLong();
            }
            out.put(line.get("breakdown").asText(), n);
        }
        return out;
    }

    private static void track(String identity, String event, long time) {
        TestServer.Response r = s.post("/api/track", TestServer.json("app_id", s.dev().appId(), "identity", identity,
                "event", event, "timestamp", time), TestServer.bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static JsonNode run(long id) {
        TestServer.Response r = as(architect, "POST", env("/cohort-syncs/" + id + "/run"), null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static List<String> texts(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String env(String rest) {
        return ActivationHttp.env(s, rest);
    }

    private static TestServer.Response admin(String method, String path, Object body) {
        return as(TestServer.ADMIN, method, path, body);
    }

    private static TestServer.Response as(String token, String method, String path, Object body) {
        return s.send(method, path, body == null ? null : json(body), "Authorization", "Bearer " + token,
                "Content-Type", "application/json");
    }

    private static String member(String role) {
        return dev.hindsight.account.Session.member(s, role + "-sync-" + (++seq) + "@example.com", role).token(s);
    }
}
