package dev.hindsight.collect;

import static dev.hindsight.collect.Api.JSON_TYPE;
import static dev.hindsight.collect.Api.count;
import static dev.hindsight.collect.Api.events;
import static dev.hindsight.collect.Api.json;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.unique;
import static dev.hindsight.collect.Api.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Heap's own server-side clients, which authenticate with the app id alone: refused by default with a 401 that
 * names the opt-in, and accepted for writing (never for reading) once an admin sets {@code accept_app_id_only}.
 */
class HeapClientsTest {
    private static TestServer s;
    private static Environment optedIn;

    @BeforeAll
    static void start() {
        HeapNodeClient.install();
        s = TestServer.start();
        TestServer.Response r = s.send("PATCH", "/api/environments/" + s.dev().appId(),
                "{\"accept_app_id_only\": true}", "Content-Type", JSON_TYPE, "Authorization", "Bearer " + TestServer.ADMIN);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        optedIn = s.dev();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, JsonNode> byCall(List<JsonNode> results) {
        return results.stream().collect(Collectors.toMap(r -> r.get("call").asText(), r -> r));
    }

    @Test
    void heapsNodeClientWritesWithTheAppIdAloneOnceTheEnvironmentOptsIn() {
        String identity = unique("heap-node");

        List<JsonNode> results = HeapNodeClient.callAll(s, optedIn.appId(), identity);

        assertThat(results).hasSize(6).allSatisfy(r -> assertThat(r.get("ok").asBoolean()).as(r.toString()).isTrue());
        Map<String, JsonNode> byName = events(s, optedIn, identity).stream()
                .collect(Collectors.toMap(e -> e.get("name").asText(), e -> e));
        assertThat(byName).containsOnlyKeys("Signed Up", "Logged In", "Invited Teammate");
        assertThat(byName.get("Signed Up").get("properties").get("plan").asText()).isEqualTo("pro");
        assertThat(byName.get("Signed Up").get("properties").get("seats").asInt()).isEqualTo(3);
        assertThat(byName.get("Invited Teammate").get("properties").get("count").asInt()).isEqualTo(2);
        assertThat(byName.get("Logged In").get("source").asText()).isEqualTo("server");
        assertThat(events(s, optedIn, "4242")).extracting(e -> e.get("name").asText()).contains("Numeric");
        JsonNode profile = user(s, optedIn, identity).json().get("properties");
        assertThat(profile.get("company").asText()).isEqualTo("Acme");
        assertThat(profile.get("employees").asInt()).isEqualTo(120);
        assertThat(profile.get("role").asText()).isEqualTo("owner");
    }

    @Test
    void heapsNodeClientGets401NamingTheOptInWhileTheEnvironmentHasNotOptedIn() {
        Environment closed = s.prod();
        assertThat(closed.settings().acceptAppIdOnly()).isFalse();
        long before = count(s, closed);

        List<JsonNode> results = HeapNodeClient.callAll(s, closed.appId(), unique("heap-node"));

        assertThat(results).hasSize(6).allSatisfy(r -> {
            assertThat(r.get("ok").asBoolean()).isFalse();
            assertThat(r.get("status").asInt()).as(r.toString()).isEqualTo(401);
            assertThat(r.get("body").get("detail").asText()).contains("accept_app_id_only");
        });
        assertThat(count(s, closed)).isEqualTo(before);
    }

    @Test
    void appIdOnlyCallsFromABrowserPageOfAnOriginNotAllowedAreRefused() {
        long projectId = s.app().projects().all().get(0).id();
        String staging = s.post("/api/projects/" + projectId + "/environments", json(map("name", "staging")),
                "Authorization", "Bearer " + TestServer.ADMIN).json().get("app_id").asText();
        s.put("/api/environments/" + staging + "/origins", "{\"allowed_origins\": [\"https://shop.example.com\"]}",
                "Authorization", "Bearer " + TestServer.ADMIN);
        s.send("PATCH", "/api/environments/" + staging, "{\"accept_app_id_only\": true}",
                "Authorization", "Bearer " + TestServer.ADMIN);
        String body = json(map("app_id", staging, "identity", unique("u"), "event", "Paid"));

        TestServer.Response elsewhere = s.post("/api/track", body, "Content-Type", JSON_TYPE,
                "Origin", "https://evil.example.com");
        TestServer.Response listed = s.post("/api/track", body, "Content-Type", JSON_TYPE,
                "Origin", "https://shop.example.com");
        TestServer.Response server = s.post("/api/track", body, "Content-Type", JSON_TYPE);

        assertThat(elsewhere.status()).as(elsewhere.body()).isEqualTo(403);
        assertThat(listed.status()).as(listed.body()).isEqualTo(200);
        assertThat(server.status()).as(server.body()).isEqualTo(200);
    }

    @Test
    void appIdOnlyIdentifyWorksWhenOptedInButNothingReadsWithTheAppIdAndAWrongKeyIsStillRefused() {
        String identity = unique("heap-identify");
        String body = json(map("app_id", optedIn.appId(), "identity", identity, "properties", map("tier", "gold")));

        TestServer.Response identify = s.post("/api/identify", body, "Content-Type", JSON_TYPE);
        TestServer.Response wrongKey = s.post("/api/identify", body, "Content-Type", JSON_TYPE,
                "Authorization", "Bearer hs_sk_not-a-key");
        TestServer.Response read = s.get("/api/users/" + identity + "?app_id=" + optedIn.appId());
        TestServer.Response readEvents = s.get("/api/users/" + identity + "/events?app_id=" + optedIn.appId());
        TestServer.Response query = s.post("/api/query", json(map("app_id", optedIn.appId())), "Content-Type", JSON_TYPE);
        TestServer.Response closed = s.post("/api/identify", json(map("app_id", s.prod().appId(), "identity", identity)),
                "Content-Type", JSON_TYPE);

        assertThat(identify.status()).as(identify.body()).isEqualTo(200);
        assertThat(user(s, optedIn, identity).json().path("properties").path("tier").asText()).isEqualTo("gold");
        assertThat(wrongKey.status()).isEqualTo(401);
        assertThat(read.status()).isEqualTo(401);
        assertThat(readEvents.status()).isEqualTo(401);
        assertThat(query.status()).isEqualTo(401);
        assertThat(closed.status()).isEqualTo(401);
        assertThat(closed.json().get("detail").asText()).contains("accept_app_id_only");
    }
}
