package dev.hindsight.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Request;
import dev.hindsight.TestServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tracker's {@code POST /h} requests as the browser made them (of every page of a context): where they
 * went, how (fetch or sendBeacon, which Chromium reports as "ping"), and the events they carried (Playwright shows
 * no body for a beacon, so a beacon's events are unknown here). Playwright for Java delivers the browser's
 * events only while the test calls it: call {@link #sync(Page)} before reading.
 */
final class Posts {
    record Post(String url, String resourceType, List<JsonNode> events) {
        boolean carries(String eventId) {
            return events.stream().anyMatch(e -> eventId.equals(e.path("event_id").asText()));
        }

        List<String> kinds() {
            return events.stream().map(e -> e.path("kind").asText()).toList();
        }
    }

    private final List<Post> posts = new ArrayList<>();

    private Posts() {
    }

    /** Starts recording the context's posts to any {@code /h} endpoint. */
    static Posts record(BrowserContext ctx) {
        Posts p = new Posts();
        ctx.onRequest(r -> p.seen(r));
        return p;
    }

    private void seen(Request r) {
        if (!"POST".equals(r.method()) || !r.url().matches("https?://[^/]+/h(\\?.*)?")) {
            return;
        }
        List<JsonNode> events = new ArrayList<>();
        String body = r.postData();
        if (body != null) {
            try {
                TestServer.JSON.readTree(body).path("events").forEach(events::add);
            } catch (IOException e) {
                throw new IllegalStateException("The tracker posted something that is not JSON: " + body, e);
            }
        }
        synchronized (posts) {
            posts.add(new Post(r.url(), r.resourceType(), events));
        }
    }

    /** A round trip to the page, which delivers the request events the browser reported before it. */
    static void sync(Page page) {
        page.evaluate("() => 0");
    }

    List<Post> all() {
        synchronized (posts) {
            return List.copyOf(posts);
        }
    }

    List<Post> ofType(String resourceType) {
        return all().stream().filter(p -> p.resourceType().equals(resourceType)).toList();
    }

    /** The posts that carried the event. */
    List<Post> carrying(String eventId) {
        return all().stream().filter(p -> p.carries(eventId)).toList();
    }
}
