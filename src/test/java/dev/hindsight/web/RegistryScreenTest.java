package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Registry screen in Chromium: an architect writes a canonical event's schema and a source mapping and approves
 * it, and the API reads what was intended; an analyst sees Approve disabled with the reason; a capture that violates
 * the schema is listed with its reason and payload, and after the schema is fixed in the screen, Reprocess moves it
 * out; a definition mapping made in the screen, approved and promoted shows the canonical events it produced, and
 * the "definition changed" flag once the definition is edited.
 */
class RegistryScreenTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static WebApp web;
    private static String architect;
    private static String analyst;

    @BeforeAll
    static void start() {
        web = WebApp.withDemo();
        architect = web.invite("archie@example.com", "architect");
        analyst = web.invite("anna@example.com", "analyst");
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    private static String app() {
        return web.dev().appId();
    }

    private static String registry(String rest) {
        return "/api/environments/" + app() + "/registry" + rest;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode admin(String method, String path, Object body) {
        WebApp.Response r = web.send(method, path, body, WebApp.ADMIN_TOKEN);
        assertThat(r.status()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return r.body().isEmpty() ? null : r.json();
    }

    private static Locator button(Locator in, String name) {
        return in.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(name).setExact(true));
    }

    @Test
    void anArchitectWritesASchemaAndAMappingApprovesItAndTheApiReadsWhatWasIntended() {
        try (BrowserContext ctx = web.signedIn(architect, WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/registry");
            List<String> errors = WebApp.watchErrors(page);
            Locator schemas = page.locator("hs-schemas");
            // The keyboard reaches the tabs and the first action from the rail.
            WebApp.tabTo(page, "Canonical events");
            page.keyboard().press("Tab");
            assertThat(page.locator("hs-schemas a.new")).isFocused();
            page.keyboard().press("Enter");
            assertThat(page).hasURL(Pattern.compile("/registry/schemas/new$"));

            Locator form = page.locator("hs-schema");
            form.getByLabel("Event name").fill("purchase");
            form.getByLabel("Description").fill("A paid order");
            form.getByLabel("Property 1 name").fill("order_id");
            form.getByLabel("Property 1 required").check();
            button(form, "Add a property").click();
            form.getByLabel("Property 2 name").fill("value");
            form.getByLabel("Property 2 type").selectOption("number");
            form.getByLabel("Property 2 required").check();
            button(form, "Add a property").click();
            form.getByLabel("Property 3 name").fill("currency");
            form.getByLabel("Property 3 allowed values").fill("EUR, USD");
            button(form, "Add a property").click();
            form.getByLabel("Property 4 name").fill("email_sha256");
            form.getByLabel("Property 4 PII").check();
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            button(form, "Create").click();
            assertThat(page).hasURL(Pattern.compile("/registry/schemas/purchase$"));
            assertThat(form.locator("table#versions")).isVisible();
            WebApp.screenshot(page, "registry-schema");

            JsonNode saved = web.get(registry("/schemas/purchase"));
            assertThat(saved.get("description").asText()).isEqualTo("A paid order");
            assertThat(saved.get("properties")).isEqualTo(json("""
                    {"order_id": {"type": "string", "required": true, "pii": false},
                     "value": {"type": "number", "required": true, "pii": false},
                     "currency": {"type": "string", "required": false, "allowed_values": ["EUR", "USD"], "pii": false},
                     "email_sha256": {"type": "string", "required": false, "pii": true}}"""));
            assertThat(saved.get("updated_by").asText()).isEqualTo(architect);
            Locator history = form.locator("table#versions tbody tr");
            assertThat(history).hasCount(1);
            assertThat(history.first()).containsText("created with 4 properties");
            assertThat(history.first()).containsText(architect);

            // A source mapping, proposed then approved.
            page.locator("hs-registry #tab-mappings").click();
            assertThat(page).hasURL(Pattern.compile("/registry/mappings$"));
            page.locator("hs-source-mappings a.new").click();
            Locator mapping = page.locator("hs-source-mapping");
            mapping.getByLabel("Source", new Locator.GetByLabelOptions().setExact(true)).fill("heap");
            mapping.getByLabel("Source event").fill("Order Completed");
            mapping.getByLabel("Canonical event").fill("purchase");
            mapping.getByLabel("Required properties (comma-separated)").fill("order_id, value");
            button(mapping, "Propose as draft").click();
            assertThat(page).hasURL(Pattern.compile("/registry/mappings/\\d+$"));
            long id = Long.parseLong(page.url().replaceAll(".*/", ""));
            assertThat(mapping.locator("#status")).hasText("draft");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            button(mapping, "Approve").click();
            assertThat(mapping.locator("#status")).hasText("approved");

            JsonNode m = web.get(registry("/mappings/" + id));
            assertThat(m.get("source").asText()).isEqualTo("heap");
            assertThat(m.get("source_event").asText()).isEqualTo("Order Completed");
            assertThat(m.get("canonical_event").asText()).isEqualTo("purchase");
            assertThat(m.get("required_properties")).isEqualTo(json("[\"order_id\", \"value\"]"));
            assertThat(m.get("status").asText()).isEqualTo("approved");
            assertThat(m.get("version").asInt()).isEqualTo(2);
            assertThat(m.get("updated_by").asText()).isEqualTo(architect);
            Locator versions = mapping.locator("table#versions tbody tr");
            assertThat(versions).hasCount(2);
            assertThat(versions.first()).containsText("status draft -> approved");

            // The list of canonical events counts the approved source; arrows move between the tabs.
            page.locator("hs-registry #tab-mappings").focus();
            page.keyboard().press("ArrowLeft");
            assertThat(page).hasURL(Pattern.compile("/registry/schemas$"));
            assertThat(page.locator("hs-registry #tab-schemas")).isFocused();
            Locator row = schemas.locator("tr[data-event=purchase]");
            assertThat(row).containsText("4 properties, 2 required, 1 PII");
            assertThat(row).containsText("1 approved");
            assertThat(row.locator("td.status")).not().containsText("…");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "registry");

            // Deprecated from its page: a new version with the same contract and the new status.
            page.locator("hs-registry #tab-mappings").click();
            page.locator("hs-source-mappings tr[data-id='" + id + "'] a").click();
            button(mapping, "Deprecate").click();
            assertThat(mapping.locator("#status")).hasText("deprecated");
            JsonNode deprecated = web.get(registry("/mappings/" + id));
            assertThat(deprecated.get("status").asText()).isEqualTo("deprecated");
            assertThat(deprecated.get("version").asInt()).isEqualTo(3);
            assertThat(deprecated.get("required_properties")).isEqualTo(json("[\"order_id\", \"value\"]"));
            assertThat(versions.first()).containsText("status approved -> deprecated");
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void anAnalystSeesApproveDisabledWithTheReasonAndMayOnlyProposeDrafts() {
        JsonNode draft = admin("POST", registry("/mappings"), Map.of("source", "hubspot", "source_event", "Lead Qualified",
                "canonical_event", "qualify_lead", "required_properties", List.of("lead_id")));
        long id = draft.get("id").asLong();
        try (BrowserContext ctx = web.signedIn(analyst, WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/registry/mappings");
            List<String> errors = WebApp.watchErrors(page);
            Locator row = page.locator("hs-source-mappings tr[data-id='" + id + "']");
            Locator approve = row.getByRole(AriaRole.BUTTON);
            assertThat(approve).hasText("Approve");
            assertThat(approve).isDisabled();
            assertThat(page.locator("hs-source-mappings #approve-why"))
                    .hasText("Only architects and admins approve or deprecate mappings; your role is analyst, so you propose drafts.");
            assertThat(approve).hasAttribute("aria-describedby", "approve-why");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            row.getByRole(AriaRole.LINK).click();
            Locator mapping = page.locator("hs-source-mapping");
            assertThat(mapping.locator("#approve")).isDisabled();
            assertThat(mapping.locator("#deprecate")).isDisabled();
            assertThat(mapping.locator("#readonly")).containsText("your role is analyst");
            WebApp.screenshot(page, "registry-mapping-analyst");
            // A draft stays the analyst's to change: a new version, still a draft.
            mapping.getByLabel("Required properties (comma-separated)").fill("lead_id, pipeline_stage");
            button(mapping, "Save a new version").click();
            assertThat(mapping.locator("#saved")).hasText("Saved as version 2.");
            JsonNode m = web.get(registry("/mappings/" + id));
            assertThat(m.get("status").asText()).isEqualTo("draft");
            assertThat(m.get("required_properties")).isEqualTo(json("[\"lead_id\", \"pipeline_stage\"]"));
            assertThat(m.get("updated_by").asText()).isEqualTo(analyst);
            // Schemas are read-only for analysts.
            page.locator("hs-registry #tab-violations").click();
            assertThat(page.locator("hs-violations #reprocess")).isDisabled();
            assertThat(page.locator("hs-violations #reprocess-why")).containsText("Only architects and admins reprocess (your role is analyst)");
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aViolatingCaptureIsListedWithItsReasonAndReprocessMovesItOutOnceTheSchemaIsFixed() {
        admin("POST", registry("/schemas"), Map.of("event", "sign_up", "properties",
                Map.of("method", Map.of("type", "string", "required", true))));
        WebApp.Response captured = web.send("POST", "/api/capture", Map.of("app_id", app(), "event", "sign_up",
                "event_id", "su_1001", "user_id", "pat@example.com", "source", "backend",
                "properties", Map.of("method", "google", "plan", "pro")), web.dev().secretKey());
        assertThat(captured.status()).as(captured.body()).isEqualTo(200);
        assertThat(captured.json().get("items").get(0).get("deliverable").asBoolean()).isFalse();

        try (BrowserContext ctx = web.signedIn(architect, WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/registry/violations");
            List<String> errors = WebApp.watchErrors(page);
            Locator v = page.locator("hs-violations");
            v.locator("select[name=event]").selectOption("sign_up");
            assertThat(v.locator("#total")).hasText("1 kept for sign_up");
            assertThat(v.locator("button[data-type=additional_property] .n")).hasText("1");
            Locator row = v.locator("table#violations tbody tr[data-event-id=su_1001]");
            assertThat(row).containsText("Additional property");
            assertThat(row).containsText("plan is not in the schema of 'sign_up'");
            assertThat(row).containsText("from backend");
            // The payload, expanded.
            Locator payload = row.locator("details pre");
            assertThat(payload).not().isVisible();
            row.locator("summary").click();
            assertThat(payload).isVisible();
            assertThat(payload).containsText("\"plan\": \"pro\"");
            assertThat(payload).containsText("\"event_id\": \"su_1001\"");
            // Filters: by type.
            v.locator("button[data-type=type_mismatch]").click();
            assertThat(v.locator("button[data-type=type_mismatch]")).hasAttribute("aria-pressed", "true");
            assertThat(v.getByRole(AriaRole.STATUS).last()).containsText("No violation of this type or event is kept.");
            v.locator("select[name=type]").selectOption("additional_property");
            assertThat(row).isVisible();
            row.locator("summary").click();
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "violations");

            // Fix the schema in the screen: plan is a string property of sign_up.
            page.navigate(web.url("/e/" + app() + "/registry/schemas/sign_up"));
            Locator form = page.locator("hs-schema");
            assertThat(form.getByLabel("Property 1 name")).hasValue("method");
            button(form, "Add a property").click();
            form.getByLabel("Property 2 name").fill("plan");
            button(form, "Save a new version").click();
            assertThat(form.locator("#saved")).hasText("Saved as version 2.");
            assertThat(form.locator("table#versions tbody tr").first()).containsText("added plan");
            assertThat(web.get(registry("/schemas/sign_up")).get("properties").has("plan")).isTrue();

            page.locator("hs-registry #tab-violations").click();
            v.locator("select[name=event]").selectOption("sign_up");
            assertThat(row).isVisible();
            // Tab reaches Reprocess; Enter runs it.
            page.locator("hs-registry #tab-violations").focus();
            WebApp.tabTo(page, v.locator("#reprocess"));
            page.keyboard().press("Enter");
            assertThat(v.locator("#reprocess-result")).containsText("1 passed the registry now and left this list, 0 still violate it.");
            assertThat(v.locator("#total")).hasText("0 kept for sign_up");
            assertThat(row).hasCount(0);
            assertThat(web.get(registry("/violations?event=sign_up")).get("violations")).isEmpty();
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aDefinitionMappingMadeInTheScreenPromotesShowsWhatItProducedAndFlagsAnEditedDefinition() {
        admin("POST", registry("/schemas"), Map.of("event", "begin_checkout", "properties", Map.of(
                "cart_value", Map.of("type", "number", "required", true), "channel", Map.of("type", "string"),
                "device", Map.of("type", "string"))));
        long definition = admin("POST", "/api/definitions", Map.of("app_id", app(), "name", "Started checkout (server)",
                "rules", List.of(Map.of("kind", "custom", "event", "checkout_started")))).get("id").asLong();
        try (BrowserContext ctx = web.signedIn(architect, WebApp.PASSWORD)) {
            Page page = web.open(ctx, "/e/" + app() + "/registry/definition-mappings/new");
            List<String> errors = WebApp.watchErrors(page);
            Locator form = page.locator("hs-definition-mapping");
            form.locator("select[name=definition_id]").selectOption(String.valueOf(definition));
            form.getByLabel("Canonical event").fill("begin_checkout");
            form.getByLabel("Property 1 name").fill("cart_value");
            form.getByLabel("Property 1 event property").fill("cart");
            button(form, "Add a property").click();
            form.getByLabel("Property 2 name").fill("channel");
            form.getByLabel("Property 2 comes from").selectOption("value");
            form.getByLabel("Property 2 constant").fill("web");
            button(form, "Add a property").click();
            form.getByLabel("Property 3 name").fill("device");
            form.getByLabel("Property 3 comes from").selectOption("session");
            form.getByLabel("Property 3 session or device field").selectOption("$device_id");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            button(form, "Propose as draft").click();
            assertThat(page).hasURL(Pattern.compile("/registry/definition-mappings/\\d+$"));
            long id = Long.parseLong(page.url().replaceAll(".*/", ""));
            String base = registry("/definition-mappings/" + id);
            JsonNode m = web.get(base);
            assertThat(m.get("definition_id").asLong()).isEqualTo(definition);
            assertThat(m.get("canonical_event").asText()).isEqualTo("begin_checkout");
            assertThat(m.get("properties")).isEqualTo(json("""
                    {"cart_value": {"from": "cart"}, "channel": {"value": "web"}, "device": {"from": "$device_id"}}"""));
            assertThat(form.locator("#status")).hasText("draft");
            assertThat(form.locator("#backfill")).isDisabled();

            button(form, "Approve").click();
            assertThat(form.locator("#status")).hasText("approved");
            assertThat(web.get(base).get("producing_version").asInt()).isEqualTo(2);
            assertThat(form.locator("#facts")).containsText("by version 2");

            // Two matching server-side events of a minute ago, promoted now through the promoter's /run.
            long minuteAgo = System.currentTimeMillis() - 60_000;
            for (Object[] e : new Object[][] {{"buyer-1", 42.5}, {"buyer-2", 10}}) {
                WebApp.Response t = web.send("POST", "/api/track", Map.of("app_id", app(), "identity", e[0],
                        "event", "checkout_started", "timestamp", minuteAgo, "properties", Map.of("cart", e[1])),
                        web.dev().secretKey());
                assertThat(t.status()).as(t.body()).isEqualTo(200);
            }
            page.waitForResponse(r -> r.url().endsWith("/definition-mappings/run") && r.status() == 200,
                    () -> button(form, "Promote now").click());
            assertThat(form.locator("#run-result")).containsText("The promoter caught up");
            JsonNode produced = web.get(base + "/produced");
            assertThat(produced.get("count").asLong()).isEqualTo(2);
            assertThat(form.locator("#produced-count")).hasText("2");
            List<String> ids = new ArrayList<>();
            produced.get("latest").forEach(e -> ids.add(e.get("event_id").asText()));
            assertThat(form.locator("table#produced tbody tr td code").filter(new Locator.FilterOptions().setHasText("hs-" + id + "-")))
                    .hasText(ids.toArray(String[]::new));
            assertThat(form.locator("table#produced")).containsText("buyer-1");
            assertThat(form.locator("table#produced")).containsText("cart_value = 42.5");
            assertThat(form.locator("table#produced")).containsText("channel = \"web\"");
            // A backfill over the last 24 hours finds both promoted already: nothing is produced twice.
            assertThat(form.locator("select[name=window]")).hasValue("24");
            button(form, "Backfill").click();
            assertThat(form.locator("#backfill-result")).containsText("by version 2: 2 matched, 0 produced, 2 already promoted, 0 conflicts.");
            assertThat(web.get(base + "/produced").get("count").asLong()).isEqualTo(2);
            // Produced events passed the registry: none is kept as a violation.
            assertThat(web.get(registry("/violations?event=begin_checkout")).get("violations")).isEmpty();
            assertThat(form.locator("#definition-changed")).hasCount(0);
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "definition-mapping");

            // The definition is edited: the mapping keeps producing by the approved rules, and says so prominently.
            admin("PUT", "/api/definitions/" + definition, Map.of("app_id", app(), "name", "Started checkout (server)",
                    "rules", List.of(Map.of("kind", "custom", "event", "checkout_started",
                            "properties", List.of(Map.of("key", "cart", "op", ">", "value", 20))))));
            page.reload();
            assertThat(form.locator("#definition-changed")).containsText("Definition changed since approval");
            assertThat(form.locator("#definition-changed")).containsText("still produces by the rules approved in version 2");
            assertThat(button(form, "Approve the new rules")).isEnabled();
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            WebApp.screenshot(page, "definition-changed");
            page.locator("hs-definition-mapping").getByRole(AriaRole.LINK,
                    new Locator.GetByRoleOptions().setName("← Definition mappings")).click();
            Locator row = page.locator("hs-definition-mappings tr[data-id='" + id + "']");
            assertThat(row).containsText("Definition changed");
            assertThat(row.locator("td.produced")).hasText("2");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
    }
}
