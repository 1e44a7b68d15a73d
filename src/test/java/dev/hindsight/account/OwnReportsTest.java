package dev.hindsight.account;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Analysts change only their own reports and dashboards; architects any; viewers read dashboards only. */
class OwnReportsTest {
    private static final String GRAPH = "{\"kind\":\"graph\",\"from\":\"2026-11-10T00:00:00Z\",\"to\":\"2026-11-13T00:00:00Z\","
            + "\"interval\":\"day\",\"series\":[{\"event\":{\"kind\":\"custom\",\"event\":\"Signed up\"}}]}";
    private static TestServer s;
    private static String ann;
    private static String bob;
    private static String arch;
    private static String viewer;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        Session.setUp(s, "admin@example.com");
        ann = Session.member(s, "ann@example.com", "analyst").token(s);
        bob = Session.member(s, "bob@example.com", "analyst").token(s);
        arch = Session.member(s, "arch@example.com", "architect").token(s);
        viewer = Session.member(s, "viewer@example.com", "viewer").token(s);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void anAnalystChangesOnlyTheirOwnReportsAndAnArchitectChangesAnyone() {
        long report = saveReport(ann, "Ann's sign-ups");
        String rename = "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"renamed\"}";
        String path = "/api/reports/" + report;
        TestServer.Response others = s.send("PATCH", path, rename, bearer(bob));
        assertThat(others.status()).as(others.body()).isEqualTo(403);
        assertThat(others.json().get("detail").asText()).contains("owner");
        assertThat(s.send("DELETE", path + "?app_id=" + s.dev().appId(), (String) null, bearer(bob)).status())
                .isEqualTo(403);
        assertThat(s.send("PATCH", path, rename, bearer(ann)).status()).isEqualTo(200);
        assertThat(s.send("PATCH", path, rename, bearer(arch)).status()).isEqualTo(200);
        assertThat(s.get(path + "?app_id=" + s.dev().appId(), bearer(ann)).json().get("owner").asText())
                .startsWith("account:");
        assertThat(s.send("DELETE", path + "?app_id=" + s.dev().appId(), (String) null, bearer(arch)).status())
                .isEqualTo(204);
    }

    @Test
    void anAnalystChangesOnlyTheirOwnDashboards() {
        TestServer.Response d = s.post("/api/dashboards", "{\"app_id\":\"" + s.dev().appId()
                + "\",\"name\":\"Ann's\"}", bearer(ann));
        assertThat(d.status()).as(d.body()).isEqualTo(201);
        String path = "/api/dashboards/" + d.json().get("id").asLong();
        String rename = "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"renamed\"}";
        assertThat(s.send("PATCH", path, rename, bearer(bob)).status()).isEqualTo(403);
        assertThat(s.send("DELETE", path + "?app_id=" + s.dev().appId(), (String) null, bearer(bob)).status())
                .isEqualTo(403);
        assertThat(s.send("PATCH", path, rename, bearer(ann)).status()).isEqualTo(200);
        assertThat(s.send("DELETE", path + "?app_id=" + s.dev().appId(), (String) null, bearer(ann)).status())
                .isEqualTo(204);
    }

    @Test
    void aViewerReadsDashboardsAndTheirReportsAnswersButRunsNoQueryOfItsOwn() {
        long report = saveReport(ann, "Shown to viewers");
        TestServer.Response d = s.post("/api/dashboards", "{\"app_id\":\"" + s.dev().appId()
                + "\",\"name\":\"Team\",\"report_ids\":[" + report + "]}", bearer(ann));
        assertThat(d.status()).as(d.body()).isEqualTo(201);
        String app = "app_id=" + s.dev().appId();
        TestServer.Response shown = s.get("/api/dashboards/" + d.json().get("id").asLong() + "?results=true&" + app,
                bearer(viewer));
        assertThat(shown.status()).as(shown.body()).isEqualTo(200);
        assertThat(s.post("/api/reports/" + report + "/run?" + app, "", bearer(viewer)).status()).isEqualTo(200);

        TestServer.Response query = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\","
                + GRAPH.substring(1), bearer(viewer));
        assertThat(query.status()).isEqualTo(403);
        assertThat(query.json().get("detail").asText()).contains("'analyst'");
        assertThat(s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\"," + GRAPH.substring(1),
                bearer(ann)).status()).isEqualTo(200);
        assertThat(s.post("/api/reports", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"x\",\"query\":"
                + GRAPH + "}", bearer(viewer)).status()).isEqualTo(403);
    }

    private static long saveReport(String token, String name) {
        TestServer.Response r = s.post("/api/reports", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"" + name
                + "\",\"query\":" + GRAPH + "}", bearer(token));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }
}
