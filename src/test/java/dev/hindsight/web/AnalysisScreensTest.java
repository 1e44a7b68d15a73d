package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.SelectOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Funnel, Retention and Paths screens in Chromium over the demo shop: each shows what the API answers for the
 * same question, a funnel step's dropped-off users are the API's, a link reopens the same question, and a funnel
 * can be built and read with the keyboard alone.
 */
class AnalysisScreensTest {
    private static WebApp web;
    private static Map<String, Long> definitions;

    @BeforeAll
    static void start() {
        web = WebApp.withDemo();
        definitions = new HashMap<>();
        web.send("GET", "/api/definitions?app_id=" + web.dev().appId(), null, WebApp.ADMIN_TOKEN).json()
                .get("definitions").forEach(d -> definitions.put(d.get("name").asText(), d.get("id").asLong()));
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    private static Page open(BrowserContext ctx, String path) {
        Page page = ctx.newPage();
        page.navigate(web.url(path));
        return page;
    }

    private static Map<String, Object> def(String name) {
        assertThat(definitions).as("the demo's definitions").containsKey(name);
        return Map.of("definition", definitions.get(name));
    }

    /** Waits until the screen's latest query has answered and its chart is drawn. */
    private static void settled(Page page, String screen) {
        assertThat(page.locator(screen + " .result[aria-busy=false] hs-chart[data-rendered=true]").first()).isVisible();
    }

    private static List<List<String>> rows(Locator table) {
        List<List<String>> rows = new ArrayList<>();
        Locator body = table.locator("tbody tr");
        for (int i = 0; i < body.count(); i++) {
            rows.add(body.nth(i).locator("th, td").allInnerTexts());
        }
        return rows;
    }

    private static Long number(String cell) {
        return cell.equals("–") ? null : Long.valueOf(cell.replace(",", ""));
    }

    private static void showNumbers(Page page) {
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show numbers")).click();
    }

    /** The select labelled {@code label} (its accessible name also holds the chosen option). */
    private static Locator select(Page page, String label) {
        return page.getByRole(AriaRole.COMBOBOX, new Page.GetByRoleOptions().setName(label));
    }

    /** The "Users" select of an analysis screen: all users, or one cohort's. */
    private static Locator usersSelect(Page page) {
        return page.locator("select", new Page.LocatorOptions().setHas(
                page.locator("option", new Page.LocatorOptions().setHasText("All users"))));
    }

    private static void pick(Page page, String label, String option) {
        select(page, label).selectOption(new SelectOption().setLabel(option));
    }

    @Test
    void theFunnelShowsTheApisStepsAndDroppedUsersAndALinkReopensIt() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/funnel");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-funnel");
            pick(page, "Step 1", "Viewed a product");
            pick(page, "Step 2", "Added to cart");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add step")).click();
            pick(page, "Step 3", "Purchased");
            settled(page, "hs-funnel");
            showNumbers(page);

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "funnel", "from", "-30d",
                    "window", "P14D", "steps", List.of(def("Viewed a product"), def("Added to cart"), def("Purchased"))));
            List<List<String>> shown = rows(page.locator("hs-funnel table"));
            assertThat(shown).hasSize(3);
            for (int i = 0; i < 3; i++) {
                JsonNode step = answer.get("steps").get(i);
                assertThat(shown.get(i).get(1)).isEqualTo(step.get("label").asText());
                assertThat(number(shown.get(i).get(2))).as("step %d", i + 1).isEqualTo(step.get("count").asLong());
            }
            assertThat(answer.get("steps").get(0).get("count").asLong()).as("the demo has product views").isPositive();
            assertThat(page.locator("hs-funnel .headline")).containsText(
                    answer.get("steps").get(2).get("count").asLong() + " users");

            // Who dropped off after step 1: the API's list, each a link to the user's page.
            page.locator("hs-funnel ol.steps button").filter(new Locator.FilterOptions().setHasText("dropped off before step 2")).click();
            Locator who = page.locator("hs-funnel .who li a");
            List<String> expected = new ArrayList<>();
            answer.get("dropped_off").get(0).get("users").forEach(u -> expected.add(u.asText()));
            assertThat(expected).as("someone looked at a product and left").isNotEmpty();
            assertThat(who).hasCount(expected.size());
            assertThat(who.allInnerTexts()).containsExactlyElementsOf(expected);
            assertThat(who.first()).hasAttribute("href",
                    "/e/" + web.dev().appId() + "/users/" + java.net.URLEncoder.encode(expected.get(0),
                            java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
            // Who reached step 3: the API's users list for the same question.
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Users who reached step 3")).click();
            Map<String, Object> withUsers = new HashMap<>(Map.of("app_id", web.dev().appId(), "kind", "funnel", "from", "-30d",
                    "window", "P14D", "steps", List.of(def("Viewed a product"), def("Added to cart"), def("Purchased")),
                    "users", Map.of("step", 3, "status", "converted", "limit", 100)));
            JsonNode reached = web.query(withUsers).get("users");
            List<String> buyers = new ArrayList<>();
            reached.get("identities").forEach(u -> buyers.add(u.asText()));
            Locator listed = page.locator("hs-funnel .who.converted li a");
            assertThat(listed).hasCount(buyers.size());
            assertThat(listed.allInnerTexts()).containsExactlyElementsOf(buyers);
            assertThat(page.locator("hs-funnel .who.converted")).containsText(
                    String.format("of %,d users", reached.get("total").asLong()));
            page.locator("hs-funnel ol.steps button").filter(new Locator.FilterOptions().setHasText("dropped off before step 2")).click();
            WebApp.screenshot(page, "funnel");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            Page again = open(ctx, page.url().replace(web.url(""), ""));
            settled(again, "hs-funnel");
            assertThat(select(again, "Step 3"))
                    .hasValue("d:" + definitions.get("Purchased"));
            showNumbers(again);
            assertThat(rows(again.locator("hs-funnel table"))).isEqualTo(shown);

            // Horizontal bars and a breakdown draw too.
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Horizontal")).click();
            page.getByLabel("Breakdown").selectOption("$channel");
            settled(page, "hs-funnel");
            assertThat(page.locator("hs-funnel table tbody tr").first()).isVisible();
            WebApp.screenshot(page, "funnel-by-channel");
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aFunnelOfOneCohortsUsersShowsTheApisStepsForThatCohortAndALinkKeepsIt() {
        // A static cohort of some identified demo users: fewer people than everybody, so the filter shows.
        WebApp.Cohort picked = web.staticCohort("Hand-picked buyers", 25);
        long cohort = picked.id();
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/funnel");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-funnel");
            pick(page, "Step 1", "Viewed a product");
            pick(page, "Step 2", "Purchased");
            settled(page, "hs-funnel");
            usersSelect(page).selectOption(new SelectOption().setLabel("In cohort Hand-picked buyers"));
            settled(page, "hs-funnel");
            showNumbers(page);

            Map<String, Object> question = new HashMap<>(Map.of("app_id", web.dev().appId(), "kind", "funnel",
                    "from", "-30d", "window", "P14D", "steps", List.of(def("Viewed a product"), def("Purchased"))));
            long everybody = web.query(question).get("steps").get(0).get("count").asLong();
            question.put("cohort", cohort);
            JsonNode answer = web.query(question);
            long inCohort = answer.get("steps").get(0).get("count").asLong();
            assertThat(inCohort).as("the cohort's product viewers").isPositive().isLessThan(everybody);
            List<List<String>> shown = rows(page.locator("hs-funnel table"));
            assertThat(shown).hasSize(2);
            for (int i = 0; i < 2; i++) {
                assertThat(number(shown.get(i).get(2))).as("step %d", i + 1)
                        .isEqualTo(answer.get("steps").get(i).get("count").asLong());
            }

            // The link holds the cohort: opened again, the same cohort's funnel.
            Page again = open(ctx, page.url().replace(web.url(""), ""));
            settled(again, "hs-funnel");
            assertThat(usersSelect(again)).hasValue(String.valueOf(cohort));
            showNumbers(again);
            assertThat(rows(again.locator("hs-funnel table"))).isEqualTo(shown);
            assertThat(errors).isEmpty();
        } finally {
            web.deleteCohort(cohort);
        }
    }

    @Test
    void clickingAFunnelBarOpensItsConvertedOrDroppedUsers() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/funnel");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-funnel");
            pick(page, "Step 1", "Viewed a product");
            pick(page, "Step 2", "Added to cart");
            settled(page, "hs-funnel");
            // Where the middle of step 2's converted part, and of its dropped-off part, are drawn.
            Locator chart = page.locator("hs-funnel hs-chart");
            @SuppressWarnings("unchecked")
            List<Number> at = (List<Number>) chart.evaluate("""
                    el => {
                      const o = el.chart.getOption();
                      const reached = o.series[0].data[1], dropped = o.series[1].data[1];
                      return [...el.chart.convertToPixel({seriesIndex: 0}, [1, reached / 2]),
                              ...el.chart.convertToPixel({seriesIndex: 1}, [1, reached + dropped / 2])];
                    }""");

            chart.click(new Locator.ClickOptions().setPosition(at.get(0).doubleValue(), at.get(1).doubleValue()));
            JsonNode reached = web.query(Map.of("app_id", web.dev().appId(), "kind", "funnel", "from", "-30d",
                    "window", "P14D", "steps", List.of(def("Viewed a product"), def("Added to cart")),
                    "users", Map.of("step", 2, "status", "converted", "limit", 100))).get("users");
            List<String> expected = new ArrayList<>();
            reached.get("identities").forEach(u -> expected.add(u.asText()));
            assertThat(page.locator("hs-funnel .who.converted h2")).containsText("Reached step 2");
            Locator listed = page.locator("hs-funnel .who.converted li a");
            assertThat(listed).hasCount(expected.size());
            assertThat(listed.allInnerTexts()).containsExactlyElementsOf(expected);

            chart.click(new Locator.ClickOptions().setPosition(at.get(2).doubleValue(), at.get(3).doubleValue()));
            assertThat(page.locator("hs-funnel section[aria-label='Dropped-off users'] h2"))
                    .containsText("Did step 1 (Viewed a product) but not step 2 (Added to cart)");
            assertThat(page.locator("hs-funnel .who.converted")).hasCount(0);
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aFunnelIsBuiltAndReadWithTheKeyboardAlone() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/funnel");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-funnel");
            Locator step2 = select(page, "Step 2");
            WebApp.tabTo(page, step2);
            page.keyboard().type("Added to cart");
            assertThat(step2).hasValue("d:" + definitions.get("Added to cart"));
            WebApp.tabTo(page, select(page, "Step 1"));
            page.keyboard().type("Viewed a product");
            settled(page, "hs-funnel");
            Locator dropped = page.locator("hs-funnel ol.steps button").filter(new Locator.FilterOptions().setHasText("dropped off before step 2"));
            WebApp.tabTo(page, dropped);
            page.keyboard().press("Enter");

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "funnel", "from", "-30d",
                    "window", "P14D", "steps", List.of(def("Viewed a product"), def("Added to cart"))));
            assertThat(page.locator("hs-funnel ol.steps li").nth(1))
                    .containsText(String.format("%,d users", answer.get("steps").get(1).get("count").asLong()));
            assertThat(page.locator("hs-funnel .who li a"))
                    .hasCount(answer.get("dropped_off").get(0).get("users").size());
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void retentionShowsTheApisCohortsAndAverageCurve() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/retention");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-retention");
            pick(page, "Users who did", "Viewed a product");
            pick(page, "And came back to do", "Viewed a product");
            settled(page, "hs-retention");
            showNumbers(page);

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "retention", "from", "-30d",
                    "start", def("Viewed a product"), "return", def("Viewed a product"), "period", "day", "periods", 7));
            List<List<String>> shown = rows(page.locator("hs-retention table.numbers"));
            assertThat(shown).hasSize(answer.get("cohorts").size());
            long people = 0;
            for (int i = 0; i < shown.size(); i++) {
                JsonNode c = answer.get("cohorts").get(i);
                assertThat(shown.get(i).get(0)).isEqualTo(c.get("start").asText().substring(0, 10));
                assertThat(number(shown.get(i).get(1))).isEqualTo(c.get("users").asLong());
                for (int k = 0; k <= 7; k++) {
                    JsonNode r = c.get("retained").get(k);
                    assertThat(number(shown.get(i).get(2 + k))).as("cohort %d period %d", i, k)
                            .isEqualTo(r.isNull() ? null : r.asLong());
                }
                people += c.get("users").asLong();
            }
            assertThat(people).as("the demo has returning users").isPositive();
            WebApp.screenshot(page, "retention");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            Page again = open(ctx, page.url().replace(web.url(""), ""));
            settled(again, "hs-retention");
            assertThat(again.getByLabel("Users who did")).hasValue("d:" + definitions.get("Viewed a product"));
            assertThat(rows(again.locator("hs-retention table.cohorts"))).isEqualTo(rows(page.locator("hs-retention table.cohorts")));
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void retentionByCalendarMonthShowsTheApisMonthlyCohortsAndALinkKeepsThePeriod() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/retention");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-retention");
            pick(page, "Period", "Month");
            page.getByLabel("Periods shown").fill("2");
            page.getByLabel("Periods shown").press("Enter");
            pick(page, "Date range", "Last 90 days");
            settled(page, "hs-retention");
            assertThat(page.locator("hs-retention table.cohorts thead")).containsText("Month 2");
            showNumbers(page);

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "retention", "from", "-90d",
                    "start", Map.of("kind", "pageview"), "return", Map.of("kind", "pageview"), "period", "month",
                    "periods", 2));
            List<List<String>> shown = rows(page.locator("hs-retention table.numbers"));
            assertThat(shown).hasSize(answer.get("cohorts").size());
            for (int i = 0; i < shown.size(); i++) {
                JsonNode c = answer.get("cohorts").get(i);
                assertThat(shown.get(i).get(0)).isEqualTo(c.get("start").asText().substring(0, 10));
                assertThat(number(shown.get(i).get(1))).isEqualTo(c.get("users").asLong());
                for (int k = 0; k <= 2; k++) {
                    JsonNode r = c.get("retained").get(k);
                    assertThat(number(shown.get(i).get(2 + k))).as("cohort %d month %d", i, k)
                            .isEqualTo(r.isNull() ? null : r.asLong());
                }
            }
            WebApp.screenshot(page, "retention-month");
            assertThat(answer.get("cohorts").get(0).get("start").asText()).as("a calendar month's first day")
                    .matches("\\d{4}-\\d{2}-01T.*|\\d{4}-\\d{2}-(28|29|30|31)T.*");

            Page again = open(ctx, page.url().replace(web.url(""), ""));
            settled(again, "hs-retention");
            assertThat(select(again, "Period")).hasValue("month");
            assertThat(rows(again.locator("hs-retention table.cohorts"))).isEqualTo(rows(page.locator("hs-retention table.cohorts")));
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void retentionBrokenDownByChannelShowsEachValuesCohortsAsTheApiAnswers() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/retention");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-retention");
            select(page, "Breakdown").selectOption("$channel");
            assertThat(page.locator("hs-retention section.breakdown").first()).isVisible();
            settled(page, "hs-retention");

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "retention", "from", "-30d",
                    "start", Map.of("kind", "pageview"), "return", Map.of("kind", "pageview"), "period", "day",
                    "periods", 7, "breakdown", Map.of("property", "$channel", "limit", 10)));
            Locator sections = page.locator("hs-retention section.breakdown");
            assertThat(sections).hasCount(answer.get("breakdowns").size());
            for (int b = 0; b < answer.get("breakdowns").size(); b++) {
                JsonNode group = answer.get("breakdowns").get(b);
                assertThat(sections.nth(b).locator("h2")).hasText(group.get("value").asText());
                List<List<String>> shown = rows(sections.nth(b).locator("table.cohorts"));
                assertThat(shown).hasSize(group.get("cohorts").size());
                for (int i = 0; i < shown.size(); i++) {
                    assertThat(number(shown.get(i).get(1))).isEqualTo(group.get("cohorts").get(i).get("users").asLong());
                }
            }
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void retentionBrokenDownByCohortShowsEachCohortsGridAsTheApiAnswers() {
        WebApp.Cohort picked = web.staticCohort("Early identified", 40);
        long cohort = picked.id();
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/retention");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-retention");
            select(page, "Breakdown").selectOption(new SelectOption().setLabel("Each saved cohort"));
            assertThat(page.locator("hs-retention section.breakdown").first()).isVisible();
            settled(page, "hs-retention");

            // The screen asks about the saved cohorts (at most 10, in the list's order): the API's answer for them.
            List<Long> ids = new ArrayList<>();
            web.send("GET", "/api/cohorts?app_id=" + web.dev().appId() + "&limit=10", null, WebApp.ADMIN_TOKEN).json()
                    .get("cohorts").forEach(c -> ids.add(c.get("id").asLong()));
            assertThat(ids).contains(cohort);
            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "retention", "from", "-30d",
                    "start", Map.of("kind", "pageview"), "return", Map.of("kind", "pageview"), "period", "day",
                    "periods", 7, "breakdown", Map.of("cohorts", ids)));
            Locator sections = page.locator("hs-retention section.breakdown");
            assertThat(sections).hasCount(ids.size());
            for (int b = 0; b < ids.size(); b++) {
                JsonNode group = answer.get("breakdowns").get(b);
                assertThat(sections.nth(b).locator("h2")).hasText(group.get("value").asText());
                List<List<String>> shown = rows(sections.nth(b).locator("table.cohorts"));
                for (int i = 0; i < shown.size(); i++) {
                    assertThat(number(shown.get(i).get(1))).isEqualTo(group.get("cohorts").get(i).get("users").asLong());
                }
            }
            long members40 = 0;
            for (JsonNode g : answer.get("breakdowns")) {
                if (g.get("value").asText().equals("Early identified")) {
                    for (JsonNode c : g.get("cohorts")) {
                        members40 += c.get("users").asLong();
                    }
                }
            }
            assertThat(members40).as("the cohort's members who viewed a page").isPositive().isLessThanOrEqualTo(40);
            assertThat(errors).isEmpty();
        } finally {
            web.deleteCohort(cohort);
        }
    }

    @Test
    void pathsShowTheApisStepsAsASankeyAndATable() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/paths");
            List<String> errors = WebApp.watchErrors(page);
            settled(page, "hs-paths");
            pick(page, "Start event", "Viewed pricing");
            page.getByLabel("Steps").selectOption("3");
            settled(page, "hs-paths");
            showNumbers(page);

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "paths", "from", "-30d",
                    "start", def("Viewed pricing"), "direction", "after", "depth", 3));
            Map<String, String> labels = new HashMap<>();
            answer.get("nodes").forEach(n -> labels.put(n.get("id").asText(), n.get("label").asText()));
            List<String> expected = new ArrayList<>();
            answer.get("edges").forEach(e -> expected.add(labels.get(e.get("source").asText()) + " → "
                    + labels.get(e.get("target").asText()) + " " + e.get("count").asLong()));
            Locator all = page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(
                    java.util.regex.Pattern.compile("^Show all .* rows$")));
            assertThat(page.locator("hs-paths table tbody tr")).hasCount(Math.min(50, expected.size()));
            List<List<String>> firstRows = rows(page.locator("hs-paths table"));
            if (expected.size() > 50) {
                all.click();
            }
            assertThat(page.locator("hs-paths table tbody tr")).hasCount(expected.size());
            List<String> shown = rows(page.locator("hs-paths table")).stream()
                    .map(r -> r.get(1) + " → " + r.get(3) + " " + number(r.get(4))).toList();
            assertThat(expected).as("the demo has paths after pricing").isNotEmpty();
            assertThat(shown).containsExactlyInAnyOrderElementsOf(expected);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show numbers")).click();
            WebApp.screenshot(page, "paths");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            Page again = open(ctx, page.url().replace(web.url(""), ""));
            settled(again, "hs-paths");
            assertThat(again.getByLabel("Steps")).hasValue("3");
            showNumbers(again);
            assertThat(rows(again.locator("hs-paths table"))).isEqualTo(firstRows);
            assertThat(errors).isEmpty();
        }
    }
}
