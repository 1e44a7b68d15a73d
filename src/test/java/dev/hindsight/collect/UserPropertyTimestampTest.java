package dev.hindsight.collect;

import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.postServer;
import static dev.hindsight.collect.Api.unique;
import static dev.hindsight.collect.Api.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code add_user_properties} and {@code identify} honour {@code timestamp}: per property, the value written at
 * the latest time wins, whatever order the writes arrive in.
 */
class UserPropertyTimestampTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final String EARLIER = "2026-05-01T00:00:00Z";
    private static final String LATER = "2026-05-02T00:00:00Z";
    private static TestServer s;
    private static Environment env;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), new MutableClock(NOW));
        env = s.dev();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void anOlderAddUserPropertiesArrivingLaterDoesNotOverwriteTheNewerValueButSetsOtherKeys() {
        String who = unique("props");
        ok(postServer(s, "/api/add_user_properties", env, Api.json(map("app_id", env.appId(), "identity", who,
                "properties", map("plan", "pro"), "timestamp", LATER))));
        ok(postServer(s, "/api/add_user_properties", env, Api.json(map("app_id", env.appId(), "identity", who,
                "properties", map("plan", "free", "seats", 3), "timestamp", EARLIER))));

        JsonNode props = properties(who);
        assertThat(props.get("plan").asText()).isEqualTo("pro");
        assertThat(props.get("seats").asInt()).as("a key the newer write did not set is set").isEqualTo(3);
    }

    @Test
    void aWriteWithoutTimestampIsDatedWhenReceivedSoItBeatsAnOlderTimestampedOne() {
        String who = unique("now");
        ok(postServer(s, "/api/add_user_properties", env, Api.json(map("app_id", env.appId(), "identity", who,
                "properties", map("plan", "pro")))));
        ok(postServer(s, "/api/add_user_properties", env, Api.json(map("app_id", env.appId(), "identity", who,
                "properties", map("plan", "free"), "timestamp", EARLIER))));

        assertThat(properties(who).get("plan").asText()).isEqualTo("pro");
    }

    @Test
    void inABulkRequestEachUsersTimestampDecidesEvenForTheSameUserInOneCommit() {
        String who = unique("bulk");
        ok(postServer(s, "/api/add_user_properties", env, Api.json(map("app_id", env.appId(), "users", List.of(
                map("identity", who, "properties", map("plan", "pro"), "timestamp", LATER),
                map("identity", who, "properties", map("plan", "free"), "timestamp", EARLIER))))));
        assertThat(properties(who).get("plan").asText()).isEqualTo("pro");

        ok(postServer(s, "/api/add_user_properties", env, Api.json(map("app_id", env.appId(), "users", List.of(
                map("identity", who, "properties", map("plan", "basic"), "timestamp", EARLIER))))));
        assertThat(properties(who).get("plan").asText()).isEqualTo("pro");
    }

    @Test
    void canonicalIdentifyTraitsHonourTheirTimestamp() {
        String who = unique("traits");
        ok(postServer(s, "/api/identify", env, Api.json(map("app_id", env.appId(), "user_id", who,
                "anonymous_id", unique("anon"), "traits", map("plan", "pro"), "timestamp", LATER))));
        ok(postServer(s, "/api/identify", env, Api.json(map("app_id", env.appId(), "user_id", who,
                "anonymous_id", unique("anon"), "traits", map("plan", "free"), "timestamp", EARLIER))));

        assertThat(properties(who).get("plan").asText()).isEqualTo("pro");
    }

    @Test
    void heapFormIdentifyPropertiesHonourTheirTimestamp() {
        String who = unique("heap");
        ok(postServer(s, "/api/identify", env, Api.json(map("app_id", env.appId(), "identity", who,
                "properties", map("plan", "pro"), "timestamp", LATER))));
        ok(postServer(s, "/api/identify", env, Api.json(map("app_id", env.appId(), "identity", who,
                "properties", map("plan", "free"), "timestamp", EARLIER))));

        assertThat(properties(who).get("plan").asText()).isEqualTo("pro");
    }

    private static JsonNode properties(String who) {
        TestServer.Response r = user(s, env, who);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("properties");
    }

    private static void ok(TestServer.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
}
