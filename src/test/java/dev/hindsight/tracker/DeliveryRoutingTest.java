package dev.hindsight.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Where events go (the trackingServer option, a first-party proxy) and tabs that share one queue storage. */
class DeliveryRoutingTest {
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

    @Test
    void withTheTrackingServerOptionTheScriptAndEveryEventGoToThatServer() {
        try (BrowserContext ctx = chromium.newContext()) {
            // The same Hindsight server under another host name stands in for a first-party proxy.
            String proxy = "http://127.0.0.1:" + server.app().port();
            Posts posts = Posts.record(ctx);
            List<String> scripts = new ArrayList<>();
            ctx.onRequest(r -> {
                if (r.url().contains("/js/hindsight.js")) {
                    scripts.add(r.url());
                }
            });
            Page page = Pages.open(ctx.newPage(), site, "delivery", Map.of("trackingServer", proxy + "/"));
            String user = Stored.identifyDevice(page, Pages.newUser());
            Pages.clickAll(page, "#one");
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 1 && Stored.ofKind(e, "pageview").size() == 1, WAIT);

            assertThat(Pages.texts(Stored.ofKind(events, "click"))).containsExactly("One");
            Posts.sync(page);
            assertThat(scripts).containsExactly(proxy + "/js/hindsight.js");
            assertThat(posts.all()).isNotEmpty();
            assertThat(posts.all()).extracting(Posts.Post::url).containsOnly(proxy + "/h");
            assertThat(posts.all()).extracting(Posts.Post::url).noneMatch(u -> u.startsWith(server.baseUrl()));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> queuedEventIds(Page page) {
        return (List<String>) page.evaluate("() => Object.keys(localStorage)"
                + ".filter(k => k.startsWith('_hs_q.')).flatMap(k => JSON.parse(localStorage.getItem(k)).q)"
                + ".map(e => e.event_id)");
    }

    @Test
    void twoTabsQueuingWhileTheServerIsUnreachableLoseNoneOfEachOthersEvents() {
        try (BrowserContext ctx = chromium.newContext()) {
            String endpoint = server.baseUrl() + "/h";
            Page a = Pages.open(ctx.newPage(), site, "delivery", Map.of());
            String user = Stored.identifyDevice(a, Pages.newUser());
            Pages.awaitQueueDrained(a);
            AtomicBoolean unreachable = new AtomicBoolean(true);
            ctx.route(endpoint, r -> {
                if (unreachable.get()) {
                    r.abort("connectionrefused");
                } else {
                    r.resume();
                }
            });
            Page b = Pages.open(ctx.newPage(), site, "delivery", Map.of());

            // Both tabs queue clicks in the one localStorage they share.
            Pages.clickAll(a, "#one", "#two");
            Pages.clickAll(b, "#three", "#three");
            Pages.clickAll(a, "#one");
            // Another tab's localStorage writes reach this one a moment later (Chromium relays them between
            // renderer processes), so the shared queues are read until all six show or ten seconds pass.
            List<String> queued = queuedEventIds(b);
            for (long deadline = System.nanoTime() + 10_000_000_000L; queued.size() < 6 && System.nanoTime() < deadline; ) {
                b.waitForTimeout(50);
                queued = queuedEventIds(b);
            }
            a.close(new Page.CloseOptions().setRunBeforeUnload(true));
            unreachable.set(false);
            // A later page of the site picks up what the closed tab could not send; tab b sends its own.
            Page c = Pages.open(ctx.newPage(), site, "delivery", Map.of());
            List<JsonNode> events = Pages.awaitStored(c, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() >= 5 && Stored.ofKind(e, "pageview").size() >= 3, WAIT);
            Pages.awaitQueueDrained(c);
            Pages.awaitQueueDrained(b);

            assertThat(queued).as("events queued by both tabs: b's pageview and 5 clicks").hasSize(6);
            assertThat(Pages.eventIds(events)).containsAll(queued);
            assertThat(Pages.texts(Stored.ofKind(events, "click")))
                    .containsExactlyInAnyOrder("One", "Two", "One", "Three", "Three");
            assertThat(Stored.ofKind(events, "pageview")).hasSize(3);
            assertThat(new HashSet<>(Pages.eventIds(events))).hasSize(events.size());
        }
    }
}
