package dev.hindsight.identity;

import static dev.hindsight.identity.Api.at;
import static dev.hindsight.identity.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /api/users/{identity}}: properties, first and last seen over the merged stream, devices, merges. */
class UserProfileTest {
    static TestServer server;
    static Api api;

    @BeforeAll
    static void start() {
        server = Api.startServer();
        api = new Api(server, server.dev());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void propertiesKeepTheLastWritePerKey() {
        String u = unique("user");
        api.addUserProperties(u, Map.of("plan", "free", "email", "jane@example.com"));
        api.addUserProperties(u, Map.of("plan", "pro", "seats", 3));
        api.identifyServer(unique("dev"), u, null, Map.of("seats", 5, "admin", true));

        JsonNode props = api.user(u).get("properties");

        assertThat(props.get("plan").asText()).isEqualTo("pro");
        assertThat(props.get("email").asText()).isEqualTo("jane@example.com");
        assertThat(props.get("seats").isNumber()).isTrue();
        assertThat(props.get("seats").asInt()).isEqualTo(5);
        assertThat(props.get("admin").isBoolean()).isTrue();
        assertThat(props.get("admin").asBoolean()).isTrue();
        assertThat(props.size()).isEqualTo(4);
    }

    @Test
    void profileNamesTheIdentity() {
        String u = unique("user");
        api.addUserProperties(u, Map.of("plan", "free"));

        assertThat(api.user(u).get("identity").asText()).isEqualTo(u);
    }

    @Test
    void firstAndLastSeenSpanTheMergedStream() {
        String d = unique("dev");
        String u = unique("user");
        api.anonymous(d, at(1));
        api.identifyOnDevice(d, u, at(5));
        api.track(u, "Upgraded", at(7));
        api.anonymous(d, at(9));

        JsonNode user = api.user(u);

        assertThat(user.get("first_seen").asText()).isEqualTo(Instant.ofEpochMilli(at(1)).toString());
        assertThat(user.get("last_seen").asText()).isEqualTo(Instant.ofEpochMilli(at(9)).toString());
    }

    @Test
    void firstSeenLeavesOutTheDevicesHistoryBeforeTheUsersLink() {
        String d = unique("shared");
        String a = unique("alice");
        String b = unique("bob");
        api.identifyOnDevice(d, a, at(1));
        api.anonymous(d, at(2));
        api.identifyOnDevice(d, b, at(10));
        api.anonymous(d, at(12));
        api.anonymous(d, at(13));

        JsonNode bob = api.user(b);
        JsonNode alice = api.user(a);

        assertThat(bob.get("first_seen").asText()).isEqualTo(Instant.ofEpochMilli(at(12)).toString());
        assertThat(bob.get("last_seen").asText()).isEqualTo(Instant.ofEpochMilli(at(13)).toString());
        assertThat(alice.get("last_seen").asText()).isEqualTo(Instant.ofEpochMilli(at(2)).toString());
    }

    @Test
    void devicesListEveryMergedDevice() {
        String phone = unique("phone");
        String laptop = unique("laptop");
        String u = unique("user");
        api.anonymous(phone, at(1));
        api.identifyOnDevice(phone, u, at(2));
        api.identifyServer(laptop, u, at(3), Map.of());

        JsonNode user = api.user(u);

        assertThat(texts(user.get("devices"))).containsExactlyInAnyOrder(phone, laptop);
        assertThat(user.get("merges")).hasSize(2);
        List<String> merged = new ArrayList<>();
        user.get("merges").forEach(m -> merged.add(m.get("device_id").asText()));
        assertThat(merged).containsExactly(phone, laptop);
    }

    @Test
    void undoneMergeLeavesTheDeviceListButStaysInTheMerges() {
        String d = unique("dev");
        String u = unique("user");
        api.anonymous(d, at(1));
        api.identifyOnDevice(d, u, at(2));
        api.track(u, "Server event", at(3));
        api.undo(u, api.merges(u).get(0).get("id").asLong());

        JsonNode user = api.user(u);

        assertThat(texts(user.get("devices"))).doesNotContain(d);
        assertThat(user.get("merges")).hasSize(1);
        assertThat(user.get("merges").get(0).get("undone_at").isNull()).isFalse();
        assertThat(user.get("first_seen").asText()).isEqualTo(Instant.ofEpochMilli(at(3)).toString());
    }

    @Test
    void userKnownOnlyFromServerSideEventsHasAProfile() {
        String u = unique("user");
        api.track(u, "Subscription renewed", at(4));
        api.track(u, "Subscription renewed", at(8));

        TestServer.Response r = api.userResponse(u, TestServer.bearer(TestServer.ADMIN));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("first_seen").asText()).isEqualTo(Instant.ofEpochMilli(at(4)).toString());
        assertThat(r.json().get("last_seen").asText()).isEqualTo(Instant.ofEpochMilli(at(8)).toString());
        assertThat(r.json().get("devices")).isEmpty();
    }

    @Test
    void userKnownOnlyFromPropertiesIsSeenWhenTheyWereWritten() {
        String u = unique("user");
        api.addUserProperties(u, Map.of("plan", "free"));

        JsonNode user = api.user(u);

        assertThat(user.get("first_seen").asText()).isEqualTo(Api.NOW.toString());
        assertThat(user.get("last_seen").asText()).isEqualTo(Api.NOW.toString());
        assertThat(user.get("merges")).isEmpty();
    }

    @Test
    void unknownUserIsANotFoundProblem() {
        TestServer.Response r = api.userResponse(unique("nobody"), TestServer.bearer(TestServer.ADMIN));

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().get("status").asInt()).isEqualTo(404);
        assertThat(r.json().get("type").asText()).endsWith("not-found");
    }

    @Test
    void identityWithReservedUrlCharactersIsFound() {
        String u = unique("jane+test@example.com/x y");
        api.addUserProperties(u, Map.of("plan", "free"));

        assertThat(api.user(u).get("identity").asText()).isEqualTo(u);
    }

    @Test
    void readingAUserNeedsTheAdminTokenOrTheEnvironmentsSecretKey() {
        String u = unique("user");
        api.addUserProperties(u, Map.of("plan", "free"));

        assertThat(api.userResponse(u).status()).isEqualTo(401);
        assertThat(api.userResponse(u, TestServer.bearer("not-a-token")).status()).isEqualTo(401);
        assertThat(api.userResponse(u, TestServer.bearer(server.prod().secretKey())).status()).isEqualTo(401);
        TestServer.Response withKey = api.userResponse(u, TestServer.bearer(server.dev().secretKey()));
        assertThat(withKey.status()).isEqualTo(200);
        assertThat(withKey.json().get("properties").get("plan").asText()).isEqualTo("free");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
