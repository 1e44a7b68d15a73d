package dev.hindsight.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.PlaywrightException;
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

    /**
     * Stops the page's clock (installed with {@code clock().install}) about a second ahead of the page's own time,
     * firing the timers due by then, and returns the time it stands at. Until it stops the clock runs in real time
     * and pauseAt cannot go back, so a target fixed in advance (the install time plus a few milliseconds) is
     * already past on a busy machine ("Cannot fast-forward to the past"). Such a miss has stopped the clock all
     * the same (Playwright pauses before it moves the time), so the next aim, from where it stopped, cannot miss.
     */
    static long pauseClock(Page page) {
        for (int attempt = 1; ; attempt++) {
            long at = ((Number) page.evaluate("() => Date.now()")).longValue() + 1000;
            try {
                page.clock().pauseAt(at);
                return at;
            } catch (PlaywrightException e) {
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Cannot fast-forward to the past")) {
                    throw e;
                }
            }
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
