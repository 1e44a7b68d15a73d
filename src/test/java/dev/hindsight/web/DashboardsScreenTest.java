package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Saving a chart from the Graph screen to a dashboard, and the Dashboards screen in Chromium: an analyst's
 * dashboard of saved reports drawn from their answers, reordered with the keyboard, and a viewer who sees only
 * dashboards, read-only.
 */
class DashboardsScreenTest {
    private static WebApp web;

    @BeforeAll
    static void start() {
        web = WebApp.withDemo();
        web.invite("ana@example.com", "analyst");
        web.invite("vic@example.com", "viewer");
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    private static JsonNode dashboards() {
        return web.send("GET", "/api/dashboards?app_id=" + web.dev().appId(), null, WebApp.ADMIN_TOKEN).json();
    }

    private static Page open(BrowserContext ctx, String path) {
        Page page = ctx.newPage();
        page.navigate(web.url(path));
        return page;
    }

    private static void saveGraph(Page page, String name, String dashboardChoice, String newDashboard) {
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save").setExact(true)).click();
        page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill(name);
        page.getByLabel("Add to dashboard").selectOption(dashboardChoice);
        if (newDashboard != null) {
            page.getByLabel("New dashboard's name").fill(newDashboard);
        }
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save report")).click();
        assertThat(page.getByRole(AriaRole.STATUS).filter(new com.microsoft.playwright.Locator.FilterOptions()
                .setHasText("Saved"))).isVisible();
    }

    @Test
    void anAnalystSavesChartsToADashboardAndReordersThemWithTheKeyboard() {
        try (BrowserContext ctx = web.signedIn("ana@example.com", WebApp.PASSWORD)) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/graph");
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page.locator("hs-chart[data-rendered=true]")).isVisible();
            saveGraph(page, "Daily pageviews", "new", "Growth");

            JsonNode growth = null;
            for (JsonNode d : dashboards().get("dashboards")) {
                if (d.get("name").asText().equals("Growth")) {
                    growth = d;
                }
            }
            assertThat(growth).as("the new dashboard").isNotNull();
            long id = growth.get("id").asLong();
            page.getByLabel("Measure").selectOption("users");
            assertThat(page.locator("hs-graph .result[aria-busy=false] hs-chart[data-rendered=true]")).isVisible();
            saveGraph(page, "Daily visitors", String.valueOf(id), null);

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Dashboards")).click();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Growth")).click();
            assertThat(page).hasURL(Pattern.compile("/dashboards/" + id + "$"));
            assertThat(page.locator("hs-dashboards section h2")).hasText(new String[] {"Daily pageviews", "Daily visitors"});
            assertThat(page.locator("hs-dashboards hs-chart[data-rendered=true]")).hasCount(2);
            WebApp.screenshot(page, "dashboard");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            // Keyboard only: focus "Move Daily visitors up" and press Enter.
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Move Daily visitors up")).focus();
            page.keyboard().press("Enter");
            assertThat(page.locator("hs-dashboards section h2")).hasText(new String[] {"Daily visitors", "Daily pageviews"});
            JsonNode saved = web.send("GET", "/api/dashboards/" + id + "?app_id=" + web.dev().appId(), null,
                    WebApp.ADMIN_TOKEN).json();
            List<String> order = new ArrayList<>();
            saved.get("reports").forEach(r -> order.add(r.get("name").asText()));
            assertThat(order).containsExactly("Daily visitors", "Daily pageviews");

            // A tile's title opens its question in the Graph screen.
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Daily visitors")).click();
            assertThat(page).hasURL(Pattern.compile("/graph#q="));
            assertThat(page.getByLabel("Measure")).hasValue("users");
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aViewerSeesOnlyDashboardsAndCannotChangeThem() {
        JsonNode report = web.send("POST", "/api/reports", Map.of("app_id", web.dev().appId(), "name", "Purchases",
                "query", Map.of("kind", "graph", "from", "-30d", "interval", "week", "series",
                        List.of(Map.of("event", Map.of("kind", "custom", "event", "Purchase Completed"),
                                "measure", "count")))), WebApp.ADMIN_TOKEN).json();
        JsonNode board = web.send("POST", "/api/dashboards", Map.of("app_id", web.dev().appId(), "name", "Revenue",
                "report_ids", List.of(report.get("id").asLong())), WebApp.ADMIN_TOKEN).json();
        try (BrowserContext ctx = web.signedIn("vic@example.com", WebApp.PASSWORD)) {
            Page page = open(ctx, "/");
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page).hasURL(Pattern.compile("/dashboards$"));
            assertThat(page.locator("hs-app nav a")).hasText(new String[] {"Dashboards", "Settings"});
            assertThat(page.getByLabel("New dashboard")).hasCount(0);
            // The environment switcher keeps the screen.
            page.getByLabel("Environment").selectOption(web.dev().appId());
            assertThat(page).hasURL(Pattern.compile("/e/" + web.dev().appId() + "/dashboards$"));
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Revenue")).click();
            assertThat(page.locator("hs-dashboards hs-chart[data-rendered=true]")).hasCount(1);
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Remove Purchases from the dashboard")))
                    .hasCount(0);
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete dashboard"))).hasCount(0);
            // The title is not a link into the Graph screen, which a viewer may not use.
            assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Purchases"))).hasCount(0);
            WebApp.screenshot(page, "dashboard-viewer");
            assertThat(errors).isEmpty();
        }
        assertThat(board.get("id").asLong()).isPositive();
    }
}
