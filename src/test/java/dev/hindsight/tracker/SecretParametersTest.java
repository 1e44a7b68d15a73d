package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.identify;
import static dev.hindsight.tracker.TrackerPages.open;
import static dev.hindsight.tracker.TrackerPages.target;
import static dev.hindsight.tracker.TrackerPages.waitForTracker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Values of password and card fields never reach a stored URL, even when a GET form puts them in one. */
class SecretParametersTest {
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
    void passwordAndCardFieldsOfAGetFormNeverReachTheNextPagesUrls() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "secrets", "/secrets", Map.of());
            String user = identify(page);
            page.fill("#pw", "hunter2");
            page.fill("#code", "s3cret-code");
            page.fill("#card", "4111111111111111");
            page.click("#go");
            page.waitForURL("**/landed?**");
            assertThat(page.url()).contains("pw=hunter2").contains("geheimnis=s3cret-code");
            waitForTracker(page);
            page.click("#again");

            List<JsonNode> events = await(server, user, e -> TrackerPages.clicks(e).size() == 2
                    && Stored.ofKind(e, "pageview").size() == 2);

            JsonNode landed = Stored.ofKind(events, "pageview").get(1);
            assertThat(landed.get("path").asText()).isEqualTo("/landed");
            // pw is on the default blocklist; geheimnis and kartennummer were the last page's password and card fields.
            assertThat(landed.get("url").asText()).contains("q=shoes").doesNotContain("pw=").doesNotContain("geheimnis")
                    .doesNotContain("kartennummer");
            JsonNode again = TrackerPages.clicks(events).get(1);
            assertThat(target(again)).startsWith("a#again");
            assertThat(again.get("href").asText()).contains("q=boots").doesNotContain("geheimnis").doesNotContain("pwd");
            assertThat(again.get("hierarchy").asText()).contains("q%3Dboots").doesNotContain("geheimnis")
                    .doesNotContain("pwd");
            assertThat(events.toString()).doesNotContain("hunter2").doesNotContain("s3cret")
                    .doesNotContain("4111111111111111");
        }
    }

    @Test
    void theServerStripsCommonSecretParameterNamesThatAnOldTrackerSends() {
        String device = "d-" + UUID.randomUUID();
        String user = "u-" + UUID.randomUUID();
        TestServer.Response r = server.post("/h", TestServer.json("app_id", server.dev().appId(), "events", List.of(
                Map.of("kind", "pageview", "device_id", device, "time", System.currentTimeMillis(),
                        "url", "https://shop.example/in?pw=a&pwd=b&pass=c&passwd=d&secret=e&cc=f&cvv=g&cvc=h"
                                + "&card_number=i&keep=1",
                        "referrer", "https://shop.example/login?PW=a&from=home"),
                Map.of("kind", "identify", "device_id", device, "identity", user, "time", System.currentTimeMillis()))));
        assertThat(r.status()).as(r.body()).isEqualTo(200);

        List<JsonNode> events = Stored.await(server, server.dev(), user, e -> !e.isEmpty(), TrackerPages.TIMEOUT);

        assertThat(events).hasSize(1);
        assertThat(events.get(0).get("url").asText()).isEqualTo("https://shop.example/in?keep=1");
        assertThat(events.get(0).get("referrer").asText()).isEqualTo("https://shop.example/login?from=home");
    }
}
