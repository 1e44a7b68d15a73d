package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
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
 * The Cohorts screen in Chromium over the demo shop: a cohort built in the builder is saved as the API reads it,
 * its size and members are the API's, the list shows each cohort's size, and a static cohort takes pasted
 * identities.
 */
class CohortsScreenTest {
    private static WebApp web;

    @BeforeAll
    static void start() {
        web = WebApp.withDemo();
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    private static String app() {
        return web.dev().appId();
    }

    @Test
    void aCohortBuiltInTheBuilderIsSavedAndShowsTheApisSizeAndMembers() {
        long product = web.definitionId("Viewed a product");
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/cohorts/new");
            List<String> errors = WebApp.watchErrors(page);
            page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("Product browsers on a plan");
            Locator first = page.locator("hs-cohort .cond").nth(0);
            Locator event = first.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("Event").setExact(true));
            assertThat(event).containsText("Viewed a product");
            event.selectOption("d:" + product);
            first.getByLabel("At least").fill("2");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add a condition")).click();
            Locator second = page.locator("hs-cohort .cond").nth(1);
            second.locator("select[name=cond-2]").selectOption("property");
            second.locator("input[list=user-props]").fill("plan");
            second.getByLabel("Operator").selectOption("is_set");
            page.getByLabel("Users must match").selectOption("all");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create cohort")).click();
            assertThat(page).hasURL(Pattern.compile("/cohorts/\\d+$"));

            long id = web.cohortId("Product browsers on a plan");
            JsonNode saved = web.get("/api/cohorts/" + id + "?app_id=" + app());
            assertThat(saved.get("definition").toString()).isEqualTo("{\"all\":[{\"did\":{\"definition\":" + product
                    + "},\"at_least\":2,\"within\":\"30d\"},{\"property\":\"plan\",\"op\":\"is_set\"}]}");

            JsonNode members = web.get("/api/cohorts/" + id + "/members?app_id=" + app() + "&limit=25");
            long total = members.get("total").asLong();
            assertThat(total).as("the demo has signed-up product viewers").isPositive();
            assertThat(page.locator("hs-cohort #members-total")).hasText(WebApp.format(total));
            List<String> expected = new ArrayList<>();
            members.get("users").forEach(u -> expected.add(u.get("identity").asText()));
            Locator rows = page.locator("hs-cohort table#members tbody tr th a");
            assertThat(rows).hasCount(expected.size());
            assertThat(rows).hasText(expected.toArray(String[]::new));
            assertThat(rows.first()).hasAttribute("href", "/e/" + app() + "/users/"
                    + java.net.URLEncoder.encode(expected.get(0), java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));

            JsonNode size = web.get("/api/cohorts/" + id + "/size?app_id=" + app() + "&from=-30d&interval=day");
            JsonNode points = size.get("points");
            assertThat(points.get(points.size() - 1).get("size").asLong()).isEqualTo(total);
            assertThat(page.locator("hs-cohort hs-chart[data-rendered=true]")).isVisible();
            assertThat(page.locator("hs-cohort hs-chart")).hasAttribute("label", Pattern.compile("now " + total + "$"));
            WebApp.screenshot(page, "cohort");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            if (total > 25) {
                page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Next")).click();
                assertThat(page.locator("hs-cohort #members-range")).containsText("26–");
                assertThat(rows.first()).not().hasText(expected.get(0));
                page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Previous")).click();
                assertThat(page.locator("hs-cohort #members-range")).hasText("1–25 of " + WebApp.format(total));
                assertThat(rows).hasText(expected.toArray(String[]::new));
            }
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void theListShowsEachCohortsSizeAndAStaticCohortTakesPastedIdentities() {
        List<String> known = new ArrayList<>();
        for (JsonNode u : web.get("/api/users?app_id=" + app() + "&limit=100").get("users")) {
            if (known.size() < 3 && u.hasNonNull("identity")) {
                known.add(u.get("identity").asText());
            }
        }
        assertThat(known).hasSize(3);
        WebApp.Response made = web.send("POST", "/api/cohorts", Map.of("app_id", app(), "name", "Recent purchasers",
                "definition", Map.of("did", Map.of("definition", web.definitionId("Purchased")), "within", "30d")), WebApp.ADMIN_TOKEN);
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/cohorts/new");
            List<String> errors = WebApp.watchErrors(page);
            page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("Hand-picked");
            page.getByLabel("Static").check();
            page.locator("hs-cohort textarea[name=identities]").fill(String.join("\n", known) + "\nnobody-seen-yet");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create cohort")).click();
            assertThat(page).hasURL(Pattern.compile("/cohorts/\\d+$"));
            assertThat(page.locator("hs-cohort #members-total")).hasText(String.valueOf(known.size()));

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("← Cohorts")).click();
            Locator list = page.locator("hs-cohorts table#cohorts");
            JsonNode cohorts = web.get("/api/cohorts?app_id=" + app() + "&limit=200").get("cohorts");
            assertThat(list.locator("tbody tr")).hasCount(cohorts.size());
            for (JsonNode c : cohorts) {
                long total = web.get("/api/cohorts/" + c.get("id").asLong() + "/members?app_id=" + app() + "&limit=1")
                        .get("total").asLong();
                assertThat(list.locator("tr[data-id=\"" + c.get("id").asLong() + "\"] td.size"))
                        .hasText(WebApp.format(total));
            }
            WebApp.screenshot(page, "cohorts");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void anAnalystSeesACohortReadOnly() {
        WebApp.Response made = web.send("POST", "/api/cohorts", Map.of("app_id", app(), "name", "Pro users",
                "definition", Map.of("property", "plan", "op", "eq", "value", "pro")), WebApp.ADMIN_TOKEN);
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        String analyst = web.invite("cora@example.com", "analyst");
        try (BrowserContext ctx = web.signedIn(analyst, WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/cohorts/" + made.json().get("id").asLong());
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page.locator("hs-cohort #readonly")).containsText("analyst");
            assertThat(page.getByLabel("Value", new Page.GetByLabelOptions().setExact(true))).hasValue("pro");
            assertThat(page.getByLabel("Value", new Page.GetByLabelOptions().setExact(true))).isDisabled();
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save"))).hasCount(0);
            assertThat(page.locator("hs-cohort table#members tbody tr")).not().hasCount(0);
            assertThat(errors).isEmpty();
        }
    }
}
