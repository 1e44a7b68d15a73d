package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.awaitUser;
import static dev.hindsight.tracker.TrackerPages.custom;
import static dev.hindsight.tracker.TrackerPages.hasCustom;
import static dev.hindsight.tracker.TrackerPages.identify;
import static dev.hindsight.tracker.TrackerPages.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.Cookie;
import com.microsoft.playwright.options.SameSiteAttribute;
import dev.hindsight.TestServer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tracker's public API in Chromium: the queue before load, custom events, identity, event properties. */
class ApiMethodsTest {
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

    private static Object js(Page page, String expression) {
        return page.evaluate(expression);
    }

    private static Map<String, Object> props(JsonNode event) {
        return TestServer.JSON.convertValue(event.get("properties"), Map.class);
    }

    private static Cookie deviceCookie(BrowserContext ctx) {
        String name = "_hs_id." + server.dev().appId();
        return ctx.cookies().stream().filter(c -> c.name.equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no cookie " + name + " in " + ctx.cookies()));
    }

    private static String cookieDevice(BrowserContext ctx) {
        JsonNode v;
        try {
            v = TestServer.JSON.readTree(URLDecoder.decode(deviceCookie(ctx).value, StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return v.get("d").asText();
    }

    @Test
    void callsMadeBeforeTheScriptLoadsAreQueuedAndReplayedInOrder() {
        try (BrowserContext ctx = chromium.newContext()) {
            String user = "u-" + UUID.randomUUID();
            Page page = open(ctx, site, "preload", "/preload?who=" + user, Map.of("heapCompat", true));
            assertThat(js(page, "window.__queuedBeforeLoad")).isEqualTo(true);

            List<JsonNode> events = await(server, user, e -> hasCustom(e, "heap before load"));

            JsonNode first = custom(events, "first before load");
            JsonNode second = custom(events, "second before load");
            JsonNode viaHeap = custom(events, "heap before load");
            assertThat(props(first)).containsExactlyInAnyOrderEntriesOf(Map.of("plan", "early", "wave", 1, "n", 1));
            // removeEventProperty('wave') was replayed between the two tracks ...
            assertThat(props(second)).containsExactlyInAnyOrderEntriesOf(Map.of("plan", "early", "n", 2));
            // ... and identify after them, before heap.track.
            assertThat(first.has("identity")).isFalse();
            assertThat(second.has("identity")).isFalse();
            assertThat(viaHeap.get("identity").asText()).isEqualTo(user);
            assertThat(props(viaHeap)).containsExactlyInAnyOrderEntriesOf(Map.of("plan", "early", "via", "heap"));
            JsonNode profile = awaitUser(server, user, u -> u.path("properties").has("tier"));
            assertThat(profile.path("properties").path("tier").asText()).isEqualTo("gold");
        }
    }

    @Test
    void trackStoresACustomEventWithItsNamePropertiesAndPage() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic", "/catalog/shoes", Map.of());
            String user = identify(page);
            page.evaluate("hindsight.track('Purchase Completed', { order_id: 'ORD-1', revenue: 149.99, paid: true,"
                    + " item_count: 3 })");

            List<JsonNode> events = await(server, user, e -> hasCustom(e, "Purchase Completed"));

            JsonNode purchase = custom(events, "Purchase Completed");
            assertThat(purchase.get("kind").asText()).isEqualTo("custom");
            assertThat(purchase.get("identity").asText()).isEqualTo(user);
            assertThat(purchase.get("path").asText()).isEqualTo("/catalog/shoes");
            assertThat(purchase.get("title").asText()).isEqualTo("Basic fixture");
            assertThat(purchase.has("hierarchy")).isFalse();
            assertThat(purchase.get("properties").get("order_id").asText()).isEqualTo("ORD-1");
            assertThat(purchase.get("properties").get("revenue").asDouble()).isCloseTo(149.99, within(1e-9));
            assertThat(purchase.get("properties").get("paid").asBoolean()).isTrue();
            assertThat(purchase.get("properties").get("item_count").asInt()).isEqualTo(3);
            assertThat(purchase.get("lib").asText()).isEqualTo("hindsight-js");
        }
    }

    @Test
    void identifyMakesEarlierAndLaterEventsTheUsersAndAddUserPropertiesSetsTheProfile() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            assertThat(js(page, "hindsight.getIdentity()")).isNull();
            page.evaluate("hindsight.track('anonymous')");
            String user = identify(page);
            assertThat(js(page, "hindsight.getIdentity()")).isEqualTo(user);
            page.evaluate("hindsight.addUserProperties({ plan: 'enterprise', seats: 12 })");
            page.evaluate("hindsight.track('known')");

            // The page view and the link that makes it the user's travel in earlier requests than "known": wait
            // for all of them, not for the last to be sent.
            List<JsonNode> events = await(server, user, e -> hasCustom(e, "known") && hasCustom(e, "anonymous")
                    && !Stored.ofKind(e, "pageview").isEmpty());

            assertThat(Stored.ofKind(events, "pageview")).hasSize(1);
            assertThat(custom(events, "anonymous").has("identity")).isFalse();
            assertThat(custom(events, "known").get("identity").asText()).isEqualTo(user);
            JsonNode profile = awaitUser(server, user, u -> u.path("properties").has("seats"));
            assertThat(profile.path("properties").path("plan").asText()).isEqualTo("enterprise");
            assertThat(profile.path("properties").path("seats").asInt()).isEqualTo(12);
        }
    }

