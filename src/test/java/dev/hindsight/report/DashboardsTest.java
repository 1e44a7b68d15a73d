package dev.hindsight.report;

import static dev.hindsight.TestServer.bearer;
import static dev.hindsight.report.SavedReportsTest.assertField;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dashboards over HTTP: reports in order, added, removed and reordered; answers; bounds; isolation; restarts. */
class DashboardsTest {
    private static TestServer s;
    private static Saved dev;
    private static Saved prod;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        dev = new Saved(s, s.dev());
        prod = new Saved(s, s.prod());
        dev.events("Viewed", 2, Saved.NOV10);
        dev.events("Bought", 1, Saved.NOV10);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static long dashboard(String name, List<Long> reports) {
        TestServer.Response r = dev.send("POST", "/api/dashboards", "\"name\":\"" + name + "\",\"report_ids\":"
                + reports);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static List<Long> order(JsonNode dashboard) {
        List<Long> ids = new ArrayList<>();
        dashboard.get("reports").forEach(r -> ids.add(r.get("id").asLong()));
        List<Long> listed = new ArrayList<>();
        dashboard.get("report_ids").forEach(n -> listed.add(n.asLong()));
        assertThat(listed).isEqualTo(ids);
        return ids;
    }

    @Test
    void aDashboardKeepsItsReportsInOrderAsTheyAreAddedRemovedAndReordered() {
        long a = dev.saved("A", Saved.graphOf("Viewed"));
        long b = dev.saved("B", Saved.graphOf("Bought"));
        long c = dev.saved("C", Saved.graphOf("Viewed"));
        long d = dashboard("Ordered", List.of(b, a));
        assertThat(order(dev.get("/api/dashboards/" + d).json())).containsExactly(b, a);

        assertThat(order(dev.send("POST", "/api/dashboards/" + d + "/reports", "\"report_id\":" + c).json()))
                .containsExactly(b, a, c);
        TestServer.Response first = dev.delete("/api/dashboards/" + d + "/reports/" + b);
        assertThat(order(first.json())).containsExactly(a, c);
        assertThat(order(dev.send("POST", "/api/dashboards/" + d + "/reports", "\"report_id\":" + b
                + ",\"position\":1").json())).containsExactly(a, b, c);
        assertThat(order(dev.send("PATCH", "/api/dashboards/" + d, "\"report_ids\":[" + c + "," + a + "," + b + "]")
                .json())).containsExactly(c, a, b);
        assertThat(order(dev.get("/api/dashboards/" + d).json())).containsExactly(c, a, b);

        TestServer.Response renamed = dev.send("PATCH", "/api/dashboards/" + d, "\"name\":\"Renamed\"");
        assertThat(renamed.json().get("name").asText()).isEqualTo("Renamed");
        assertThat(order(renamed.json())).containsExactly(c, a, b);
        TestServer.Response replaced = dev.send("PUT", "/api/dashboards/" + d, "\"name\":\"Emptied\"");
        assertThat(order(replaced.json())).isEmpty();
        assertThat(dev.delete("/api/dashboards/" + d).status()).isEqualTo(204);
        assertThat(dev.get("/api/dashboards/" + d).status()).isEqualTo(404);
    }

    @Test
    void aDashboardAnswersEachReportAndShowsTheErrorOfOneThatCannotBeAnswered() {
        long viewed = dev.saved("Viewed", Saved.graphOf("Viewed"));
        long def = dev.define("Soon deleted", "Bought");
        long broken = dev.saved("Broken", Saved.graphOf(def));
        long bought = dev.saved("Bought", Saved.graphOf("Bought"));
        long d = dashboard("Answers", List.of(viewed, broken, bought));
        s.send("DELETE", "/api/definitions/" + def + "?app_id=" + dev.env.appId(), (String) null,
                bearer(TestServer.ADMIN));

        JsonNode without = dev.get("/api/dashboards/" + d).json();
        assertThat(without.get("reports").get(0).has("result")).isFalse();
        JsonNode with = dev.get("/api/dashboards/" + d + "?results=true").json();
        JsonNode reports = with.get("reports");
        assertThat(Saved.counts(reports.get(0).get("result"))).containsExactly(2L, 0L, 0L);
        assertThat(reports.get(0).get("cached").asBoolean()).isFalse();
        assertThat(reports.get(1).get("error").get("status").asInt()).isEqualTo(409);
        assertThat(reports.get(1).get("error").get("errors").findValuesAsText("field"))
                .contains("query.series[0].event.definition");
        assertThat(Saved.counts(reports.get(2).get("result"))).containsExactly(1L, 0L, 0L);
        assertThat(dev.get("/api/dashboards/" + d + "?results=true").json().get("reports").get(0).get("cached")
                .asBoolean()).isTrue();
        assertField(dev.get("/api/dashboards/" + d + "?results=yes"), 400, "results");
    }

    @Test
    void deletingAReportTakesItOffEveryDashboard() {
        long keep = dev.saved("Kept", Saved.graphOf("Viewed"));
        long gone = dev.saved("Gone", Saved.graphOf("Viewed"));
        long d1 = dashboard("One", List.of(gone, keep));
        long d2 = dashboard("Two", List.of(keep, gone));
        assertThat(dev.delete("/api/reports/" + gone).status()).isEqualTo(204);
        assertThat(order(dev.get("/api/dashboards/" + d1).json())).containsExactly(keep);
        assertThat(order(dev.get("/api/dashboards/" + d2).json())).containsExactly(keep);
    }

    @Test
    void aDashboardRefusesUnknownAndOtherEnvironmentsReportsDuplicatesAndMoreThan25() {
        long mine = dev.saved("Mine", Saved.graphOf("Viewed"));
        long theirs = prod.saved("Theirs", Saved.graphOf("Viewed"));
        assertField(dev.send("POST", "/api/dashboards", "\"name\":\"x\",\"report_ids\":[" + mine + "," + theirs + "]"),
                400, "report_ids[1]");
        assertField(dev.send("POST", "/api/dashboards", "\"name\":\"x\",\"report_ids\":[" + mine + "," + mine + "]"),
                400, "report_ids[1]");
        assertField(dev.send("POST", "/api/dashboards", "\"name\":\"x\",\"report_ids\":[\"1\"]"), 400,
                "report_ids[0]");
        assertField(dev.send("POST", "/api/dashboards", "\"name\":\"x\",\"reports\":[]"), 400, "reports");
        long d = dashboard("Bounded", List.of(mine));
        assertField(dev.send("POST", "/api/dashboards/" + d + "/reports", "\"report_id\":" + theirs), 400, "report_id");
        assertField(dev.send("POST", "/api/dashboards/" + d + "/reports", "\"report_id\":" + mine), 400, "report_id");
        long spare = dev.saved("Spare", Saved.graphOf("Viewed"));
        assertField(dev.send("POST", "/api/dashboards/" + d + "/reports", "\"report_id\":" + spare
                + ",\"position\":5"), 400, "position");
        assertThat(dev.delete("/api/dashboards/" + d + "/reports/" + spare).status()).isEqualTo(404);
        List<Long> many = new ArrayList<>();
        for (int i = 0; i < 26; i++) {
            many.add(dev.saved("Many " + i, Saved.graphOf("Viewed")));
        }
        assertField(dev.send("PATCH", "/api/dashboards/" + d, "\"report_ids\":" + many), 400, "report_ids");
        assertThat(dev.send("PATCH", "/api/dashboards/" + d, "\"report_ids\":" + many.subList(0, 25)).status())
                .isEqualTo(200);
        assertField(dev.send("POST", "/api/dashboards/" + d + "/reports", "\"report_id\":" + many.get(25)), 400,
                "report_id");
    }

    @Test
    void aDashboardOfOneEnvironmentCannotBeSeenOrChangedWithAnothersKey() {
        long d = dashboard("Private", List.of());
        Saved prodKey = prod.as(bearer(prod.env.secretKey()));
        assertThat(prodKey.get("/api/dashboards/" + d).status()).isEqualTo(404);
        assertThat(prodKey.send("PATCH", "/api/dashboards/" + d, "\"name\":\"mine now\"").status()).isEqualTo(404);
        assertThat(prodKey.delete("/api/dashboards/" + d).status()).isEqualTo(404);
        assertThat(prodKey.get("/api/dashboards").json().get("dashboards").findValuesAsText("name"))
                .doesNotContain("Private");
        assertThat(dev.as(bearer(prod.env.secretKey())).get("/api/dashboards/" + d).status()).isEqualTo(401);
        assertThat(dev.as(bearer(dev.env.secretKey())).get("/api/dashboards/" + d).status()).isEqualTo(200);
    }

    @Test
    void reportsAndDashboardsSurviveARestart() {
        try (TestServer own = TestServer.start()) {
            Saved here = new Saved(own, own.dev());
            here.events("Durable", 2, Saved.NOV10);
            long report = here.saved("Durable", Saved.graphOf("Durable"));
            TestServer.Response created = here.send("POST", "/api/dashboards", "\"name\":\"Durable board\","
                    + "\"description\":\"kept\",\"report_ids\":[" + report + "]");
            long d = created.json().get("id").asLong();
            JsonNode before = here.get("/api/reports/" + report).json();

            own.restart();
            Saved again = new Saved(own, own.dev());
            assertThat(again.get("/api/reports/" + report).json()).isEqualTo(before);
            JsonNode board = again.get("/api/dashboards/" + d + "?results=true").json();
            assertThat(board.get("name").asText()).isEqualTo("Durable board");
            assertThat(board.get("description").asText()).isEqualTo("kept");
            assertThat(Saved.counts(board.get("reports").get(0).get("result"))).containsExactly(2L, 0L, 0L);
            long next = again.saved("After restart", Saved.graphOf("Durable"));
            assertThat(next).isGreaterThan(report);
        }
    }
}
