package dev.hindsight.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Small helpers the delivery and session tests share. */
final class Pages {
    private Pages() {
    }

    /** Opens a fixture page with tracker options and waits until the tracker replaced the snippet's stub. */
    static Page open(Page page, FixtureSite site, String fixture, Map<String, Object> options) {
        page.navigate(site.url(fixture, "/" + fixture, options));
        ready(page);
        return page;
    }

    static void ready(Page page) {
        page.waitForFunction("() => window.hindsight && window.hindsight.version");
    }

    /**
     * {@link Stored#await} that keeps Playwright busy while it polls: Playwright for Java runs route handlers and
     * delivers request events only inside its own calls, so a routed request would hang during a plain wait.
     */
    static List<JsonNode> awaitStored(Page page, TestServer s, Environment env, String user,
            Predicate<List<JsonNode>> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> events = Stored.events(s, env, user);
        while (!done.test(events) && System.nanoTime() < deadline) {
            page.waitForTimeout(100);
            events = Stored.events(s, env, user);
        }
        return events;
    }

    /** Waits (polling, without the page's own timers, which a test clock may hold) until no tracker queue holds events. */
    static void awaitQueueDrained(Page page) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!(Boolean) page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('_hs_q.'))"
                + ".every(k => JSON.parse(localStorage.getItem(k)).q.length == 0)")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("The tracker's queue did not drain in 20 s");
            }
            page.waitForTimeout(50);
        }
    }

    /** Clicks the elements in one task of the page (element.click()), so no batch timer can fall between them. */
    static void clickAll(Page page, String... selectors) {
        page.evaluate("sels => sels.forEach(s => document.querySelector(s).click())", List.of(selectors));
    }

    static String newUser() {
        return "u-" + UUID.randomUUID();
    }

    static List<String> eventIds(Collection<JsonNode> events) {
        return events.stream().map(e -> e.path("event_id").asText()).toList();
    }

    static List<String> texts(Collection<JsonNode> events) {
        return events.stream().map(e -> e.path("text").asText()).toList();
    }
}
