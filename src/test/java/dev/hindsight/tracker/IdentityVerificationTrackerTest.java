package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.TIMEOUT;
import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.awaitUser;
import static dev.hindsight.tracker.TrackerPages.custom;
import static dev.hindsight.tracker.TrackerPages.hasCustom;
import static dev.hindsight.tracker.TrackerPages.open;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code hindsight.identify(identity, {identityHash})} in Chromium, against an environment that verifies identities. */
class IdentityVerificationTrackerTest {
    private static TestServer server;
    private static FixtureSite site;
    private static Chromium chromium;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        TestServer.Response r = server.send("PATCH", "/api/environments/" + server.dev().appId(),
                "{\"identity_verification\": \"required\"}", "Authorization", "Bearer " + TestServer.ADMIN);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        site = new FixtureSite(server);
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        chromium.close();
        site.close();
        server.close();
    }

    /** What the site's server puts in its page: hex HMAC-SHA256 of the identity with the identity secret. */
    private static String hmac(String identity) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(server.dev().identitySecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(identity.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void identify(Page page, String identity) {
        page.evaluate("([id, h]) => hindsight.identify(id, { identityHash: h })", List.of(identity, hmac(identity)));
    }

    @Test
    void identifyWithTheServersHashMakesTheUsersLaterEventsAndUserPropertiesStick() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            String user = "u-" + UUID.randomUUID();

            identify(page, user);
            page.evaluate("hindsight.addUserProperties({ plan: 'pro' })");
            page.evaluate("hindsight.track('Verified')");

            List<JsonNode> events = await(server, user, e -> hasCustom(e, "Verified")
                    && !Stored.ofKind(e, "pageview").isEmpty());
            assertThat(custom(events, "Verified").get("identity").asText()).isEqualTo(user);
            JsonNode profile = awaitUser(server, user, u -> u.path("properties").has("plan"));
            assertThat(profile).isNotNull();
            assertThat(profile.path("properties").path("plan").asText()).isEqualTo("pro");
        }
    }

    @Test
    void aLaterPageSignsTheSameIdentityWithoutBeingToldAgainButNeverAnotherIdentity() {
        try (BrowserContext ctx = chromium.newContext()) {
            Posts posts = Posts.record(ctx);
            String user = "u-" + UUID.randomUUID();
            identify(open(ctx, site, "basic"), user);

            Page later = open(ctx, site, "basic");
            later.evaluate("hindsight.addUserProperties({ seats: 3 })");
            JsonNode profile = awaitUser(server, user, u -> u.path("properties").has("seats"));
            assertThat(profile).isNotNull();
            assertThat(profile.path("properties").path("seats").asInt()).isEqualTo(3);

            String other = "u-" + UUID.randomUUID();
            later.evaluate("id => hindsight.identify(id)", other);
            later.evaluate("hindsight.addUserProperties({ seats: 4 })");
            JsonNode sent = awaitPosted(later, posts, other);
            assertThat(sent.has("identity_hash")).as("the first identity's hash is not sent for another: %s", sent)
                    .isFalse();
        }
    }

    /** The first user_properties event the page posted for {@code identity}. */
    private static JsonNode awaitPosted(Page page, Posts posts, String identity) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Posts.sync(page);
            Optional<JsonNode> found = posts.all().stream().flatMap(p -> p.events().stream())
                    .filter(e -> "user_properties".equals(e.path("kind").asText())
                            && identity.equals(e.path("identity").asText()))
                    .findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("no user_properties event for " + identity + " was posted");
    }
}
