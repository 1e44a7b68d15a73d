package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Definitions screen in Chromium over the demo shop: the catalog's counts are the API's, the editor's preview
 * follows the selector as it is typed, an architect (admin) saves and an analyst only reads, a candidate opens a
 * pre-filled definition, and a new definition can be made with the keyboard alone.
 */
class DefinitionsScreenTest {
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
    void theCatalogShowsTheApisCountsWithATrendPerRow() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/definitions");
            List<String> errors = WebApp.watchErrors(page);
            Locator rows = page.locator("hs-definitions table#events tbody tr");
            JsonNode events = web.get("/api/catalog/events?app_id=" + app() + "&limit=200");
            int expectedRows = events.get("definitions").size() + events.get("custom_events").size();
            assertThat(expectedRows).as("the demo has definitions").isGreaterThan(5);
            assertThat(rows).hasCount(expectedRows);
            assertThat(page.locator("hs-definitions table#events svg.spark")).hasCount(expectedRows);
            for (JsonNode d : events.get("definitions")) {
                assertThat(page.locator("hs-definitions tr[data-name=\"" + d.get("name").asText() + "\"] td.count"))
                        .hasText(WebApp.format(d.get("count").asLong()));
            }
            for (JsonNode c : events.get("custom_events")) {
                assertThat(page.locator("hs-definitions tr[data-name=\"" + c.get("name").asText() + "\"] td.count"))
                        .hasText(WebApp.format(c.get("count").asLong()));
            }
            WebApp.screenshot(page, "definitions");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            // The search box narrows the list.
            page.getByLabel("Search").fill("started check");
            assertThat(rows).hasCount(1);
            assertThat(rows.first()).containsText("Started checkout");

