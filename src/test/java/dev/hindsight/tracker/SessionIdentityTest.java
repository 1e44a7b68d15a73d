package dev.hindsight.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Clock;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.Cookie;
import dev.hindsight.TestServer;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The device id cookie, sessions ended by inactivity, event properties, identify and resetIdentity. */
class SessionIdentityTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long YEAR_S = 365L * 86400;
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

    private static String cookieName() {
        return "_hs_id." + server.dev().appId();
    }

    private static Cookie deviceCookie(BrowserContext ctx) {
        return ctx.cookies(site.origin()).stream().filter(c -> c.name.equals(cookieName())).findFirst().orElseThrow();
    }

    private static JsonNode cookieValue(Cookie c) throws Exception {
        return TestServer.JSON.readTree(URLDecoder.decode(c.value, StandardCharsets.UTF_8));
    }

    /** A page whose clock the test moves (it runs on by itself in between). */
    private static Page clockedPage(BrowserContext ctx, Map<String, Object> options) {
        Page page = ctx.newPage();
        page.clock().install(new Clock.InstallOptions().setTime(System.currentTimeMillis()));
        return Pages.open(page, site, "delivery", options);
    }

    private static String sessionOf(List<JsonNode> events, String text) {
        return Stored.ofKind(events, "click").stream().filter(e -> text.equals(e.path("text").asText())).findFirst()
                .orElseThrow().get("session_id").asText();
    }

    @Test
    void theDeviceIdLivesInAFirstPartyCookieThatStaysTheSameAcrossReloads() throws Exception {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = Pages.open(ctx.newPage(), site, "delivery", Map.of());
            String device = (String) page.evaluate("() => hindsight.getUserId()");
            Cookie first = deviceCookie(ctx);
            page.reload();
            Pages.ready(page);
            String user = Stored.identifyDevice(page, Pages.newUser());
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "pageview").size() == 2, WAIT);

            assertThat(first.domain).isEqualTo("127.0.0.1");
            assertThat(first.path).isEqualTo("/");
            assertThat(first.sameSite.name()).isEqualTo("LAX");
            assertThat(cookieValue(first).get("d").asText()).isEqualTo(device);
            assertThat(page.evaluate("() => hindsight.getUserId()")).isEqualTo(device);
            assertThat(cookieValue(deviceCookie(ctx)).get("d").asText()).isEqualTo(device);
            assertThat(events).extracting(e -> e.get("device_id").asText()).containsOnly(device);
        }
    }

    @Test
    void everyPageLoadRenewsTheCookieForThirteenMonthsKeepingItsDeviceId() throws Exception {
        try (BrowserContext ctx = chromium.newContext()) {
            String device = UUID.randomUUID().toString();
            long soon = System.currentTimeMillis() / 1000 + 3600;
            ctx.addCookies(List.of(new Cookie(cookieName(), URLEncoder.encode("{\"d\":\"" + device + "\",\"i\":null}",
                    StandardCharsets.UTF_8)).setDomain("127.0.0.1").setPath("/").setExpires(soon)));
            Page page = Pages.open(ctx.newPage(), site, "delivery", Map.of());

            Cookie renewed = deviceCookie(ctx);
            assertThat(cookieValue(renewed).get("d").asText()).isEqualTo(device);
            assertThat(page.evaluate("() => hindsight.getUserId()")).isEqualTo(device);
            assertThat(renewed.expires).isGreaterThan(System.currentTimeMillis() / 1000 + YEAR_S);
        }
    }

    @Test
    void aSessionLastsWhileEventsComeWithinThirtyMinutesAndANewOneStartsAfterThirtyIdleMinutes() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = clockedPage(ctx, Map.of());
            String user = Stored.identifyDevice(page, Pages.newUser());
            String first = (String) page.evaluate("() => hindsight.getSessionId()");

            Pages.clickAll(page, "#one");
            page.clock().fastForward("20:00");
            Pages.clickAll(page, "#two");
            page.clock().fastForward("29:00");
            Pages.clickAll(page, "#three");
            page.clock().fastForward("31:00");
            Pages.clickAll(page, "#one", "#two");
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 5, WAIT);

            List<JsonNode> clicks = Stored.ofKind(events, "click");
            assertThat(clicks.subList(0, 3)).extracting(e -> e.get("session_id").asText()).containsOnly(first);
            String second = clicks.get(3).get("session_id").asText();
            assertThat(second).isNotEqualTo(first);
            assertThat(clicks.get(4).get("session_id").asText()).isEqualTo(second);
            assertThat(clicks.get(3).get("session_ms").asLong()).isLessThan(1000);
            assertThat(page.evaluate("() => hindsight.getSessionId()")).isEqualTo(second);
        }
    }

    @Test
    void theSessionTimeoutMinutesOptionShortensTheSession() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = clockedPage(ctx, Map.of("sessionTimeoutMinutes", 5));
            String user = Stored.identifyDevice(page, Pages.newUser());

            Pages.clickAll(page, "#one");
            page.clock().fastForward("04:00");
            Pages.clickAll(page, "#two");
            page.clock().fastForward("06:00");
            Pages.clickAll(page, "#three");
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 3, WAIT);

            assertThat(sessionOf(events, "Two")).isEqualTo(sessionOf(events, "One"));
            assertThat(sessionOf(events, "Three")).isNotEqualTo(sessionOf(events, "Two"));
        }
    }

    @Test
    void eventPropertiesGoOnEveryEventOfTheSessionAndEndWithIt() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = clockedPage(ctx, Map.of());
            String user = Stored.identifyDevice(page, Pages.newUser());

            page.evaluate("() => hindsight.addEventProperties({ plan: 'pro', beta: true })");
            Pages.clickAll(page, "#one");
            page.reload();
            Pages.ready(page);
            Pages.clickAll(page, "#two");
            page.clock().fastForward("31:00");
            Pages.clickAll(page, "#three");
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 3, WAIT);

            for (String text : List.of("One", "Two")) {
                JsonNode click = Stored.ofKind(events, "click").stream()
                        .filter(e -> text.equals(e.path("text").asText())).findFirst().orElseThrow();
                assertThat(click.get("properties").get("plan").asText()).isEqualTo("pro");
                assertThat(click.get("properties").get("beta").asBoolean()).isTrue();
            }
            JsonNode later = Stored.ofKind(events, "click").stream()
                    .filter(e -> "Three".equals(e.path("text").asText())).findFirst().orElseThrow();
            assertThat(later.get("properties").has("plan")).isFalse();
            assertThat(later.get("session_id").asText()).isNotEqualTo(sessionOf(events, "One"));
        }
    }

    @Test
    void identifyMakesTheDevicesEarlierAndLaterEventsTheUsersAndStaysAcrossReloads() throws Exception {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = Pages.open(ctx.newPage(), site, "delivery", Map.of());
            Pages.clickAll(page, "#one");
            Pages.awaitQueueDrained(page);
            String user = Stored.identifyDevice(page, Pages.newUser());
            Pages.clickAll(page, "#two");
            page.reload();
            Pages.ready(page);
            Pages.clickAll(page, "#three");
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() == 3 && Stored.ofKind(e, "pageview").size() == 2, WAIT);

            assertThat(Pages.texts(Stored.ofKind(events, "click"))).containsExactly("One", "Two", "Three");
            assertThat(Stored.ofKind(events, "click").get(0).has("identity")).isFalse();
            assertThat(Stored.ofKind(events, "click").subList(1, 3)).extracting(e -> e.get("identity").asText())
                    .containsOnly(user);
            assertThat(page.evaluate("() => hindsight.getIdentity()")).isEqualTo(user);
            assertThat(cookieValue(deviceCookie(ctx)).get("i").asText()).isEqualTo(user);
        }
    }

    @Test
    void resetIdentityStartsANewDeviceIdAndANewSessionWhoseEventsAreNotThePreviousUsers() throws Exception {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = Pages.open(ctx.newPage(), site, "delivery", Map.of());
            String before = Stored.identifyDevice(page, Pages.newUser());
            page.evaluate("() => hindsight.addEventProperties({ plan: 'pro' })");
            Pages.clickAll(page, "#one");
            String device = (String) page.evaluate("() => hindsight.getUserId()");
            String session = (String) page.evaluate("() => hindsight.getSessionId()");

            page.evaluate("() => hindsight.resetIdentity()");
            String newDevice = (String) page.evaluate("() => hindsight.getUserId()");
            Pages.clickAll(page, "#two");
            String after = Stored.identifyDevice(page, Pages.newUser());
            List<JsonNode> later = Pages.awaitStored(page, server, server.dev(), after,
                    e -> Stored.ofKind(e, "click").size() == 1, WAIT);
            List<JsonNode> earlier = Pages.awaitStored(page, server, server.dev(), before,
                    e -> Stored.ofKind(e, "click").size() == 1, WAIT);

            assertThat(newDevice).isNotEqualTo(device);
            assertThat(cookieValue(deviceCookie(ctx)).get("d").asText()).isEqualTo(newDevice);
            assertThat(Pages.texts(Stored.ofKind(earlier, "click"))).containsExactly("One");
            JsonNode two = Stored.ofKind(later, "click").get(0);
            assertThat(two.get("text").asText()).isEqualTo("Two");
            assertThat(two.get("device_id").asText()).isEqualTo(newDevice);
            assertThat(two.has("identity")).isFalse();
            assertThat(two.get("session_id").asText()).isNotEqualTo(session);
            assertThat(two.get("properties").has("plan")).isFalse();
            assertThat(Stored.ofKind(earlier, "click").get(0).get("session_id").asText()).isEqualTo(session);
        }
    }
}
