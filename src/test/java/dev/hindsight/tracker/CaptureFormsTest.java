package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.byClientTime;
import static dev.hindsight.tracker.TrackerPages.hasCustom;
import static dev.hindsight.tracker.TrackerPages.identify;
import static dev.hindsight.tracker.TrackerPages.open;
import static dev.hindsight.tracker.TrackerPages.target;
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

/** Submit and change autocapture: form and field names, never what was typed or chosen. */
class CaptureFormsTest {
    private static final String FORM = "body:2:1:1:1|form#signup[name=signup-form]:1:1:2:1";
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

    private static void track(Page page, String name) {
        page.evaluate("n => hindsight.track(n)", name);
    }

    private static void fillEverything(Page page) {
        page.fill("#email", "jane@example.com");
        page.fill("#nickname", "Janey");
        page.fill("#secret", "hunter2-secret");
        page.fill("#bio", "I like turtles");
        page.selectOption("#plan", "pro");
        page.check("#news");
        page.check("#size-l");
    }

    @Test
    void aSubmitStoresTheFormsIdNameActionMethodAndFieldNamesButNoValues() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "forms");
            String user = identify(page);
            fillEverything(page);
            page.click("#go");
            // Checking the box and the radio button are clicks too.
            List<JsonNode> events = await(server, user, e -> Stored.ofKind(e, "submit").size() == 1
                    && TrackerPages.clicks(e).size() == 3);

            assertThat(Stored.ofKind(events, "submit")).hasSize(1);
            JsonNode submit = Stored.ofKind(events, "submit").get(0);
            assertThat(submit.get("hierarchy").asText()).isEqualTo(FORM);
            assertThat(submit.has("text")).isFalse();
            JsonNode p = submit.get("properties");
            assertThat(p.get("form_id").asText()).isEqualTo("signup");
            assertThat(p.get("form_name").asText()).isEqualTo("signup-form");
            assertThat(p.get("form_action").asText()).isEqualTo("/signup/submit");
            assertThat(p.get("form_method").asText()).isEqualTo("post");
            assertThat(p.get("form_fields").asText()).isEqualTo("email,nickname,secret,bio,plan,newsletter,size,csrf");
            assertThat(TrackerPages.clicks(events)).extracting(TrackerPages::target).contains("button#go[type=submit]:10:1:1:1");
            assertThat(events.toString()).doesNotContain("jane@example.com", "Janey", "hunter2", "turtles",
                    "hidden-token-value");
        }
    }

    @Test
    void aTextFieldChangeIsStoredOnceOnBlurWithNameTypeAndHierarchyButNoValue() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "forms");
            String user = identify(page);
            page.locator("#nickname").pressSequentially("Janey");
            track(page, "typed");
            page.keyboard().press("Tab");
            track(page, "done");
            List<JsonNode> events = byClientTime(await(server, user, e -> hasCustom(e, "done")));

            List<JsonNode> changes = Stored.ofKind(events, "change");
            assertThat(changes).hasSize(1);
            JsonNode change = changes.get(0);
            assertThat(change.get("hierarchy").asText()).isEqualTo(FORM + "|input#nickname[name=nickname][type=text]:2:2:9:6");
            assertThat(change.get("properties").get("field_name").asText()).isEqualTo("nickname");
            assertThat(change.get("properties").get("field_type").asText()).isEqualTo("text");
            assertThat(change.has("text")).isFalse();
            assertThat(events.indexOf(change)).as("the change comes with the blur, after typing")
                    .isGreaterThan(events.indexOf(TrackerPages.custom(events, "typed")));
            assertThat(events.toString()).doesNotContain("Janey");
        }
    }

    @Test
    void selectsCheckboxesAndRadiosChangeWithoutBlurAndTheirValuesStayInTheBrowser() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "forms");
            String user = identify(page);
            page.selectOption("#plan", "pro");
            track(page, "after select");
            page.check("#news");
            track(page, "after checkbox");
            page.check("#size-l");
            track(page, "done");
            List<JsonNode> events = byClientTime(await(server, user, e -> hasCustom(e, "done")));

            List<JsonNode> ordered = events.stream()
                    .filter(e -> e.path("kind").asText().equals("change") || e.path("kind").asText().equals("custom"))
                    .toList();
            assertThat(ordered).extracting(e -> e.path("kind").asText().equals("change")
                    ? "change " + e.get("properties").get("field_name").asText() + " "
                            + e.get("properties").get("field_type").asText()
                    : e.get("name").asText())
                    .containsExactly("change plan select-one", "after select", "change newsletter checkbox",
                            "after checkbox", "change size radio", "done");
            assertThat(Stored.ofKind(events, "change")).extracting(TrackerPages::target).containsExactly(
                    "select#plan[name=plan]:5:1:6:1", "input#news[name=newsletter][type=checkbox]:6:4:5:4",
                    "input#size-l[name=size][type=radio]:8:6:3:2");
            assertThat(Stored.ofKind(events, "change")).allSatisfy(c -> assertThat(c.has("text")).isFalse());
        }
    }

    @Test
    void textareasAndEmailFieldsChangeButPasswordFieldsAreNeverCaptured() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "forms");
            String user = identify(page);
            fillEverything(page);
            page.locator("#secret").focus();
            page.locator("#secret").blur();
            track(page, "done");
            List<JsonNode> events = byClientTime(await(server, user, e -> hasCustom(e, "done")));

            assertThat(Stored.ofKind(events, "change"))
                    .extracting(c -> c.get("properties").get("field_name").asText() + ":"
                            + c.get("properties").get("field_type").asText())
                    .containsExactlyInAnyOrder("email:email", "nickname:text", "bio:textarea", "plan:select-one",
                            "newsletter:checkbox", "size:radio");
            assertThat(events.toString()).doesNotContain("jane@example.com", "Janey", "hunter2", "turtles")
                    .doesNotContain("input#secret");
        }
    }

    @Test
    void submittingWithEnterInAFieldStoresTheSubmit() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "forms", "/forms", Map.of());
            String user = identify(page);
            page.locator("#nickname").press("Enter");
            List<JsonNode> events = await(server, user, e -> Stored.ofKind(e, "submit").size() == 1);

            assertThat(Stored.ofKind(events, "submit")).singleElement()
                    .satisfies(s -> assertThat(s.get("properties").get("form_id").asText()).isEqualTo("signup"));
        }
    }
}
