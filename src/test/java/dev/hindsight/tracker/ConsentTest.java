package dev.hindsight.tracker;

import static dev.hindsight.tracker.PrivacyPages.afterMarker;
import static dev.hindsight.tracker.PrivacyPages.has;
import static dev.hindsight.tracker.PrivacyPages.identify;
import static dev.hindsight.tracker.PrivacyPages.open;
import static dev.hindsight.tracker.PrivacyPages.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.Cookie;
import dev.hindsight.TestServer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** startTracking: false holds everything back until consent; stopTracking() withdraws it. */
class ConsentTest {
    private static final Map<String, Object> WAIT_FOR_CONSENT = Map.of("startTracking", false);
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
    void beforeStartTrackingNothingIsCapturedStoredOrSent() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            AtomicBoolean consented = new AtomicBoolean();
            List<String> beforeConsent = new CopyOnWriteArrayList<>();
            List<String> bodies = new CopyOnWriteArrayList<>();
            page.onRequest(r -> {
                if (r.url().endsWith("/h")) {
                    if (!consented.get()) {
                        beforeConsent.add(r.url());
                    }
                    if (r.postData() != null) {
                        bodies.add(r.postData());
                    }
                }
            });
            open(page, site.url("consent", "/consent", WAIT_FOR_CONSENT));

            page.click("#before-consent");
            page.fill("#before-consent-input", "typed");
            page.press("#before-consent-input", "Tab");
            page.evaluate("() => { hindsight.track('before-consent-track'); hindsight.identify('before-consent-user');"
                    + " hindsight.addEventProperties({plan_tier: 'gold'}); }");
            page.evaluate("() => history.pushState({}, '', '/consent/spa?page=consent')");

            assertThat(hsCookies(ctx)).isEmpty();
            assertThat(hsStorageKeys(page)).isEmpty();
            assertThat((Object) page.evaluate("() => hindsight.getUserId()")).isNull();
            assertThat((Object) page.evaluate("() => hindsight.getSessionId()")).isNull();

            consented.set(true);
            page.evaluate("() => hindsight.startTracking()");
            String user = identify(page);
            page.click("#after-consent");

            List<JsonNode> events = afterMarker(server, page, user,
                    e -> has(e, "click", "after-consent") && !Stored.ofKind(e, "pageview").isEmpty());

            assertThat(beforeConsent).as("requests to /h before startTracking()").isEmpty();
            assertThat(hsCookies(ctx)).anyMatch(c -> c.name.equals("_hs_id." + server.dev().appId()));
            assertThat(hsStorageKeys(page)).isNotEmpty();
            assertThat(events).noneMatch(e -> e.path("hierarchy").asText().contains("#before-consent"));
            assertThat(Stored.ofKind(events, "change")).isEmpty();
            assertThat(Stored.ofKind(events, "pageview")).hasSize(1);
            assertThat(text(events)).doesNotContain("before-consent");
            // Event properties set before consent waited in memory and apply from consent on.
            assertThat(PrivacyPages.on(events, "click", "after-consent").get(0).path("properties").path("plan_tier")
                    .asText()).isEqualTo("gold");
            assertThat(bodies).allSatisfy(b -> assertThat(b).doesNotContain("before-consent"));
            assertThat(server.get("/api/users/before-consent-user/events?app_id=" + server.dev().appId(),
                    TestServer.bearer(TestServer.ADMIN)).body()).doesNotContain("event_id");
        }
    }

    @Test
    void afterStartTrackingClicksChangesAndCustomEventsFlow() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("consent", "/consent", WAIT_FOR_CONSENT));
            page.evaluate("() => hindsight.startTracking()");
            String user = identify(page);
            page.click("#after-consent");
            page.fill("#before-consent-input", "x");
            page.press("#before-consent-input", "Tab");

            List<JsonNode> events = afterMarker(server, page, user, e -> has(e, "click", "after-consent")
                    && has(e, "change", "before-consent-input") && Stored.ofKind(e, "pageview").size() == 1);

            assertThat(Stored.ofKind(events, "pageview").get(0).path("path").asText()).isEqualTo("/consent");
        }
    }

    @Test
    void startTrackingQueuedByTheSnippetBeforeTheTrackerLoadedStartsIt() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            // The snippet's stub queues calls made before the tracker arrives; they replay in order.
            page.addInitScript("document.addEventListener('DOMContentLoaded', () => hindsight.startTracking())");
            open(page, site.url("consent", "/consent", WAIT_FOR_CONSENT));
            String user = identify(page);

            List<JsonNode> events = afterMarker(server, page, user, e -> Stored.ofKind(e, "pageview").size() == 1);

            assertThat(Stored.ofKind(events, "pageview")).hasSize(1);
        }
    }

    @Test
    void afterStopTrackingNothingIsCapturedUntilTrackingStartsAgain() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            open(page, site.url("consent"));
            String user = identify(page);
            page.click("#after-consent");
            afterMarker(server, page, user, e -> has(e, "click", "after-consent"));

            page.evaluate("() => hindsight.stopTracking()");
            page.click("#after-stop");
            page.fill("#before-consent-input", "after stop");
            page.press("#before-consent-input", "Tab");
            page.evaluate("() => hindsight.track('after-stop-track')");
            page.evaluate("() => history.pushState({}, '', '/consent/stopped?page=consent')");

            page.evaluate("() => hindsight.startTracking()");
            page.click("#before-consent");
            List<JsonNode> events = afterMarker(server, page, user, e -> has(e, "click", "before-consent"));

            assertThat(events).noneMatch(e -> e.path("hierarchy").asText().contains("#after-stop"));
            assertThat(Stored.ofKind(events, "change")).isEmpty();
            assertThat(text(events)).doesNotContain("after-stop-track");
            assertThat(Stored.ofKind(events, "pageview")).extracting(e -> e.path("path").asText())
                    .containsExactly("/consent");
            assertThat(Stored.ofKind(events, "click")).hasSize(2);
        }
    }

    private static List<Cookie> hsCookies(BrowserContext ctx) {
        return ctx.cookies().stream().filter(c -> c.name.startsWith("_hs")).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<String> hsStorageKeys(Page page) {
        return (List<String>) page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('_hs'))");
    }
}
