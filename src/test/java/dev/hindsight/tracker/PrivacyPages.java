package dev.hindsight.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

/** Helpers shared by the privacy and consent tests: load a fixture, end with a marker, read the stored events. */
final class PrivacyPages {
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    private PrivacyPages() {
    }

    /** Navigates and waits until the tracker has replaced the snippet's stub. */
    static void open(Page page, String url) {
        page.navigate(url);
        page.waitForFunction("() => window.hindsight && window.hindsight.version");
    }

    /** A fresh identity for the page's device. */
    static String identify(Page page) {
        return Stored.identifyDevice(page, "u-" + UUID.randomUUID());
    }

    /**
     * Tracks a custom {@code marker} event, which leaves the browser after everything the page did before it, and
     * returns the user's stored events once the marker and whatever {@code also} asks for have arrived.
     */
    static List<JsonNode> afterMarker(TestServer server, Page page, String user, Predicate<List<JsonNode>> also) {
        String marker = "marker-" + UUID.randomUUID();
        page.evaluate("m => hindsight.track(m)", marker);
        List<JsonNode> events = Stored.await(server, server.dev(), user,
                e -> e.stream().anyMatch(x -> marker.equals(x.path("name").asText())) && also.test(e), TIMEOUT);
        assertThat(events).as("the marker event arrived").anyMatch(x -> marker.equals(x.path("name").asText()));
        assertThat(also.test(events)).as("the expected events arrived: %s", text(events)).isTrue();
        return events;
    }

    static List<JsonNode> afterMarker(TestServer server, Page page, String user) {
        return afterMarker(server, page, user, e -> true);
    }

    /** All stored events as JSON text, to search for anything that must not have been stored. */
    static String text(List<JsonNode> events) {
        try {
            return TestServer.JSON.writeValueAsString(events);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The events whose hierarchy ends at an element with this id. */
    static List<JsonNode> on(List<JsonNode> events, String kind, String id) {
        return Stored.ofKind(events, kind).stream()
                .filter(e -> e.path("hierarchy").asText().matches(".*\\|[a-z0-9-]+#" + id + "[.\\[:][^|]*$"))
                .toList();
    }

    static boolean has(List<JsonNode> events, String kind, String id) {
        return !on(events, kind, id).isEmpty();
    }
}
