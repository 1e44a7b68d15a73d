package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.identify;
import static dev.hindsight.tracker.TrackerPages.open;
import static dev.hindsight.tracker.TrackerPages.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Forms inside open shadow roots, PII in attribute values and page titles, and ids or classes that are not valid
 * Unicode (an unpaired surrogate).
 */
class ShadowFormsAndAttributesTest {
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
    void changesAndSubmitsInsideAnOpenShadowRootAreCapturedLikeOthers() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "shadow-forms");
            String user = identify(page);
            page.fill("#city", "Utrecht");
            page.press("#city", "Tab");
            page.selectOption("#country", "DE");
            page.click("#save");

            List<JsonNode> events = await(server, user, e -> Stored.ofKind(e, "change").size() == 2
                    && Stored.ofKind(e, "submit").size() == 1);

            List<JsonNode> changes = Stored.ofKind(events, "change");
            assertThat(changes).extracting(e -> e.path("properties").path("field_name").asText())
                    .containsExactly("city", "country");
            assertThat(target(changes.get(0))).startsWith("input#city[name=city]");
            assertThat(changes.get(0).get("hierarchy").asText()).contains("address-form#shipping");
            JsonNode submit = Stored.ofKind(events, "submit").get(0);
            assertThat(submit.path("properties").path("form_id").asText()).isEqualTo("address");
            assertThat(submit.path("properties").path("form_fields").asText()).isEqualTo("city,country");
            assertThat(target(submit)).startsWith("form#address[name=address]");
            assertThat(events.toString()).doesNotContain("Utrecht");
        }
    }

    @Test
    void piiInAttributeValuesAndThePageTitleIsScrubbedAsInText() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "shadow-forms");
            String user = identify(page);
            page.click("#contact");

            List<JsonNode> events = await(server, user, e -> !TrackerPages.clicks(e).isEmpty());

            JsonNode click = TrackerPages.clicks(events).get(0);
            // **** is %2A%2A%2A%2A in the hierarchy's escaping.
            assertThat(target(click)).isEqualTo(
                    "div#contact[title=Call%20%2A%2A%2A%2A][data-contact=%2A%2A%2A%2A]:2:1:3:1");
            assertThat(click.get("title").asText()).isEqualTo("Order for ****");
            assertThat(events.toString()).doesNotContain("bob").doesNotContain("555");
        }
    }

    @Test
    void anUnpairedSurrogateInAnIdOrClassIsReplacedAndTheClickCaptured() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "shadow-forms");
            String user = identify(page);
            page.click("#app > button");
            page.fill("#odd-field", "x");
            page.press("#odd-field", "Tab");

            List<JsonNode> events = await(server, user, e -> !TrackerPages.clicks(e).isEmpty()
                    && !Stored.ofKind(e, "change").isEmpty());

            // U+FFFD is EF BF BD in UTF-8.
            assertThat(target(TrackerPages.clicks(events).get(0)))
                    .isEqualTo("button#odd%EF%BF%BDx.b%EF%BF%BD[type=button]:3:1:2:1");
            assertThat(TrackerPages.clicks(events).get(0).get("text").asText()).isEqualTo("Odd id");
            assertThat(Stored.ofKind(events, "change").get(0).path("properties").path("field_name").asText())
                    .isEqualTo("n\uFFFD");
        }
    }
}
