package dev.hindsight.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A report's answer is reused until it could differ: new data in its environment, a change to a definition it uses,
 * or a change to its query; and only then (time passing, other environments' data and other definitions do not).
 */
class ReportCacheTest {
    private static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-20T12:00:00Z"));
    private static TestServer s;
    private static Saved dev;
    private static Saved prod;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
        dev = new Saved(s, s.dev());
        prod = new Saved(s, s.prod());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aRepeatedRunIsAnsweredFromTheCacheWithTheTimeItWasComputed() {
        dev.events("Repeat", 2, Saved.NOV10);
        long id = dev.saved("Repeat", Saved.graphOf("Repeat"));
        JsonNode first = dev.ran(id);
        assertThat(first.get("cached").asBoolean()).isFalse();
        assertThat(first.get("computed_at").asText()).isEqualTo(CLOCK.instant().toString());

        CLOCK.advance(Duration.ofHours(5));
        JsonNode second = dev.ran(id);
        assertThat(second.get("cached").asBoolean()).isTrue();
        assertThat(second.get("computed_at")).isEqualTo(first.get("computed_at"));
        assertThat(second.get("result")).isEqualTo(first.get("result"));
        assertThat(Saved.counts(second.get("result"))).containsExactly(2L, 0L, 0L);
        String metrics = s.get("/metrics", TestServer.bearer(TestServer.ADMIN)).body();
        assertThat(metrics).containsPattern("cache_gets_total\\{cache=\"reports\",result=\"hit\"} [1-9]");
    }

    @Test
    void newEventsInTheEnvironmentMakeTheAnswerStaleAndOtherEnvironmentsEventsDoNot() {
        dev.events("Arrivals", 1, Saved.NOV10);
        long id = dev.saved("Arrivals", Saved.graphOf("Arrivals"));
        dev.ran(id);
        prod.events("Arrivals", 4, Saved.NOV10);
        assertThat(dev.ran(id).get("cached").asBoolean()).isTrue();

        dev.events("Arrivals", 2, Saved.NOV10 + 86_400_000L);
        JsonNode after = dev.ran(id);
        assertThat(after.get("cached").asBoolean()).isFalse();
        assertThat(Saved.counts(after.get("result"))).containsExactly(1L, 2L, 0L);
        assertThat(dev.ran(id).get("cached").asBoolean()).isTrue();
    }

    @Test
    void anIdentifyMakesTheAnswerStaleSinceItChangesWhoDidWhat() {
        dev.events("Merged", 2, Saved.NOV10);
        long id = dev.saved("Merged users", Saved.graphOf("Merged").replace("}}]", "},\"measure\":\"users\"}]"));
        assertThat(Saved.counts(dev.ran(id).get("result"))).containsExactly(2L, 0L, 0L);
        TestServer.Response r = s.post("/h", TestServer.json("app_id", dev.env.appId(), "events", java.util.List.of(
                Map.of("kind", "identify", "device_id", "d0", "identity", "merged-user", "time", Saved.NOV10 + 5),
                Map.of("kind", "identify", "device_id", "d1", "identity", "merged-user", "time", Saved.NOV10 + 6))));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode after = dev.ran(id);
        assertThat(after.get("cached").asBoolean()).isFalse();
        assertThat(Saved.counts(after.get("result"))).containsExactly(1L, 0L, 0L);
    }

    @Test
    void changingADefinitionTheReportUsesMakesTheAnswerStale() {
        dev.events("Old rule", 1, Saved.NOV10);
        dev.events("New rule", 3, Saved.NOV10);
        long def = dev.define("Changing", "Old rule");
        long id = dev.saved("Uses changing", Saved.graphOf(def));
        assertThat(Saved.counts(dev.ran(id).get("result"))).containsExactly(1L, 0L, 0L);
        assertThat(dev.ran(id).get("cached").asBoolean()).isTrue();

        dev.redefine(def, "Changing", "New rule");
        JsonNode after = dev.ran(id);
        assertThat(after.get("cached").asBoolean()).isFalse();
        assertThat(Saved.counts(after.get("result"))).containsExactly(3L, 0L, 0L);

        dev.redefine(def, "Changed", "New rule");
        JsonNode renamed = dev.ran(id);
        assertThat(renamed.get("cached").asBoolean()).isFalse();
        assertThat(renamed.get("result").get("series").get(0).get("label").asText()).isEqualTo("Changed");
    }

    @Test
    void changingADefinitionTheReportDoesNotUseKeepsTheAnswer() {
        dev.events("Kept", 1, Saved.NOV10);
        long used = dev.define("Used", "Kept");
        long other = dev.define("Unrelated", "Something else");
        long id = dev.saved("Uses one", Saved.graphOf(used));
        JsonNode first = dev.ran(id);
        assertThat(first.get("cached").asBoolean()).isFalse();

        dev.redefine(other, "Unrelated, edited", "Kept");
        assertThat(dev.ran(id).get("cached").asBoolean()).isTrue();
        dev.define("Brand new", "Kept");
        assertThat(dev.ran(id).get("cached").asBoolean()).isTrue();
    }

    @Test
    void changingTheReportsQueryMakesTheAnswerStale() {
        dev.events("Edited", 1, Saved.NOV10);
        long id = dev.saved("Edited", Saved.graphOf("Edited"));
        dev.ran(id);
        dev.send("PATCH", "/api/reports/" + id, "\"query\":" + Saved.graphOf("Edited").replace("\"day\"", "\"week\""));
        JsonNode after = dev.ran(id);
        assertThat(after.get("cached").asBoolean()).isFalse();
        assertThat(Saved.counts(after.get("result"))).containsExactly(1L);
        // A new name and description leave the question, and so its answer, as they were.
        dev.send("PATCH", "/api/reports/" + id, "\"name\":\"Edited weekly\",\"description\":\"per week\"");
        assertThat(dev.ran(id).get("cached").asBoolean()).isTrue();
    }
}
