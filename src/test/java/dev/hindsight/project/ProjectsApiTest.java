package dev.hindsight.project;

import static dev.hindsight.TestServer.ADMIN;
import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProjectsApiTest {
    private final TestServer s = TestServer.start();

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void theFirstStartCreatesADefaultProjectWithDevelopmentAndProductionEnvironmentsEachWithAppIdAndSecretKey() {
        TestServer.Response r = s.get("/api/projects", bearer(ADMIN));

        assertThat(r.status()).isEqualTo(200);
        JsonNode projects = r.json();
        assertThat(projects).hasSize(1);
        JsonNode envs = projects.get(0).get("environments");
        assertThat(names(envs)).containsExactly("development", "production");
        List<String> appIds = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (JsonNode env : envs) {
            appIds.add(env.get("app_id").asText());
            keys.add(env.get("secret_key").asText());
        }
        assertThat(appIds).doesNotHaveDuplicates().allMatch(id -> !id.isBlank());
        assertThat(keys).doesNotHaveDuplicates().allMatch(k -> k.length() >= 32);
        assertThat(appIds).containsExactly(s.dev().appId(), s.prod().appId());
        assertThat(env(envs, "development").get("allow_any_origin").asBoolean()).isTrue();
        assertThat(env(envs, "production").get("allow_any_origin").asBoolean()).isFalse();
    }

    @Test
    void theAdminApiRefusesRequestsWithoutOrWithAWrongAdminTokenWith401ProblemJson() {
        List<TestServer.Response> refused = List.of(
                s.get("/api/projects"),
                s.get("/api/projects", bearer("not-the-admin-token")),
                s.post("/api/projects", TestServer.json("name", "Sneaky"), bearer("wrong")),
                s.post("/api/environments/" + s.prod().appId() + "/rotate-key", "", bearer("wrong")));

        for (TestServer.Response r : refused) {
            assertThat(r.status()).as(r.body()).isEqualTo(401);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
            assertThat(r.json().get("status").asInt()).isEqualTo(401);
            assertThat(r.json().get("detail").asText()).isNotBlank();
            assertThat(r.body()).doesNotContain(ADMIN);
        }
        // A secret key is a known credential without the admin's role: forbidden rather than unauthenticated.
        TestServer.Response key = s.get("/api/projects", bearer(s.dev().secretKey()));
        assertThat(key.status()).isEqualTo(403);
        assertThat(key.body()).doesNotContain(ADMIN).contains("'admin'");
        assertThat(s.app().projects().all()).as("no project created by the refused POST").hasSize(1);
        assertThat(s.get("/api/projects", bearer(ADMIN)).json().get(0).get("environments"))
                .as("the key was not rotated by the refused request")
                .anySatisfy(e -> assertThat(e.get("secret_key").asText()).isEqualTo(s.prod().secretKey()));
    }

    @Test
    void creatingAProjectGivesItADevelopmentAndAProductionEnvironmentThatTakeEvents() {
        TestServer.Response r = s.post("/api/projects", TestServer.json("name", "Shop"), bearer(ADMIN));

        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode project = r.json();
        assertThat(project.get("name").asText()).isEqualTo("Shop");
        assertThat(names(project.get("environments"))).containsExactly("development", "production");
        JsonNode listed = s.get("/api/projects", bearer(ADMIN)).json();
        assertThat(listed).hasSize(2);
        assertThat(listed.get(1)).isEqualTo(project);

        JsonNode prod = env(project.get("environments"), "production");
        TestServer.Response tracked = s.post("/api/track", TestServer.json("app_id", prod.get("app_id").asText(),
                "identity", "shopper", "event", "Paid"), bearer(prod.get("secret_key").asText()));
        assertThat(tracked.status()).as(tracked.body()).isEqualTo(200);
        assertThat(s.app().store().countEvents(prod.get("id").asLong())).isEqualTo(1);
        assertThat(s.app().store().countEvents(s.prod().id())).as("not in the default project's production").isZero();
    }

    @Test
    void aProjectWithoutANameIsRefusedWith400NamingTheField() {
        TestServer.Response r = s.post("/api/projects", "{}", bearer(ADMIN));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("name");
        assertThat(s.app().projects().all()).hasSize(1);
    }

    @Test
    void anEnvironmentCanBeAddedToAProjectAndTakesEventsWithItsOwnKey() {
        long projectId = s.app().projects().all().get(0).id();

        TestServer.Response r = s.post("/api/projects/" + projectId + "/environments", TestServer.json("name", "staging"),
                bearer(ADMIN));

        assertThat(r.status()).as(r.body()).isEqualTo(201);
        JsonNode staging = r.json();
        assertThat(staging.get("name").asText()).isEqualTo("staging");
        assertThat(staging.get("project_id").asLong()).isEqualTo(projectId);
        assertThat(names(s.get("/api/projects", bearer(ADMIN)).json().get(0).get("environments")))
                .containsExactly("development", "production", "staging");
        TestServer.Response tracked = s.post("/api/track", TestServer.json("app_id", staging.get("app_id").asText(),
                "identity", "u", "event", "Staged"), bearer(staging.get("secret_key").asText()));
        assertThat(tracked.status()).as(tracked.body()).isEqualTo(200);
        assertThat(s.app().store().countEvents(staging.get("id").asLong())).isEqualTo(1);

        TestServer.Response again = s.post("/api/projects/" + projectId + "/environments",
                TestServer.json("name", "staging"), bearer(ADMIN));
        assertThat(again.status()).as("a second 'staging' conflicts").isEqualTo(409);
        TestServer.Response unknown = s.post("/api/projects/999/environments", TestServer.json("name", "qa"),
                bearer(ADMIN));
        assertThat(unknown.status()).isEqualTo(404);
    }

    @Test
    void rotatingAKeyStopsTheOldKeyAtOnceAndTheNewKeyWorks() {
        String appId = s.prod().appId();
        String oldKey = s.prod().secretKey();

        TestServer.Response r = s.post("/api/environments/" + appId + "/rotate-key", "", bearer(ADMIN));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String newKey = r.json().get("secret_key").asText();
        assertThat(newKey).isNotEqualTo(oldKey).isNotBlank();
        assertThat(r.json().get("app_id").asText()).as("the app id stays").isEqualTo(appId);

        TestServer.Response withOld = s.post("/api/track",
                TestServer.json("app_id", appId, "identity", "u", "event", "Old key"), bearer(oldKey));
        assertThat(withOld.status()).isEqualTo(401);
        assertThat(withOld.header("Content-Type")).startsWith("application/problem+json");
        assertThat(s.app().store().countEvents(s.prod().id())).isZero();

        TestServer.Response withNew = s.post("/api/track",
                TestServer.json("app_id", appId, "identity", "u", "event", "New key"), bearer(newKey));
        assertThat(withNew.status()).as(withNew.body()).isEqualTo(200);
        assertThat(s.app().store().countEvents(s.prod().id())).isEqualTo(1);
        assertThat(s.get("/api/users/u/events?app_id=" + appId, bearer(newKey)).json().get("events").get(0)
                .get("name").asText()).isEqualTo("New key");
    }

    @Test
    void productionRefusesABrowserBatchFromAnUnlistedOriginAndAcceptsAListedOne() {
        String appId = s.prod().appId();
        TestServer.Response set = s.put("/api/environments/" + appId + "/origins",
                "{\"allowed_origins\":[\"https://shop.example.com\"],\"allow_any_origin\":false}", bearer(ADMIN));
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        assertThat(set.json().get("allowed_origins")).extracting(JsonNode::asText)
                .containsExactly("https://shop.example.com");

        TestServer.Response evil = browserPost(appId, "https://evil.example.com", "from-evil");
        assertThat(evil.status()).as(evil.body()).isEqualTo(403);
        assertThat(evil.header("Content-Type")).startsWith("application/problem+json");
        assertThat(evil.header("Access-Control-Allow-Origin")).isNull();
        assertThat(s.app().store().countEvents(s.prod().id())).isZero();

        TestServer.Response shop = browserPost(appId, "https://shop.example.com", "from-shop");
        assertThat(shop.status()).as(shop.body()).isEqualTo(200);
        assertThat(shop.header("Access-Control-Allow-Origin")).isEqualTo("https://shop.example.com");
        assertThat(pageTitles(appId)).containsExactly("from-shop");
    }

    @Test
    void productionRefusesEveryBrowserOriginUntilOriginsAreListed() {
        TestServer.Response r = browserPost(s.prod().appId(), "https://shop.example.com", "too-early");

        assertThat(r.status()).isEqualTo(403);
        assertThat(s.app().store().countEvents(s.prod().id())).isZero();
    }

    @Test
    void developmentAcceptsABrowserBatchFromAnyOrigin() {
        TestServer.Response r = browserPost(s.dev().appId(), "http://localhost:3000", "dev-page");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("http://localhost:3000");
        assertThat(pageTitles(s.dev().appId())).containsExactly("dev-page");
    }

    @Test
    void allowingAnyOriginOpensProductionToEveryOrigin() {
        String appId = s.prod().appId();
        s.put("/api/environments/" + appId + "/origins", "{\"allowed_origins\":[],\"allow_any_origin\":true}",
                bearer(ADMIN));

        TestServer.Response r = browserPost(appId, "https://anywhere.example.org", "anywhere");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(pageTitles(appId)).containsExactly("anywhere");
    }

    @Test
    void badOriginStringsAreRefusedWith400NamingTheirIndexAndTheListStaysAsItWas() {
        String appId = s.prod().appId();
        s.put("/api/environments/" + appId + "/origins", "{\"allowed_origins\":[\"https://a.example.com\"]}",
                bearer(ADMIN));

        for (String bad : List.of("shop.example.com", "https://shop.example.com/path", "ftp://shop.example.com",
                "https://shop example.com")) {
            TestServer.Response r = s.put("/api/environments/" + appId + "/origins",
                    TestServer.json("allowed_origins", List.of("https://ok.example.com", bad), "allow_any_origin",
                            false), bearer(ADMIN));
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
            assertThat(r.json().get("errors").get(0).get("field").asText()).as(bad).isEqualTo("allowed_origins[1]");
        }
        TestServer.Response notAList = s.put("/api/environments/" + appId + "/origins",
                "{\"allowed_origins\":\"https://a.example.com\"}", bearer(ADMIN));
        assertThat(notAList.status()).isEqualTo(400);
        assertThat(notAList.json().get("errors").get(0).get("field").asText()).isEqualTo("allowed_origins");

        assertThat(s.prod().allowedOrigins()).containsExactly("https://a.example.com");
        assertThat(browserPost(appId, "https://ok.example.com", "not-listed").status()).isEqualTo(403);
    }

    @Test
    void projectsKeysAndOriginsSurviveARestart() {
        JsonNode created = s.post("/api/projects", TestServer.json("name", "Durable"), bearer(ADMIN)).json();
        String prodAppId = s.prod().appId();
        String rotated = s.post("/api/environments/" + prodAppId + "/rotate-key", "", bearer(ADMIN)).json()
                .get("secret_key").asText();
        s.put("/api/environments/" + prodAppId + "/origins", "{\"allowed_origins\":[\"https://shop.example.com\"]}",
                bearer(ADMIN));
        JsonNode before = s.get("/api/projects", bearer(ADMIN)).json();

        s.restart();

        JsonNode after = s.get("/api/projects", bearer(ADMIN)).json();
        assertThat(after).isEqualTo(before);
        assertThat(after.get(1).get("name").asText()).isEqualTo(created.get("name").asText());
        assertThat(s.post("/api/track", TestServer.json("app_id", prodAppId, "identity", "u", "event", "After restart"),
                bearer(rotated)).status()).isEqualTo(200);
        assertThat(browserPost(prodAppId, "https://shop.example.com", "listed").status()).isEqualTo(200);
        assertThat(browserPost(prodAppId, "https://evil.example.com", "unlisted").status()).isEqualTo(403);
        assertThat(s.app().projects().all()).as("no second default project").hasSize(2);
    }

    private TestServer.Response browserPost(String appId, String origin, String title) {
        String body = TestServer.json("app_id", appId, "events", List.of(Map.of("kind", "pageview", "device_id",
                "device-1", "identity", "visitor", "title", title, "event_id", UUID.randomUUID().toString(),
                "url", origin + "/page")));
        return s.post("/h", body, "Content-Type", "text/plain", "Origin", origin);
    }

    private List<String> pageTitles(String appId) {
        List<String> titles = new ArrayList<>();
        for (JsonNode e : s.get("/api/users/visitor/events?app_id=" + appId, bearer(ADMIN)).json().get("events")) {
            titles.add(e.get("title").asText());
        }
        return titles;
    }

    private static List<String> names(JsonNode envs) {
        List<String> out = new ArrayList<>();
        envs.forEach(e -> out.add(e.get("name").asText()));
        return out;
    }

    private static JsonNode env(JsonNode envs, String name) {
        for (JsonNode e : envs) {
            if (e.get("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no environment " + name + " in " + envs);
    }
}
