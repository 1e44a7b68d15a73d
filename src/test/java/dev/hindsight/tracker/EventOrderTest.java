package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.hasCustom;
import static dev.hindsight.tracker.TrackerPages.identify;
import static dev.hindsight.tracker.TrackerPages.open;
import static dev.hindsight.tracker.TrackerPages.waitForTracker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import dev.hindsight.TestServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One device's events are stored in the order they happened: nothing is held back, a page load's batches share one
 * clock-skew correction, and events of one millisecond keep their order (the tracker's per-device seq).
 */
class EventOrderTest {
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
    void aClickAndTheEventItsOwnHandlerTracksConvertInAFunnel() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            // A clock that stands still puts the click and the handler's event in one millisecond, every time.
            long t = System.currentTimeMillis();
            page.clock().setFixedTime(t);
            page.navigate(site.url("ordering", "/ordering", Map.of()));
            waitForTracker(page);
            String user = identify(page);
            page.click("#login");

            List<JsonNode> events = await(server, user, e -> hasCustom(e, "Custom Thing")
                    && !TrackerPages.clicks(e).isEmpty());
            assertThat(TrackerPages.clicks(events)).hasSize(1);

            TestServer.Response def = server.post("/api/definitions", TestServer.json("app_id", server.dev().appId(),
                    "name", "Clicked Log in", "rules", List.of(Map.of("kind", "click", "selector", "#login"))),
                    TestServer.bearer(TestServer.ADMIN));
            assertThat(def.status()).as(def.body()).isIn(200, 201);
            TestServer.Response funnel = server.post("/api/query", TestServer.json("app_id", server.dev().appId(),
                    "kind", "funnel", "from", Instant.ofEpochMilli(t - 3_600_000).toString(),
                    "to", Instant.ofEpochMilli(t + 3_600_000).toString(), "window", "PT1H",
                    "steps", List.of(Map.of("definition", def.json().get("id").asLong()),
                            Map.of("kind", "custom", "event", "Custom Thing"))),
                    TestServer.bearer(TestServer.ADMIN));
            assertThat(funnel.status()).as(funnel.body()).isEqualTo(200);
            JsonNode steps = funnel.json().get("steps");
            assertThat(steps.get(0).get("count").asLong()).isEqualTo(1);
            assertThat(steps.get(1).get("count").asLong()).as(funnel.body()).isEqualTo(1);
            assertThat(steps.get(1).get("conversion").asDouble()).isEqualTo(1.0);
        }
    }

    @Test
    void aPagesEventsStayInOrderWhenItsBatchesReachTheServerWithUnequalDelays() {
        try (BrowserContext ctx = chromium.newContext()) {
            String endpoint = server.baseUrl() + "/h";
            List<Route> held = new ArrayList<>();
            ctx.route(endpoint, held::add);
            Page page = open(ctx, site, "ordering");
            // The first batch (the page view) is held on its way, as a slow network would ...
            page.waitForCondition(() -> !held.isEmpty());
            String user = identify(page);
            page.evaluate("hindsight.track('first')");
            double madeAt = (Double) page.evaluate("Date.now()");
            page.waitForFunction("t => Date.now() - t > 300", madeAt);
            // ... and reaches the server well after what happened meanwhile, which leaves in a fast second batch.
            ctx.unroute(endpoint);
            held.forEach(Route::resume);
            page.evaluate("hindsight.track('second')");

            List<JsonNode> events = await(server, user, e -> hasCustom(e, "second")
                    && !Stored.ofKind(e, "pageview").isEmpty());

            // Stored (oldest first) in the order they happened, with times that never go back.
            assertThat(events).extracting(e -> e.path("kind").asText() + " " + e.path("name").asText(""))
                    .containsExactly("pageview ", "custom first", "custom second");
            List<Instant> times = events.stream().map(e -> Instant.parse(e.get("time").asText())).toList();
            assertThat(times).isSorted();
            List<Instant> clientTimes = events.stream().map(e -> Instant.parse(e.get("client_time").asText())).toList();
            assertThat(clientTimes).isSorted();
        }
    }
}
