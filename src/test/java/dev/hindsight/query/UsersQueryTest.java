package dev.hindsight.query;

import static dev.hindsight.query.Traffic.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Users on a small hand-computed dataset, Nov 10: d1 views pricing anonymously, then is identified as alice and
 * clicks; d2 only views home; d3 views pricing (merged into alice by one test); bob signs up from a server.
 * carol has properties but no events in the range.
 */
class UsersQueryTest {
    private static final long NOV10 = 1_794_268_800_000L;
    private static final long H = 3_600_000L;
    private static TestServer s;
    private static Traffic t;
    private static long pricing;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        t = new Traffic(s);
        t.browser(s.dev(), List.of(
                page("d1", NOV10 + H, "/pricing"),
                map("kind", "identify", "device_id", "d1", "identity", "alice", "time", NOV10 + 2 * H),
                map("kind", "click", "device_id", "d1", "identity", "alice", "session_id", "x", "time", NOV10 + 3 * H,
                        "text", "Buy"),
                page("d2", NOV10 + H, "/home"),
                page("d3", NOV10 + 4 * H, "/pricing")));
        t.track(s.dev(), "bob", "signup", NOV10 + 5 * H);
        t.userProperties(s.dev(), "alice", Map.of("plan", "pro", "seats", 5));
        t.userProperties(s.dev(), "bob", Map.of("plan", "free", "seats", 1));
        t.userProperties(s.dev(), "carol", Map.of("plan", "pro"));
        // Production: the same device and identity, an event every query here would count if environments mixed.
        t.browser(s.prod(), List.of(page("d2", NOV10 + 6 * H, "/pricing"),
                map("kind", "identify", "device_id", "d2", "identity", "alice", "time", NOV10 + 6 * H)));
        pricing = t.define(s.dev(), "Viewed pricing", "[{\"kind\":\"pageview\",\"path\":\"/pricing\"}]");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> page(String device, long time, String path) {
        return map("kind", "pageview", "device_id", device, "session_id", device + "-s", "time", time, "url",
                "https://x.com" + path);
    }

    private static JsonNode users(String fields) {
        return t.query(s.dev(), "users", "2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z", fields);
    }

    private static List<String> keys(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.get("users").forEach(u -> out.add(u.get("user_key").asText()));
        assertThat(answer.get("total").asLong()).isGreaterThanOrEqualTo(out.size());
        return out;
    }

    @Test
    void usersWhoDidAnEventIncludeTheirEventsBeforeTheFirstIdentify() {
        JsonNode a = users("\"event\":{\"definition\":" + pricing + "}");
        assertThat(keys(a)).containsExactly("device:d3", "alice");
        JsonNode alice = a.get("users").get(1);
        assertThat(alice.get("identity").asText()).isEqualTo("alice");
        assertThat(alice.get("event_count").asLong()).isEqualTo(2);
        assertThat(alice.get("first_seen").asText()).isEqualTo("2026-11-10T01:00:00Z");
        assertThat(alice.get("last_seen").asText()).isEqualTo("2026-11-10T03:00:00Z");
        assertThat(alice.get("properties").get("plan").asText()).isEqualTo("pro");
        assertThat(alice.get("properties").get("seats").asInt()).isEqualTo(5);
        JsonNode d3 = a.get("users").get(0);
        assertThat(d3.get("identity").isNull()).isTrue();
        assertThat(d3.get("properties").isEmpty()).isTrue();
        assertThat(a.get("total").asLong()).isEqualTo(2);
    }

    @Test
    void usersWhoDidNotAreThoseSeenInTheRangeWithoutTheEvent() {
        JsonNode a = users("\"event\":{\"definition\":" + pricing + "},\"did_not\":true");
        // carol has properties but no events in the range, so she is not "seen".
        assertThat(keys(a)).containsExactly("bob", "device:d2");
    }

    @Test
    void userPropertyFiltersUseEachOperator() {
        assertThat(keys(users("\"properties\":[{\"key\":\"plan\",\"op\":\"=\",\"value\":\"pro\"}]")))
                .containsExactly("alice");
        assertThat(keys(users("\"properties\":[{\"key\":\"seats\",\"op\":\">\",\"value\":2}]"))).containsExactly("alice");
        assertThat(keys(users("\"properties\":[{\"key\":\"seats\",\"op\":\"<\",\"value\":2}]"))).containsExactly("bob");
        assertThat(keys(users("\"properties\":[{\"key\":\"plan\",\"op\":\"contains\",\"value\":\"fr\"}]")))
                .containsExactly("bob");
        // A missing property is "not equal" and "not set": anonymous devices have no properties.
        assertThat(keys(users("\"properties\":[{\"key\":\"plan\",\"op\":\"!=\",\"value\":\"pro\"}]")))
                .containsExactly("bob", "device:d3", "device:d2");
        assertThat(keys(users("\"properties\":[{\"key\":\"plan\",\"op\":\"is_not_set\"}]")))
                .containsExactly("device:d3", "device:d2");
        assertThat(keys(users("\"properties\":[{\"key\":\"plan\",\"op\":\"is_set\"},{\"key\":\"seats\",\"op\":\"=\","
                + "\"value\":1}]"))).containsExactly("bob");
    }

    @Test
    void limitCutsTheListButNotTheTotal() {
        JsonNode a = users("\"limit\":2");
        assertThat(keys(a)).containsExactly("bob", "device:d3");
        assertThat(a.get("total").asLong()).isEqualTo(4);
    }

    @Test
    void environmentsNeverMix() {
        JsonNode prod = t.query(s.prod(), "users", "2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z",
                "\"event\":{\"kind\":\"pageview\"}");
        assertThat(keys(prod)).containsExactly("alice");
        assertThat(prod.get("users").get(0).get("event_count").asLong()).isEqualTo(1);
        assertThat(prod.get("users").get(0).get("properties").isEmpty()).isTrue();
    }

    @Test
    void mergingADeviceChangesWhoDidItInThePastAndUndoingRevertsIt() {
        String q = "\"event\":{\"definition\":" + pricing + "}";
        t.identify(s.dev(), "d3", "alice", NOV10 + 7 * H);
        JsonNode merged = users(q);
        assertThat(keys(merged)).containsExactly("alice");
        assertThat(merged.get("users").get(0).get("event_count").asLong()).isEqualTo(3);
        assertThat(merged.get("users").get(0).get("last_seen").asText()).isEqualTo("2026-11-10T04:00:00Z");
        t.unmerge(s.dev(), "alice", "d3");
        assertThat(keys(users(q))).containsExactly("device:d3", "alice");
    }

    @Test
    void didNotWithoutAnEventIsRefusedNamingTheField() {
        TestServer.Response r = t.queryResponse(s.dev(), "users", "2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z",
                "\"did_not\":true");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("event");
    }
}