            // Properties seen, from the catalog.
            page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("Properties")).click();
            assertThat(page.locator("hs-definitions table#properties")).containsText("revenue");
            assertThat(page.locator("hs-definitions table#properties")).containsText("plan");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void typingASelectorUpdatesThePreviewAndAnArchitectSavesTheDefinition() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/definitions/new");
            List<String> errors = WebApp.watchErrors(page);
            Locator total = page.locator("hs-definition-editor #preview-total");
            long anyClick = previewTotal(Map.of("kind", "click"));
            assertThat(total).hasText(WebApp.format(anyClick));

            String selector = "section.item button[data-action=add]";
            page.getByLabel("Selector").pressSequentially(selector);
            long expected = previewTotal(Map.of("kind", "click", "selector", selector));
            assertThat(expected).as("the redesigned button was clicked").isPositive().isLessThan(anyClick);
            assertThat(total).hasText(WebApp.format(expected));
            assertThat(page.locator("hs-definition-editor hs-chart[data-rendered=true]")).isVisible();
            assertThat(page.locator("hs-definition-editor table.samples tbody tr")).not().hasCount(0);

            page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("Cart - Added (new markup)");
            page.getByLabel("Category").fill("commerce");
            page.getByLabel("Status").selectOption("verified");
            WebApp.screenshot(page, "definition-editor");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create definition")).click();
            assertThat(page).hasURL(Pattern.compile("/definitions/\\d+$"));

            long id = web.definitionId("Cart - Added (new markup)");
            JsonNode saved = web.get("/api/definitions/" + id + "?app_id=" + app());
            assertThat(saved.get("status").asText()).isEqualTo("verified");
            assertThat(saved.get("category").asText()).isEqualTo("commerce");
            assertThat(saved.get("rules")).hasSize(1);
            assertThat(saved.get("rules").get(0).get("selector").asText()).isEqualTo(selector);
            assertThat(page.url()).endsWith("/definitions/" + id);
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aSelectorTheApiRefusesIsExplainedNextToTheField() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/definitions/new");
            assertThat(page.locator("hs-definition-editor #preview-total")).isVisible();
            page.getByLabel("Selector").fill("a + b");
            // The API names rules[0].selector; the message sits under the selector field.
            assertThat(page.locator("hs-definition-editor .rule .err")).isVisible();
            assertThat(page.getByLabel("Selector")).hasValue("a + b");
        }
    }

    @Test
    void anAnalystSeesTheEditorReadOnly() {
        String analyst = web.invite("ana@example.com", "analyst");
        long id = web.definitionId("Added to cart");
        try (BrowserContext ctx = web.signedIn(analyst, WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/definitions/" + id);
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page.locator("hs-definition-editor #readonly")).containsText("analyst");
            assertThat(page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true))).hasValue("Added to cart");
            assertThat(page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true))).isDisabled();
            assertThat(page.locator("hs-definition-editor .rule")).hasCount(2);
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save"))).hasCount(0);
            long expected = previewTotal(web.get("/api/definitions/" + id + "?app_id=" + app()).get("rules"));
            assertThat(page.locator("hs-definition-editor #preview-total")).hasText(WebApp.format(expected));
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aCandidateOpensANewDefinitionPrefilledWithItsSelector() {
        JsonNode first = web.get("/api/catalog/candidates?app_id=" + app() + "&limit=50").get("candidates").get(0);
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/definitions");
            List<String> errors = WebApp.watchErrors(page);
            page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("Candidates")).click();
            Locator define = page.locator("hs-definitions table#candidates tbody tr").first()
                    .getByRole(AriaRole.BUTTON);
            assertThat(page.locator("hs-definitions table#candidates tbody tr").first()).containsText(first.get("selector").asText());
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            define.click();
            assertThat(page).hasURL(Pattern.compile("/definitions/new#d="));
            assertThat(page.getByLabel("Rule 1 kind")).hasValue(first.get("kind").asText());
            assertThat(page.getByLabel("Selector")).hasValue(first.get("selector").asText());
            if (first.hasNonNull("path")) {
                assertThat(page.locator("hs-definition-editor .rule input[placeholder='/products/*']"))
                        .hasValue(first.get("path").asText());
            }
            assertThat(page.locator("hs-definition-editor #preview-total")).not().hasText("0");
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aNewDefinitionIsMadeWithTheKeyboardAlone() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/definitions");
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page.locator("hs-definitions table#events tbody tr").first()).isVisible();
            WebApp.tabTo(page, "New definition");
            page.keyboard().press("Enter");
            assertThat(page).hasURL(Pattern.compile("/definitions/new$"));
            assertThat(page.locator("hs-definition-editor #preview-total")).isVisible();
            // The link went away with the catalog: the focus is on the editor's heading, the name one Tab away.
            assertThat(page.locator("hs-definition-editor h1")).isFocused();
            page.keyboard().press("Tab");
            assertThat(page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true))).isFocused();
            page.keyboard().type("Signup - Submitted (keyboard)");
            WebApp.tabTo(page, "Rule 1 kind");
            page.keyboard().press("ArrowDown"); // click → submit
            assertThat(page.getByLabel("Rule 1 kind")).hasValue("submit");
            WebApp.tabTo(page, "selector");
            page.keyboard().type("form#signup");
            WebApp.tabTo(page, "Create definition");
            page.keyboard().press("Enter");
            assertThat(page).hasURL(Pattern.compile("/definitions/\\d+$"));
            JsonNode saved = web.get("/api/definitions/" + web.definitionId("Signup - Submitted (keyboard)") + "?app_id=" + app());
            assertThat(saved.get("rules").get(0).get("kind").asText()).isEqualTo("submit");
            assertThat(saved.get("rules").get(0).get("selector").asText()).isEqualTo("form#signup");
            assertThat(errors).isEmpty();
        }
    }

    private static long previewTotal(Object rule) {
        Object rules = rule instanceof JsonNode ? rule : List.of(rule);
        WebApp.Response r = web.send("POST", "/api/definitions/preview", Map.of("app_id", app(), "rules", rules),
                WebApp.ADMIN_TOKEN);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("total").asLong();
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
