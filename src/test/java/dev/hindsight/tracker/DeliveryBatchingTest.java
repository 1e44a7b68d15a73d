package dev.hindsight.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Clock;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Batches every ~2 s, and at once (sendBeacon, keepalive fetch) when the page is hidden or left. */
class DeliveryBatchingTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
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

    /**
     * The delivery fixture, its device identified as {@code user}, with a page clock that stands still once the
     * tracker has sent its first events: from then on only runFor (or the page going away) sends anything.
     */
    private static Page pausedPage(BrowserContext ctx, String user) {
        Page page = ctx.newPage();
        page.clock().install(new Clock.InstallOptions().setTime(System.currentTimeMillis()));
        Pages.open(page, site, "delivery", Map.of());
        Stored.identifyDevice(page, user);
        Pages.awaitQueueDrained(page);
        Pages.pauseClock(page);
        return page;
    }

    /**
     * Runs the paused clock in 100 ms steps until the tracker's 2 s batch timer fires, and returns the page's time
     * it fired at: the timer's phase depends on how long the page took to load and drain. Each tick mirrors the
     * (empty) queue to localStorage with the time, which is how the test sees it.
     */
    private static long runToBatchTick(Page page) {
        String lastMirrored = "() => Math.max(...Object.keys(localStorage).filter(k => k.startsWith('_hs_q.'))"
                + ".map(k => JSON.parse(localStorage.getItem(k)).t))";
        Object before = page.evaluate(lastMirrored);
        for (int step = 0; step < 30; step++) {
            page.clock().runFor(100);
            Object t = page.evaluate(lastMirrored);
            if (!t.equals(before)) {
                return ((Number) t).longValue();
            }
        }
        throw new AssertionError("The batch timer did not fire in 3 s of page time");
    }

    @Test
    void eventsMadeWithinTwoSecondsLeaveTogetherInOneRequestWhenTheBatchTimerFires() {
        try (BrowserContext ctx = chromium.newContext()) {
            Posts posts = Posts.record(ctx);
            String user = Pages.newUser();
            Page page = pausedPage(ctx, user);
            long tick = runToBatchTick(page);
            int before = posts.all().size();

            Pages.clickAll(page, "#one", "#two", "#three");
            // To 400 ms before the next tick (the clicks are at most 100 ms after the last one), then past it.
            page.clock().runFor(tick + 1600 - ((Number) page.evaluate("() => Date.now()")).longValue());
            Posts.sync(page);
            assertThat(posts.all().subList(before, posts.all().size()))
                    .as("nothing is sent before the 2 s batch timer fires").isEmpty();
            page.clock().runFor(500);
            List<JsonNode> events = Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 3, WAIT);

            List<JsonNode> clicks = Stored.ofKind(events, "click");
            assertThat(Pages.texts(clicks)).containsExactlyInAnyOrder("One", "Two", "Three");
            Posts.sync(page);
            List<Posts.Post> carrying = posts.carrying(clicks.get(0).get("event_id").asText());
            assertThat(carrying).hasSize(1);
            assertThat(carrying.get(0).kinds()).filteredOn("click"::equals).hasSize(3);
            assertThat(carrying.get(0).resourceType()).isEqualTo("fetch");
        }
    }

    @Test
    void hidingThePageSendsTheQueuedEventsAtOnceThroughSendBeacon() {
        try (BrowserContext ctx = chromium.newContext()) {
            Posts posts = Posts.record(ctx);
            String user = Pages.newUser();
            Page page = pausedPage(ctx, user);

            Pages.clickAll(page, "#one", "#two");
            // The tab goes to the background: the clock stands still, so no batch timer can send the events.
            page.evaluate("() => { Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });"
                    + " document.dispatchEvent(new Event('visibilitychange')); }");
            List<JsonNode> events = Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 2 && Stored.ofKind(e, "pageview").size() == 1, WAIT);

            assertThat(Pages.texts(Stored.ofKind(events, "click"))).containsExactlyInAnyOrder("One", "Two");
            Posts.sync(page);
            assertThat(posts.ofType("ping")).as("beacons").isNotEmpty();
            assertThat(Pages.eventIds(Stored.ofKind(events, "click")))
                    .as("clicks carried by a fetch (none: the batch timer never fired)")
                    .allSatisfy(id -> assertThat(posts.carrying(id)).isEmpty());
        }
    }

    @Test
    void aClickOnALinkThatLeavesForABlankPageAtOnceIsStored() {
        try (BrowserContext ctx = chromium.newContext()) {
            String user = Pages.newUser();
            Page page = pausedPage(ctx, user);

            page.click("#blank");
            page.waitForURL("about:blank");
            List<JsonNode> events = Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 1, WAIT);

            JsonNode click = Stored.ofKind(events, "click").get(0);
            assertThat(click.get("text").asText()).isEqualTo("Leave for a blank page");
            assertThat(click.get("href").asText()).isEqualTo("about:blank");
        }
    }

    @Test
    void aClickOnALinkThatLeavesForAPageWithoutTheTrackerIsStored() {
        try (BrowserContext ctx = chromium.newContext()) {
            Posts posts = Posts.record(ctx);
            String user = Pages.newUser();
            Page page = pausedPage(ctx, user);

            page.click("#next");
            page.waitForURL("**/plain?page=plain");
            List<JsonNode> events = Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 1, WAIT);

            JsonNode click = Stored.ofKind(events, "click").get(0);
            assertThat(click.get("text").asText()).isEqualTo("A page without the tracker");
        }
    }

    @Test
    void withoutSendBeaconHidingThePageSendsTheQueuedEventsAtOnceWithAFetch() {
        try (BrowserContext ctx = chromium.newContext()) {
            ctx.addInitScript("navigator.sendBeacon = function () { return false; };");
            Posts posts = Posts.record(ctx);
            String user = Pages.newUser();
            Page page = pausedPage(ctx, user);

            Pages.clickAll(page, "#one");
            page.evaluate("() => { Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });"
                    + " document.dispatchEvent(new Event('visibilitychange')); }");
            List<JsonNode> events = Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 1, WAIT);

            JsonNode click = Stored.ofKind(events, "click").get(0);
            Posts.sync(page);
            assertThat(posts.carrying(click.get("event_id").asText())).extracting(Posts.Post::resourceType)
                    .containsExactly("fetch");
        }
    }

    @Test
    void withoutSendBeaconAClickOnALinkThatLeavesAtOnceIsStoredAllTheSame() {
        try (BrowserContext ctx = chromium.newContext()) {
            // No beacon, and a page clock that stands still (no batch timer): only a keepalive fetch can carry it.
            ctx.addInitScript("navigator.sendBeacon = function () { return false; };");
            String user = Pages.newUser();
            Page page = pausedPage(ctx, user);

            page.click("#blank");
            page.waitForURL("about:blank");
            List<JsonNode> events = Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 1, WAIT);

            assertThat(Pages.texts(Stored.ofKind(events, "click"))).containsExactly("Leave for a blank page");
        }
    }
}
