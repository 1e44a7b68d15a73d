package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * The Cohorts screen in Chromium over the demo shop: a cohort built in the builder (flat, or in groups nested two
 * levels and more, with the mouse or the keyboard alone) is saved as the API reads it, its size and members are the
 * API's, a nested cohort made through the API shows in the builder and saves back unchanged, the list shows each
 * cohort's size, and a static cohort takes pasted identities.
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

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String app() {
        return web.dev().appId();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A condition's, group's or builder control's locator by its accessible name, exactly. */
    private static Locator named(Page page, AriaRole role, String name) {
        return page.locator("hs-cohort").getByRole(role, new Locator.GetByRoleOptions().setName(name).setExact(true));
    }

    /** Clicks Save and waits for the API's answer to the cohort's PUT. */
    private static void save(Page page, long id) {
        com.microsoft.playwright.Response put = page.waitForResponse(r -> r.request().method().equals("PUT")
                && r.url().endsWith("/api/cohorts/" + id), () -> named(page, AriaRole.BUTTON, "Save").click());
        assertThat(put.status()).isEqualTo(200);
        assertThat(page.locator("hs-cohort .actions [role=status]")).hasText("Saved.");
    }

    /** The saved cohort's members total and first page on the screen are the API's. */
    private static long assertShowsTheApisMembers(Page page, long id) {
        JsonNode members = web.get("/api/cohorts/" + id + "/members?app_id=" + app() + "&limit=25");
        long total = members.get("total").asLong();
        assertThat(page.locator("hs-cohort #members-total")).hasText(WebApp.format(total));
        // An anonymous member (a device never identified) shows as such, without a profile link.
        List<String> expected = new ArrayList<>();
        members.get("users").forEach(u -> expected.add(u.get("identity").isNull()
                ? "Anonymous (" + u.get("user_key").asText().substring("device:".length()) + ")" : u.get("identity").asText()));
        Locator rows = page.locator("hs-cohort table#members tbody tr th");
        assertThat(rows).hasCount(expected.size());
        if (!expected.isEmpty()) {
            assertThat(rows).hasText(expected.toArray(String[]::new));
        }
        JsonNode points = web.get("/api/cohorts/" + id + "/size?app_id=" + app() + "&from=-30d&interval=day").get("points");
        assertThat(points.get(points.size() - 1).get("size").asLong()).isEqualTo(total);
        assertThat(page.locator("hs-cohort hs-chart")).hasAttribute("label", Pattern.compile("now " + total + "$"));
        return total;
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
    void aCohortNestedTwoLevelsDeepIsBuiltInTheBuilderAndShowsTheApisMembers() {
        long product = web.definitionId("Viewed a product");
        long purchased = web.definitionId("Purchased");
        // Viewed a product twice, and (on the pro plan, or not (purchased in the last 7 days and on any plan)).
        JsonNode intended = json("""
                {"all": [
                  {"did": {"definition": %d}, "at_least": 2, "within": "30d"},
                  {"any": [
                    {"property": "plan", "op": "eq", "value": "pro"},
                    {"not": {"all": [
                      {"did": {"definition": %d}, "at_least": 1, "within": "7d"},
                      {"property": "plan", "op": "is_set"}]}}]}]}""".formatted(product, purchased));
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/cohorts/new");
            List<String> errors = WebApp.watchErrors(page);
            page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("Browsers, pro or not recent buyers");
            Locator c1 = named(page, AriaRole.GROUP, "Condition 1");
            Locator event = c1.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("Event").setExact(true));
            assertThat(event).containsText("Viewed a product");
            event.selectOption("d:" + product);
            c1.getByLabel("At least").fill("2");

            // Group 2 (any, the other join than its parent's) inside the cohort's all.
            named(page, AriaRole.BUTTON, "Add a group").click();
            Locator g2 = named(page, AriaRole.GROUP, "Group 2");
            assertThat(g2.locator("select[name='group-2']")).hasValue("any");
            assertThat(page.locator("hs-cohort select[name=join]")).hasValue("all");
            Locator c21 = named(page, AriaRole.GROUP, "Condition 2.1");
            c21.locator("select[name='cond-2.1']").selectOption("property");
            c21.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("User property").setExact(true)).fill("plan");
            c21.getByLabel("Operator").selectOption("eq");
            c21.getByLabel("Value", new Locator.GetByLabelOptions().setExact(true)).fill("pro");

            // Group 2.2 (all) inside group 2, negated: two levels of nesting below the cohort's own group.
            named(page, AriaRole.BUTTON, "Add a group to group 2").click();
            Locator g22 = named(page, AriaRole.GROUP, "Group 2.2");
            assertThat(g22.locator("select[name='group-2.2']")).hasValue("all");
            named(page, AriaRole.CHECKBOX, "Not: group 2.2").check();
            Locator c221 = named(page, AriaRole.GROUP, "Condition 2.2.1");
            c221.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("Event").setExact(true))
                    .selectOption("d:" + purchased);
            c221.getByLabel("Condition 2.2.1: In the last (number)").fill("7");
            named(page, AriaRole.BUTTON, "Add a condition to group 2.2").click();
            Locator c222 = named(page, AriaRole.GROUP, "Condition 2.2.2");
            assertThat(c222.locator("select[name='cond-2.2.2']")).isFocused();
            c222.locator("select[name='cond-2.2.2']").selectOption("property");
            c222.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("User property").setExact(true)).fill("plan");
            c222.getByLabel("Operator").selectOption("is_set");
            assertThat(page.locator("hs-cohort .group")).hasCount(2);
            assertThat(g22).hasClass(Pattern.compile("negated"));
            page.locator("hs-cohort form").screenshot(new Locator.ScreenshotOptions()
                    .setPath(java.nio.file.Path.of("target", "screenshots", "cohort-nested-builder.png")));
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create cohort")).click();
            assertThat(page).hasURL(Pattern.compile("/cohorts/\\d+$"));
            long id = web.cohortId("Browsers, pro or not recent buyers");
            assertThat(web.get("/api/cohorts/" + id + "?app_id=" + app()).get("definition")).isEqualTo(intended);
            long total = assertShowsTheApisMembers(page, id);
            assertThat(total).as("the demo has such users").isPositive();
            // The saved cohort shows in the builder as it was built.
            assertThat(named(page, AriaRole.CHECKBOX, "Not: group 2.2")).isChecked();
            assertThat(page.locator("hs-cohort .group")).hasCount(2);
            WebApp.screenshot(page, "cohort-nested");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aNestedCohortMadeThroughTheApiShowsInTheBuilderAndSavesBackUnchanged() {
        long checkout = web.definitionId("Started checkout");
        long purchased = web.definitionId("Purchased");
        // Forms the builder writes otherwise are kept: at_least left out, the operator as a symbol, an event's
        // property filters, did_not, then_not with in_last, a not of a condition and of a group, a not of a not (which
        // the builder shows as JSON and keeps).
        String text = """
                {"any": [
                  {"all": [
                    {"did": {"definition": %d}, "within": "14d"},
                    {"not": {"property": "plan", "op": "=", "value": "pro"}},
                    {"not": {"not": {"property": "plan", "op": "is_set"}}}]},
                  {"all": [
                    {"did": {"definition": %d}, "then_not": {"definition": %d}, "within": "1d", "in_last": "30d"},
                    {"not": {"any": [
                      {"did_not": {"kind": "pageview", "properties": [{"key": "$channel", "op": "=", "value": "search"}]}, "within": "7d"},
                      {"property": "plan", "op": "is_not_set"}]}}]}]}""".formatted(checkout, checkout, purchased);
        JsonNode definition = json(text);
        WebApp.Response made = web.send("POST", "/api/cohorts", Map.of("app_id", app(), "name", "Checkout, nested",
                "definition", definition), WebApp.ADMIN_TOKEN);
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        long id = made.json().get("id").asLong();
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/cohorts/" + id);
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page.locator("hs-cohort select[name=join]")).hasValue("any");
            assertThat(page.locator("hs-cohort .group")).hasCount(3);
            assertThat(page.locator("hs-cohort select[name='group-1']")).hasValue("all");
            assertThat(page.locator("hs-cohort select[name='group-2']")).hasValue("all");
            assertThat(page.locator("hs-cohort select[name='group-2.2']")).hasValue("any");
            assertThat(page.locator("hs-cohort select[name='cond-1.1']")).hasValue("did");
            Locator c11 = named(page, AriaRole.GROUP, "Condition 1.1");
            assertThat(c11.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("Event").setExact(true)))
                    .hasValue("d:" + checkout);
            assertThat(c11.getByLabel("At least")).hasValue("1");
            assertThat(c11.getByLabel("Condition 1.1: In the last (number)")).hasValue("14");
            assertThat(named(page, AriaRole.CHECKBOX, "Not: condition 1.1")).not().isChecked();
            assertThat(named(page, AriaRole.CHECKBOX, "Not: condition 1.2")).isChecked();
            Locator c12 = named(page, AriaRole.GROUP, "Condition 1.2");
            assertThat(c12.locator("select[name='cond-1.2']")).hasValue("property");
            assertThat(c12.getByLabel("Operator")).hasValue("eq");
            assertThat(c12.getByLabel("Value", new Locator.GetByLabelOptions().setExact(true))).hasValue("pro");
            assertThat(named(page, AriaRole.GROUP, "Condition 1.3").locator("pre"))
                    .hasText("{\"not\":{\"not\":{\"property\":\"plan\",\"op\":\"is_set\"}}}");
            Locator c21 = named(page, AriaRole.GROUP, "Condition 2.1");
            assertThat(c21.locator("select[name='cond-2.1']")).hasValue("then_not");
            assertThat(c21.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("But not then").setExact(true)))
                    .hasValue("d:" + purchased);
            assertThat(c21.getByLabel("only in the last")).isChecked();
            assertThat(named(page, AriaRole.CHECKBOX, "Not: group 2.2")).isChecked();
            Locator c221 = named(page, AriaRole.GROUP, "Condition 2.2.1");
            assertThat(c221.locator("select[name='cond-2.2.1']")).hasValue("did_not");
            assertThat(c221).containsText("with 1 property filter");
            assertThat(named(page, AriaRole.GROUP, "Condition 2.2.2").getByLabel("Operator")).hasValue("is_not_set");
            assertShowsTheApisMembers(page, id);
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            // Saved without a change: the definition is the one made.
            save(page, id);
            JsonNode saved = web.get("/api/cohorts/" + id + "?app_id=" + app()).get("definition");
            assertThat(saved.toString()).isEqualTo(definition.toString());

            // One edit changes that condition alone: condition 1.2 no longer negated, the rest as it was.
            named(page, AriaRole.CHECKBOX, "Not: condition 1.2").uncheck();
            save(page, id);
            JsonNode edited = definition.deepCopy();
            ((com.fasterxml.jackson.databind.node.ArrayNode) edited.get("any").get(0).get("all"))
                    .set(1, json("{\"property\": \"plan\", \"op\": \"=\", \"value\": \"pro\"}"));
            assertThat(web.get("/api/cohorts/" + id + "?app_id=" + app()).get("definition")).isEqualTo(edited);
            assertShowsTheApisMembers(page, id);
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aNestedCohortIsMadeWithTheKeyboardAlone() {
        long product = web.definitionId("Viewed a product");
        long purchased = web.definitionId("Purchased");
        JsonNode intended = json("""
                {"all": [
                  {"did": {"definition": %d}, "at_least": 3, "within": "30d"},
                  {"not": {"any": [
                    {"property": "plan", "op": "eq", "value": "pro"},
                    {"did": {"definition": %d}, "at_least": 1, "within": "30d"}]}}]}""".formatted(product, purchased));
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/cohorts");
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page.locator("hs-cohorts h1")).hasText("Cohorts");
            WebApp.tabTo(page, "New cohort");
            page.keyboard().press("Enter");
            assertThat(page).hasURL(Pattern.compile("/cohorts/new$"));
            // The link went away with the list: the focus is on the new screen's heading, not lost to the page.
            assertThat(page.locator("hs-cohort h1")).isFocused();
            page.keyboard().press("Tab");
            assertThat(page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true))).isFocused();
            page.keyboard().type("Keyboard cohort");

            // Condition 1: an event chosen by typing its name, at least 3 by the arrow keys.
            Locator c1 = named(page, AriaRole.GROUP, "Condition 1");
            Locator event1 = c1.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("Event").setExact(true));
            assertThat(event1).containsText("Viewed a product");
            WebApp.tabTo(page, event1);
            page.keyboard().type("Viewed a product");
            assertThat(event1).hasValue("d:" + product);
            page.keyboard().press("Tab");
            assertThat(c1.getByLabel("At least")).isFocused();
            page.keyboard().press("ArrowUp");
            page.keyboard().press("ArrowUp");
            assertThat(c1.getByLabel("At least")).hasValue("3");

            // Add a group: the focus lands on its join; Shift+Tab reaches its Not, Space negates it.
            WebApp.tabTo(page, named(page, AriaRole.BUTTON, "Add a group"));
            page.keyboard().press("Enter");
            Locator join = page.locator("hs-cohort select[name='group-2']");
            assertThat(join).isFocused();
            assertThat(join).hasValue("any");
            page.keyboard().press("Shift+Tab");
            Locator not = named(page, AriaRole.CHECKBOX, "Not: group 2");
            assertThat(not).isFocused();
            page.keyboard().press("Space");
            assertThat(not).isChecked();

            // Condition 2.1: a user property, by the arrow keys on its type and typing.
            WebApp.tabTo(page, "cond-2.1");
            for (int i = 0; i < 3; i++) {
                page.keyboard().press("ArrowDown");
            }
            Locator c21 = named(page, AriaRole.GROUP, "Condition 2.1");
            assertThat(c21.locator("select[name='cond-2.1']")).hasValue("property");
            page.keyboard().press("Tab");
            assertThat(c21.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("User property").setExact(true))).isFocused();
            page.keyboard().type("plan");
            page.keyboard().press("Tab");
            assertThat(c21.getByLabel("Operator")).isFocused();
            page.keyboard().press("Tab");
            page.keyboard().type("pro");
            assertThat(c21.getByLabel("Value", new Locator.GetByLabelOptions().setExact(true))).hasValue("pro");

            // Another condition in group 2: the focus lands on its type; its event is chosen by typing.
            WebApp.tabTo(page, "Add a condition to group 2");
            page.keyboard().press("Enter");
            Locator c22 = named(page, AriaRole.GROUP, "Condition 2.2");
            assertThat(c22.locator("select[name='cond-2.2']")).isFocused();
            page.keyboard().press("Tab");
            Locator event22 = c22.getByRole(AriaRole.COMBOBOX, new Locator.GetByRoleOptions().setName("Event").setExact(true));
            assertThat(event22).isFocused();
            page.keyboard().type("Purchased");
            assertThat(event22).hasValue("d:" + purchased);

            // A condition added and removed again: the focus passes to the group before it, not to the page.
            WebApp.tabTo(page, named(page, AriaRole.BUTTON, "Add a condition"));
            page.keyboard().press("Enter");
            assertThat(page.locator("hs-cohort select[name='cond-3']")).isFocused();
            WebApp.tabTo(page, "Remove condition 3");
            page.keyboard().press("Enter");
            assertThat(named(page, AriaRole.GROUP, "Condition 3")).hasCount(0);
            assertThat(named(page, AriaRole.CHECKBOX, "Not: group 2")).isFocused();

            WebApp.tabTo(page, "Create cohort");
            page.keyboard().press("Enter");
            assertThat(page).hasURL(Pattern.compile("/cohorts/\\d+$"));
            long id = web.cohortId("Keyboard cohort");
            assertThat(web.get("/api/cohorts/" + id + "?app_id=" + app()).get("definition")).isEqualTo(intended);
            assertShowsTheApisMembers(page, id);
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
            // The cohort's page is gone from the screen, not left above the list.
            assertThat(list).isVisible();
            assertThat(page.locator("hs-cohort")).hasCount(0);
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
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add a condition"))).hasCount(0);
            assertThat(page.getByRole(AriaRole.CHECKBOX, new Page.GetByRoleOptions().setName("Not: condition 1"))).isDisabled();
            assertThat(page.locator("hs-cohort table#members tbody tr")).not().hasCount(0);
            assertThat(errors).isEmpty();
        }
    }
}
