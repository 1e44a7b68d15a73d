package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static dev.hindsight.activate.ActivationHttp.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Roles on real destinations, schemas and definition mappings (RolesTest checks the route table with ids that name
 * nothing): analysts and viewers cannot change, test or replay a destination, nor approve, deprecate, delete, backfill
 * or run a definition mapping, and nothing changed after their refusals; analysts read destinations with secrets
 * masked, viewers do not read them.
 */
class ActivationRolesTest {
    private static final String SECRET = "whsec_roles_0123456789abcdef";
    private static TestServer s;
    private static String analyst;
    private static String viewer;
    private static String architect;
    private static int seq;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        analyst = member("analyst");
        viewer = member("viewer");
        architect = member("architect");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void analystsAndViewersCannotChangeTestOrReplayADestinationAndAnalystsReadItMasked() {
        String event = unique("purchase");
        assertThat(as(TestServer.ADMIN, "POST", env("/registry/schemas"), map("event", event, "properties",
                map("value", map("type", "number")))).status()).isEqualTo(201);
        Map<String, Object> body = map("name", "hook", "kind", "webhook", "settings", map("url",
                "http://127.0.0.1:9/hook", "secrets", List.of(SECRET)), "mapping", map(event, map("name", "x")));
        TestServer.Response created = as(architect, "POST", env("/destinations"), body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long id = created.json().get("id").asLong();
        String one = env("/destinations/" + id);
        String before = setup(as(TestServer.ADMIN, "GET", one, null));

        for (String token : List.of(analyst, viewer)) {
            String who = token.equals(analyst) ? "analyst" : "viewer";
            refused(who, token, "POST", env("/destinations"), body);
            refused(who, token, "PUT", one, map("name", "renamed", "settings", map("url", "http://127.0.0.1:9/x",
                    "secrets", List.of("whsec_stolen"))));
            refused(who, token, "DELETE", one, null);
            refused(who, token, "POST", one + "/enable", null);
            refused(who, token, "POST", one + "/disable", null);
            refused(who, token, "POST", one + "/test", map("event", event));
            refused(who, token, "POST", one + "/replay", map("event_ids", List.of("x")));
        }
        assertThat(setup(as(TestServer.ADMIN, "GET", one, null))).as("unchanged after the refusals")
                .isEqualTo(before);
        assertThat(as(TestServer.ADMIN, "GET", env("/destinations"), null).json().get("destinations")
                .findValuesAsText("id")).containsOnlyOnce(String.valueOf(id));

        for (String path : List.of(env("/destinations"), one, one + "/deliveries")) {
            TestServer.Response r = as(analyst, "GET", path, null);
            assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(200);
            assertThat(r.body()).as(path).doesNotContain(SECRET);
            refused("viewer", viewer, "GET", path, null);
        }
        JsonNode got = as(analyst, "GET", one, null).json();
        assertThat(got.get("settings").get("secrets").get(0).asText()).isEqualTo("****cdef");
        // An architect may.
        assertThat(as(architect, "POST", one + "/disable", null).status()).isEqualTo(200);
        assertThat(as(architect, "DELETE", one, null).status()).isEqualTo(204);
    }

    @Test
    void analystsProposeDefinitionMappingsButOnlyArchitectsApproveDeprecateDeleteBackfillOrRunThem() {
        String event = unique("signup");
        Map<String, Object> schema = map("event", event, "properties", map("plan", map("type", "string")));
        refused("analyst", analyst, "POST", env("/registry/schemas"), schema);
        refused("viewer", viewer, "POST", env("/registry/schemas"), schema);
        assertThat(as(architect, "POST", env("/registry/schemas"), schema).status()).isEqualTo(201);
        refused("analyst", analyst, "PUT", env("/registry/schemas/" + event), schema);
        refused("analyst", analyst, "DELETE", env("/registry/schemas/" + event), null);

        TestServer.Response def = s.post("/api/definitions", json(map("app_id", s.dev().appId(),
                "name", unique("Clicked signup"), "rules", List.of(map("kind", "click", "selector",
                        "button.signup")))), TestServer.bearer(TestServer.ADMIN));
        assertThat(def.status()).as(def.body()).isEqualTo(201);
        Map<String, Object> mapping = map("definition_id", def.json().get("id").asLong(), "canonical_event", event,
                "properties", map("plan", map("value", "pro")));
        refused("viewer", viewer, "POST", mappings(""), mapping);
        TestServer.Response created = as(analyst, "POST", mappings(""), mapping);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long id = created.json().get("id").asLong();
        refused("viewer", viewer, "PUT", mappings("/" + id), mapping);
        for (String token : List.of(analyst, viewer)) {
            String who = token.equals(analyst) ? "analyst" : "viewer";
            refused(who, token, "POST", mappings("/" + id + "/approve"), null);
            refused(who, token, "POST", mappings("/" + id + "/deprecate"), null);
            refused(who, token, "POST", mappings("/" + id + "/backfill"), map("from", "2026-01-01T00:00:00Z",
                    "to", "2026-01-02T00:00:00Z"));
            refused(who, token, "POST", mappings("/run"), null);
            refused(who, token, "DELETE", mappings("/" + id), null);
        }
        TestServer.Response still = as(architect, "GET", mappings("/" + id), null);
        assertThat(still.status()).as(still.body()).isEqualTo(200);
        assertThat(still.json().get("status").asText()).as("still a draft").isEqualTo("draft");
        TestServer.Response approved = as(architect, "POST", mappings("/" + id + "/approve"), null);
        assertThat(approved.status()).as(approved.body()).isEqualTo(200);
    }

    private static void refused(String who, String token, String method, String path, Object body) {
        TestServer.Response r = as(token, method, path, body);
        assertThat(r.status()).as(who + " " + method + " " + path + ": " + r.body()).isEqualTo(403);
    }

    private static String env(String rest) {
        return ActivationHttp.env(s, rest);
    }

    private static String mappings(String rest) {
        return env("/registry/definition-mappings" + rest);
    }

    private static TestServer.Response as(String token, String method, String path, Object body) {
        return s.send(method, path, body == null ? null : json(body), "Authorization",
                "Bearer " + token, "Content-Type", "application/json");
    }

    private static String member(String role) {
        return dev.hindsight.account.Session.member(s, role + "-activation-roles-" + (++seq) + "@example.com", role).token(s);
    }

    /** A destination's answer without its health, whose period moves with the clock. */
    private static String setup(TestServer.Response r) {
        com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode) r.json();
        n.remove("health");
        return n.toString();
    }
}
