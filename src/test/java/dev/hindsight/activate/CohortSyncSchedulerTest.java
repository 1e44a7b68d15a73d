package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cohort-sync scheduler on the server's clock: a sync runs when its schedule comes due and not a moment before,
 * and its next run sends only the diff. The clock is the server's injected {@link MutableClock}; the scheduler's
 * thread polls every 5 s of wall time, so the test waits for it once and then drives its step, {@code runDue}.
 */
class CohortSyncSchedulerTest {
    private static final Instant NOW = Instant.parse("2026-05-04T08:00:00Z");
    private static final MutableClock CLOCK = new MutableClock(NOW);
    private static final String SECRET = "whsec_scheduler0123456789";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aScheduledSyncRunsWhenItsTimeComesNotBeforeAndThenSendsOnlyTheDiff() {
        for (String u : List.of("sch-ann", "sch-bob", "sch-cat")) {
            TestServer.Response r = s.post("/api/track", TestServer.json("app_id", s.dev().appId(), "identity", u,
                    "event", "sch_visit", "timestamp", CLOCK.millis() - 60_000), TestServer.bearer(s.dev().secretKey()));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
        long cohort = cohort(null, List.of("sch-ann", "sch-bob"));
        try (WebhookReceiver hook = new WebhookReceiver(CLOCK, List.of(SECRET))) {
            TestServer.Response d = admin("POST", env("/destinations"), map("name", "Scheduled hook", "kind",
                    "webhook", "settings", map("url", hook.url(), "secrets", List.of(SECRET)), "mapping", map()));
            assertThat(d.status()).as(d.body()).isEqualTo(201);
            Instant created = CLOCK.instant();
            TestServer.Response sync = admin("POST", env("/cohort-syncs"), map("cohort_id", cohort,
                    "destination_id", d.json().get("id").asLong(), "schedule_minutes", 30));
            assertThat(sync.status()).as(sync.body()).isEqualTo(201);
            long id = sync.json().get("id").asLong();
            Instant due = created.plus(Duration.ofMinutes(30));
            assertThat(Instant.parse(sync.json().get("next_run_at").asText())).isEqualTo(due);

            // A second before its time, the scheduler's step runs nothing.
            CLOCK.set(due.minusSeconds(1));
            assertThat(s.app().cohortSyncs().runDue()).isZero();
            assertThat(hook.received).isEmpty();
            assertThat(runs(id)).isEmpty();

            // At its time, the scheduler's own thread runs it: every member joins.
            CLOCK.set(due);
            await("the scheduler's first run, recorded", Duration.ofSeconds(45), () -> recorded(id, due));
            JsonNode first = hook.processed.get(0);
            assertThat(texts(first.get("joined"))).containsExactly("sch-ann", "sch-bob");
            assertThat(texts(first.get("left"))).isEmpty();
            JsonNode after = admin("GET", env("/cohort-syncs/" + id), null).json();
            assertThat(Instant.parse(after.get("next_run_at").asText())).isEqualTo(due.plus(Duration.ofMinutes(30)));
            assertThat(after.get("members_synced").asInt()).isEqualTo(2);

            // bob leaves and cat joins; nothing is sent until the next run is due.
            cohort(cohort, List.of("sch-ann", "sch-cat"));
            CLOCK.set(due.plus(Duration.ofMinutes(30)).minusSeconds(1));
            assertThat(s.app().cohortSyncs().runDue()).isZero();
            assertThat(hook.processed).hasSize(1);
            CLOCK.set(due.plus(Duration.ofMinutes(30)));
            await("the second run, recorded", Duration.ofSeconds(30), () -> {
                s.app().cohortSyncs().runDue();
                return recorded(id, due.plus(Duration.ofMinutes(30)));
            });
            JsonNode second = hook.processed.get(1);
            assertThat(texts(second.get("joined"))).containsExactly("sch-cat");
            assertThat(texts(second.get("left"))).containsExactly("sch-bob");
            assertThat(hook.duplicates).isEmpty();
            List<String> delivered = runs(id).stream().filter(r -> r.get("status").asText().equals("delivered"))
                    .map(r -> r.get("started_at").asText()).toList();
            assertThat(delivered).containsExactly(due.plus(Duration.ofMinutes(30)).toString(), due.toString());
        }
    }

    // --- helpers ---

    private static long cohort(Long id, List<String> identities) {
        Map<String, Object> body = map("app_id", s.dev().appId(), "name", "Scheduled audience", "definition",
                map("type", "static", "identities", identities));
        TestServer.Response r = id == null ? admin("POST", "/api/cohorts", body)
                : admin("PUT", "/api/cohorts/" + id, body);
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        return id == null ? r.json().get("id").asLong() : id;
    }

    /** Whether the sync's run started at {@code at} was delivered and the sync's next run moved on from it. */
    private static boolean recorded(long id, Instant at) {
        JsonNode sync = admin("GET", env("/cohort-syncs/" + id), null).json();
        return at.toString().equals(sync.path("last_success_at").asText(null))
                && Instant.parse(sync.get("next_run_at").asText()).isAfter(at);
    }

    private static List<JsonNode> runs(long id) {
        TestServer.Response r = admin("GET", env("/cohort-syncs/" + id + "/runs"), null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("runs").forEach(out::add);
        return out;
    }

    /** Polls a condition until it holds (never a fixed sleep standing in for one). */
    private static void await(String what, Duration timeout, BooleanSupplier ok) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
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
        return ActivationHttp.admin(s, method, path, body);
    }
}
