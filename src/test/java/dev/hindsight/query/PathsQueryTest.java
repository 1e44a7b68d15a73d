package dev.hindsight.query;

import static dev.hindsight.query.Traffic.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Paths on a small hand-computed dataset. Nov 10: three browser sessions around the pricing page. Nov 11:
 * server-side events without sessions, split by a 40-minute gap. Nov 12: a device's pricing view and a server
 * event of the user it is later merged into.
 */
class PathsQueryTest {
    private static final long NOV10 = 1_794_268_800_000L;
    private static final long DAY = 86_400_000L;
    private static final long M = 60_000L;
    private static final String BUTTON = "body:1:1|div#main:1:1|button#go.big.primary[type=submit]:2:1";
    static TestServer s;
    private static Traffic t;
    private static long pricing;
    private static long buy;
    private static long checkout;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        t = new Traffic(s);
        long[] ids = fill(s, t);
        pricing = ids[0];
        buy = ids[1];
        checkout = ids[2];
    }

    /** Sends the dataset to a server; answers the ids of "Viewed pricing", "Clicked buy" and "Viewed checkout". */
    private static long[] fill(TestServer s, Traffic t) {
        long h = NOV10 + 10 * 60 * M;
        t.browser(s.dev(), List.of(
                // s1: landing, home, pricing, pricing (reload), Buy, Buy, checkout, signup.
                page("d1", "s1", h, "/landing"), page("d1", "s1", h + M, "/home"), page("d1", "s1", h + 2 * M, "/pricing"),
                page("d1", "s1", h + 3 * M, "/pricing"), click("d1", "s1", h + 4 * M, "Buy", BUTTON),
                click("d1", "s1", h + 5 * M, "Buy", BUTTON), page("d1", "s1", h + 6 * M, "/checkout"),
                map("kind", "custom", "name", "signup", "device_id", "d1", "session_id", "s1", "time", h + 7 * M),
                // s2: pricing, a click on a button without text, home.
                page("d2", "s2", h, "/pricing"), click("d2", "s2", h + M, null, BUTTON), page("d2", "s2", h + 2 * M, "/home"),
                // s3: never sees pricing.
                page("d3", "s3", h, "/home"), page("d3", "s3", h + M, "/docs")));
        // Production has a session with the same id and device: it must never join development's.
        t.browser(s.prod(), List.of(page("d1", "s1", h + 2 * M + 1, "/pricing"), page("d1", "s1", h + 2 * M + 2, "/secret")));
        long pricing = t.define(s.dev(), "Viewed pricing", "[{\"kind\":\"pageview\",\"path\":\"/pricing\"}]");
        t.define(s.prod(), "Viewed pricing", "[{\"kind\":\"pageview\",\"path\":\"/pricing\"}]");
        long buy = t.define(s.dev(), "Clicked buy", "[{\"kind\":\"click\",\"text\":\"Buy\"}]");
        long checkout = t.define(s.dev(), "Viewed checkout", "[{\"kind\":\"pageview\",\"path\":\"/checkout\"}]");

        // Nov 11, carol from a server: opened, searched 10 min later, exported 40 min after that (a new session).
        long c = NOV10 + DAY + 10 * 60 * M;
        t.track(s.dev(), "carol", "opened", c);
        t.track(s.dev(), "carol", "searched", c + 10 * M);
        t.track(s.dev(), "carol", "exported", c + 50 * M);
        t.track(s.dev(), "carol", "opened", c + 55 * M);
        t.track(s.dev(), "carol", "searched", c + 85 * M);

        // Nov 14: in s7, a click and the page view it leads to share a millisecond; their event ids sort the other
        // way round from the order they were captured (and sent) in.
        long e = NOV10 + 4 * DAY + 10 * 60 * M;
        Map<String, Object> zed = click("d7", "s7", e + M, "Zed", BUTTON);
        zed.put("event_id", "ffffffff-0000-4000-8000-000000000001");
        Map<String, Object> next = page("d7", "s7", e + M, "/after-zed");
        next.put("event_id", "00000000-0000-4000-8000-000000000002");
        t.browser(s.dev(), List.of(page("d7", "s7", e, "/pricing"), zed, next));

        // Nov 12: device d9 views pricing without a session id; dave upgrades 5 minutes later from a server.
        long d = NOV10 + 2 * DAY + 10 * 60 * M;
        t.browser(s.dev(), List.of(map("kind", "pageview", "device_id", "d9", "time", d, "url", "https://x.com/pricing")));
        t.track(s.dev(), "dave", "upgraded", d + 5 * M);
        return new long[] {pricing, buy, checkout};
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> page(String device, String session, long time, String path) {
        return map("kind", "pageview", "device_id", device, "session_id", session, "time", time, "url",
                "https://x.com" + path);
    }

    private static Map<String, Object> click(String device, String session, long time, String text, String hierarchy) {
        return map("kind", "click", "device_id", device, "session_id", session, "time", time, "text", text,
                "hierarchy", hierarchy, "url", "https://x.com/pricing");
    }

    private static JsonNode paths(String day, String fields) {
        return t.query(s.dev(), "paths", day + "T00:00:00Z", day + "T23:59:59Z", fields);
    }

    /** Nodes as "id=count", sorted. */
    static List<String> nodes(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.get("nodes").forEach(n -> {
            assertThat(n.get("id").asText()).isEqualTo(n.get("step").asInt() + ":" + n.get("label").asText());
            out.add(n.get("id").asText() + "=" + n.get("count").asLong());
        });
        return out.stream().sorted().toList();
    }

    /** Edges as "source -> target=count", sorted. */
    static List<String> edges(JsonNode answer) {
        Map<String, Long> out = new TreeMap<>();
        answer.get("edges").forEach(e -> out.put(e.get("source").asText() + " -> " + e.get("target").asText(),
                e.get("count").asLong()));
        return out.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    @Test
    void pathsAfterTheStartCollapseRepeatsAndLabelRawEvents() {
        JsonNode a = paths("2026-11-10", "\"start\":{\"definition\":" + pricing + "},\"direction\":\"after\",\"depth\":3");
        // Two occurrences in s1 (the reload is one too), one in s2; the reload and the second Buy collapse.
        assertThat(nodes(a)).containsExactly("0:Viewed pricing=3", "1:click Buy=2", "1:click button#go.big.primary=1",
                "2:pageview /checkout=2", "2:pageview /home=1", "3:signup=2");
        assertThat(edges(a)).containsExactly("0:Viewed pricing -> 1:click Buy=2",
                "0:Viewed pricing -> 1:click button#go.big.primary=1", "1:click Buy -> 2:pageview /checkout=2",
                "1:click button#go.big.primary -> 2:pageview /home=1", "2:pageview /checkout -> 3:signup=2");
    }

    @Test
    void eventsOfTheSameMillisecondFollowTheOrderTheyWereCapturedIn() {
        JsonNode a = paths("2026-11-14", "\"start\":{\"definition\":" + pricing + "},\"depth\":2");
        assertThat(nodes(a)).containsExactly("0:Viewed pricing=1", "1:click Zed=1", "2:pageview /after-zed=1");
    }

    @Test
    void depthLimitsTheNumberOfSteps() {
        JsonNode a = paths("2026-11-10", "\"start\":{\"definition\":" + pricing + "},\"depth\":1");
        assertThat(nodes(a)).containsExactly("0:Viewed pricing=3", "1:click Buy=2", "1:click button#go.big.primary=1");
        assertThat(edges(a)).hasSize(2);
    }

    @Test
    void pathsBeforeTheStartCountBackwardsAndPointForwardInTime() {
        JsonNode a = paths("2026-11-10", "\"start\":{\"definition\":" + pricing + "},\"direction\":\"before\",\"depth\":5");
        // s2 starts on pricing: nothing before it. s1's pricing views follow home, after landing.
        assertThat(nodes(a)).containsExactly("0:Viewed pricing=3", "1:pageview /home=2", "2:pageview /landing=2");
        assertThat(edges(a)).containsExactly("1:pageview /home -> 0:Viewed pricing=2",
                "2:pageview /landing -> 1:pageview /home=2");
    }

    @Test
    void labelWithNamesEventsByDefinitionsAndLeavesOthersOut() {
        JsonNode a = paths("2026-11-10", "\"start\":{\"definition\":" + pricing + "},\"depth\":4,\"label_with\":["
                + buy + ",{\"definition\":" + checkout + "}]");
        // signup, home and the text-less click match none of the definitions, so s2's occurrence has no steps.
        assertThat(nodes(a)).containsExactly("0:Viewed pricing=3", "1:Clicked buy=2", "2:Viewed checkout=2");
        assertThat(edges(a)).containsExactly("0:Viewed pricing -> 1:Clicked buy=2",
                "1:Clicked buy -> 2:Viewed checkout=2");
    }

    @Test
    void aRawStartEventCountsEveryMatchingOccurrence() {
        JsonNode a = paths("2026-11-10", "\"start\":{\"kind\":\"click\"},\"depth\":1");
        // Both Buy clicks start a path; the second Buy is the first's own step, so it collapses into it.
        assertThat(nodes(a)).containsExactly("0:click=3", "1:pageview /checkout=2", "1:pageview /home=1");
    }

    @Test
    void eventsWithoutSessionIdsSplitIntoSessionsAfterThirtyQuietMinutes() {
        JsonNode a = paths("2026-11-11", "\"start\":{\"kind\":\"custom\",\"event\":\"opened\"},\"depth\":3");
        // 40 minutes pass between searched and exported, so the first "opened" stops at searched; the second
        // "opened" reaches searched after exactly 30 minutes, still the same session.
        assertThat(nodes(a)).containsExactly("0:opened=2", "1:searched=2");
    }

    @Test
    void environmentsNeverMix() {
        JsonNode prod = t.query(s.prod(), "paths", "2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z",
                "\"start\":{\"kind\":\"pageview\",\"properties\":[]},\"depth\":2");
        assertThat(nodes(prod)).containsExactly("0:pageview=2", "1:pageview /secret=1");
    }

    @Test
    void mergingADeviceJoinsItsSessionlessEventsToTheUsersAndUndoingSplitsThemAgain() {
        String q = "\"start\":{\"definition\":" + pricing + "},\"depth\":2";
        assertThat(nodes(paths("2026-11-12", q))).containsExactly("0:Viewed pricing=1");
        t.identify(s.dev(), "d9", "dave", NOV10 + 2 * DAY + 11 * 60 * M);
        assertThat(nodes(paths("2026-11-12", q))).containsExactly("0:Viewed pricing=1", "1:upgraded=1");
        t.unmerge(s.dev(), "dave", "d9");
        assertThat(nodes(paths("2026-11-12", q))).containsExactly("0:Viewed pricing=1");
    }

    @Test
    void eventsReadInTheUnpackedLayoutGiveTheSameAnswers() {
        List<JsonNode> packed = layoutCases(s, t, pricing);
        try (TestServer unpacked = TestServer.start(QueryTuning.DEFAULT.withPackedBits(0))) {
            Traffic u = new Traffic(unpacked);
            assertThat(layoutCases(unpacked, u, fill(unpacked, u)[0])).isEqualTo(packed);
        }
    }

    /** Paths after and before pricing on Nov 10 and 14, and from a session-less event on Nov 11. */
    private static List<JsonNode> layoutCases(TestServer s, Traffic t, long pricing) {
        String after = "\"start\":{\"definition\":" + pricing + "},\"depth\":3";
        String before = "\"start\":{\"definition\":" + pricing + "},\"direction\":\"before\",\"depth\":5";
        String sessionless = "\"start\":{\"kind\":\"custom\",\"event\":\"opened\"},\"depth\":3";
        List<JsonNode> out = new ArrayList<>();
        for (String[] c : new String[][] {{"2026-11-10", after}, {"2026-11-10", before}, {"2026-11-11", sessionless},
                {"2026-11-14", after}}) {
            out.add(t.query(s.dev(), "paths", c[0] + "T00:00:00Z", c[0] + "T23:59:59Z", c[1]));
        }
        return out;
    }

    @Test
    void depthOutsideOneToTenIsRefusedNamingTheField() {
        TestServer.Response r = t.queryResponse(s.dev(), "paths", "2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z",
                "\"start\":{\"kind\":\"pageview\"},\"depth\":11");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("depth");
    }
}
