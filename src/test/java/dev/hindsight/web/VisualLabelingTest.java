package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.sun.net.httpserver.HttpServer;
import dev.hindsight.collect.TrackerRoutes;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Visual labeling in Chromium: a site with the snippet (and CSS hostile to anything added to it), clicks recorded
 * through the real tracker, an architect's labeling link opened on the site, the toolbar's selector and count
 * (equal to what analyses count), and a definition saved from the site that graph and funnel queries then count
 * exactly; an expired or forged link is refused and the toolbar says so; an analyst gets no link.
 */
class VisualLabelingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/labeling-shop";
    private static final String ARCHITECT = "archie@example.com";
    private static final String ANALYST = "anna@example.com";
    /** The site's CSS: it hides whatever is added beside <body>, unsets buttons and hides the toolbar's kinds of elements. */
    private static final String PAGE = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Labeling shop</title>
            %s
            <style>
              html > :not(head):not(body) { display: none !important; }
              div.promo * { display: none !important; }
              button { all: unset; cursor: pointer; padding: 6px 10px; background: #fde68a; margin-right: 8px; }
              section, dl, dt, dd, input, label, p, code, form { display: none !important; color: transparent !important;
                font-size: 1px !important; }
              body { font: 16px Georgia, serif; margin: 24px; }
            </style></head>
            <body><main><h1>Blue mug</h1>
              <div class="product"><button id="hs-lab-buy">Buy now</button>
                <button class="add-to-cart css-1x2y3z sc-a1b2c3" data-hs-id="add-mug">Add to cart</button></div>
              <div class="promo"><a href="/elsewhere">Summer sale</a></div>
              <span id="bought">0</span> bought
            </main>
            <script>
              document.getElementById('hs-lab-buy').addEventListener('click', function () {
                var b = document.getElementById('bought'); b.textContent = String(Number(b.textContent) + 1);
              });
            </script></body></html>
            """;

    private static WebApp web;
    private static HttpServer site;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        web = WebApp.withDemo();
        site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        site.createContext("/", exchange -> {
            byte[] body = PAGE.formatted(TrackerRoutes.snippet(web.dev(), web.url(""))).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        site.start();
        WebApp.Response origins = web.send("PUT", "/api/environments/" + web.dev().appId() + "/origins",
                Map.of("allowed_origins", List.of(siteOrigin())), WebApp.ADMIN_TOKEN);
        assertThat(origins.status()).as(origins.body()).isEqualTo(200);
        web.invite(ARCHITECT, "architect");
        web.invite(ANALYST, "analyst");
    }

    @AfterAll
    static void stop() {
        site.stop(0);
        web.close();
    }

    private static String siteOrigin() {
        return "http://127.0.0.1:" + site.getAddress().getPort();
    }

    private static String appId() {
        return web.dev().appId();
    }

    /** A personal API token of a member: signs in, then creates the token with the session's CSRF token. */
    private static String apiToken(String email) throws Exception {
        HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(URI.create(web.url("/api/login")))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                        Map.of("email", email, "password", WebApp.PASSWORD)))).build(), HttpResponse.BodyHandlers.ofString());
        String cookie = login.headers().allValues("set-cookie").stream().filter(v -> v.startsWith("hindsight_session="))
                .findFirst().orElseThrow();
        String csrf = JSON.readTree(login.body()).get("csrf_token").asText();
        HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(web.url("/api/tokens")))
                .header("Content-Type", "application/json").header("X-CSRF-Token", csrf)
                .header("Cookie", cookie.substring(0, cookie.indexOf(';')))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"labeling test\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
        return JSON.readTree(token.body()).get("token").asText();
    }

    /** The definitions preview's total for a click selector on the shop's page (admin token). */
    private static long previewCount(String selector) {
        WebApp.Response r = web.send("POST", "/api/definitions/preview", Map.of("app_id", appId(), "rules",
                List.of(Map.of("kind", "click", "selector", selector, "path", PATH))), WebApp.ADMIN_TOKEN);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("total").asLong();
    }

    /** Polls until the stored count of a selector's clicks satisfies {@code done} (events arrive in batches). */
    private static long awaitCount(String selector, LongPredicate done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long n = previewCount(selector);
        while (!done.test(n) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            n = previewCount(selector);
        }
        return n;
    }

    private static long graphCount(long definition) {
        JsonNode a = web.query(Map.of("app_id", appId(), "kind", "graph", "from", "-30d", "interval", "day",
                "series", List.of(Map.of("event", Map.of("definition", definition), "measure", "count"))));
        long sum = 0;
        for (JsonNode p : a.get("series").get(0).get("points")) {
            sum += p.get("value").asLong();
        }
        return sum;
    }

    private static long createDefinition(String name, String selector) {
        WebApp.Response r = web.send("POST", "/api/definitions", Map.of("app_id", appId(), "name", name, "rules",
                List.of(Map.of("kind", "click", "selector", selector, "path", PATH))), WebApp.ADMIN_TOKEN);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    /** A token signed as the server signs them (the key derived from the environment's secret key). */
    private static String token(String appId, long member, long expires, String secretKey) throws Exception {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                (appId + "." + member + "." + expires).getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(MessageDigest.getInstance("SHA-256").digest(("hindsight labeling v1\n" + secretKey)
                .getBytes(StandardCharsets.UTF_8)), "HmacSHA256"));
        return payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    }

    private static Locator toolbar(Page page, String css) {
        return page.locator("hindsight-labeler " + css);
    }

    /** axe-core's serious and critical violations inside the toolbar (the site's own markup is not ours to judge). */
    private static List<String> toolbarViolations(Page page) {
        com.deque.html.axecore.results.AxeResults r = new com.deque.html.axecore.playwright.AxeBuilder(page)
                .include(List.of("hindsight-labeler")).analyze();
        assertThat(r.isErrored()).as(r.getErrorMessage()).isFalse();
        return r.getViolations().stream()
                .filter(v -> "serious".equals(v.getImpact()) || "critical".equals(v.getImpact()))
                .map(v -> v.getImpact() + " " + v.getId() + ": " + v.getHelp()).toList();
    }

    @Test
    void anArchitectLabelsAButtonOnTheSiteAndAnalysesCountExactlyItsClicks() throws Exception {
        // Clicks first, through the real tracker: two visitors click "Buy now" three times in all.
        for (int clicks : new int[] {2, 1}) {
            try (BrowserContext visitor = web.chromium().newContext()) {
                Page page = visitor.newPage();
                page.navigate(siteOrigin() + PATH);
                page.waitForFunction("() => window.hindsight && window.hindsight.version");
                for (int i = 0; i < clicks; i++) {
                    page.locator("#hs-lab-buy").click();
                }
                page.locator("button.add-to-cart").click();
                assertThat(page.locator("#bought")).hasText(String.valueOf(clicks));
            }
        }
        assertThat(awaitCount("#hs-lab-buy", n -> n >= 3)).isEqualTo(3);

        String architectToken = apiToken(ARCHITECT);
        WebApp.Response link = web.send("POST", "/api/environments/" + appId() + "/labeling",
                Map.of("url", siteOrigin() + PATH), architectToken);
        assertThat(link.status()).as(link.body()).isEqualTo(201);
        String url = link.json().get("url").asText();
        assertThat(url).startsWith(siteOrigin() + PATH + "#hindsight-label=");
        assertThat(Instant.parse(link.json().get("expires_at").asText()))
                .isBetween(Instant.now().plusSeconds(3000), Instant.now().plusSeconds(3700));

        try (BrowserContext ctx = web.chromium().browser().newContext(new com.microsoft.playwright.Browser.NewContextOptions()
                .setViewportSize(1100, 650))) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            page.navigate(url);
            assertThat(toolbar(page, ".who")).containsText(ARCHITECT);
            // The token left the address bar before anything read the URL.
            assertThat(page).hasURL(siteOrigin() + PATH);
            // The site's CSS reaches neither the host nor what is inside its shadow root.
            assertThat(toolbar(page, ".panel")).isVisible();
            assertThat(toolbar(page, ".panel")).hasCSS("font-size", "13px");

            page.locator("#hs-lab-buy").hover();
            assertThat(toolbar(page, "code.selector")).hasText("#hs-lab-buy");
            assertThat(toolbar(page, ".text")).hasText("Buy now");
            assertThat(toolbar(page, "code.path")).hasText(PATH);
            assertThat(toolbar(page, ".count[data-count]")).hasText("3 past clicks in the last 30 days");
            long probe = createDefinition("Probe: buy now", "#hs-lab-buy");
            assertThat(graphCount(probe)).isEqualTo(3);

            // The add-to-cart button's generated classes are skipped: its stable data id is proposed.
            page.locator("button.add-to-cart").hover();
            assertThat(toolbar(page, "code.selector")).hasText("button[data-hs-id=\"add-mug\"]");
            assertThat(toolbar(page, ".count[data-count]")).hasAttribute("data-count", "2");
            WebApp.screenshot(page, "visual-labeling-hover");
            assertThat(toolbarViolations(page)).isEmpty();

            // A click picks the element: the site's own handler does not run, the tracker does not record it.
            page.locator("#hs-lab-buy").click();
            assertThat(toolbar(page, "input.selector")).hasValue("#hs-lab-buy");
            assertThat(toolbar(page, "input.path")).hasValue(PATH);
            assertThat(toolbar(page, ".count[data-count]")).hasAttribute("data-count", "3");
            assertThat(page.locator("#bought")).hasText("0");
            toolbar(page, "input.name").fill("Bought a mug");
            assertThat(toolbarViolations(page)).isEmpty();
            toolbar(page, "button.save").click();
            assertThat(toolbar(page, ".result[data-definition]")).containsText("Saved \"Bought a mug\"");
            WebApp.screenshot(page, "visual-labeling");
            assertThat(errors).isEmpty();
        }

        JsonNode saved = null;
        for (JsonNode d : web.send("GET", "/api/definitions?app_id=" + appId(), null, WebApp.ADMIN_TOKEN).json()
                .get("definitions")) {
            if (d.get("name").asText().equals("Bought a mug")) {
                saved = d;
            }
        }
        assertThat(saved).as("the saved definition").isNotNull();
        assertThat(saved.get("status").asText()).isEqualTo("draft");
        assertThat(saved.get("rules").get(0).get("selector").asText()).isEqualTo("#hs-lab-buy");
        assertThat(saved.get("rules").get(0).get("path").asText()).isEqualTo(PATH);
        assertThat(saved.get("owner").asText()).startsWith("account:");
        long id = saved.get("id").asLong();
        // Labeling clicked nothing into the data: still the three clicks the visitors made.
        assertThat(previewCount("#hs-lab-buy")).isEqualTo(3);
        assertThat(graphCount(id)).isEqualTo(3);
        JsonNode funnel = web.query(Map.of("app_id", appId(), "kind", "funnel", "from", "-30d", "steps",
                List.of(Map.of("kind", "pageview"), Map.of("definition", id))));
        assertThat(funnel.get("steps").get(1).get("count").asLong()).as("the two visitors who bought").isEqualTo(2);
    }

    @Test
    void theLabelScreenGivesAnArchitectALinkThatOpensTheSiteWithTheToolbar() {
        try (BrowserContext ctx = web.signedIn(ARCHITECT, WebApp.PASSWORD)) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            page.navigate(web.url("/e/" + appId() + "/label"));
            page.getByLabel("Page of your site").fill(siteOrigin() + "/elsewhere");
            page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                    new Page.GetByRoleOptions().setName("Get labeling link")).click();
            Locator open = page.getByRole(com.microsoft.playwright.options.AriaRole.LINK,
                    new Page.GetByRoleOptions().setName("Open the site with the toolbar"));
            assertThat(open).isVisible();
            assertThat(open.getAttribute("href")).matches(java.util.regex.Pattern.quote(siteOrigin()
                    + "/elsewhere#hindsight-label=") + "[\\w.-]+");
            WebApp.screenshot(page, "labeling-screen");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            Page site = page.waitForPopup(open::click);
            assertThat(site.locator("hindsight-labeler .who")).containsText(ARCHITECT);
            assertThat(errors).isEmpty();

            // A wrong address is named at the field.
            page.getByLabel("Page of your site").fill("javascript:alert(1)");
            page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                    new Page.GetByRoleOptions().setName("Get labeling link")).click();
            assertThat(page.locator("hs-label #url-error")).containsText("absolute http(s) URL");
        }
        try (BrowserContext ctx = web.signedIn(ANALYST, WebApp.PASSWORD)) {
            Page page = ctx.newPage();
            page.navigate(web.url("/e/" + appId() + "/label"));
            page.getByLabel("Page of your site").fill(siteOrigin() + "/elsewhere");
            page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                    new Page.GetByRoleOptions().setName("Get labeling link")).click();
            assertThat(page.getByRole(com.microsoft.playwright.options.AriaRole.ALERT)).containsText("needs the role architect");
        }
    }

    @Test
    void anExpiredOrForgedLinkIsRefusedAndTheToolbarSaysSo() throws Exception {
        String architectToken = apiToken(ARCHITECT);
        String good = web.send("POST", "/api/environments/" + appId() + "/labeling",
                Map.of("url", siteOrigin() + PATH), architectToken).json().get("token").asText();
        long member = Long.parseLong(new String(Base64.getUrlDecoder().decode(good.substring(0, good.indexOf('.'))),
                StandardCharsets.UTF_8).split("\\.")[1]);
        String secret = web.dev().secretKey();
        String expired = token(appId(), member, Instant.now().getEpochSecond() - 5, secret);
        String forged = token(appId(), member, Instant.now().getEpochSecond() + 3600, "not the secret key");
        String count = "/api/environments/" + appId() + "/labeling/count";
        assertThat(web.send("POST", count, Map.of("selector", "#hs-lab-buy"), good).status()).isEqualTo(200);
        assertThat(web.send("POST", count, Map.of("selector", "#hs-lab-buy"), expired).status()).isEqualTo(401);
        assertThat(web.send("POST", count, Map.of("selector", "#hs-lab-buy"), forged).status()).isEqualTo(401);
        assertThat(web.send("POST", count, Map.of("selector", "#hs-lab-buy"), null).status()).isEqualTo(401);
        assertThat(web.send("POST", "/api/environments/" + appId() + "/labeling/definitions",
                Map.of("name", "Forged", "selector", "#hs-lab-buy"), forged).status()).isEqualTo(401);
        // Bounds: a selector the compiler refuses, and one past its length limit.
        assertThat(web.send("POST", count, Map.of("selector", "a + b"), good).status()).isEqualTo(400);
        assertThat(web.send("POST", count, Map.of("selector", "a".repeat(1001)), good).status()).isEqualTo(400);

        for (String bad : List.of(expired, forged)) {
            try (BrowserContext ctx = web.chromium().newContext()) {
                Page page = ctx.newPage();
                // Another page of the site, so the click below is not one of the shop page's counted ones.
                page.navigate(siteOrigin() + "/elsewhere#hindsight-label=" + bad);
                assertThat(toolbar(page, "[role=alert]")).containsText("expired or is not valid");
                // Refused, the toolbar picks nothing: the site works as usual.
                page.locator("#hs-lab-buy").click();
                assertThat(page.locator("#bought")).hasText("1");
            }
        }
    }

    @Test
    void anAnalystGetsNoLabelingLinkAndOtherOriginsAreRefused() throws Exception {
        WebApp.Response r = web.send("POST", "/api/environments/" + appId() + "/labeling",
                Map.of("url", siteOrigin() + PATH), apiToken(ANALYST));
        assertThat(r.status()).as(r.body()).isEqualTo(403);
        String good = web.send("POST", "/api/environments/" + appId() + "/labeling",
                Map.of("url", siteOrigin() + PATH), apiToken(ARCHITECT)).json().get("token").asText();
        HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(URI.create(web.url("/api/environments/"
                + appId() + "/labeling/count"))).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", siteOrigin()).header("Access-Control-Request-Method", "POST").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(siteOrigin());
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("")).contains("Authorization");
        HttpResponse<String> elsewhere = HTTP.send(HttpRequest.newBuilder(URI.create(web.url("/api/environments/"
                + appId() + "/labeling/count"))).header("Origin", "https://evil.example")
                .header("Authorization", "Bearer " + good).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        assertThat(web.send("POST", "/api/environments/" + appId() + "/labeling",
                Map.of("url", "javascript:alert(1)"), apiToken(ARCHITECT)).status()).isEqualTo(400);
    }
}
