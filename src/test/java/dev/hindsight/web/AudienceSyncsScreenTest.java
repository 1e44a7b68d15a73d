package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.hindsight.activate.WebhookReceiver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Audience syncs screen in Chromium over the demo shop: an architect syncs a saved cohort to a webhook
 * destination, Run now logs a run whose join count is what the webhook received, the list shows the last run and
 * the members sent, the sync is deleted; an analyst reads without the controls that change anything.
 */
class AudienceSyncsScreenTest {
    private static final String SECRET = "whsec_screen0123456789abcdef";
    private static WebApp web;
    private static WebhookReceiver hook;
    private static String architect;
    private static String analyst;

    @BeforeAll
    static void start() {
        web = WebApp.withDemo();
        hook = new WebhookReceiver(Clock.systemUTC(), List.of(SECRET));
        architect = web.invite("ari@example.com", "architect");
        analyst = web.invite("ana@example.com", "analyst");
    }

    @AfterAll
    static void stop() {
        hook.close();
        web.close();
    }

    private static String app() {
        return web.dev().appId();
    }

    private static long webhookDestination(String name) {
        WebApp.Response d = web.send("POST", "/api/environments/" + app() + "/destinations", Map.of("name", name,
                "kind", "webhook", "settings", Map.of("url", hook.url(), "secrets", List.of(SECRET)), "mapping", Map.of()),
                WebApp.ADMIN_TOKEN);
        assertThat(d.status()).as(d.body()).isEqualTo(201);
        return d.json().get("id").asLong();
    }

    @Test
    void aSyncCreatedInTheScreenRunsNowAndLogsTheJoinsTheWebhookReceived() {
        WebApp.Cohort cohort = web.staticCohort("Loyal buyers", 7);
        long destination = webhookDestination("CRM hook");
        try (BrowserContext ctx = web.signedIn(architect, WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/audiences");
            List<String> errors = WebApp.watchErrors(page);
            Locator screen = page.locator("hs-audiences");
            assertThat(screen.getByRole(AriaRole.STATUS)).containsText("No cohort is synced yet");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            // The keyboard reaches New audience sync from the rail.
            WebApp.tabTo(page, "New audience sync");
            page.keyboard().press("Enter");
            assertThat(page).hasURL(Pattern.compile("/audiences/new$"));
            Locator form = page.locator("hs-audience");
            form.getByLabel("Cohort").selectOption(String.valueOf(cohort.id()));
            form.getByLabel("Destination").selectOption(String.valueOf(destination));
            form.getByLabel("Schedule").selectOption("1440");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            form.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Create audience sync")).click();
            assertThat(page).hasURL(Pattern.compile("/audiences/\\d+$"));
            long id = Long.parseLong(page.url().replaceAll(".*/", ""));

            JsonNode saved = web.get("/api/environments/" + app() + "/cohort-syncs/" + id);
            assertThat(saved.get("cohort_id").asLong()).isEqualTo(cohort.id());
            assertThat(saved.get("destination_id").asLong()).isEqualTo(destination);
            assertThat(saved.get("schedule_minutes").asInt()).isEqualTo(1440);
            assertThat(form.locator("#facts")).containsText("Every day");
            assertThat(form.locator("section")).containsText("Not run yet");

            form.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Run now")).click();
            Locator run = form.locator("table#runs tbody tr");
            assertThat(run).hasCount(1);
            assertThat(hook.processed).hasSize(1);
            List<String> joined = new ArrayList<>();
            hook.processed.get(0).get("joined").forEach(n -> joined.add(n.asText()));
            assertThat(joined).containsExactlyInAnyOrderElementsOf(cohort.members());
            assertThat(run.locator("td.joined")).hasText(WebApp.format(joined.size()));
            assertThat(run.locator("td.left")).hasText("0");
            assertThat(run).containsText("delivered");
            assertThat(run).containsText("HTTP 200");
            assertThat(form.locator("#members-synced")).containsText(WebApp.format(joined.size()));
            JsonNode runs = web.get("/api/environments/" + app() + "/cohort-syncs/" + id + "/runs");
            assertThat(run).hasAttribute("data-id", runs.get("runs").get(0).get("id").asText());
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "audience-sync");

            // The list: cohort, destination, schedule, the last run and the members sent.
            form.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("← Audience syncs")).click();
            Locator row = screen.locator("table#syncs tbody tr[data-id='" + id + "']");
            assertThat(row.locator("th")).hasText("Loyal buyers");
            assertThat(row).containsText("CRM hook");
            assertThat(row).containsText("Every day");
            assertThat(row.locator("td.last-run")).containsText("delivered");
            assertThat(row.locator("td.last-run")).containsText(joined.size() + " joined, 0 left");
            assertThat(row.locator("td.members")).hasText(WebApp.format(joined.size()));
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "audiences");

            // Run now from the list: nothing changed, so nothing is sent, and the run says so.
            row.getByRole(AriaRole.BUTTON).click();
            assertThat(screen.locator("#message")).containsText("unchanged, 0 joined, 0 left");
            assertThat(row.locator("td.last-run")).containsText("unchanged");
            assertThat(hook.processed).hasSize(1);

            // Delete, from the sync's page.
            row.getByRole(AriaRole.LINK).click();
            page.onceDialog(d -> d.accept());
            form.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete")).click();
            assertThat(page).hasURL(Pattern.compile("/audiences$"));
            assertThat(screen.getByRole(AriaRole.STATUS).first()).containsText("No cohort is synced yet");
            assertThat(web.send("GET", "/api/environments/" + app() + "/cohort-syncs/" + id, null, WebApp.ADMIN_TOKEN).status())
                    .isEqualTo(404);
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void anAnalystReadsTheSyncsAndTheirRunsWithoutTheControlsThatChangeThem() {
        WebApp.Cohort cohort = web.staticCohort("Newsletter readers", 3);
        long destination = webhookDestination("Read-only hook");
        WebApp.Response made = web.send("POST", "/api/environments/" + app() + "/cohort-syncs", Map.of("cohort_id", cohort.id(),
                "destination_id", destination, "schedule_minutes", 60), WebApp.ADMIN_TOKEN);
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        long id = made.json().get("id").asLong();
        try (BrowserContext ctx = web.signedIn(analyst, WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/audiences");
            List<String> errors = WebApp.watchErrors(page);
            Locator row = page.locator("hs-audiences table#syncs tbody tr[data-id='" + id + "']");
            assertThat(row.locator("th")).hasText("Newsletter readers");
            assertThat(row.locator("td.last-run")).hasText("never run");
            assertThat(row.getByRole(AriaRole.BUTTON)).hasCount(0);
            assertThat(page.locator("hs-audiences a.new")).hasCount(0);
            assertThat(page.locator("hs-audiences")).containsText("Architects and admins set syncs up and run them (your role is analyst)");
            row.getByRole(AriaRole.LINK).click();
            assertThat(page.locator("hs-audience #readonly")).containsText("analyst");
            assertThat(page.locator("hs-audience #run-now")).hasCount(0);
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        } finally {
            web.send("DELETE", "/api/environments/" + app() + "/cohort-syncs/" + id, null, WebApp.ADMIN_TOKEN);
        }
    }
}
