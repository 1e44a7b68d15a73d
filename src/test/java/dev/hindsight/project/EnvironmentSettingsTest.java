package dev.hindsight.project;

import static dev.hindsight.TestServer.ADMIN;
import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code PATCH /api/environments/{app_id}}: an environment's settings and its identity-verification secret. */
class EnvironmentSettingsTest {
    private final TestServer s = TestServer.start();

    @AfterEach
    void stop() {
        s.close();
    }

    private TestServer.Response patch(String appId, String body, String token) {
        return s.send("PATCH", "/api/environments/" + appId, body, "Content-Type", "application/json",
                "Authorization", "Bearer " + token);
    }

    private static List<String> errorFields(TestServer.Response r) {
        List<String> out = new ArrayList<>();
        r.json().path("errors").forEach(e -> out.add(e.get("field").asText()));
        return out;
    }

    @Test
    void aNewEnvironmentHasTheDefaultSettingsAndItsOwnIdentitySecretShownToAdmins() {
        JsonNode env = s.get("/api/environments/" + s.prod().appId(), bearer(ADMIN)).json();

        assertThat(env.get("accept_app_id_only").asBoolean()).isFalse();
        assertThat(env.get("identity_verification").asText()).isEqualTo("off");
        assertThat(env.get("identity_secret").asText()).startsWith("hs_iv_").hasSizeGreaterThanOrEqualTo(32);
        JsonNode listed = s.get("/api/projects", bearer(ADMIN)).json().get(0).get("environments");
        assertThat(listed.get(0).get("identity_secret").asText())
                .isNotEqualTo(listed.get(1).get("identity_secret").asText());
        assertThat(listed.get(1).get("identity_secret").asText()).isEqualTo(env.get("identity_secret").asText());
    }

    @Test
    void patchChangesOnlyTheSettingsItNamesAndAnswersTheEnvironmentsSettings() {
        String appId = s.prod().appId();

        TestServer.Response first = patch(appId, "{\"accept_app_id_only\": true}", ADMIN);
        TestServer.Response second = patch(appId, "{\"accept_app_id_only\": false, \"identity_verification\": \"required\"}", ADMIN);
        TestServer.Response third = patch(appId, "{}", ADMIN);

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("accept_app_id_only").asBoolean()).isTrue();
        assertThat(first.json().get("identity_verification").asText()).isEqualTo("off");
        assertThat(second.json().get("accept_app_id_only").asBoolean()).isFalse();
        assertThat(second.json().get("identity_verification").asText()).isEqualTo("required");
        assertThat(third.json().get("identity_verification").asText()).as("an empty patch changes nothing")
                .isEqualTo("required");
        assertThat(third.json().get("app_id").asText()).isEqualTo(appId);
        assertThat(s.prod().settings().verifiesIdentity()).isTrue();
        assertThat(s.dev().settings()).as("the other environment is untouched").isEqualTo(EnvironmentSettings.DEFAULTS);
    }

    @Test
    void patchRefusesUnknownSettingsAndWrongTypesWith400NamingEachAndChangesNothing() {
        String appId = s.prod().appId();

        TestServer.Response r = patch(appId, """
                {"accept_app_id_only": "yes", "identity_verification": "sometimes", "acept_app_id_only": true,
                 "rotate_identity_secret": 1}""", ADMIN);
        TestServer.Response typeOnly = patch(appId, "{\"identity_verification\": true, \"accept_app_id_only\": true}", ADMIN);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(errorFields(r)).containsExactlyInAnyOrder("accept_app_id_only", "identity_verification",
                "acept_app_id_only", "rotate_identity_secret");
        assertThat(errorFields(typeOnly)).containsExactly("identity_verification");
        JsonNode env = s.get("/api/environments/" + appId, bearer(ADMIN)).json();
        assertThat(env.get("accept_app_id_only").asBoolean()).as("nothing of a refused patch applies").isFalse();
        assertThat(env.get("identity_secret").asText()).isEqualTo(s.prod().identitySecret());
    }

    @Test
    void patchNeedsTheAdminTokenNotTheEnvironmentsSecretKey() {
        String appId = s.prod().appId();

        TestServer.Response withKey = patch(appId, "{\"accept_app_id_only\": true}", s.prod().secretKey());
        TestServer.Response readWithKey = s.get("/api/environments/" + appId, bearer(s.prod().secretKey()));
        TestServer.Response unknown = patch("no-such-app", "{\"accept_app_id_only\": true}", ADMIN);

        // A secret key is known but lacks the admin role.
        assertThat(withKey.status()).isEqualTo(403);
        assertThat(readWithKey.status()).isEqualTo(403);
        assertThat(readWithKey.body()).doesNotContain(s.prod().identitySecret());
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(s.prod().settings().acceptAppIdOnly()).isFalse();
    }

    @Test
    void rotatingTheIdentitySecretReplacesItAndKeepsTheSettings() {
        String appId = s.prod().appId();
        String before = s.prod().identitySecret();
        patch(appId, "{\"identity_verification\": \"required\"}", ADMIN);

        TestServer.Response r = patch(appId, "{\"rotate_identity_secret\": true}", ADMIN);

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String after = r.json().get("identity_secret").asText();
        assertThat(after).startsWith("hs_iv_").isNotEqualTo(before);
        assertThat(s.prod().identitySecret()).isEqualTo(after);
        assertThat(r.json().get("identity_verification").asText()).isEqualTo("required");
        assertThat(r.json().get("secret_key").asText()).as("the secret key is another secret").isEqualTo(s.prod().secretKey());
    }

    @Test
    void appIdOnlyCallsCannotBeAcceptedWhileIdentitiesAreVerified() {
        String appId = s.prod().appId();
        patch(appId, "{\"identity_verification\": \"required\"}", ADMIN);

        TestServer.Response r = patch(appId, "{\"accept_app_id_only\": true}", ADMIN);
        TestServer.Response both = patch(s.dev().appId(),
                "{\"accept_app_id_only\": true, \"identity_verification\": \"required\"}", ADMIN);

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(errorFields(r)).containsExactly("accept_app_id_only");
        assertThat(both.status()).isEqualTo(400);
        assertThat(s.prod().settings().acceptAppIdOnly()).isFalse();
        assertThat(s.dev().settings()).isEqualTo(EnvironmentSettings.DEFAULTS);
    }

    @Test
    void settingsAndTheIdentitySecretSurviveARestart() {
        String prod = s.prod().appId();
        String dev = s.dev().appId();
        patch(prod, "{\"identity_verification\": \"required\", \"rotate_identity_secret\": true}", ADMIN);
        patch(dev, "{\"accept_app_id_only\": true}", ADMIN);
        JsonNode before = s.get("/api/projects", bearer(ADMIN)).json();

        s.restart();

        assertThat(s.get("/api/projects", bearer(ADMIN)).json()).isEqualTo(before);
        assertThat(s.prod().settings().verifiesIdentity()).isTrue();
        assertThat(s.dev().settings().acceptAppIdOnly()).isTrue();
        assertThat(s.prod().identitySecret()).isEqualTo(
                before.get(0).get("environments").get(1).get("identity_secret").asText());
    }
}
