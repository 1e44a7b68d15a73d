package dev.hindsight.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrackerSmokeTest {
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
    void pageviewAndClickReachTheServerFromAnotherOrigin() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            page.navigate(site.url("basic"));
            page.waitForFunction("() => window.hindsight && window.hindsight.version");
            page.click("#add");
            String user = Stored.identifyDevice(page, "u-" + UUID.randomUUID());

            List<JsonNode> events = Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 1 && Stored.ofKind(e, "pageview").size() == 1,
                    Duration.ofSeconds(15));

            assertThat(Stored.ofKind(events, "pageview")).hasSize(1);
            JsonNode click = Stored.ofKind(events, "click").get(0);
            assertThat(click.get("text").asText()).isEqualTo("Add to cart");
            assertThat(click.get("hierarchy").asText()).endsWith("|button#add.add-to-cart.btn[type=button]:2:1:2:2");
        }
    }
}
