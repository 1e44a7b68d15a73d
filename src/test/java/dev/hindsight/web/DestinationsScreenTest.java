package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import dev.hindsight.activate.MetaStandIn;
import dev.hindsight.activate.StandIn;
import dev.hindsight.activate.WebhookReceiver;
import dev.hindsight.activate.destination.Pii;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Destinations screen in Chromium against the platforms' stand-ins: a webhook and a Meta destination set up in
 * the form, their test sends answered on screen, captured events in the deliveries, a dead-lettered event replayed
 * from the screen, the reconciliation equal to the API's, and the trace showing the same ids at every step.
 */
class DestinationsScreenTest {
    private static final String SECRET = "whsec_screen0123456789";
    private static final String TOKEN = "EAAscreentoken0042";
    private static WebApp web;

    @BeforeAll
    static void start() {
        web = WebApp.start(0);
        web.send("POST", "/api/setup", Map.of("email", WebApp.ADMIN_EMAIL, "password", WebApp.PASSWORD, "name", "Ada"), null);
        WebApp.Response schema = web.send("POST", env("/registry/schemas"), Map.of("event", "purchase", "properties", Map.of(
                "order_id", Map.of("type", "string"), "value", Map.of("type", "number"), "currency", Map.of("type", "string"),
                "consents", Map.of("type", "string"))), WebApp.ADMIN_TOKEN);
        assertThat(schema.status()).as(schema.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    private static String app() {
        return web.dev().appId();
    }

    private static String env(String rest) {
        return "/api/environments/" + web.dev().appId() + rest;
    }

    private static Locator field(Page page, String label) {
        return page.locator("hs-destination").getByLabel(label, new Locator.GetByLabelOptions().setExact(true));
    }

    private static Locator button(Page page, String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    private static void capture(String eventId, String user, String order, String consents) {
        Map<String, Object> props = new LinkedHashMap<>(Map.of("order_id", order, "value", 49.9, "currency", "EUR"));
        if (consents != null) {
            props.put("consents", consents);
        }
        WebApp.Response r = web.send("POST", "/api/capture", Map.of("event", "purchase", "event_id", eventId, "user_id", user,
                "properties", props, "source", "shop-backend"), web.dev().secretKey());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static String state(long dest, String eventId) {
        JsonNode d = web.get(env("/destinations/" + dest + "/deliveries?event_id=" + eventId)).get("deliveries").get(0);
        return d == null ? null : d.get("state").asText();
    }

    private static void await(String what, BooleanSupplier ok) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!ok.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(end);
            try {
                web.server().delivery().settle(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Creates a destination in the form and returns its id (the page is on it afterwards). */
    private static long create(Page page) {
        button(page, "Create destination").click();
        assertThat(page).hasURL(Pattern.compile("/destinations/\\d+$"));
        String url = page.url();
        return Long.parseLong(url.substring(url.lastIndexOf('/') + 1));
    }

    @Test
    void destinationsAreSetUpTestedDeliveredReplayedReconciledAndTraced() {
        try (WebhookReceiver hook = new WebhookReceiver(Clock.systemUTC(), List.of(SECRET));
                MetaStandIn meta = new MetaStandIn(Clock.systemUTC(), "4242", TOKEN);
                BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/destinations");
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page.locator("hs-destinations hs-state")).containsText("No destinations yet");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New destination")).click();

            // A webhook: URL, signing secret, and purchase sent as order.completed.
            field(page, "Name").fill("Order webhook");
            field(page, "Endpoint URL").fill(hook.url());
            field(page, "Signing secret").fill(SECRET);
            field(page, "Canonical event").fill("purchase");
            field(page, "Sent as").fill("order.completed");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            long webhook = create(page);
            assertThat(page.locator("hs-destination ul.secrets")).containsText("****6789");
            button(page, "Send a test event").click();
            Locator result = page.locator("hs-destination #test-result");
            assertThat(result).containsText("accepted");
            assertThat(result.locator("td.status")).hasText("200");
            assertThat(hook.processed).anyMatch(b -> b.path("test").asBoolean());

            // Meta: pixel, token, test event code, consent flag, and the purchase's fields.
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("← All destinations")).click();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New destination")).click();
            page.locator("hs-destination select[name=kind]").selectOption("meta");
            field(page, "Name").fill("Meta pixel");
            field(page, "Pixel id").fill("4242");
            field(page, "Access token").fill(TOKEN);
            field(page, "Test event code").fill("TEST4242");
            field(page, "API base URL").fill(meta.baseUrl());
            page.locator("hs-destination select[name=action_source]").selectOption("system_generated");
            field(page, "Required consent flag").fill("ads");
            field(page, "Canonical event").fill("purchase");
            field(page, "Sent as").fill("Purchase");
            for (String f : List.of("value", "currency", "order_id")) {
                button(page, "Add a field").click();
                field(page, "Destination field").last().fill(f);
                field(page, "from canonical property").last().fill(f);
            }
            long metaId = create(page);
            // The token is answered masked, and a save with it masked keeps it.
            assertThat(field(page, "Access token")).hasValue("****0042");
            button(page, "Send a test event").click();
            assertThat(result).containsText("accepted");
            assertThat(result).containsText("events_received");
            assertThat(meta.testEventCodes).containsExactly("TEST4242");
            JsonNode saved = web.get(env("/destinations/" + metaId));
            assertThat(saved.get("mapping").get("purchase").get("fields").toString())
                    .isEqualTo("{\"value\":\"value\",\"currency\":\"currency\",\"order_id\":\"order_id\"}");
            assertThat(saved.get("required_consent").asText()).isEqualTo("ads");

            // Captured events: one delivered, one refused by Meta (dead-lettered), one without consent (skipped).
            String delivered = "ev-" + UUID.randomUUID();
            capture(delivered, "cust_2048", "ord_10492", "ads");
            await("delivered", () -> "delivered".equals(state(metaId, delivered)) && "delivered".equals(state(webhook, delivered)));
            meta.failNext(StandIn.Failure.status(400, "{\"error\":{\"message\":\"Invalid parameter\",\"type\":\"OAuthException\",\"code\":100}}"));
            String refused = "ev-" + UUID.randomUUID();
            capture(refused, "cust_77", "ord_77", "ads");
            await("dead", () -> "dead".equals(state(metaId, refused)));
            String unconsented = "ev-" + UUID.randomUUID();
            capture(unconsented, "cust_88", "ord_88", null);
            await("skipped", () -> "skipped".equals(state(metaId, unconsented)));

            button(page, "Refresh").click();
            Locator rows = page.locator("hs-destination table#deliveries tbody tr");
            assertThat(rows.locator("td.id")).containsText(new String[] {unconsented, refused, delivered});
            assertThat(page.locator("hs-destination tr[data-event='" + refused + "'] .badge")).hasText("dead-lettered");
            assertThat(page.locator("hs-destination tr[data-event='" + unconsented + "'] .reason")).containsText("no-consent");
            page.locator("hs-destination select[name=state]").selectOption("dead");
            assertThat(rows).hasCount(1);
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            button(page, "Replay " + refused).click();
            assertThat(page.locator("hs-destination .pair [role=status]")).containsText("1 dead-lettered event waits");
            await("replayed and delivered", () -> "delivered".equals(state(metaId, refused)));
            page.locator("hs-destination select[name=state]").selectOption("");
            assertThat(page.locator("hs-destination tr[data-event='" + refused + "'] .badge")).hasText("delivered");
            assertThat(meta.acceptedIds).contains(delivered, refused);
            WebApp.screenshot(page, "destinations");

            // The list's health is the API's.
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("← All destinations")).click();
            JsonNode health = web.get(env("/destinations/" + metaId + "/health"));
            Locator metaRow = page.locator("hs-destinations tr[data-id='" + metaId + "']");
            assertThat(metaRow.locator("td.delivered")).hasText(WebApp.format(health.get("delivered").asLong()));
            assertThat(metaRow.locator("td.dead")).hasText(WebApp.format(health.get("dead_lettered").asLong()));
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "destinations-list");

            // Reconciliation: every stage's count and drop on screen is the API's.
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Meta pixel")).click();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Reconciliation")).click();
            assertThat(page).hasURL(Pattern.compile("/destinations/" + metaId + "/reconciliation$"));
            Locator stages = page.locator("hs-reconciliation table#stages tbody tr");
            assertThat(stages).hasCount(6);
            JsonNode rec = web.get(env("/destinations/" + metaId + "/reconciliation?from=-7d&to=now"));
            List<String> counts = new ArrayList<>();
            List<String> dropped = new ArrayList<>();
            rec.get("stages").forEach(st -> {
                counts.add(WebApp.format(st.get("count").asLong()));
                dropped.add(st.has("dropped") ? WebApp.format(st.get("dropped").asLong()) : "");
            });
            assertThat(stages.locator("td.count")).hasText(counts.toArray(String[]::new));
            assertThat(stages.locator("td.dropped")).hasText(dropped.toArray(String[]::new));
            assertThat(counts).containsExactly("3", "3", "3", "2", "2", "2");
            assertThat(page.locator("hs-reconciliation tr[data-stage=consented]")).containsText("no-consent: 1");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "reconciliation");

            // The trace, from a delivery row: the same ids at every step.
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("← Meta pixel")).click();
            page.locator("hs-destination tr[data-event='" + delivered + "'] a").click();
            assertThat(page).hasURL(Pattern.compile("/destinations/trace/" + delivered + "$"));
            Locator ids = page.locator("hs-trace table#ids tbody tr");
            assertThat(ids).hasCount(5);
            assertThat(ids.locator("th")).hasText(new String[] {"Capture (shop-backend)", "Canonical event", "Registry: passed",
                "Order webhook (Webhook)", "Meta pixel (Meta Conversions API)"});
            for (int i = 0; i < 5; i++) {
                assertThat(ids.nth(i).locator("td.event")).containsText(delivered);
                assertThat(ids.nth(i).locator("td.order")).hasText("ord_10492");
            }
            for (int i = 0; i < 4; i++) {
                assertThat(ids.nth(i).locator("td.user")).hasText("cust_2048");
            }
            assertThat(ids.nth(4).locator("td.user")).containsText(Pii.hashId("cust_2048"));
            assertThat(ids.nth(4).locator("td.user")).containsText("matches the user id");
            JsonNode trace = web.get(env("/canonical/" + delivered + "/trace"));
            assertThat(trace.get("destinations")).hasSize(2);
            assertThat(page.locator("hs-trace .step.destination")).hasCount(2);
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "trace");

            // The search box traces another event.
            page.locator("hs-trace").getByLabel("Canonical event id").fill(refused);
            button(page, "Trace").click();
            assertThat(page).hasURL(Pattern.compile("/destinations/trace/" + refused + "$"));
            assertThat(page.locator("hs-trace table#ids tbody tr").first().locator("td.order")).hasText("ord_77");
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void analystsReadADestinationAndViewersDoNotSeeTheScreen() {
        WebApp.Response created = web.send("POST", env("/destinations"), Map.of("name", "Read-only hook", "kind", "webhook",
                "settings", Map.of("url", "http://127.0.0.1:9/hook", "secrets", List.of(SECRET)),
                "mapping", Map.of("purchase", Map.of("name", "order.completed"))), WebApp.ADMIN_TOKEN);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long id = created.json().get("id").asLong();
        web.invite("ana-dest@example.com", "analyst");
        web.invite("vic-dest@example.com", "viewer");
        try (BrowserContext ctx = web.signedIn("ana-dest@example.com", WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/destinations");
            List<String> errors = WebApp.watchErrors(page);
            assertThat(page.locator("hs-destinations tr[data-id='" + id + "']")).containsText("Read-only hook");
            assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New destination"))).hasCount(0);
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Read-only hook")).click();
            assertThat(field(page, "Name")).hasValue("Read-only hook");
            assertThat(field(page, "Name")).isDisabled();
            assertThat(button(page, "Save")).hasCount(0);
            assertThat(button(page, "Send a test event")).hasCount(0);
            assertThat(page.locator("hs-destination #deliveries-h")).isVisible();
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
        try (BrowserContext ctx = web.signedIn("vic-dest@example.com", WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/dashboards");
            assertThat(page.getByRole(AriaRole.NAVIGATION)).isVisible();
            assertThat(page.getByRole(AriaRole.NAVIGATION).getByRole(AriaRole.LINK,
                    new Locator.GetByRoleOptions().setName("Destinations"))).hasCount(0);
        }
        web.send("DELETE", env("/destinations/" + id), null, WebApp.ADMIN_TOKEN);
    }

    @Test
    void aSaveFromTheFormKeepsWhatTheFormDoesNotShow() {
        WebApp.Response created = web.send("POST", env("/destinations"), Map.of("name", "CRM", "kind", "hubspot",
                "settings", Map.of("access_token", "pat-na1-0123456789", "base_url", "http://127.0.0.1:9",
                        "contact_properties", Map.of("firstname", "first_name"), "extra_option", "kept"),
                "mapping", Map.of("purchase", Map.of("name", "pe123_purchase"))), WebApp.ADMIN_TOKEN);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long id = created.json().get("id").asLong();
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/destinations/" + id);
            assertThat(field(page, "Contact properties (JSON)")).hasValue("{\"firstname\":\"first_name\"}");
            field(page, "Name").fill("CRM (HubSpot)");
            button(page, "Save").click();
            assertThat(page.locator("hs-destination .actions [role=status]")).hasText("Saved.");
        }
        JsonNode saved = web.get(env("/destinations/" + id));
        assertThat(saved.get("name").asText()).isEqualTo("CRM (HubSpot)");
        assertThat(saved.get("settings").get("access_token").asText()).isEqualTo("****6789");
        assertThat(saved.get("settings").get("contact_properties").toString()).isEqualTo("{\"firstname\":\"first_name\"}");
        assertThat(saved.get("settings").get("extra_option").asText()).isEqualTo("kept");
        web.send("DELETE", env("/destinations/" + id), null, WebApp.ADMIN_TOKEN);
    }

    @Test
    void aGoogleAdsDestinationIsSetUpForAudiencesWithoutAnEventMapping() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/destinations/new");
            page.locator("hs-destination select[name=kind]").selectOption("google_ads");
            field(page, "Name").fill("Google Ads lists");
            field(page, "Customer id").fill("123-456-7890");
            field(page, "Developer token").fill("devtok-screen-0001");
            field(page, "OAuth access token").fill("ya29.screen-0002");
            // No mapping of events: the form says where its audiences come from instead.
            assertThat(page.locator("hs-destination #mapping")).hasCount(0);
            assertThat(page.locator("hs-destination")).containsText("takes audiences, not events");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "destination-google-ads");
            long id = create(page);
            // Neither a test send nor deliveries: it receives no events.
            assertThat(page.locator("hs-destination #test-h")).hasCount(0);
            JsonNode saved = web.get(env("/destinations/" + id));
            assertThat(saved.get("kind").asText()).isEqualTo("google_ads");
            assertThat(saved.get("settings").get("customer_id").asText()).isEqualTo("123-456-7890");
            assertThat(saved.get("settings").get("developer_token").asText()).isEqualTo("****0001");
            assertThat(saved.get("mapping").size()).isZero();
            web.send("DELETE", env("/destinations/" + id), null, WebApp.ADMIN_TOKEN);
        }
    }

    @Test
    void ga4AndHubSpotDestinationsAreSetUpInTheFormAsTheApiReadsThem() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = web.open(ctx, "/e/" + app() + "/destinations/new");
            page.locator("hs-destination select[name=kind]").selectOption("ga4");
            field(page, "Name").fill("GA4 web stream");
            field(page, "Measurement id").fill("G-SCREEN01");
            field(page, "API secret").fill("ga4-secret-0003");
            field(page, "Canonical event").fill("purchase");
            field(page, "Sent as").fill("purchase");
            long ga4 = create(page);
            JsonNode g = web.get(env("/destinations/" + ga4));
            assertThat(g.get("kind").asText()).isEqualTo("ga4");
            assertThat(g.get("settings").get("measurement_id").asText()).isEqualTo("G-SCREEN01");
            assertThat(g.get("settings").get("api_secret").asText()).isEqualTo("****0003");
            assertThat(g.get("mapping").get("purchase").get("name").asText()).isEqualTo("purchase");

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("← All destinations")).click();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New destination")).click();
            page.locator("hs-destination select[name=kind]").selectOption("hubspot");
            field(page, "Name").fill("HubSpot CRM");
            field(page, "Private app access token").fill("pat-na1-screen-0004");
            field(page, "Contact properties (JSON)").fill("{\"firstname\": \"first_name\"}");
            field(page, "Canonical event").fill("purchase");
            field(page, "Sent as").fill("pe123_purchase");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            long hub = create(page);
            JsonNode h = web.get(env("/destinations/" + hub));
            assertThat(h.get("kind").asText()).isEqualTo("hubspot");
            assertThat(h.get("settings").get("access_token").asText()).isEqualTo("****0004");
            assertThat(h.get("settings").get("contact_properties").toString()).isEqualTo("{\"firstname\":\"first_name\"}");
            assertThat(h.get("mapping").get("purchase").get("name").asText()).isEqualTo("pe123_purchase");
            web.send("DELETE", env("/destinations/" + ga4), null, WebApp.ADMIN_TOKEN);
            web.send("DELETE", env("/destinations/" + hub), null, WebApp.ADMIN_TOKEN);
        }
    }
}
