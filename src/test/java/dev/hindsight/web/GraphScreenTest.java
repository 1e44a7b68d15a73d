package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Graph and Install screens in Chromium over the demo shop: what they show is what the API answers for the
 * same question, the question survives a reload (it lives in the URL), and the install check turns green when an
 * environment's first event arrives.
 */
class GraphScreenTest {
    private static WebApp web;

    @BeforeAll
    static void start() {
        web = WebApp.withDemo();
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

    private static Locator chart(Page page) {
        return page.locator("hs-chart[data-rendered=true]");
    }

    /** The "Show numbers" table: its header, then each row's cells as text. */
    private static List<List<String>> table(Page page) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(page.locator("hs-graph table thead th").allInnerTexts());
        Locator body = page.locator("hs-graph table tbody tr");
        for (int i = 0; i < body.count(); i++) {
            rows.add(body.nth(i).locator("th, td").allInnerTexts());
        }
        return rows;
    }

    private static long number(String cell) {
        return cell.equals("–") ? 0 : Long.parseLong(cell.replace(",", ""));
    }

    @Test
    void theDefaultGraphShowsTheDailyPageviewsTheApiAnswers() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/graph");
            List<String> errors = WebApp.watchErrors(page);
            assertThat(chart(page)).isVisible();
            WebApp.screenshot(page, "graph");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show numbers")).click();
            List<List<String>> shown = table(page);

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "graph", "from", "-30d",
                    "interval", "day", "series", List.of(Map.of("event", Map.of("kind", "pageview"), "measure", "count"))));
            List<Long> expected = new ArrayList<>();
            answer.get("series").get(0).get("points").forEach(p -> expected.add(p.get("value").asLong()));
            assertThat(shown.subList(1, shown.size())).extracting(r -> number(r.get(1))).containsExactlyElementsOf(expected);
            assertThat(expected.stream().mapToLong(Long::longValue).sum()).as("the demo has pageviews").isPositive();
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aBreakdownByChannelShowsTheDemosChannelsAndALinkReopensTheSameChart() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/graph");
            assertThat(chart(page)).isVisible();
            page.getByLabel("Measure").selectOption("sessions");
            page.getByLabel("Breakdown").selectOption("$channel");
            assertThat(page.locator("hs-graph .result[aria-busy=false] hs-chart[data-rendered=true]")).isVisible();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show numbers")).click();
            List<String> header = table(page).get(0);
            assertThat(header).anySatisfy(h -> assertThat(h).endsWith("· search"))
                    .anySatisfy(h -> assertThat(h).endsWith("· email"))
                    .anySatisfy(h -> assertThat(h).endsWith("· direct"));
            WebApp.screenshot(page, "graph-by-channel");

            // The question is in the URL: opened in another tab, the same chart with the same numbers.
            Page again = open(ctx, page.url().replace(web.url(""), ""));
            assertThat(chart(again)).isVisible();
            assertThat(again.getByLabel("Breakdown")).hasValue("$channel");
            again.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show numbers")).click();
            assertThat(table(again)).isEqualTo(table(page));

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "graph", "from", "-30d",
                    "interval", "day", "breakdown", Map.of("property", "$channel", "limit", 10),
                    "series", List.of(Map.of("event", Map.of("kind", "pageview"), "measure", "sessions"))));
            Map<String, Long> totals = new LinkedHashMap<>();
            answer.get("series").forEach(s -> {
                long sum = 0;
                for (JsonNode p : s.get("points")) {
                    sum += p.get("value").asLong();
                }
                totals.put(s.get("breakdown").asText(), sum);
            });
            List<List<String>> rows = table(page);
            for (int col = 1; col < rows.get(0).size(); col++) {
                String channel = rows.get(0).get(col).substring(rows.get(0).get(col).lastIndexOf("· ") + 2);
                long shown = 0;
                for (List<String> r : rows.subList(1, rows.size())) {
                    shown += number(r.get(col));
                }
                assertThat(shown).as(channel).isEqualTo(totals.get(channel));
            }
        }
    }

    @Test
    void aFormulaOverTwoSeriesWithAFilterShowsTheApisNumbers() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + web.dev().appId() + "/graph");
            List<String> errors = WebApp.watchErrors(page);
            assertThat(chart(page)).isVisible();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add series")).click();
            page.locator("hs-graph .series").nth(1).getByLabel("Measure").selectOption("users");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add formula")).click();
            page.getByLabel("Formula 1", new Page.GetByLabelOptions().setExact(true)).fill("A / B");
            page.getByLabel("Formula 1", new Page.GetByLabelOptions().setExact(true)).press("Enter");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add filter")).click();
            page.getByLabel("Filter 1 property").selectOption("$channel");
            page.getByLabel("Value").fill("email");
            page.getByLabel("Value").press("Enter");
            page.getByLabel("Interval").selectOption("week");
            assertThat(page.locator("hs-graph .result[aria-busy=false] hs-chart[data-rendered=true]")).isVisible();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Show numbers")).click();
            List<List<String>> shown = table(page);
            assertThat(shown.get(0)).containsExactly("Time", "A. pageview", "B. pageview (users)", "A / B");
            WebApp.screenshot(page, "graph-formula");

            JsonNode answer = web.query(Map.of("app_id", web.dev().appId(), "kind", "graph", "from", "-30d",
                    "interval", "week", "filters", List.of(Map.of("key", "$channel", "op", "=", "value", "email")),
                    "formulas", List.of(Map.of("expression", "A / B")),
                    "series", List.of(Map.of("event", Map.of("kind", "pageview"), "measure", "count"),
                            Map.of("event", Map.of("kind", "pageview"), "measure", "users"))));
            for (int row = 1; row < shown.size(); row++) {
                assertThat(number(shown.get(row).get(1))).isEqualTo(answer.get("series").get(0).get("points")
                        .get(row - 1).get("value").asLong());
                assertThat(number(shown.get(row).get(2))).isEqualTo(answer.get("series").get(1).get("points")
                        .get(row - 1).get("value").asLong());
                JsonNode ratio = answer.get("formulas").get(0).get("points").get(row - 1).get("value");
                assertThat(shown.get(row).get(3)).isEqualTo(ratio.isNull() ? "–"
                        : String.format(java.util.Locale.US, "%,.2f", ratio.asDouble()).replaceAll("\\.?0+$", ""));
            }
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void theAppsFilesAndLibrariesAreCachedForAYearAndSentCompressed() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String shell = web.send("GET", "/", null, null).body();
        java.util.regex.Matcher main = java.util.regex.Pattern.compile("src=\"(/app/[0-9a-f]{12}/main\\.js)\"")
                .matcher(shell);
        assertThat(main.find()).as(shell).isTrue();
        // Every module the app imports statically is preloaded at once, down to Lit's own; ECharts, imported when
        // a chart is drawn, is not.
        assertThat(shell).containsPattern("modulepreload\" href=\"/app/[0-9a-f]{12}/pickers\\.js\"")
                .containsPattern("modulepreload\" href=\"/_static/lit-html/[0-9.]+/lit-html\\.js\"")
                .doesNotContainPattern("modulepreload\" href=\"[^\"]*echarts");
        for (String path : List.of(main.group(1), "/_static/echarts/6.0.0/dist/echarts.esm.min.js")) {
            java.net.http.HttpResponse<byte[]> r = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(web.url(path))).header("Accept-Encoding", "gzip").build(),
                    java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
            if (path.contains("echarts")) {
                assertThat(r.headers().firstValue("Content-Encoding")).as(path).hasValue("gzip");
                assertThat(r.body().length).as("a megabyte of script, compressed").isLessThan(500_000);
            }
        }
        // The page itself is never cached: a deploy's new modules are picked up at the next visit.
        WebApp.Response page = web.send("GET", "/e/" + web.dev().appId() + "/graph", null, null);
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("script-src 'self' 'sha256-");
    }

    @Test
    void theInstallCheckTurnsGreenWhenTheEnvironmentsFirstEventArrives() {
        var production = web.environment("production");
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = open(ctx, "/e/" + production.appId() + "/install");
            List<String> errors = WebApp.watchErrors(page);
            Locator check = page.locator("hs-install #check");
            assertThat(check).containsText("Waiting for the first event");
            assertThat(page.locator("hs-install #snippet")).containsText(production.appId());

            WebApp.Response sent = web.send("POST", "/api/track", Map.of("app_id", production.appId(),
                    "identity", "first@example.com", "event", "Signed Up"), production.secretKey());
            assertThat(sent.status()).as(sent.body()).isEqualTo(200);

            assertThat(check).containsText("Events are arriving");
            assertThat(check).hasClass(java.util.regex.Pattern.compile("\\bok\\b"));
            WebApp.screenshot(page, "install");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
    }
}