    @Test
    void eventPropertiesPersistAcrossPageLoadsOfTheSessionAndAttachToEveryLaterEvent() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            String user = identify(page);
            page.evaluate("hindsight.addEventProperties({ campaign: 'spring', ab: 2 })");
            page.evaluate("hindsight.track('one')");
            page.reload();
            TrackerPages.waitForTracker(page);
            page.click("#add");
            page.evaluate("hindsight.track('two', { ab: 3 })");
            page.evaluate("hindsight.removeEventProperty('ab')");
            page.evaluate("hindsight.track('three')");
            page.evaluate("hindsight.setEventProperties({ flag: true })");
            page.evaluate("hindsight.unsetEventProperty('campaign')");
            page.evaluate("hindsight.track('four')");
            page.evaluate("hindsight.clearEventProperties()");
            page.evaluate("hindsight.track('five')");

            List<JsonNode> events = await(server, user,
                    e -> hasCustom(e, "five") && TrackerPages.clicks(e).size() == 1);

            List<JsonNode> pageviews = TrackerPages.byClientTime(Stored.ofKind(events, "pageview"));
            assertThat(pageviews).hasSize(2);
            assertThat(props(pageviews.get(0))).isEmpty();
            Map<String, Object> both = Map.of("campaign", "spring", "ab", 2);
            assertThat(props(custom(events, "one"))).isEqualTo(both);
            assertThat(props(pageviews.get(1))).as("pageview after the reload").isEqualTo(both);
            assertThat(props(TrackerPages.clicks(events).get(0))).isEqualTo(both);
            assertThat(props(custom(events, "two"))).as("track's own properties win")
                    .isEqualTo(Map.of("campaign", "spring", "ab", 3));
            assertThat(props(custom(events, "three"))).isEqualTo(Map.of("campaign", "spring"));
            assertThat(props(custom(events, "four"))).isEqualTo(Map.of("flag", true));
            assertThat(props(custom(events, "five"))).isEmpty();
        }
    }

    @Test
    void resetIdentityStartsANewDeviceAndSessionThatNoLongerBelongToTheUser() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            String first = identify(page);
            page.evaluate("hindsight.track('before reset')");
            String oldDevice = (String) js(page, "hindsight.getUserId()");
            String oldSession = (String) js(page, "hindsight.getSessionId()");
            page.evaluate("hindsight.resetIdentity()");
            String newDevice = (String) js(page, "hindsight.getUserId()");
            String newSession = (String) js(page, "hindsight.getSessionId()");
            assertThat(newDevice).isNotBlank().isNotEqualTo(oldDevice);
            assertThat(newSession).isNotBlank().isNotEqualTo(oldSession);
            assertThat(js(page, "hindsight.getIdentity()")).isNull();
            assertThat(cookieDevice(ctx)).isEqualTo(newDevice);
            page.evaluate("hindsight.track('after reset')");
            String second = identify(page);

            List<JsonNode> mine = await(server, second, e -> hasCustom(e, "after reset"));
            List<JsonNode> theirs = await(server, first, e -> hasCustom(e, "before reset"));

            JsonNode after = custom(mine, "after reset");
            assertThat(after.get("device_id").asText()).isEqualTo(newDevice);
            assertThat(after.get("session_id").asText()).isEqualTo(newSession);
            assertThat(after.has("identity")).isFalse();
            assertThat(custom(theirs, "before reset").get("device_id").asText()).isEqualTo(oldDevice);
            assertThat(hasCustom(theirs, "after reset")).isFalse();
            assertThat(hasCustom(mine, "before reset")).isFalse();
        }
    }

    @Test
    void stopTrackingDropsEventsUntilStartTracking() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            page.evaluate("hindsight.stopTracking()");
            page.evaluate("hindsight.track('while stopped')");
            page.click("#add");
            page.evaluate("hindsight.startTracking()");
            String user = identify(page);
            page.evaluate("hindsight.track('after start')");

            List<JsonNode> events = await(server, user, e -> hasCustom(e, "after start"));

            assertThat(hasCustom(events, "while stopped")).isFalse();
            assertThat(TrackerPages.clicks(events)).isEmpty();
        }
    }

    @Test
    void stopTrackingStillDeliversTheClicksIdentifyAndEventsCapturedBeforeIt() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            String user = "u-" + UUID.randomUUID();
            // One task: nothing captured here has left the page when stopTracking() runs.
            page.evaluate("u => { document.getElementById('add').click(); hindsight.identify(u);"
                    + " hindsight.track('before stop'); hindsight.stopTracking(); hindsight.track('after stop');"
                    + " document.getElementById('add').click(); }", user);

            List<JsonNode> events = await(server, user, e -> hasCustom(e, "before stop")
                    && !TrackerPages.clicks(e).isEmpty());

            assertThat(TrackerPages.clicks(events)).hasSize(1);
            // The same batch would have carried these: they were never captured.
            assertThat(hasCustom(events, "after stop")).isFalse();
            // And the queue drains: nothing waits for a next page to send it.
            page.waitForFunction("() => Object.keys(localStorage).filter(k => k.startsWith('_hs_q.'))"
                    + ".every(k => JSON.parse(localStorage.getItem(k)).q.length == 0)");
        }
    }

    @Test
    void addUserPropertiesBeforeIdentifyBelongToTheAnonymousUserAndStayWhenItIsIdentified() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            String device = (String) js(page, "hindsight.getUserId()");
            page.evaluate("hindsight.addUserProperties({ plan: 'trial', seats: 3 })");
            page.evaluate("hindsight.track('anonymous visit')");

            // The anonymous user, the device, has them: the users analysis lists it by them.
            JsonNode anonymous = awaitUsers(Map.of("key", "plan", "op", "=", "value", "trial"),
                    users -> users.size() == 1);
            assertThat(anonymous).as("users with plan = trial").hasSize(1);
            assertThat(anonymous.get(0).get("user_key").asText()).isEqualTo("device:" + device);
            assertThat(anonymous.get(0).get("identity").isNull()).isTrue();
            assertThat(anonymous.get(0).path("properties").path("seats").asInt()).isEqualTo(3);

            String user = identify(page);
            page.evaluate("hindsight.addUserProperties({ seats: 5 })");

            // Identified, the user keeps them; a newer value wins.
            JsonNode profile = awaitUser(server, user, u -> u.path("properties").path("seats").asInt() == 5
                    && u.path("properties").has("plan"));
            assertThat(profile.path("properties").path("plan").asText()).isEqualTo("trial");
            assertThat(profile.path("properties").path("seats").asInt()).isEqualTo(5);
        }
    }

    /** Polls the users analysis (the last hour) filtered by one user property until {@code done}; its users. */
    private static JsonNode awaitUsers(Map<String, Object> filter, java.util.function.Predicate<JsonNode> done) {
        long deadline = System.nanoTime() + TrackerPages.TIMEOUT.toNanos();
        long now = System.currentTimeMillis();
        JsonNode users = null;
        while (System.nanoTime() < deadline) {
            TestServer.Response r = server.post("/api/query", TestServer.json("app_id", server.dev().appId(),
                    "kind", "users", "from", java.time.Instant.ofEpochMilli(now - 3_600_000).toString(),
                    "to", java.time.Instant.ofEpochMilli(now + 3_600_000).toString(), "properties", List.of(filter)),
                    TestServer.bearer(TestServer.ADMIN));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            users = r.json().get("users");
            if (done.test(users)) {
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return users;
    }

    @Test
    void withStartTrackingFalseNothingIsCapturedUntilStartTrackingIsCalled() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic", "/late", Map.of("startTracking", false));
            page.evaluate("hindsight.track('too early')");
            assertThat(js(page, "hindsight.getSessionId()")).isNull();
            page.evaluate("hindsight.startTracking()");
            String user = identify(page);
            page.evaluate("hindsight.track('late')");

            // The page view of startTracking() may leave in an earlier or a later batch than 'late': wait for both.
            List<JsonNode> events = await(server, user,
                    e -> hasCustom(e, "late") && !Stored.ofKind(e, "pageview").isEmpty());

            assertThat(hasCustom(events, "too early")).isFalse();
            assertThat(Stored.ofKind(events, "pageview")).singleElement()
                    .satisfies(p -> assertThat(p.get("path").asText()).isEqualTo("/late"));
        }
    }

    @Test
    void gettersReturnTheDeviceIdSessionIdAndIdentityThatEventsCarry() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            String user = identify(page);
            page.evaluate("hindsight.track('probe')");

            JsonNode probe = custom(await(server, user, e -> hasCustom(e, "probe")), "probe");

            assertThat(probe.get("device_id").asText()).isEqualTo(js(page, "hindsight.getUserId()"));
            assertThat(probe.get("session_id").asText()).isEqualTo(js(page, "hindsight.getSessionId()"));
            assertThat(probe.get("identity").asText()).isEqualTo(js(page, "hindsight.getIdentity()")).isEqualTo(user);
        }
    }

    @Test
    void theDeviceIdLivesInAFirstPartyLaxCookieForThirteenMonthsAndSurvivesReloads() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            String device = (String) js(page, "hindsight.getUserId()");
            String session = (String) js(page, "hindsight.getSessionId()");

            Cookie cookie = deviceCookie(ctx);
            assertThat(cookie.domain).isEqualTo("127.0.0.1");
            assertThat(cookie.path).isEqualTo("/");
            assertThat(cookie.sameSite).isEqualTo(SameSiteAttribute.LAX);
            assertThat(cookie.httpOnly).isFalse();
            double days = (cookie.expires - System.currentTimeMillis() / 1000.0) / 86400;
            assertThat(days).as("expiry in days").isBetween(390.0, 400.0);
            assertThat(cookieDevice(ctx)).isEqualTo(device);

            Page other = open(ctx, site, "basic", "/elsewhere", Map.of());
            assertThat(js(other, "hindsight.getUserId()")).isEqualTo(device);
            assertThat(js(other, "hindsight.getSessionId()")).isEqualTo(session);
        }
    }

    @Test
    void heapCompatInstallsTheApiAsWindowHeap() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic", "/compat", Map.of("heapCompat", true));
            assertThat(js(page, "window.heap === window.hindsight")).isEqualTo(true);
            String user = (String) js(page, "(() => { const id = 'u-' + crypto.randomUUID(); heap.identify(id); return id; })()");
            page.evaluate("heap.track('Heap style', { source: 'heap' })");

            List<JsonNode> events = await(server, user, e -> hasCustom(e, "Heap style"));

            assertThat(custom(events, "Heap style").get("properties").get("source").asText()).isEqualTo("heap");
        }
    }

    @Test
    void withoutHeapCompatWindowHeapStaysUntouched() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = open(ctx, site, "basic");
            assertThat(js(page, "typeof window.heap")).isEqualTo("undefined");
        }
    }
}
