package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static dev.hindsight.activate.ActivationHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /api/capture}, the schema registry and its violations, over HTTP against a real server. */
class CaptureApiTest {
    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), new MutableClock(NOW));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    // --- helpers ---

    private static TestServer.Response capture(Object body) {
        return s.post("/api/capture", json(body), "Content-Type", "application/json", "Authorization",
                "Bearer " + s.dev().secretKey());
    }

    private static String registry(String rest) {
        return "/api/environments/" + s.dev().appId() + "/registry" + rest;
    }

    private static TestServer.Response admin(String method, String path, Object body) {
        return ActivationHttp.admin(s, method, path, body);
    }

    private static long graphCount(String event) {
        TestServer.Response r = s.post("/api/query", json(map("app_id", s.dev().appId(), "kind", "graph",
                "from", "2026-03-09T00:00:00Z", "to", "2026-03-12T00:00:00Z", "interval", "day",
                "series", List.of(map("event", map("kind", "custom", "event", event), "measure", "count")))),
                TestServer.bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        long sum = 0;
        for (JsonNode p : r.json().get("series").get(0).get("points")) {
            sum += p.get("value").asLong();
        }
        return sum;
    }

    private static List<String> fields(TestServer.Response r) {
        List<String> out = new ArrayList<>();
        r.json().path("errors").forEach(e -> out.add(e.get("field").asText()));
        return out;
    }

    private static List<String> types(JsonNode item) {
        List<String> out = new ArrayList<>();
        item.path("violations").forEach(v -> out.add(v.get("type").asText()));
        return out;
    }

    /** A member with a role, as a personal API token. */
    private static String member(String role) {
        return dev.hindsight.account.Session.member(s, unique(role) + "@example.com", role).token(s);
    }

    // --- capture ---

    @Test
    void singleCaptureIsStoredAndCountedAsACustomEvent() {
        String event = unique("signup");
        TestServer.Response r = capture(map("app_id", s.dev().appId(), "event", event, "event_id", unique("e"),
                "user_id", unique("u"), "properties", map("plan", "pro"), "source", "backend"));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        JsonNode item = r.json().get("items").get(0);
        assertThat(item.get("status").asText()).isEqualTo("accepted");
        // No schema: accepted for analytics, flagged and not deliverable.
        assertThat(item.get("deliverable").asBoolean()).isFalse();
        assertThat(types(item)).containsExactly("unplanned_event");
        assertThat(graphCount(event)).isEqualTo(1);
    }

    @Test
    void bulkCaptureAnswersPerItemAndABadItemNeverFailsTheGoodOnes() {
        String event = unique("purchase");
        List<Object> events = List.of(
                map("event", event, "event_id", unique("e"), "user_id", "u1", "properties", map("value", 10)),
                map("event", "Bad Name", "user_id", "u2", "properties", map("nested", map("a", 1))),
                map("event", event, "event_id", unique("e"), "anonymous_id", "d3"),
                map("event", event, "event_id", unique("e")),
                map("event", event, "event_id", unique("e"), "user_id", "u5", "timestamp", "2030-01-01T00:00:00Z"));
        TestServer.Response r = capture(map("app_id", s.dev().appId(), "events", events));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(fields(r)).contains("events[1].event", "events[1].event_id", "events[1].properties.nested",
                "events[3].user_id", "events[4].timestamp");
        r.json().get("errors").forEach(e -> assertThat(e.get("index").asInt()).isIn(1, 3, 4));
        assertThat(r.json().get("accepted").asInt()).isEqualTo(2);
        assertThat(r.json().get("rejected").asInt()).isEqualTo(3);
        List<String> statuses = new ArrayList<>();
        r.json().get("items").forEach(i -> statuses.add(i.get("status").asText()));
        assertThat(statuses).containsExactly("accepted", "rejected", "accepted", "rejected", "rejected");
        assertThat(graphCount(event)).isEqualTo(2);
    }

    @Test
    void topLevelAndSizeBoundsAreProblems() {
        List<Object> many = new ArrayList<>();
        for (int i = 0; i <= 1000; i++) {
            many.add(map("event", "x", "event_id", "e" + i, "user_id", "u"));
        }
        TestServer.Response tooMany = capture(map("app_id", s.dev().appId(), "events", many));
        assertThat(tooMany.status()).as(tooMany.body()).isEqualTo(400);
        assertThat(tooMany.body()).contains("limit-exceeded");
        TestServer.Response unknown = capture(map("app_id", s.dev().appId(), "events", List.of(), "evnts", 1));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(fields(unknown)).contains("evnts");
        TestServer.Response noKey = s.post("/api/capture", json(map("event", "x", "event_id", "y", "user_id", "z")),
                "Content-Type", "application/json");
        assertThat(noKey.status()).isEqualTo(401);
        TestServer.Response huge = s.post("/api/capture", "{\"events\":[\"" + "x".repeat(6 * 1024 * 1024) + "\"]}",
                "Content-Type", "application/json", "Authorization", "Bearer " + s.dev().secretKey());
        assertThat(huge.status()).isEqualTo(413);
    }

    @Test
    void aReplayIsADuplicateStoredOnceAndAnotherPayloadIsAConflictListedAsAViolation() {
        String event = unique("order");
        String id = unique("ord");
        Map<String, Object> body = map("event", event, "event_id", id, "user_id", "u1", "properties",
                map("order_id", "o1", "value", 12.5));
        assertThat(capture(body).json().get("items").get(0).get("status").asText()).isEqualTo("accepted");
        TestServer.Response replay = capture(body);
        assertThat(replay.status()).as(replay.body()).isEqualTo(200);
        assertThat(replay.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(replay.json().get("items").get(0).get("status").asText()).isEqualTo("duplicate");
        // A replay inside a bulk, beside its first copy in the same request: one stored.
        String id2 = unique("ord");
        Map<String, Object> twice = map("event", event, "event_id", id2, "user_id", "u2");
        TestServer.Response bulk = capture(map("events", List.of(twice, twice)));
        assertThat(bulk.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(bulk.json().get("duplicates").asInt()).isEqualTo(1);
        assertThat(graphCount(event)).isEqualTo(2);

        Map<String, Object> other = map("event", event, "event_id", id, "user_id", "u1", "properties",
                map("order_id", "o1", "value", 99));
        TestServer.Response conflict = capture(other);
        assertThat(conflict.status()).as(conflict.body()).isEqualTo(409);
        assertThat(conflict.json().get("type").asText()).endsWith("/event-id-conflict");
        assertThat(fields(conflict)).containsExactly("event_id");
        assertThat(conflict.json().get("items").get(0).get("status").asText()).isEqualTo("conflict");
        assertThat(graphCount(event)).isEqualTo(2);
        // The same conflicting payload again (a client retrying it) is reported again, and kept once.
        assertThat(capture(other).json().get("items").get(0).get("status").asText()).isEqualTo("conflict");

        TestServer.Response listed = admin("GET", registry("/violations?type=event_id_conflict&event=" + event), null);
        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        JsonNode v = listed.json().get("violations");
        assertThat(v).hasSize(1);
        assertThat(v.get(0).get("event_id").asText()).isEqualTo(id);
        assertThat(v.get(0).get("payload").get("properties").get("value").asInt()).isEqualTo(99);
        assertThat(listed.json().get("counts").get("event_id_conflict").asInt()).isEqualTo(1);
    }

    @Test
    void anonymousBrowsingThenACaptureWithBothIdsIsOneUserInAFunnel() {
        String device = unique("dev");
        String user = unique("user");
        String event = unique("checkout");
        TestServer.Response h = s.post("/h", json(map("app_id", s.dev().appId(), "events", List.of(map("kind",
                "pageview", "device_id", device, "url", "https://shop.example/pricing", "event_id",
                UUID.randomUUID().toString(), "time", NOW.minusSeconds(600).toEpochMilli())))),
                "Content-Type", "application/json");
        assertThat(h.status()).as(h.body()).isEqualTo(200);
        TestServer.Response c = capture(map("event", event, "event_id", unique("e"), "user_id", user, "anonymous_id",
                device, "timestamp", NOW.minusSeconds(60).toString()));
        assertThat(c.status()).as(c.body()).isEqualTo(200);
        // The pageview was anonymous (the device's); the capture linked the device to the user, so one user did both.
        TestServer.Response f = s.post("/api/query", json(map("app_id", s.dev().appId(), "kind", "funnel",
                "from", "2026-03-09T00:00:00Z", "to", "2026-03-12T00:00:00Z", "steps", List.of(
                        map("kind", "pageview"), map("kind", "custom", "event", event)))),
                TestServer.bearer(TestServer.ADMIN));
        assertThat(f.status()).as(f.body()).isEqualTo(200);
        JsonNode steps = f.json().get("steps");
        assertThat(steps.get(1).get("count").asInt()).as(f.body()).isEqualTo(1);
        TestServer.Response u = s.get("/api/users/" + user + "?app_id=" + s.dev().appId(),
                TestServer.bearer(TestServer.ADMIN));
        assertThat(u.status()).as(u.body()).isEqualTo(200);
    }

    // --- registry ---

    @Test
    void schemasAreVersionedWithHistoryAndOnlyArchitectsChangeThem() {
        String event = unique("lead");
        TestServer.Response created = admin("POST", registry("/schemas"), map("event", event, "description", "A lead",
                "properties", map("lead_id", map("type", "string", "required", true))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("version").asInt()).isEqualTo(1);
        TestServer.Response again = admin("POST", registry("/schemas"), map("event", event));
        assertThat(again.status()).isEqualTo(409);
        TestServer.Response updated = admin("PUT", registry("/schemas/" + event), map("properties", map(
                "lead_id", map("type", "string", "required", true),
                "stage", map("type", "string", "allowed_values", List.of("mql", "sql")))));
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.json().get("version").asInt()).isEqualTo(2);
        assertThat(admin("GET", registry("/schemas/" + event), null).json().get("properties").has("stage")).isTrue();
        TestServer.Response bad = admin("PUT", registry("/schemas/" + event), map("properties", map(
                "x", map("type", "text", "required", "yes"), "y", map("type", "number", "pii", true)), "extra", 1));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(fields(bad)).contains("properties.x.type", "properties.x.required", "properties.y.pii", "extra");

        String analyst = member("analyst");
        String viewer = member("viewer");
        String architect = member("architect");
        assertThat(s.send("PUT", registry("/schemas/" + event), json(map("properties", map())),
                TestServer.bearer(analyst)).status()).isEqualTo(403);
        assertThat(s.send("POST", registry("/schemas"), json(map("event", unique("x"))),
                TestServer.bearer(analyst)).status()).isEqualTo(403);
        assertThat(s.get(registry("/schemas"), TestServer.bearer(viewer)).status()).isEqualTo(403);
        assertThat(s.get(registry("/schemas"), TestServer.bearer(analyst)).status()).isEqualTo(200);
        TestServer.Response byArchitect = s.send("PUT", registry("/schemas/" + event), json(map("properties",
                map("lead_id", map("type", "string", "required", true)))), TestServer.bearer(architect));
        assertThat(byArchitect.status()).as(byArchitect.body()).isEqualTo(200);

        assertThat(admin("DELETE", registry("/schemas/" + event), null).status()).isEqualTo(204);
        assertThat(admin("GET", registry("/schemas/" + event), null).status()).isEqualTo(404);
        TestServer.Response history = admin("GET", registry("/schemas/" + event + "/versions"), null);
        assertThat(history.status()).as(history.body()).isEqualTo(200);
        JsonNode versions = history.json().get("versions");
        assertThat(versions).hasSize(4);
        assertThat(versions.get(0).get("change").asText()).startsWith("created");
        assertThat(versions.get(1).get("change").asText()).contains("added stage");
        assertThat(versions.get(2).get("changed_by").asText()).contains("@example.com");
        assertThat(versions.get(2).get("change").asText()).contains("removed stage");
        assertThat(versions.get(3).get("deleted").asBoolean()).isTrue();
    }

    @Test
    void mappingsAreProposedAsDraftsAndApprovedByAnArchitectOnly() {
        String analyst = member("analyst");
        String viewer = member("viewer");
        String canonical = unique("qualify_lead");
        TestServer.Response draft = s.post(registry("/mappings"), json(map("source", "heap", "source_event",
                "Lead Form Qualified in UI", "canonical_event", canonical, "required_properties",
                List.of("lead_id", "pipeline_stage"))), TestServer.bearer(analyst));
        assertThat(draft.status()).as(draft.body()).isEqualTo(201);
        assertThat(draft.json().get("status").asText()).isEqualTo("draft");
        long id = draft.json().get("id").asLong();
        assertThat(s.post(registry("/mappings/" + id + "/approve"), "", TestServer.bearer(analyst)).status())
                .isEqualTo(403);
        assertThat(s.post(registry("/mappings/" + id + "/approve"), "", TestServer.bearer(viewer)).status())
                .isEqualTo(403);
        assertThat(s.send("PUT", registry("/mappings/" + id), json(map("source", "heap", "source_event", "x",
                "canonical_event", canonical, "status", "approved")), TestServer.bearer(analyst)).status())
                .isEqualTo(403);
        assertThat(s.get(registry("/mappings"), TestServer.bearer(viewer)).status()).isEqualTo(403);

        String architect = member("architect");
        TestServer.Response approved = s.post(registry("/mappings/" + id + "/approve"), "",
                TestServer.bearer(architect));
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
        assertThat(approved.json().get("status").asText()).isEqualTo("approved");
        assertThat(approved.json().get("version").asInt()).isEqualTo(2);
        // An approved mapping is the contract: an analyst can no longer change it.
        assertThat(s.send("PUT", registry("/mappings/" + id), json(map("source", "heap", "source_event", "y",
                "canonical_event", canonical)), TestServer.bearer(analyst)).status()).isEqualTo(403);
        TestServer.Response deprecated = s.send("PUT", registry("/mappings/" + id), json(map("source", "heap",
                "source_event", "Lead Form Qualified in UI", "canonical_event", canonical, "required_properties",
                List.of("lead_id", "pipeline_stage"), "status", "deprecated")), TestServer.bearer(architect));
        assertThat(deprecated.status()).as(deprecated.body()).isEqualTo(200);
        JsonNode versions = admin("GET", registry("/mappings/" + id + "/versions"), null).json().get("versions");
        assertThat(versions).hasSize(3);
        assertThat(versions.get(1).get("change").asText()).isEqualTo("status draft -> approved");
        assertThat(versions.get(2).get("change").asText()).isEqualTo("status approved -> deprecated");
        assertThat(admin("GET", registry("/mappings/" + id), null).json().get("status").asText())
                .isEqualTo("deprecated");
    }

    @Test
    void everyViolationTypeIsListedAndAReprocessAfterFixingTheSchemaMakesEventsDeliverable() {
        String event = unique("purchase");
        assertThat(admin("POST", registry("/schemas"), map("event", event, "properties", map(
                "order_id", map("type", "string", "required", true),
                "value", map("type", "number", "required", true),
                "currency", map("type", "string", "allowed_values", List.of("EUR", "USD")),
                "email_sha256", map("type", "string", "pii", true)))).status()).isEqualTo(201);
        String hashed = "a".repeat(64);
        Map<String, Object> valid = map("order_id", "o1", "value", 10, "currency", "EUR", "email_sha256", hashed);
        List<Object> events = List.of(
                map("event", event, "event_id", unique("ok"), "user_id", "u", "properties", valid),
                map("event", event, "event_id", unique("missing"), "user_id", "u", "properties", map("value", 1)),
                map("event", event, "event_id", unique("type"), "user_id", "u", "properties",
                        map("order_id", "o", "value", "ten")),
                map("event", event, "event_id", unique("extra"), "user_id", "u", "properties",
                        map("order_id", "o", "value", 1, "coupon", "X")),
                map("event", event, "event_id", unique("pii"), "user_id", "u", "properties",
                        map("order_id", "o", "value", 1, "email_sha256", "ada@example.com")),
                map("event", event, "event_id", unique("value"), "user_id", "u", "properties",
                        map("order_id", "o", "value", 1, "currency", "GBP")));
        TestServer.Response r = capture(map("events", events));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode items = r.json().get("items");
        assertThat(items.get(0).get("deliverable").asBoolean()).isTrue();
        assertThat(types(items.get(1))).containsExactly("required_missing");
        assertThat(types(items.get(2))).containsExactly("type_mismatch");
        assertThat(types(items.get(3))).containsExactly("additional_property");
        assertThat(types(items.get(4))).containsExactly("pii_not_hashed");
        assertThat(r.body()).doesNotContain("ada@example.com");
        assertThat(types(items.get(5))).containsExactly("value_not_allowed");
        assertThat(r.json().get("accepted").asInt()).isEqualTo(6);
        assertThat(graphCount(event)).isEqualTo(6);

        String unplanned = unique("unplanned");
        capture(map("event", unplanned, "event_id", unique("u"), "anonymous_id", "d"));

        JsonNode all = admin("GET", registry("/violations?event=" + event), null).json();
        assertThat(all.get("violations")).hasSize(5);
        JsonNode counts = all.get("counts");
        for (String t : List.of("required_missing", "type_mismatch", "additional_property", "pii_not_hashed",
                "value_not_allowed")) {
            assertThat(counts.get(t).asInt()).as(t).isEqualTo(1);
        }
        JsonNode extra = admin("GET", registry("/violations?event=" + event + "&type=additional_property"), null)
                .json().get("violations");
        assertThat(extra).hasSize(1);
        assertThat(extra.get(0).get("violations").get(0).get("property").asText()).isEqualTo("coupon");
        assertThat(admin("GET", registry("/violations?type=unplanned_event&event=" + unplanned), null).json()
                .get("violations")).hasSize(1);
        JsonNode paged = admin("GET", registry("/violations?event=" + event + "&limit=2"), null).json();
        assertThat(paged.get("violations")).hasSize(2);
        JsonNode page2 = admin("GET", registry("/violations?event=" + event + "&limit=2&cursor="
                + paged.get("next_cursor").asText()), null).json();
        assertThat(page2.get("violations")).hasSize(2);
        assertThat(page2.get("violations").get(0).get("event_id").asText())
                .isNotEqualTo(paged.get("violations").get(0).get("event_id").asText());
        assertThat(admin("GET", registry("/violations?type=nope"), null).status()).isEqualTo(400);

        // Fix the registry: coupon becomes a known property, GBP is allowed; reprocess.
        assertThat(admin("PUT", registry("/schemas/" + event), map("properties", map(
                "order_id", map("type", "string", "required", true),
                "value", map("type", "number", "required", true),
                "currency", map("type", "string", "allowed_values", List.of("EUR", "USD", "GBP")),
                "coupon", map("type", "string"),
                "email_sha256", map("type", "string", "pii", true)))).status()).isEqualTo(200);
        String analyst = member("analyst");
        assertThat(s.post(registry("/violations/reprocess"), "", TestServer.bearer(analyst)).status()).isEqualTo(403);
        TestServer.Response re = admin("POST", registry("/violations/reprocess"), null);
        assertThat(re.status()).as(re.body()).isEqualTo(200);
        assertThat(re.json().get("now_deliverable").asInt()).isGreaterThanOrEqualTo(2);
        JsonNode left = admin("GET", registry("/violations?event=" + event), null).json();
        List<String> leftTypes = new ArrayList<>();
        left.get("violations").forEach(v -> leftTypes.addAll(types(v)));
        assertThat(leftTypes).containsExactlyInAnyOrder("required_missing", "type_mismatch", "pii_not_hashed");
        assertThat(left.get("counts").has("additional_property")).isFalse();

        // The unplanned event becomes deliverable once its schema exists.
        admin("POST", registry("/schemas"), map("event", unplanned));
        admin("POST", registry("/violations/reprocess"), null);
        assertThat(admin("GET", registry("/violations?event=" + unplanned), null).json().get("violations")).isEmpty();
    }
}
