package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static dev.hindsight.query.Sends.custom;
import static dev.hindsight.query.Sends.identified;
import static dev.hindsight.query.Sends.identify;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code $user_at_event.<name>} (a user property's value when the event happened) against {@code $user.<name>} (its
 * latest value), on 2026-11-02:
 * <pre>
 * alice  plan free from 01:00, pro from 10:00; opens at 00:30, 02:00, 05:00, 12:00, 20:00; buys at 03:00, 13:00
 * bob    plan team from 01:00; device d8, anonymous, opens at 02:00, identified as bob at 06:00
 * d9     never identified; its own plan (set by the tracker, without identity) trial from 01:00; opens 00:30, 03:00
 * carl   device d5, anonymous: plan starter from 01:00 (set by the tracker); reads at 00:30 and 02:00; identified as
 *        carl at 04:00 (the identify copies starter to carl); reads at 05:00 and 06:00 sent with the identity
 * dora   device d6, anonymous: plan basic from 01:00; reads at 02:00; identified as dora through /api/identify at
 *        04:00; reads at 05:00 with the identity
 * </pre>
 */
class UserAtEventTest {
    private static final long D = 1_793_577_600_000L; // 2026-11-02T00:00:00Z
    private static final long H = 3_600_000L;
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        setPlan("alice", "free", D + H);
        setPlan("alice", "pro", D + 10 * H);
        setPlan("bob", "team", D + H);
        List<Map<String, Object>> ev = new ArrayList<>();
        for (long h : new long[] {0, 2, 5, 12, 20}) {
            ev.add(identified("d1", "alice", "open", h == 0 ? D + H / 2 : D + h * H, null));
        }
        ev.add(identified("d1", "alice", "buy", D + 3 * H, null));
        ev.add(identified("d1", "alice", "buy", D + 13 * H, null));
        ev.add(custom("d8", "open", D + 2 * H, null));
        ev.add(identify("d8", "bob", D + 6 * H));
        ev.add(Map.of("kind", "user_properties", "device_id", "d9", "properties", Map.of("plan", "trial"),
                "time", D + H));
        ev.add(custom("d9", "open", D + H / 2, null));
        ev.add(custom("d9", "open", D + 3 * H, null));
        for (String d : List.of("d5", "d6")) {
            ev.add(Map.of("kind", "user_properties", "device_id", d, "properties",
                    Map.of("plan", d.equals("d5") ? "starter" : "basic"), "time", D + H));
        }
        ev.add(custom("d5", "read", D + H / 2, null));
        ev.add(custom("d5", "read", D + 2 * H, null));
        ev.add(identify("d5", "carl", D + 4 * H));
        ev.add(identified("d5", "carl", "read", D + 5 * H, null));
        ev.add(identified("d5", "carl", "read", D + 6 * H, null));
        ev.add(custom("d6", "read", D + 2 * H, null));
        ev.add(identified("d6", "dora", "read", D + 5 * H, null));
        Sends.browser(s, s.dev(), ev);
        TestServer.Response r = s.post("/api/identify", TestServer.json("app_id", s.dev().appId(), "user_id", "dora",
                "anonymous_id", "d6", "timestamp", D + 4 * H), bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static void setPlan(String identity, String plan, long at) {
        TestServer.Response r = s.post("/api/identify", TestServer.json("app_id", s.dev().appId(), "identity", identity,
                "properties", Map.of("plan", plan), "timestamp", at), bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** Opens on Nov 2 by breakdown value: value -> count. */
    private static Map<String, Long> opens(String breakdown, List<Map<String, Object>> filters) {
        return counts("open", "2026-11-02", breakdown, filters);
    }

    /** Events {@code name} from {@code from} to the end of Nov 2 by breakdown value: value -> count. */
    private static Map<String, Long> counts(String name, String from, String breakdown, List<Map<String, Object>> filters) {
        Map<String, Object> body = new HashMap<>(Map.of("kind", "graph", "from", from, "to", "2026-11-02",
                "interval", "day", "series", List.of(Map.of("event", Sends.event(name), "measure", "count")),
                "filters", filters));
        if (breakdown != null) {
            body.put("breakdown", Map.of("property", breakdown, "limit", 10));
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (JsonNode line : Sends.query(s, s.dev(), body).get("series")) {
            long n = 0;
            for (JsonNode p : line.get("points")) {
                n += p.get("value").asLong();
            }
            out.put(breakdown == null ? "all" : line.get("breakdown").asText(), n);
        }
        return out;
    }

    private static Map<String, Object> where(String key, String value) {
        return Map.of("key", key, "op", "=", "value", value);
    }

    @Test
    void aPropertyChangedMidRangeSplitsTheUsersEventsAtEventTimeButNotForTheLatestValue() {
        // alice's five opens: before any plan, twice on free, twice on pro; bob's anonymous open on team (set at
        // 01:00, before it); d9's on its own trial plan from 01:00.
        assertThat(opens("$user_at_event.plan", List.of())).containsOnly(Map.entry("free", 2L), Map.entry("pro", 2L),
                Map.entry("team", 1L), Map.entry("trial", 1L), Map.entry("(none)", 2L));
        // The latest value puts every one of alice's opens on pro.
        assertThat(opens("$user.plan", List.of())).containsOnly(Map.entry("pro", 5L), Map.entry("team", 1L),
                Map.entry("trial", 2L));
    }

    @Test
    void anIdentifyCopiesTheAnonymousDevicesPropertiesToTheUserFromTheIdentifyOn() {
        // carl's reads sent with his identity after the identify are on starter, as $user.plan says; his anonymous
        // reads before it are his device's (starter from 01:00, none before); dora's likewise through the server API.
        assertThat(counts("read", "2026-11-02", "$user_at_event.plan", List.of())).containsOnly(
                Map.entry("starter", 3L), Map.entry("basic", 2L), Map.entry("(none)", 1L));
        assertThat(counts("read", "2026-11-02", "$user.plan", List.of())).containsOnly(
                Map.entry("starter", 4L), Map.entry("basic", 2L));
        assertThat(counts("read", "2026-11-02T04:00:00Z", null, List.of(where("$user_at_event.plan", "starter"))))
                .containsExactly(Map.entry("all", 2L));
    }

    @Test
    void asAFilterItKeepsTheEventsDoneUnderThatValue() {
        assertThat(opens(null, List.of(where("$user_at_event.plan", "free")))).containsExactly(Map.entry("all", 2L));
        assertThat(opens(null, List.of(where("$user.plan", "free")))).containsExactly(Map.entry("all", 0L));
        assertThat(opens(null, List.of(where("$user_at_event.plan", "pro")))).containsExactly(Map.entry("all", 2L));
        // An event's own properties filter takes it too.
        Map<String, Object> body = new HashMap<>(Map.of("kind", "graph", "from", "2026-11-02", "to", "2026-11-02",
                "interval", "day", "series", List.of(Map.of("event", Map.of("kind", "custom", "event", "open",
                        "properties", List.of(Map.of("key", "$user_at_event.plan", "op", "is_not_set"))), "measure", "count"))));
        assertThat(Sends.query(s, s.dev(), body).get("series").get(0).get("points").get(0).get("value").asLong())
                .isEqualTo(2);
    }

    @Test
    void aFunnelSplitsByTheValueAtItsFirstStep() {
        // alice's attempts: open 02:00 (free) -> buy 03:00, and open 12:00 (pro) -> buy 13:00; the earliest attempt
        // reaching furthest is the free one. Opens at 00:30 (none) also reach buy.
        Map<String, Object> body = Map.of("kind", "funnel", "from", "2026-11-02", "to", "2026-11-02", "window", "PT2H",
                "steps", List.of(Sends.event("open"), Sends.event("buy")),
                "breakdown", "$user_at_event.plan");
        Map<String, Long> converted = new LinkedHashMap<>();
        Sends.query(s, s.dev(), body).get("breakdowns").forEach(b ->
                converted.put(b.get("value").asText(), b.get("steps").get(1).get("count").asLong()));
        assertThat(converted).containsEntry("free", 1L).doesNotContainKey("pro");
        Map<String, Object> latest = new HashMap<>(body);
        latest.put("breakdown", "$user.plan");
        Map<String, Long> byLatest = new LinkedHashMap<>();
        Sends.query(s, s.dev(), latest).get("breakdowns").forEach(b ->
                byLatest.put(b.get("value").asText(), b.get("steps").get(1).get("count").asLong()));
        assertThat(byLatest).containsEntry("pro", 1L).doesNotContainKey("free");
    }

    @Test
    void aRetentionBreakdownTakesTheValueAtTheUsersFirstStart() {
        // Starts are opens from 01:00: alice's first is at 02:00 (free), bob's at 02:00 (team), d9's at 03:00 (trial).
        Map<String, Object> body = Map.of("kind", "retention", "from", "2026-11-02T01:00:00Z",
                "to", "2026-11-03T00:00:00Z", "period", "day", "periods", 1, "start", Sends.event("open"),
                "return", Sends.event("buy"), "breakdown", "$user_at_event.plan");
        Map<String, Long> users = new LinkedHashMap<>();
        Sends.query(s, s.dev(), body).get("breakdowns").forEach(b ->
                users.put(b.get("value").asText(), b.get("cohorts").get(0).get("users").asLong()));
        assertThat(users).containsOnly(Map.entry("free", 1L), Map.entry("team", 1L), Map.entry("trial", 1L));
    }

    @Test
    void aNameIsRequiredAfterThePrefix() {
        Map<String, Object> body = Map.of("kind", "graph", "from", "2026-11-02", "to", "2026-11-02",
                "series", List.of(Map.of("event", Sends.event("open"))), "breakdown", "$user_at_event.");
        TestServer.Response r = Sends.ask(s, s.dev(), body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("message").asText()).contains("$user_at_event.");
    }
}
