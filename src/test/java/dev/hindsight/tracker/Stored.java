package dev.hindsight.tracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the server stored of a browser's events, read through the users API: the test identifies the page's
 * device as a fresh user, which makes all of the device's events that user's at query time.
 */
public final class Stored {
    private Stored() {
    }

    /** Identifies the page's device as {@code identity} (through the tracker's own API) and returns it. */
    public static String identifyDevice(Page page, String identity) {
        page.evaluate("id => hindsight.identify(id)", identity);
        return identity;
    }

    /** The user's stored events, oldest first. */
    public static List<JsonNode> events(TestServer s, Environment env, String identity) {
        TestServer.Response r = s.get("/api/users/" + URLEncoder.encode(identity, StandardCharsets.UTF_8)
                + "/events?limit=1000&app_id=" + env.appId(), TestServer.bearer(TestServer.ADMIN));
        List<JsonNode> out = new ArrayList<>();
        if (r.status() == 200) {
            r.json().get("events").forEach(e -> out.add(0, e));
        }
        return out;
    }

    /** Polls until the stored events satisfy {@code done} (or the timeout passes) and returns them. */
    public static List<JsonNode> await(TestServer s, Environment env, String identity, Predicate<List<JsonNode>> done,
            Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> events = events(s, env, identity);
        while (!done.test(events) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            events = events(s, env, identity);
        }
        return events;
    }

    /** Events of one kind. */
    public static List<JsonNode> ofKind(List<JsonNode> events, String kind) {
        return events.stream().filter(e -> kind.equals(e.path("kind").asText())).toList();
    }
}
