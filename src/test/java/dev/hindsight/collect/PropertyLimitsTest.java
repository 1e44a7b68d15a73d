package dev.hindsight.collect;

import static dev.hindsight.collect.Api.assertProblem;
import static dev.hindsight.collect.Api.errorFields;
import static dev.hindsight.collect.Api.json;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.onlyEvent;
import static dev.hindsight.collect.Api.postH;
import static dev.hindsight.collect.Api.postServer;
import static dev.hindsight.collect.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every write's properties are bounded: per event, per user write, per request, in nesting, and per user. */
class PropertyLimitsTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> props(String prefix, int n) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(prefix + i, i);
        }
        return m;
    }

    @Test
    void anEventWith500PropertiesIsStoredAndOneWith501FailsAlone() {
        String user = unique("u");
        Map<String, Object> nested = props("p", 499);
        nested.put("group", map("a", 1, "b", 2));

        TestServer.Response r = postServer(s, "/api/track", s.dev(), json(map("app_id", s.dev().appId(), "events",
                List.of(map("identity", user, "event", "AtLimit", "properties", props("p", 500)),
                        map("identity", user, "event", "Flattened501", "properties", nested)))));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[1].properties");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("501", "500 per event");
        assertThat(onlyEvent(s, s.dev(), user).get("properties").size()).isEqualTo(500);
    }

    @Test
    void aUserWriteOfMoreThan1000PropertiesIsRefusedAtOnceNamingTheBound() {
        String user = unique("u");

        TestServer.Response r = postServer(s, "/api/add_user_properties", s.dev(), json(map("app_id", s.dev().appId(),
                "identity", user, "properties", props("k", 80_000))));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("properties");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("1000 per user write");
        assertThat(Api.user(s, s.dev(), user).status()).isEqualTo(404);
    }

    @Test
    void aTrackerBatchOfHugeUserPropertyWritesIsRefusedAndItsValidEventStored() {
        String device = unique("d");
        String user = unique("u");

        TestServer.Response r = postH(s, json(map("app_id", s.dev().appId(), "events", List.of(
                map("kind", "user_properties", "device_id", device, "identity", user, "properties", props("k", 40_000)),
                map("kind", "pageview", "device_id", device, "identity", user)))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].properties");
        assertThat(onlyEvent(s, s.dev(), user).get("kind").asText()).isEqualTo("pageview");
        assertThat(Api.user(s, s.dev(), user).json().get("properties").size()).isZero();
    }

    @Test
    void aRequestSettingMoreThan10000UserPropertiesInAllIsRefusedWhole() {
        List<Object> users = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            ids.add(unique("u"));
            users.add(map("identity", ids.get(i), "properties", props("k", 1000)));
        }

        TestServer.Response r = postServer(s, "/api/add_user_properties", s.dev(), json(map("app_id", s.dev().appId(),
                "users", users)));

        JsonNode p = assertProblem(r, 400, "limit-exceeded");
        assertThat(p.get("detail").asText()).contains("11000", "10000 per request");
        assertThat(Api.user(s, s.dev(), ids.get(0)).status()).isEqualTo(404);
    }

    @Test
    void propertiesNestedDeeperThanEightLevelsAreRefused() {
        String user = unique("u");
        Object deep = "leaf";
        for (int i = 0; i < 8; i++) {
            deep = map("n", deep);
        }
        Object ok = "leaf";
        for (int i = 0; i < 7; i++) {
            ok = map("n", ok);
        }

        TestServer.Response r = postServer(s, "/api/track", s.dev(), json(map("app_id", s.dev().appId(), "events",
                List.of(map("identity", user, "event", "Deep", "properties", map("d", deep)),
                        map("identity", user, "event", "Ok", "properties", map("d", ok))))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].properties.d.n.n.n.n.n.n.n");
        assertThat(onlyEvent(s, s.dev(), user).get("properties").get("d.n.n.n.n.n.n.n").asText()).isEqualTo("leaf");
    }

    @Test
    void aUserKeepsAtMost1000PropertiesAndKeysItHasStillUpdate() {
        String user = unique("u");
        assertThat(postServer(s, "/api/add_user_properties", s.dev(), json(map("app_id", s.dev().appId(),
                "identity", user, "properties", props("k", 999)))).status()).isEqualTo(200);

        TestServer.Response r = postServer(s, "/api/add_user_properties", s.dev(), json(map("app_id", s.dev().appId(),
                "users", List.of(map("identity", user, "properties", map("k0", "updated", "new1", 1, "new2", 2))))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode props = Api.user(s, s.dev(), user).json().get("properties");
        assertThat(props.size()).isEqualTo(1000);
        assertThat(props.get("k0").asText()).isEqualTo("updated");
        assertThat(props.has("new1")).isTrue();
        assertThat(props.has("new2")).isFalse();
    }
}
