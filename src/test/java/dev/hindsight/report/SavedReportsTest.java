package dev.hindsight.report;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Saved reports over HTTP: CRUD, validation when saved, bounds, and environment isolation. */
class SavedReportsTest {
    private static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-20T12:00:00Z"));
    private static TestServer s;
    private static Saved dev;
    private static Saved prod;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
        dev = new Saved(s, s.dev());
        prod = new Saved(s, s.prod());
        dev.events("Signed up", 3, Saved.NOV10 + Saved.H);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aSavedReportIsReadUpdatedInPartOrWholeAndDeleted() {
        long def = dev.define("Signed up (crud)", "Signed up");
        TestServer.Response created = s.post("/api/reports", "{\"app_id\":\"" + dev.env.appId() + "\",\"name\":"
                + "\" Sign-ups \",\"description\":\"Daily\",\"query\":" + dev.withAppId(Saved.graphOf(def)) + "}",
                bearer(TestServer.ADMIN));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode r = created.json();
        long id = r.get("id").asLong();
        assertThat(r.get("name").asText()).isEqualTo("Sign-ups");
        assertThat(r.get("description").asText()).isEqualTo("Daily");
        assertThat(r.get("owner").asText()).isEqualTo("admin");
        assertThat(r.get("query").has("app_id")).isFalse();
        assertThat(r.get("query").get("series").get(0).get("event").get("definition").asLong()).isEqualTo(def);
        assertThat(r.get("created_at").asText()).isEqualTo(CLOCK.instant().toString());
        assertThat(dev.get("/api/reports/" + id).json()).isEqualTo(r);

        CLOCK.advance(Duration.ofMinutes(1));
        TestServer.Response renamed = dev.send("PATCH", "/api/reports/" + id, "\"name\":\"Sign-ups per day\"");
        assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
        assertThat(renamed.json().get("description").asText()).isEqualTo("Daily");
        assertThat(renamed.json().get("query")).isEqualTo(r.get("query"));
        assertThat(renamed.json().get("updated_at").asText()).isEqualTo(CLOCK.instant().toString());
        assertThat(renamed.json().get("created_at")).isEqualTo(r.get("created_at"));

        TestServer.Response replaced = dev.send("PUT", "/api/reports/" + id, "\"name\":\"Raw sign-ups\",\"query\":"
                + Saved.graphOf("Signed up"));
        assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
        assertThat(replaced.json().get("description").isNull()).isTrue();
        assertThat(dev.get("/api/reports/" + id).json().get("query").get("series").get(0).get("event").get("event")
                .asText()).isEqualTo("Signed up");

        assertThat(dev.delete("/api/reports/" + id).status()).isEqualTo(204);
        assertThat(dev.get("/api/reports/" + id).status()).isEqualTo(404);
        assertThat(dev.delete("/api/reports/" + id).status()).isEqualTo(404);
    }

