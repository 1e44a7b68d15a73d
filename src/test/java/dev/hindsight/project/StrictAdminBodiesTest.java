package dev.hindsight.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Admin bodies are parsed strictly: an unknown member or one given twice is a 400 naming it, never ignored. */
class StrictAdminBodiesTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private TestServer.Response post(String path, String body) {
        return s.post(path, body, "Content-Type", "application/json", "Authorization", "Bearer " + TestServer.ADMIN);
    }

    private TestServer.Response put(String path, String body) {
        return s.put(path, body, "Content-Type", "application/json", "Authorization", "Bearer " + TestServer.ADMIN);
    }

    @Test
    void aTenThousandDeepBodyIsAProblemNotAServerError() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);

        TestServer.Response r = post("/api/projects", "{\"name\": " + deep + "}");

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().get("detail").asText()).contains("deeper than");
    }

    @Test
    void anUnknownMemberIsRefusedNamingItAndNothingIsCreated() {
        int before = s.app().projects().all().size();

        TestServer.Response r = post("/api/projects", "{\"name\": \"Shop\", \"nmae\": \"Typo\"}");

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("nmae");
        assertThat(s.app().projects().all()).hasSize(before);
    }

    @Test
    void aMemberGivenTwiceIsRefusedNamingIt() {
        int before = s.app().projects().all().size();

        TestServer.Response r = post("/api/projects", "{\"name\": \"One\", \"name\": \"Two\"}");

        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("detail").asText()).contains("'name'");
        assertThat(s.app().projects().all()).hasSize(before);
    }

    @Test
    void aTypoInAnEnvironmentSettingIsRefusedRatherThanIgnored() {
        String appId = s.dev().appId();

        TestServer.Response origins = put("/api/environments/" + appId + "/origins",
                "{\"allowed_origins\": [\"https://a.example\"], \"allow_any_orgin\": true}");
        TestServer.Response blocklist = put("/api/environments/" + appId + "/query-blocklist",
                "{\"query_blocklist\": [\"token\"], \"query_blocklist\": [\"x\"]}");

        assertThat(origins.status()).as(origins.body()).isEqualTo(400);
        assertThat(origins.json().get("errors").get(0).get("field").asText()).isEqualTo("allow_any_orgin");
        assertThat(blocklist.status()).as(blocklist.body()).isEqualTo(400);
        assertThat(s.dev().queryBlocklist()).doesNotContain("token", "x");
    }
}
