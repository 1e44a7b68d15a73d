package dev.hindsight.tracker;

import static dev.hindsight.tracker.PrivacyPages.afterMarker;
import static dev.hindsight.tracker.PrivacyPages.has;
import static dev.hindsight.tracker.PrivacyPages.identify;
import static dev.hindsight.tracker.PrivacyPages.open;
import static dev.hindsight.tracker.PrivacyPages.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The load options that narrow autocapture: disableTextCapture and disablePageviewAutocapture. */
class PrivacyOptionsTest {
    private static TestServer server;
    private static FixtureSite site;
    private static Chromium chromium;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        site = new FixtureSite(server);
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        chromium.close();
        site.close();
        server.close();
    }

    @Test
    void withDisableTextCaptureNoEventCarriesText() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-pii", "/privacy-pii", Map.of("disableTextCapture", true)));
            String user = identify(page);
            page.click("#ordinary");
            page.click("#help");
            page.click("#order");

            List<JsonNode> events = afterMarker(server, page, user,
                    e -> has(e, "click", "ordinary") && has(e, "click", "help") && has(e, "click", "order"));

            assertThat(Stored.ofKind(events, "click")).hasSize(3);
            assertThat(events).allSatisfy(e -> assertThat(e.hasNonNull("text")).as("text of %s", e).isFalse());
            assertThat(text(events)).doesNotContain("Add 2 items").doesNotContain("Help centre")
                    .doesNotContain("1234567890123456");
            // Everything else about the click is still there.
            assertThat(PrivacyPages.on(events, "click", "help").get(0).path("href").asText()).endsWith("/help");
        }
    }

    @Test
    void withoutDisableTextCaptureTheSameClicksCarryTheirText() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-pii", "/privacy-pii", Map.of()));
            String user = identify(page);
            page.click("#help");

            List<JsonNode> events = afterMarker(server, page, user, e -> has(e, "click", "help"));

            assertThat(PrivacyPages.on(events, "click", "help").get(0).path("text").asText()).isEqualTo("Help centre");
        }
    }

    @Test
    void withDisablePageviewAutocaptureNoPageviewIsStoredButClicksAre() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("basic", "/basic", Map.of("disablePageviewAutocapture", true)));
            String user = identify(page);
            page.click("#add");
            page.evaluate("() => history.pushState({}, '', '/basic/next?page=basic')");
            page.evaluate("() => { location.hash = 'section'; }");
            page.click("#plain");

            List<JsonNode> events = afterMarker(server, page, user,
                    e -> has(e, "click", "add") && has(e, "click", "plain"));

            assertThat(Stored.ofKind(events, "pageview")).isEmpty();
            assertThat(Stored.ofKind(events, "click")).hasSize(2);
            assertThat(PrivacyPages.on(events, "click", "plain").get(0).path("url").asText())
                    .endsWith("/basic/next?page=basic#section");
        }
    }
}
