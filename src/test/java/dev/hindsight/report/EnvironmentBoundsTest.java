package dev.hindsight.report;

import static dev.hindsight.report.SavedReportsTest.assertField;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.TestServer;
import org.junit.jupiter.api.Test;

/** An environment holds at most 1,000 saved reports and 200 dashboards; the next one is refused. */
class EnvironmentBoundsTest {

    @Test
    void theReportAndDashboardPastAnEnvironmentsBoundAreRefusedAndOtherEnvironmentsStillSave() {
        try (TestServer s = TestServer.start()) {
            Saved dev = new Saved(s, s.dev());
            for (int i = 0; i < ReportLimits.REPORTS_PER_ENVIRONMENT; i++) {
                dev.saved("R" + i, Saved.graphOf("Anything"));
            }
            TestServer.Response refused = dev.save("One too many", Saved.graphOf("Anything"));
            assertThat(refused.status()).as(refused.body()).isEqualTo(400);
            assertThat(refused.json().get("type").asText()).endsWith("/limit-exceeded");
            assertThat(refused.json().get("detail").asText()).contains("1000 saved reports");
            assertThat(new Saved(s, s.prod()).save("Elsewhere", Saved.graphOf("Anything")).status()).isEqualTo(201);

            for (int i = 0; i < ReportLimits.DASHBOARDS_PER_ENVIRONMENT; i++) {
                assertThat(dev.send("POST", "/api/dashboards", "\"name\":\"D" + i + "\"").status()).isEqualTo(201);
            }
            TestServer.Response full = dev.send("POST", "/api/dashboards", "\"name\":\"One too many\"");
            assertThat(full.status()).as(full.body()).isEqualTo(400);
            assertThat(full.json().get("detail").asText()).contains("200 dashboards");
            assertField(dev.send("POST", "/api/dashboards", "\"name\":\"\""), 400, "name");
        }
    }
}
