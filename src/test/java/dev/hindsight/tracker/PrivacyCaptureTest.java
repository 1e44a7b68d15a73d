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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the tracker leaves out of the elements it captures: input values, passwords, ignored subtrees, redactions. */
class PrivacyCaptureTest {
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
    void valuesTypedIntoInputsTextareasSelectsAndPasswordFieldsAreStoredNowhere() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-forms"));
            String user = identify(page);

            page.fill("#full-name", "Quentin Typedname-8841");
            page.fill("#email-field", "typed.address-8842@example.org");
            page.fill("#search-field", "searched-phrase-8843");
            page.fill("#bio", "A typed biography-8844\nwith two lines");
            page.selectOption("#plan", "plan-zebra-7731");
            page.fill("#pw", "Hunter2-password-8845");
            page.press("#pw", "Tab");
            page.click("#send");

            List<JsonNode> events = afterMarker(server, page, user, e -> Stored.ofKind(e, "submit").size() == 1
                    && has(e, "change", "full-name") && has(e, "change", "bio") && has(e, "change", "plan"));

            String stored = text(events);
            for (String typed : List.of("Typedname-8841", "typed.address-8842", "searched-phrase-8843",
                    "biography-8844", "plan-zebra-7731", "Hunter2", "password-8845", "8845")) {
                assertThat(stored).as("stored events contain '%s'", typed).doesNotContain(typed);
            }
            // The fields themselves are captured, by name and type only.
            JsonNode nameChange = on(events, "change", "full-name").get(0);
            assertThat(nameChange.path("properties").path("field_name").asText()).isEqualTo("full_name");
            assertThat(nameChange.path("properties").path("field_type").asText()).isEqualTo("text");
            assertThat(nameChange.has("text")).isFalse();
            assertThat(on(events, "change", "plan").get(0).has("text")).isFalse();
            JsonNode submit = Stored.ofKind(events, "submit").get(0);
            assertThat(submit.has("text")).isFalse();
            assertThat(submit.path("properties").path("form_fields").asText())
                    .isEqualTo("full_name,email,q,bio,plan,pw");
        }
    }

    @Test
    void aPasswordFieldYieldsNoClickAndNoChangeEvents() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-forms"));
            String user = identify(page);

            page.click("#pw");
            page.fill("#pw", "Another-secret-9931");
            page.press("#pw", "Tab");
            page.click("#pw-alone");
            page.keyboard().type("Upper-case-type-9932");
            page.press("#pw-alone", "Tab");
            page.click("#full-name");

            List<JsonNode> events = afterMarker(server, page, user, e -> has(e, "click", "full-name"));

            assertThat(events).noneMatch(e -> e.path("hierarchy").asText().contains("#pw"));
            assertThat(events).noneMatch(e -> e.path("hierarchy").asText().matches("(?i).*\\[type=password].*"));
            assertThat(events).noneMatch(e -> e.path("properties").path("field_type").asText()
                    .equalsIgnoreCase("password"));
            assertThat(text(events)).doesNotContain("9931").doesNotContain("9932");
        }
    }

    @Test
    void clicksChangesAndSubmitsInsideIgnoredSubtreesProduceNoEvent() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-ignore"));
            String user = identify(page);

            page.click("#zone-one-button");
            page.fill("#zone-one-input", "zone one typed");
            page.press("#zone-one-input", "Tab");
            page.click("#zone-two-link");
            page.selectOption("#zone-two-select", "b");
            page.click("#zone-two-text");
            page.fill("#zone-three-textarea", "zone three typed");
            page.press("#zone-three-textarea", "Tab");
            page.click("#zone-three-submit");
            page.fill("#zone-four-input", "zone four typed");
            page.press("#zone-four-input", "Tab");
            page.click("#zone-four-submit");
            page.click("#zone-five-button");
            page.click("#visible-field");

            List<JsonNode> events = afterMarker(server, page, user, e -> has(e, "click", "visible-field"));

            assertThat(events).noneMatch(e -> e.path("hierarchy").asText().contains("#zone-"));
            assertThat(Stored.ofKind(events, "submit")).isEmpty();
            assertThat(Stored.ofKind(events, "change")).isEmpty();
            assertThat(Stored.ofKind(events, "click")).hasSize(1);
            assertThat(text(events)).doesNotContainIgnoringCase("zone ").doesNotContain("zone_");
        }
    }

    @Test
    void anIgnoredFieldIsLeftOutOfItsFormsSubmitAndItsChangesAreNotCaptured() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-ignore"));
            String user = identify(page);

            page.fill("#visible-field", "v");
            page.fill("#hidden-field", "h");
            page.press("#hidden-field", "Tab");
            page.click("#partly-submit");

            List<JsonNode> events = afterMarker(server, page, user, e -> Stored.ofKind(e, "submit").size() == 1);

            JsonNode submit = Stored.ofKind(events, "submit").get(0);
            assertThat(submit.path("properties").path("form_fields").asText()).isEqualTo("visible_field");
            assertThat(events).noneMatch(e -> e.path("hierarchy").asText().contains("hidden"));
            assertThat(text(events)).doesNotContain("hidden_field");
        }
    }

    @Test
    void theTextOfAnIgnoredDescendantIsLeftOutOfItsAncestorsCapturedText() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-ignore"));
            String user = identify(page);

            page.click("#profile", new Page.ClickOptions().setPosition(5, 5));

            List<JsonNode> events = afterMarker(server, page, user, e -> has(e, "click", "profile"));

            assertThat(on(events, "click", "profile").get(0).path("text").asText()).isEqualTo("Profile of");
            assertThat(text(events)).doesNotContain("Zone six person");
        }
    }

    @Test
    void redactTextReplacesTheTextOfTheElementAndOfItsDescendantsWithStars() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-redact"));
            String user = identify(page);

            page.click("#redacted-button");
            page.click("#redacted-child");

            List<JsonNode> events = afterMarker(server, page, user,
                    e -> has(e, "click", "redacted-button") && has(e, "click", "redacted-child"));

            assertThat(on(events, "click", "redacted-button").get(0).path("text").asText()).isEqualTo("****");
            assertThat(on(events, "click", "redacted-child").get(0).path("text").asText()).isEqualTo("****");
            assertThat(text(events)).doesNotContain("Jane Doe");
        }
    }

    @Test
    void redactedTextInsideAClickedElementStaysOutOfThatElementsText() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-redact"));
            String user = identify(page);

            page.click("#balance", new Page.ClickOptions().setPosition(5, 5));

            List<JsonNode> events = afterMarker(server, page, user, e -> has(e, "click", "balance"));

            assertThat(on(events, "click", "balance").get(0).path("text").asText()).isEqualTo("Balance: ****");
            assertThat(text(events)).doesNotContain("Secret balance").doesNotContain("1234");
        }
    }

    @Test
    void redactAttributesBlanksTheNamedAttributesOnTheElementAndItsDescendantsButKeepsThemPresent() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("privacy-redact"));
            String user = identify(page);

            page.click("#attr-link");
            page.click("#attr-child");

            List<JsonNode> events = afterMarker(server, page, user,
                    e -> has(e, "click", "attr-link") && has(e, "click", "attr-child"));

            String link = on(events, "click", "attr-link").get(0).path("hierarchy").asText();
            assertThat(link).endsWith("|a#attr-link[href=][title=][data-customer=]:4:1:2:1");
            String child = on(events, "click", "attr-child").get(0).path("hierarchy").asText();
            assertThat(child).endsWith("|div#attr-parent:5:2:1:1|div[data-order=]:1:1:1:1"
                    + "|button#attr-child[name=pay][type=button][aria-label=]:1:1:1:1");
            assertThat(text(events)).doesNotContain("acct-7777").doesNotContain("Jane-Title")
                    .doesNotContain("cust-4242").doesNotContain("order-5151").doesNotContain("Jane-Label");
        }
    }
}
