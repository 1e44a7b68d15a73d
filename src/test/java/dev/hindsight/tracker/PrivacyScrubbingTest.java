package dev.hindsight.tracker;

import static dev.hindsight.tracker.PrivacyPages.afterMarker;
import static dev.hindsight.tracker.PrivacyPages.has;
import static dev.hindsight.tracker.PrivacyPages.identify;
import static dev.hindsight.tracker.PrivacyPages.on;
import static dev.hindsight.tracker.PrivacyPages.open;
import static dev.hindsight.tracker.PrivacyPages.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PII patterns in captured text, and the query-parameter blocklist, in the browser and again on the server. */
class PrivacyScrubbingTest {
    private static TestServer server;
    private static FixtureSite site;
    private static Chromium chromium;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        site = new FixtureSite(server);
        chromium = Chromium.launch();
        // The environment's own list, on top of the defaults; the snippet the fixture site renders carries it.
        TestServer.Response r = server.put("/api/environments/" + server.dev().appId() + "/query-blocklist",
                "{\"query_blocklist\": [\"utm_secret\", \"Ref_Code\"]}", "Content-Type", "application/json",
                TestServer.bearer(TestServer.ADMIN)[0], TestServer.bearer(TestServer.ADMIN)[1]);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        chromium.close();
        site.close();
        server.close();
    }

    @Test
    void emailsCardNumbersSsnsAndPhoneNumbersInTextAreReplacedWithStars() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-pii"));
            String user = identify(page);
            List<String> ids = List.of("email", "card-spaced", "card-plain", "ssn", "phone-intl", "phone-us",
                    "order", "ordinary");
            ids.forEach(id -> page.click("#" + id));

            List<JsonNode> events = afterMarker(server, page, user,
                    e -> ids.stream().allMatch(id -> has(e, "click", id)));

            assertThat(textOf(events, "email")).isEqualTo("Contact **** now");
            assertThat(textOf(events, "card-spaced")).isEqualTo("Card **** on file");
            assertThat(textOf(events, "card-plain")).isEqualTo("Card ****");
            assertThat(textOf(events, "ssn")).isEqualTo("SSN ****");
            assertThat(textOf(events, "phone-intl")).isEqualTo("Call ****");
            assertThat(textOf(events, "phone-us")).isEqualTo("Call ****");
            String stored = text(events);
            for (String pii : List.of("jane.doe@", "4111 1111", "5500005555555559", "123-45-6789", "415 555 2671",
                    "555-2671")) {
                assertThat(stored).as("stored events contain '%s'", pii).doesNotContain(pii);
            }
        }
    }

    @Test
    void piiIsReplacedBeforeTheTextIsCutTo255CharactersSoNoPartOfItLeaks() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-pii"));
            String user = identify(page);
            page.click("#long");

            List<JsonNode> events = afterMarker(server, page, user, e -> has(e, "click", "long"));

            // The email starts at character 247 and would be cut after "jane.doe@"; scrubbed first, it is gone whole.
            assertThat(textOf(events, "long")).isEqualTo("a".repeat(245) + " ****");
            assertThat(text(events)).doesNotContain("jane");
        }
    }

    @Test
    void aLongDigitStringThatFailsTheLuhnCheckAndOrdinaryTextAreKept() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-pii"));
            String user = identify(page);
            page.click("#order");
            page.click("#ordinary");

            List<JsonNode> events = afterMarker(server, page, user,
                    e -> has(e, "click", "order") && has(e, "click", "ordinary"));

            assertThat(textOf(events, "order")).isEqualTo("Order 1234567890123456");
            assertThat(textOf(events, "ordinary")).isEqualTo("Add 2 items for 15 EUR");
        }
    }

    @Test
    void blockedQueryParametersLeaveTheBrowserNeitherInUrlNorReferrerNorHref() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            List<String> bodies = new CopyOnWriteArrayList<>();
            page.onRequest(r -> {
                if (r.url().endsWith("/h") && r.postData() != null) {
                    bodies.add(r.postData());
                }
            });
            open(page, site.url("privacy-links", "/landing?Token=url-secret-token&keep=1&SESSION_ID=url-secret-session"
                    + "&utm_secret=url-secret-utm&REF_CODE=url-secret-ref&Api_Key=url-secret-api"
                    + "&email=url-secret-email&reset_token=url-secret-reset&PassWord=url-secret-password&ref=nav",
                    Map.of()));
            String user = identify(page);
            page.click("#next");
            page.waitForURL("**/next?**");
            page.waitForFunction("() => window.hindsight && window.hindsight.version");

            List<JsonNode> events = afterMarker(server, page, user,
                    e -> Stored.ofKind(e, "pageview").size() == 2 && has(e, "click", "next"));

            JsonNode landing = Stored.ofKind(events, "pageview").stream()
                    .filter(e -> e.path("path").asText().equals("/landing")).findFirst().orElseThrow();
            assertThat(landing.path("url").asText()).contains("?keep=1&").contains("&ref=nav&page=privacy-links");
            assertThat(landing.path("query").asText()).contains("keep=1");
            JsonNode click = on(events, "click", "next").get(0);
            assertThat(click.path("href").asText()).endsWith("/next?page=privacy-links&keep=2#frag");
            JsonNode next = Stored.ofKind(events, "pageview").stream()
                    .filter(e -> e.path("path").asText().equals("/next")).findFirst().orElseThrow();
            assertThat(next.path("url").asText()).endsWith("/next?page=privacy-links&keep=2#frag");
            assertThat(next.path("referrer").asText()).contains("/landing?keep=1&ref=nav&page=privacy-links");
            assertThat(text(events)).as("stored events").doesNotContain("-secret-");
            // Removed by the tracker itself, not only by the server on arrival.
            assertThat(bodies).isNotEmpty();
            assertThat(bodies).allSatisfy(b -> assertThat(b).doesNotContain("-secret-"));
            assertThat(bodies).anySatisfy(b -> assertThat(b).contains("keep=1"));
        }
    }

    @Test
    void theServerRemovesBlockedQueryParametersFromAHandWrittenBatch() {
        String device = "d-" + UUID.randomUUID();
        String user = "u-" + UUID.randomUUID();
        String dirty = "https://shop.example/cart?TOKEN=a-secret-1&keep=yes&Email=b-secret-2&utm_SECRET=c-secret-3"
                + "&ref_code=d-secret-4&api_key=e-secret-5&other=1#top";
        Map<String, Object> body = Map.of("app_id", server.dev().appId(), "sent_at", System.currentTimeMillis(),
                "events", List.of(
                        Map.of("kind", "identify", "event_id", UUID.randomUUID().toString(), "device_id", device,
                                "identity", user, "time", System.currentTimeMillis()),
                        Map.of("kind", "click", "event_id", UUID.randomUUID().toString(), "device_id", device,
                                "time", System.currentTimeMillis(), "url", dirty, "referrer", dirty, "href", dirty,
                                "hierarchy", "body:1:1|a#go:1:1")));
        TestServer.Response r = server.post("/h", json(body), "Content-Type", "text/plain");
        assertThat(r.status()).as(r.body()).isEqualTo(200);

        List<JsonNode> events = Stored.await(server, server.dev(), user,
                e -> Stored.ofKind(e, "click").size() == 1, PrivacyPages.TIMEOUT);

        JsonNode click = Stored.ofKind(events, "click").get(0);
        String clean = "https://shop.example/cart?keep=yes&other=1#top";
        assertThat(click.path("url").asText()).isEqualTo(clean);
        assertThat(click.path("referrer").asText()).isEqualTo(clean);
        assertThat(click.path("href").asText()).isEqualTo(clean);
        assertThat(click.path("query").asText()).doesNotContain("secret");
        assertThat(text(events)).doesNotContain("-secret-");
    }

    private static String textOf(List<JsonNode> events, String id) {
        return on(events, "click", id).get(0).path("text").asText();
    }

    private static String json(Object value) {
        try {
            return TestServer.JSON.writeValueAsString(value);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
