package dev.hindsight.collect;

import static dev.hindsight.collect.Api.JSON_TYPE;
import static dev.hindsight.collect.Api.browserBatch;
import static dev.hindsight.collect.Api.count;
import static dev.hindsight.collect.Api.errorFields;
import static dev.hindsight.collect.Api.events;
import static dev.hindsight.collect.Api.json;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.postH;
import static dev.hindsight.collect.Api.postServer;
import static dev.hindsight.collect.Api.unique;
import static dev.hindsight.collect.Api.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Identity verification, as Intercom's: in an environment that requires it, a browser identify or user_properties
 * item stands only with the HMAC of its identity made with the environment's identity secret.
 */
class IdentityVerificationTest {
    private static TestServer s;
    private static Environment env;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        // The development environment takes any origin, so that only identity verification is under test.
        TestServer.Response r = s.send("PATCH", "/api/environments/" + s.dev().appId(),
                "{\"identity_verification\": \"required\"}", "Content-Type", JSON_TYPE,
                "Authorization", "Bearer " + TestServer.ADMIN);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        env = s.dev();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** What the site's server computes: hex HMAC-SHA256 of the identity, keyed with the identity secret. */
    private static String hmac(String secret, String identity) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(identity.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object event(String kind, String device, Object... more) {
        var m = map("kind", kind, "device_id", device, "event_id", UUID.randomUUID().toString(),
                "url", "https://shop.example.com/account");
        m.putAll(map(more));
        return m;
    }

    @Test
    void aBrowserIdentifyWithoutAValidHashIsRefusedNamingTheFieldAndTheRestOfTheBatchIsStored() {
        String device = unique("d");
        String victim = unique("victim");
        long before = count(s, env);

        TestServer.Response r = postH(s, browserBatch(env,
                event("pageview", device),
                event("identify", device, "identity", victim),
                event("identify", device, "identity", victim, "identity_hash", hmac(env.identitySecret(), "someone-else")),
                event("identify", device, "identity", victim, "identity_hash", "not hex"),
                event("identify", device, "identity", victim, "identity_hash", hmac("hs_iv_guessed", victim))));

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(errorFields(r)).containsExactly("events[1].identity_hash", "events[2].identity_hash",
                "events[3].identity_hash", "events[4].identity_hash");
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(count(s, env)).isEqualTo(before + 1);
        assertThat(user(s, env, victim).status()).as("no profile, no link to the device").isEqualTo(404);
    }

    @Test
    void aBrowserIdentifyAndUserPropertiesCarryingTheHashMadeWithTheSecretAreStored() {
        String device = unique("d");
        String alice = unique("alice");
        String hash = hmac(env.identitySecret(), alice);

        TestServer.Response r = postH(s, browserBatch(env,
                event("pageview", device),
                event("identify", device, "identity", alice, "identity_hash", hash),
                event("user_properties", device, "identity", alice, "identity_hash", hash.toUpperCase(),
                        "properties", map("plan", "pro"))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(3);
        List<JsonNode> events = events(s, env, alice);
        assertThat(events).as("the device's page view is now the user's").hasSize(1);
        assertThat(user(s, env, alice).json().path("properties").path("plan").asText()).isEqualTo("pro");
    }

    @Test
    void browserUserPropertiesWithoutAValidHashAreRefusedAndTheProfileKeepsItsValues() {
        String bob = unique("bob");
        assertThat(postServer(s, "/api/add_user_properties", env,
                json(map("app_id", env.appId(), "identity", bob, "properties", map("role", "admin")))).status())
                .isEqualTo(200);

        TestServer.Response forged = postH(s, browserBatch(env,
                event("user_properties", unique("d"), "identity", bob, "properties", map("role", "owner"))));

        assertThat(forged.status()).as(forged.body()).isEqualTo(400);
        assertThat(errorFields(forged)).containsExactly("events[0].identity_hash");
        assertThat(user(s, env, bob).json().path("properties").path("role").asText()).isEqualTo("admin");
    }

    @Test
    void anEventClaimingAnIdentityWithoutItsHashIsStoredWithoutTheIdentityAndSaysSo() {
        String victim = unique("victim");
        String carol = unique("carol");
        long before = count(s, env);

        TestServer.Response r = postH(s, browserBatch(env,
                event("click", unique("d"), "identity", victim),
                event("custom", unique("d"), "name", "Purchase", "identity", carol,
                        "identity_hash", hmac(env.identitySecret(), carol))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(2);
        assertThat(r.json().get("warnings").toString()).contains("events[0]", "identity_hash");
        assertThat(count(s, env)).isEqualTo(before + 2);
        assertThat(events(s, env, victim)).as("the click is the device's, not the victim's").isEmpty();
        assertThat(events(s, env, carol)).hasSize(1);
    }

    @Test
    void aHashMadeWithARotatedSecretNoLongerVerifies() {
        TestServer isolated = TestServer.start();
        try {
            String appId = isolated.dev().appId();
            String oldSecret = isolated.dev().identitySecret();
            isolated.send("PATCH", "/api/environments/" + appId, "{\"identity_verification\": \"required\"}",
                    "Authorization", "Bearer " + TestServer.ADMIN);
            JsonNode rotated = isolated.send("PATCH", "/api/environments/" + appId, "{\"rotate_identity_secret\": true}",
                    "Authorization", "Bearer " + TestServer.ADMIN).json();
            String newSecret = rotated.get("identity_secret").asText();
            Environment e = isolated.dev();
            String dave = unique("dave");

            TestServer.Response old = postH(isolated, browserBatch(e,
                    event("identify", unique("d"), "identity", dave, "identity_hash", hmac(oldSecret, dave))));
            TestServer.Response current = postH(isolated, browserBatch(e,
                    event("identify", unique("d"), "identity", dave, "identity_hash", hmac(newSecret, dave))));

            assertThat(old.status()).as(old.body()).isEqualTo(400);
            assertThat(current.status()).as(current.body()).isEqualTo(200);
        } finally {
            isolated.close();
        }
    }

    @Test
    void theServerApiWithTheSecretKeyNeedsNoHashInAVerifiedEnvironment() {
        String erin = unique("erin");

        TestServer.Response r = postServer(s, "/api/identify", env,
                json(map("app_id", env.appId(), "identity", erin, "properties", map("plan", "team"))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(user(s, env, erin).json().path("properties").path("plan").asText()).isEqualTo("team");
    }

    @Test
    void withoutVerificationABrowserIdentifyNeedsNoHash() {
        Environment prod = s.prod();
        assertThat(prod.settings().verifiesIdentity()).isFalse();
        String frank = unique("frank");

        TestServer.Response r = postH(s, json(map("app_id", prod.appId(), "events",
                List.of(event("identify", unique("d"), "identity", frank)))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
}