    @Test
    void aReportSavedWithTheSecretKeyNamesTheKeyAsItsOwner() {
        Saved withKey = dev.as(bearer(dev.env.secretKey()));
        TestServer.Response r = withKey.save("By key", Saved.graphOf("Signed up"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        assertThat(r.json().get("owner").asText()).isEqualTo("secret-key");
    }

    @Test
    void aRunAnswersWhatTheQueryAnswers() {
        long id = dev.saved("Same answer", Saved.graphOf("Signed up"));
        JsonNode ran = dev.ran(id);
        TestServer.Response direct = s.post("/api/query", dev.withAppId(Saved.graphOf("Signed up")),
                bearer(TestServer.ADMIN));
        assertThat(ran.get("result")).isEqualTo(direct.json());
        assertThat(Saved.counts(ran.get("result"))).containsExactly(3L, 0L, 0L);
        assertThat(ran.get("report").get("id").asLong()).isEqualTo(id);
        assertThat(ran.get("report").get("name").asText()).isEqualTo("Same answer");
    }

    @Test
    void anInvalidQueryIsRefusedWhenSavedNamingItsFieldUnderQuery() {
        assertField(dev.save("Typo", Saved.graphOf("Signed up").replace("\"event\":{\"kind\"",
                "\"event\":{\"filters\":[],\"kind\"")), 400, "query.series[0].event.filters");
        assertField(dev.save("Fortnight", Saved.graphOf("Signed up").replace("\"day\"", "\"fortnight\"")), 400,
                "query.interval");
        assertField(dev.save("Gone", Saved.graphOf(999_999)), 400, "query.series[0].event.definition");
        assertField(dev.save("Backwards", Saved.graphOf("Signed up").replace("2026-11-13", "2026-11-01")), 400,
                "query.from");
        assertField(dev.save("Other app", "{\"app_id\":\"" + prod.env.appId() + "\"," + Saved.graphOf("Signed up")
                .substring(1)), 400, "query.app_id");
        assertField(dev.save("No query", "null"), 400, "query");
        assertField(dev.save("Not a query", "[1]"), 400, "query");
        assertThat(dev.get("/api/reports?limit=200").json().get("reports").findValuesAsText("name"))
                .doesNotContain("Typo", "Fortnight", "Gone", "Backwards", "Other app", "No query", "Not a query");
    }

    @Test
    void unknownMembersOverlongTextsAndOversizedQueriesAreRefusedNamingTheField() {
        assertField(dev.send("POST", "/api/reports", "\"name\":\"x\",\"colour\":\"red\",\"query\":"
                + Saved.graphOf("Signed up")), 400, "colour");
        assertField(dev.save("n".repeat(201), Saved.graphOf("Signed up")), 400, "name");
        assertField(dev.send("POST", "/api/reports", "\"name\":\"x\",\"description\":\"" + "d".repeat(2001)
                + "\",\"query\":" + Saved.graphOf("Signed up")), 400, "description");
        assertField(dev.send("POST", "/api/reports", "\"name\":\"   \",\"query\":" + Saved.graphOf("Signed up")), 400,
                "name");
        // 50 series of a 1,400-character event name: a query of about 70 KiB that /api/query itself would answer.
        String series = String.join(",", java.util.Collections.nCopies(50, "{\"event\":{\"kind\":\"custom\","
                + "\"event\":\"" + "e".repeat(1_400) + "\"}}"));
        assertField(dev.save("Huge", "{\"kind\":\"graph\"," + Saved.RANGE + ",\"interval\":\"day\",\"series\":["
                + series + "]}"), 400, "query");
        long id = dev.saved("Valid", Saved.graphOf("Signed up"));
        assertField(dev.send("PATCH", "/api/reports/" + id, "\"name\":7"), 400, "name");
        assertField(dev.send("PATCH", "/api/reports/" + id, "\"query\":" + Saved.graphOf(999_999)), 400,
                "query.series[0].event.definition");
        assertField(s.post("/api/reports/" + id + "/run?app_id=" + dev.env.appId(), "{\"x\":1}",
                bearer(TestServer.ADMIN)), 400, "body");
        assertField(dev.get("/api/reports?limit=201"), 400, "limit");
        assertField(dev.get("/api/reports/abc"), 400, "id");
    }

    @Test
    void aReportOfOneEnvironmentCannotBeReadChangedOrRunWithAnothersKey() {
        long id = dev.saved("Dev only", Saved.graphOf("Signed up"));
        Saved prodKeyOnDev = dev.as(bearer(prod.env.secretKey()));
        assertThat(prodKeyOnDev.get("/api/reports/" + id).status()).isEqualTo(401);
        assertThat(prodKeyOnDev.run(id).status()).isEqualTo(401);
        assertThat(prodKeyOnDev.delete("/api/reports/" + id).status()).isEqualTo(401);
        Saved prodKey = prod.as(bearer(prod.env.secretKey()));
        assertThat(prodKey.get("/api/reports/" + id).status()).isEqualTo(404);
        assertThat(prodKey.run(id).status()).isEqualTo(404);
        assertThat(prodKey.send("PATCH", "/api/reports/" + id, "\"name\":\"stolen\"").status()).isEqualTo(404);
        assertThat(prodKey.delete("/api/reports/" + id).status()).isEqualTo(404);
        assertThat(prodKey.get("/api/reports?limit=200").json().get("reports").findValuesAsText("name"))
                .doesNotContain("Dev only");
        Saved devKey = dev.as(bearer(dev.env.secretKey()));
        assertThat(devKey.ran(id).get("report").get("name").asText()).isEqualTo("Dev only");
        assertThat(s.get("/api/reports/" + id + "?app_id=" + dev.env.appId()).status()).isEqualTo(401);
    }

    @Test
    void reportsAreListedInPagesByCursor() {
        List<Long> mine = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mine.add(dev.saved("Paged " + i, Saved.graphOf("Signed up")));
        }
        List<Long> seen = new ArrayList<>();
        String cursor = null;
        int total = -1;
        do {
            JsonNode page = dev.get("/api/reports?limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            assertThat(page.get("reports").size()).isLessThanOrEqualTo(2);
            page.get("reports").forEach(r -> seen.add(r.get("id").asLong()));
            total = page.get("total").asInt();
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        assertThat(seen).isSorted().doesNotHaveDuplicates().containsSubsequence(mine).hasSize(total);
    }

    @Test
    void aReportWhoseDefinitionWasDeletedAnswersConflictNamingTheField() {
        long def = dev.define("Doomed", "Signed up");
        long id = dev.saved("Uses doomed", Saved.graphOf(def));
        assertThat(s.send("DELETE", "/api/definitions/" + def + "?app_id=" + dev.env.appId(), (String) null,
                bearer(TestServer.ADMIN)).status()).isEqualTo(204);
        assertField(dev.run(id), 409, "query.series[0].event.definition");
    }

    static void assertField(TestServer.Response r, int status, String field) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().get("errors").findValuesAsText("field")).as(r.body()).contains(field);
    }
}
