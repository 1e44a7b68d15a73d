package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.clicks;
import static dev.hindsight.tracker.TrackerPages.identify;
import static dev.hindsight.tracker.TrackerPages.open;
import static dev.hindsight.tracker.TrackerPages.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Click autocapture in Chromium: which element a click counts for, its text and href, shadow DOM, rage clicks. */
class CaptureClicksTest {
    private static final String APP = "body:2:1:1:1|div#app:1:1:2:1|";
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

    /** Clicks {@code selector}, then returns the one click event stored for it. */
    private static JsonNode clickOne(String selector, Locator.ClickOptions options) {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "clicks");
            String user = identify(page);
            page.locator(selector).click(options);
            List<JsonNode> events = await(server, user, e -> clicks(e).size() == 1);
            assertThat(clicks(events)).as("click events for %s", selector).hasSize(1);
            return clicks(events).get(0);
        }
    }

    private static JsonNode clickOne(String selector) {
        return clickOne(selector, new Locator.ClickOptions());
    }

    @Test
    void aClickOnAnSvgIconInsideAButtonCountsAsTheButton() {
        JsonNode click = clickOne("#icon-path", new Locator.ClickOptions().setForce(true));

        assertThat(click.get("hierarchy").asText())
                .isEqualTo(APP + "button#icon-button.btn.icon[type=button][aria-label=Favourite]:1:1:13:1");
    }

    @Test
    void aClickOnTheHtmlElementItselfIsRecordedAsTheRootLevel() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "clicks");
            String user = identify(page);
            page.evaluate("() => { document.documentElement.className = 'dark'; document.documentElement.click(); }");
            List<JsonNode> events = await(server, user, e -> clicks(e).size() == 1);
            String h = clicks(events).get(0).get("hierarchy").asText();
            assertThat(h).isEqualTo("html.dark:1:1:1:1");
            assertThat(dev.hindsight.define.HierarchyPattern.compile(":root.dark").matches(h)).isTrue();
            assertThat(dev.hindsight.define.HierarchyPattern.compile("body").matches(h)).isFalse();
        }
    }

    @Test
    void aClickOnAPlainParagraphCountsAsTheParagraphWithItsText() {
        JsonNode click = clickOne("#plain", new Locator.ClickOptions().setPosition(2, 5));

        assertThat(click.get("hierarchy").asText()).isEqualTo(APP + "p#plain:2:1:12:1");
        assertThat(click.get("text").asText()).isEqualTo("Just a paragraph with emphasis");
    }

    @Test
    void aClickOnTextInsideALinkCountsAsTheLinkWithItsAbsoluteHref() {
        JsonNode click = clickOne("#docs-label");

        assertThat(target(click)).isEqualTo("a#docs[href=%2Fdocs%3Fx%3D1]:3:1:11:1");
        assertThat(click.get("href").asText()).isEqualTo(site.origin() + "/docs?x=1");
        assertThat(click.get("text").asText()).isEqualTo("Read the docs");
    }

    @Test
    void aClickInsideAnElementWithRoleButtonCountsAsThatElement() {
        assertThat(target(clickOne("#fake-label"))).isEqualTo("div#fake-button[role=button]:4:1:10:5");
    }

    @Test
    void aClickInsideAnElementWithADataHsIdCountsAsThatElementAndKeepsTheId() {
        assertThat(target(clickOne("#tagged-inner"))).isEqualTo("div#tagged[data-hs-id=hero]:5:2:9:4");
    }

    @Test
    void aClickInsideAnElementWithADataHeapIdCountsAsThatElement() {
        assertThat(target(clickOne("#heap-inner"))).isEqualTo("div#heap-tagged[data-heap-id=legacy]:6:3:8:3");
    }

    @Test
    void aClickOnAnElementWithoutMeaningfulAncestorCountsAsItself() {
        JsonNode click = clickOne("#third");

        assertThat(click.get("hierarchy").asText()).isEqualTo(APP + "ul#list:12:1:2:1|li#third.item:4:3:1:1");
        assertThat(click.get("text").asText()).isEqualTo("three");
    }

    @Test
    void aClickOnALabelCountsAsTheLabelAndTheSyntheticClickAsTheInput() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "clicks");
            String user = identify(page);
            page.locator("#terms-text").click();
            List<JsonNode> events = await(server, user, e -> clicks(e).size() == 2);

            assertThat(clicks(events)).extracting(TrackerPages::target).containsExactlyInAnyOrder(
                    "label#terms-label[for=terms]:7:1:7:1", "input#terms[name=terms][type=checkbox]:8:1:6:1");
        }
    }

    @Test
    void aClickInsideAnOpenShadowRootIsAttributedThroughItsHost() {
        JsonNode click = clickOne("my-widget .glyph");

        assertThat(click.get("hierarchy").asText())
                .isEqualTo(APP + "my-widget#widget:11:1:3:1|div.shell:2:1:1:1|button.inner[type=button]:1:1:2:1");
        assertThat(click.get("text").asText()).isEqualTo("Shadow action");
    }

    @Test
    void aClickOnAPlainElementInsideAShadowRootCountsAsThatElementBelowTheHost() {
        JsonNode click = clickOne("my-widget .note");

        assertThat(click.get("hierarchy").asText()).isEqualTo(APP + "my-widget#widget:11:1:3:1|div.shell:2:1:1:1|p.note:2:1:1:1");
    }

    @Test
    void theHierarchyEscapesSpecialCharactersInIdsClassesAndAttributeValues() {
        JsonNode click = clickOne("#odd div");

        assertThat(click.get("hierarchy").asText()).isEqualTo(APP + "section#odd:13:1:1:1|"
                + "div#a%2Eb%3Ac%7Cd.%5Bz%5D.%C3%A9.x%7Cy[title=Hello%2C%20world%21][data-label=a%3Db%5Dc]:1:1:3:1");
    }

    @Test
    void theHierarchyEscapesThePercentSignItselfAndNonAsciiLetters() {
        assertThat(target(clickOne("#odd span"))).isEqualTo("span#100%25.%C3%BC-b[data-note=50%25%20off]:2:1:2:1");
    }

    @Test
    void blockedQueryParametersLeaveNeitherTheHrefNorTheHierarchy() {
        JsonNode click = clickOne("#leaky");

        assertThat(target(click)).isEqualTo("a#leaky[href=%2Fpricing%3Fref%3Dnav]:3:1:1:1");
        assertThat(click.get("href").asText()).isEqualTo(site.origin() + "/pricing?ref=nav");
        assertThat(click.toString()).doesNotContain("secret");
    }

    @Test
    void theThirdQuickClickInOnePlaceAndThoseAfterItAreMarkedAsRageClicks() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "clicks");
            String user = identify(page);
            page.locator("#rage").click(new Locator.ClickOptions().setClickCount(4));
            List<JsonNode> events = await(server, user, e -> clicks(e).size() == 4);

            assertThat(clicks(events)).hasSize(4).allSatisfy(c -> assertThat(target(c)).isEqualTo("div#rage.target:9:4:5:2"));
            assertThat(clicks(events)).extracting(c -> c.path("properties").path("rage_click").asBoolean(false))
                    .containsExactly(false, false, true, true);
            assertThat(clicks(events).get(2).path("properties").path("rage_click").isBoolean()).isTrue();
        }
    }

    @Test
    void aRageClickBurstNeverHoldsItsFirstClicksBack() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "clicks");
            String user = identify(page);
            // Coming back online makes the tracker send its queue at once: here, between the first and second click.
            page.locator("#rage").evaluate("el => { const r = el.getBoundingClientRect();"
                    + " const click = () => el.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true,"
                    + " clientX: r.left + 20, clientY: r.top + 20 }));"
                    + " click(); window.dispatchEvent(new Event('online')); click(); click(); }");
            List<JsonNode> events = await(server, user, e -> clicks(e).size() == 3);

            assertThat(clicks(events)).extracting(c -> c.path("properties").path("rage_click").asBoolean(false))
                    .containsExactly(false, false, true);
        }
    }

    @Test
    void twoQuickClicksAreNotARageClick() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "clicks");
            String user = identify(page);
            page.locator("#rage").click(new Locator.ClickOptions().setClickCount(2));
            List<JsonNode> events = await(server, user, e -> clicks(e).size() == 2);

            assertThat(clicks(events)).hasSize(2)
                    .allSatisfy(c -> assertThat(c.path("properties").has("rage_click")).isFalse());
        }
    }

    @Test
    void threeQuickClicksMoreThanThirtyPixelsApartAreNotARageClick() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "clicks");
            String user = identify(page);
            // Dispatched in one go, so the three clicks are surely within a second: only the distance differs.
            page.locator("#calm").evaluate("el => { const r = el.getBoundingClientRect(); for (let i = 0; i < 3; i++) "
                    + "el.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true, "
                    + "clientX: r.left + 10 + 45 * i, clientY: r.top + r.height / 2 })); }");
            List<JsonNode> events = await(server, user, e -> clicks(e).size() == 3);

            assertThat(clicks(events)).hasSize(3).allSatisfy(c -> {
                assertThat(target(c)).isEqualTo("div#calm.target:10:5:4:1");
                assertThat(c.path("properties").has("rage_click")).isFalse();
            });
        }
    }
}
