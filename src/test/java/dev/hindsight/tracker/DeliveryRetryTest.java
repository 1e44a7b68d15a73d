package dev.hindsight.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Clock;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Unsent events survive going offline, a server or network failure and leaving the page (localStorage), are
 * retried with exponential backoff and jitter, and keep their event_id, so the server stores each exactly once.
 */
class DeliveryRetryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
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

    private static String trackerEndpoint() {
        return server.baseUrl() + "/h";
    }

    /** Opens the fixture, identifies its device, and waits until the tracker has delivered what it had. */
    private static Page openDelivered(BrowserContext ctx, String user) {
        Page page = Pages.open(ctx.newPage(), site, "delivery", Map.of());
        Stored.identifyDevice(page, user);
        Pages.awaitQueueDrained(page);
        return page;
    }

    private static void assertEachStoredOnce(List<JsonNode> events, int clicks) {
        List<JsonNode> stored = Stored.ofKind(events, "click");
        assertThat(stored).hasSize(clicks);
        assertThat(new HashSet<>(Pages.eventIds(stored))).hasSize(clicks);
        assertThat(new HashSet<>(Pages.eventIds(events))).hasSize(events.size());
    }

    @Test
    void eventsMadeOfflineAreStoredExactlyOnceWhenTheBrowserIsBackOnline() {
        try (BrowserContext ctx = chromium.newContext()) {
            Posts posts = Posts.record(ctx);
            String user = Pages.newUser();
            Page page = openDelivered(ctx, user);

            ctx.setOffline(true);
            Pages.clickAll(page, "#one", "#two", "#three");
            page.waitForCondition(() -> posts.all().stream().anyMatch(p -> p.kinds().contains("click")),
                    new Page.WaitForConditionOptions().setTimeout(20_000));
            ctx.setOffline(false);
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() >= 3, WAIT);

            assertEachStoredOnce(events, 3);
            assertThat(Pages.texts(Stored.ofKind(events, "click"))).containsExactlyInAnyOrder("One", "Two", "Three");
            Posts.sync(page);
            // The attempt made offline carried the same event ids the server stored.
            assertThat(Pages.eventIds(Stored.ofKind(events, "click")))
                    .allSatisfy(id -> assertThat(posts.carrying(id)).hasSizeGreaterThanOrEqualTo(2));
        }
    }

    @Test
    void eventsMadeOfflineSurviveLeavingThePageAndAreSentOnceByTheNextPageOfTheSite() {
        try (BrowserContext ctx = chromium.newContext()) {
            Posts posts = Posts.record(ctx);
            String user = Pages.newUser();
            Page page = openDelivered(ctx, user);

            ctx.setOffline(true);
            Pages.clickAll(page, "#one", "#two");
            @SuppressWarnings("unchecked")
            List<String> queued = (List<String>) page.evaluate("() => Object.keys(localStorage)"
                    + ".filter(k => k.startsWith('_hs_q.')).flatMap(k => JSON.parse(localStorage.getItem(k)).q)"
                    + ".filter(e => e.kind == 'click').map(e => e.event_id)");
            // Leave while offline, then come back online on another page of the site.
            page.navigate("about:blank");
            ctx.setOffline(false);
            int before = posts.all().size();
            Pages.open(page, site, "delivery", Map.of());
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() >= 2 && Stored.ofKind(e, "pageview").size() >= 2, WAIT);
            Pages.awaitQueueDrained(page);

            assertThat(queued).as("click ids queued in localStorage").hasSize(2);
            assertEachStoredOnce(events, 2);
            assertThat(Pages.eventIds(Stored.ofKind(events, "click"))).containsExactlyInAnyOrderElementsOf(queued);
            assertThat(Stored.ofKind(events, "pageview")).hasSize(2);
            Posts.sync(page);
            List<Posts.Post> fromNextPage = posts.all().subList(before, posts.all().size());
            assertThat(queued).as("the next page resent the left page's clicks with their event ids")
                    .allSatisfy(id -> assertThat(fromNextPage).anyMatch(p -> p.carries(id)));
        }
    }

    @Test
    void aServerAnswering503ToTheFirstAttemptsGetsEachEventOnceWhenItRecovers() {
        try (BrowserContext ctx = chromium.newContext()) {
            Posts posts = Posts.record(ctx);
            String user = Pages.newUser();
            Page page = openDelivered(ctx, user);
            AtomicInteger failures = new AtomicInteger(3);
            ctx.route(trackerEndpoint(), r -> {
                if (failures.getAndDecrement() > 0) {
                    r.fulfill(new Route.FulfillOptions().setStatus(503).setHeaders(Map.of("Retry-After", "1",
                            "Access-Control-Allow-Origin", site.origin(), "Content-Type", "application/problem+json"))
                            .setBody("{\"status\":503,\"title\":\"Overloaded\"}"));
                } else {
                    r.resume();
                }
            });

            Pages.clickAll(page, "#one", "#two", "#three");
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() >= 3, WAIT);

            assertEachStoredOnce(events, 3);
            Posts.sync(page);
            assertThat(Pages.eventIds(Stored.ofKind(events, "click")))
                    .allSatisfy(id -> assertThat(posts.carrying(id)).hasSizeGreaterThanOrEqualTo(4));
        }
    }

    @Test
    void aNetworkThatDropsTheFirstAttemptsGetsEachEventOnceWhenItRecovers() {
        try (BrowserContext ctx = chromium.newContext()) {
            Posts posts = Posts.record(ctx);
            String user = Pages.newUser();
            Page page = openDelivered(ctx, user);
            AtomicInteger failures = new AtomicInteger(3);
            ctx.route(trackerEndpoint(), r -> {
                if (failures.getAndDecrement() > 0) {
                    r.abort("connectionreset");
                } else {
                    r.resume();
                }
            });

            Pages.clickAll(page, "#one", "#two");
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() >= 2, WAIT);

            assertEachStoredOnce(events, 2);
            Posts.sync(page);
            assertThat(Pages.eventIds(Stored.ofKind(events, "click")))
                    .allSatisfy(id -> assertThat(posts.carrying(id)).hasSizeGreaterThanOrEqualTo(4));
        }
    }

    @Test
    void retriesBackOffExponentiallyWithJitterAndThenDeliverEachEventOnce() {
        try (BrowserContext ctx = chromium.newContext()) {
            String user = Pages.newUser();
            Page page = ctx.newPage();
            // Every /h fetch is noted with the page's (test-controlled) time; pending counts unanswered ones.
            page.addInitScript("(() => { const f = window.fetch; window.__hs = { pending: 0, times: [] };"
                    + " window.fetch = function (u) { if (!/\\/h$/.test(String(u))) return f.apply(this, arguments);"
                    + " __hs.pending++; __hs.times.push(Date.now()); const p = f.apply(this, arguments);"
                    + " p.then(() => __hs.pending--, () => __hs.pending--); return p; }; })()");
            AtomicInteger failures = new AtomicInteger(6);
            page.route(trackerEndpoint(), r -> {
                if (failures.getAndDecrement() > 0) {
                    r.fulfill(new Route.FulfillOptions().setStatus(503)
                            .setHeaders(Map.of("Access-Control-Allow-Origin", site.origin())));
                } else {
                    r.resume();
                }
            });
            page.clock().install(new Clock.InstallOptions().setTime(System.currentTimeMillis()));
            Pages.pauseClock(page);
            Pages.open(page, site, "delivery", Map.of());
            Stored.identifyDevice(page, user);

            // Move the page's time in 250 ms steps, letting each answer reach the tracker before the next step.
            List<Long> times = new ArrayList<>();
            for (int step = 0; step < 800 && times.size() < 7; step++) {
                page.clock().runFor(250);
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (((Number) page.evaluate("() => __hs.pending")).intValue() > 0 && System.nanoTime() < deadline) {
                    page.waitForTimeout(10);
                }
                times.clear();
                ((List<?>) page.evaluate("() => __hs.times")).forEach(t -> times.add(((Number) t).longValue()));
            }
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "pageview").size() == 1, WAIT);

            assertThat(times).as("attempts").hasSizeGreaterThanOrEqualTo(7);
            for (int n = 1; n <= 6; n++) {
                long gap = times.get(n) - times.get(n - 1);
                long base = 1000L << (n - 1);
                // After n failures: base * [0.5, 1.5), sent by the next 2 s batch tick (+ the 250 ms step).
                assertThat(gap).as("wait after failure %d", n).isBetween(base / 2, base * 3 / 2 + 2250);
            }
            assertThat(Stored.ofKind(events, "pageview")).hasSize(1);
            assertThat(new HashSet<>(Pages.eventIds(events))).hasSize(events.size());
        }
    }
}
