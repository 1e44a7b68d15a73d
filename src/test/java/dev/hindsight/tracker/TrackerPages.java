package dev.hindsight.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

/** Small helpers shared by the capture and API tests: open a fixture with the tracker running, read events back. */
final class TrackerPages {
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private TrackerPages() {
    }

    /** Opens a fixture page at {@code path} and waits until the tracker (not the snippet's stub) is installed. */
    static Page open(BrowserContext ctx, FixtureSite site, String fixture, String path, Map<String, Object> options) {
        Page page = ctx.newPage();
        page.navigate(site.url(fixture, path, options));
        waitForTracker(page);
        return page;
    }

    static Page open(BrowserContext ctx, FixtureSite site, String fixture) {
        return open(ctx, site, fixture, "/" + fixture, Map.of());
    }

    static void waitForTracker(Page page) {
        page.waitForFunction("() => window.hindsight && window.hindsight.version");
    }

    /** A fresh identity for the page's device. */
    static String identify(Page page) {
        return Stored.identifyDevice(page, "u-" + UUID.randomUUID());
    }

    static List<JsonNode> await(TestServer server, String user, Predicate<List<JsonNode>> done) {
        return Stored.await(server, server.dev(), user, done, TIMEOUT);
    }

    /** Polls GET /api/users/{identity} until the profile satisfies {@code done}; returns the last answer (or null). */
    static JsonNode awaitUser(TestServer server, String identity, Predicate<JsonNode> done) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        JsonNode user = null;
        while (System.nanoTime() < deadline) {
            TestServer.Response r = server.get("/api/users/" + java.net.URLEncoder.encode(identity,
                    java.nio.charset.StandardCharsets.UTF_8) + "?app_id=" + server.dev().appId(),
                    TestServer.bearer(TestServer.ADMIN));
            user = r.status() == 200 ? r.json() : null;
            if (user != null && done.test(user)) {
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return user;
    }

    static List<JsonNode> clicks(List<JsonNode> events) {
        return Stored.ofKind(events, "click");
    }

    /** The custom event named {@code name}, or null. */
    static JsonNode custom(List<JsonNode> events, String name) {
        return Stored.ofKind(events, "custom").stream().filter(e -> name.equals(e.path("name").asText())).findFirst()
                .orElse(null);
    }

    static boolean hasCustom(List<JsonNode> events, String name) {
        return custom(events, name) != null;
    }

    /** Events in the order the browser made them (the stored time is skew-corrected per batch). */
    static List<JsonNode> byClientTime(List<JsonNode> events) {
        return events.stream().sorted(java.util.Comparator.comparing(e -> e.path("client_time").asText())).toList();
    }

    /** The last level of an encoded hierarchy (the target element). */
    static String target(JsonNode event) {
        String h = event.path("hierarchy").asText();
        return h.substring(h.lastIndexOf('|') + 1);
    }
}
