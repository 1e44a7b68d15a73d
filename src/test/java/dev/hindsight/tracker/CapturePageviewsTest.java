package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.identify;
import static dev.hindsight.tracker.TrackerPages.open;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pageviews on load and on SPA navigation, and the page, context and timing every event carries. */
class CapturePageviewsTest {
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

    private static List<JsonNode> pageviews(List<JsonNode> events) {
        return TrackerPages.byClientTime(Stored.ofKind(events, "pageview"));
    }

    @Test
    void aPageLoadStoresOnePageviewWithPageContextAndTiming() {
        try (BrowserContext ctx = chromium.browser().newContext(new Browser.NewContextOptions().setViewportSize(1024, 700))) {
            long before = System.currentTimeMillis();
            Page page = open(ctx, site, "spa", "/shop/home?color=blue", Map.of());
            String url = page.url();
            String deviceId = (String) page.evaluate("hindsight.getUserId()");
            String sessionId = (String) page.evaluate("hindsight.getSessionId()");
            String version = (String) page.evaluate("hindsight.version");
            String user = identify(page);

            List<JsonNode> events = await(server, user, e -> pageviews(e).size() == 1);

            assertThat(pageviews(events)).hasSize(1);
            JsonNode pv = pageviews(events).get(0);
            assertThat(pv.get("url").asText()).isEqualTo(url);
            assertThat(pv.get("path").asText()).isEqualTo("/shop/home");
            assertThat(pv.get("title").asText()).isEqualTo("SPA fixture");
            assertThat(pv.has("referrer")).as("a page opened directly has no referrer").isFalse();
            assertThat(pv.has("hierarchy")).isFalse();
            // context
            assertThat(pv.get("browser").asText()).containsIgnoringCase("chrom");
            assertThat(pv.get("os").asText()).isEqualTo("Linux");
            assertThat(pv.get("device_type").asText()).isEqualTo("desktop");
            assertThat(pv.get("viewport_width").asInt()).isEqualTo(1024);
            assertThat(pv.get("viewport_height").asInt()).isEqualTo(700);
            assertThat(pv.get("lib").asText()).isEqualTo("hindsight-js");
            assertThat(pv.get("lib_version").asText()).isEqualTo(version).isNotBlank();
            // timing and identity
            assertThat(pv.get("device_id").asText()).isEqualTo(deviceId).isNotBlank();
            assertThat(pv.get("session_id").asText()).isEqualTo(sessionId).isNotBlank();
            assertThat(Instant.parse(pv.get("client_time").asText()).toEpochMilli())
                    .isBetween(before - 60_000, System.currentTimeMillis() + 60_000);
            assertThat(pv.get("session_ms").asLong()).isBetween(0L, 60_000L);
            assertThat(pv.get("since_prev_ms").asLong()).isZero();
        }
    }

    @Test
    void followingALinkStoresASecondPageviewWithTheFirstPageAsReferrerInTheSameSession() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "spa", "/shop/home", Map.of());
            String first = page.url();
            page.click("#next");
            page.waitForURL("**/shop/home?page=spa&step=2");
            TrackerPages.waitForTracker(page);
            String user = identify(page);

            List<JsonNode> events = await(server, user,
                    e -> pageviews(e).size() == 2 && TrackerPages.clicks(e).size() == 1);

            assertThat(pageviews(events)).hasSize(2);
            JsonNode click = TrackerPages.clicks(events).get(0);
            JsonNode landing = pageviews(events).get(0);
            JsonNode second = pageviews(events).get(1);
            assertThat(second.get("url").asText()).isEqualTo(site.origin() + "/shop/home?page=spa&step=2");
            assertThat(second.get("referrer").asText()).isEqualTo(first);
            assertThat(second.get("session_id").asText()).isEqualTo(landing.get("session_id").asText());
            assertThat(second.get("device_id").asText()).isEqualTo(landing.get("device_id").asText());
            assertThat(second.get("session_ms").asLong()).isPositive();
            // The previous interaction is the click on the link, on the page before.
            assertThat(second.get("since_prev_ms").asLong()).isPositive()
                    .isEqualTo(second.get("session_ms").asLong() - click.get("session_ms").asLong());
            assertThat(click.get("since_prev_ms").asLong())
                    .isEqualTo(click.get("session_ms").asLong() - landing.get("session_ms").asLong());
        }
    }

    @Test
    void everySpaUrlChangeStoresExactlyOnePageviewAndASameUrlReplaceStateNone() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "spa", "/start", Map.of());
            String start = page.url();
            String user = identify(page);
            // The tracker takes history changes on a zero timeout; each step waits for that (or for the event) to run.
            String tick = "await new Promise(r => setTimeout(r, 0));";
            page.evaluate("async () => { history.pushState({}, '', '/a'); " + tick + " }");
            page.evaluate("async () => { history.replaceState({}, '', '/b'); " + tick + " }");
            page.evaluate("async () => { history.replaceState({ same: true }, ''); " + tick + " }");
            page.evaluate("async () => { history.replaceState({}, '', location.href); " + tick + " }");
            page.evaluate("async () => { const seen = new Promise(r => addEventListener('hashchange', r, { once: true }));"
                    + " location.hash = 'section'; await seen; " + tick + " }");
            page.evaluate("async () => { const seen = new Promise(r => addEventListener('popstate', r, { once: true }));"
                    + " history.back(); await seen; " + tick + " }");
            page.evaluate("async () => { history.pushState({}, '', '/end'); " + tick + " }");

            List<JsonNode> events = await(server, user,
                    e -> pageviews(e).stream().anyMatch(p -> p.path("path").asText().equals("/end")));

            String o = site.origin();
            assertThat(pageviews(events)).extracting(p -> p.get("url").asText())
                    .containsExactly(start, o + "/a", o + "/b", o + "/b#section", o + "/b", o + "/end");
            assertThat(pageviews(events).get(3).get("hash").asText()).contains("section");
            assertThat(pageviews(events)).extracting(p -> p.get("session_id").asText()).containsOnly(
                    pageviews(events).get(0).get("session_id").asText());
        }
    }
}
