package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cohorts over HTTP, with the clock at {@link #NOW} (2026-12-02T00:00Z):
 * <pre>
 * alice  plan pro   adds to cart 3 times in the last 30 days; checkout 5 days ago, purchase 2 hours later
 * bob    plan free  adds 3 times; checkout 5 days ago, purchase 2 days later
 * carol  plan pro   adds twice; checkout 10 days ago, no purchase
 * dave   plan pro   adds 4 times, 2 of them 40 days ago; checkout 2 hours ago
 * frank  (none)     checkout 10 days ago with a purchase an hour later, and 4 days ago with one exactly a day later
 * device:e1         adds 3 times, anonymous
 * </pre>
 * "Pro carts" is the issue's first example (alice), "Abandoned checkout" its second (bob, carol, dave), and
 * "VIP" a static list (alice, bob, and zed, whom the store never saw).
 */
class CohortsTest {
    static final long NOW = Instant.parse("2026-12-02T00:00:00Z").toEpochMilli();
    static final long H = 3_600_000L;
    static final long D = 24 * H;
    private static final MutableClock CLOCK = new MutableClock(Instant.ofEpochMilli(NOW));
    private static TestServer s;
    private static long proCarts;
    private static long abandoned;
    private static long vip;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
        List<Map<String, Object>> ev = new ArrayList<>();
        adds(ev, "a1", "alice", NOW - 20 * D, NOW - 10 * D, NOW - D);
        adds(ev, "b1", "bob", NOW - 20 * D, NOW - 10 * D, NOW - D);
        adds(ev, "c1", "carol", NOW - 20 * D, NOW - D);
        adds(ev, "d1", "dave", NOW - 40 * D, NOW - 40 * D + H, NOW - 3 * D, NOW - 2 * D);
        adds(ev, "e1", null, NOW - 3 * D, NOW - 2 * D, NOW - D);
        ev.add(Sends.identified("a1", "alice", "Started checkout", NOW - 5 * D, null));
        ev.add(Sends.identified("a1", "alice", "Purchased", NOW - 5 * D + 2 * H, null));
        ev.add(Sends.identified("b1", "bob", "Started checkout", NOW - 5 * D, null));
        ev.add(Sends.identified("b1", "bob", "Purchased", NOW - 3 * D, null));
        ev.add(Sends.identified("c1", "carol", "Started checkout", NOW - 10 * D, null));
        ev.add(Sends.identified("d1", "dave", "Started checkout", NOW - 2 * H, null));
        ev.add(Sends.identified("f1", "frank", "Started checkout", NOW - 10 * D, null));
        ev.add(Sends.identified("f1", "frank", "Purchased", NOW - 10 * D + H, null));
        ev.add(Sends.identified("f1", "frank", "Started checkout", NOW - 4 * D, null));
        ev.add(Sends.identified("f1", "frank", "Purchased", NOW - 3 * D, null));
        // Purchases carry revenue: alice 30, bob 20, frank 5 and 7.
        revenue(ev, "a1", 30);
        revenue(ev, "b1", 20);
        revenue(ev, "f1", 5, 7);
        // alice's events carry a session id, so that paths read keyed sessions too.
        ev.forEach(e -> {
            if ("a1".equals(e.get("device_id"))) {
                e.put("session_id", "alice-" + ((long) e.get("time") / D));
            }
        });
        Sends.browser(s, s.dev(), ev);
        userProperties("alice", "pro");
        userProperties("bob", "free");
        userProperties("carol", "pro");
        userProperties("dave", "pro");
        proCarts = create("Pro carts", """
                {"all": [{"did": {"kind": "custom", "event": "Added to cart"}, "at_least": 3, "within": "30d"},
                         {"property": "plan", "op": "eq", "value": "pro"}]}""");
        abandoned = create("Abandoned checkout", """
                {"did": {"kind": "custom", "event": "Started checkout"},
                 "then_not": {"kind": "custom", "event": "Purchased"}, "within": "1d"}""");
        vip = create("VIP", """
                {"type": "static", "identities": ["alice", "bob", "zed"]}""");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static void adds(List<Map<String, Object>> ev, String device, String identity, long... times) {
        for (long t : times) {
            Map<String, Object> e = identity == null ? Sends.custom(device, "Added to cart", t, null)
                    : Sends.identified(device, identity, "Added to cart", t, null);
            ev.add(new HashMap<>(e));
        }
        for (int i = 0; i < ev.size(); i++) {
            ev.set(i, new HashMap<>(ev.get(i)));
        }
    }

    private static void revenue(List<Map<String, Object>> ev, String device, int... amounts) {
        int i = 0;
        for (Map<String, Object> e : ev) {
            if (device.equals(e.get("device_id")) && "Purchased".equals(e.get("name"))) {
                e.put("properties", Map.of("revenue", amounts[i++]));
            }
        }
    }

    private static void userProperties(String identity, String plan) {
        TestServer.Response r = s.post("/api/add_user_properties", TestServer.json("app_id", s.dev().appId(),
                "identity", identity, "properties", Map.of("plan", plan)), bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    static long create(String name, String definition) {
        TestServer.Response r = s.post("/api/cohorts", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"" + name
                + "\",\"definition\":" + definition + "}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static List<String> members(long id) {
        TestServer.Response r = s.get("/api/cohorts/" + id + "/members?app_id=" + s.dev().appId(), bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.json().get("users").forEach(u -> out.add(u.get("user_key").asText()));
        return out;
    }

    private static Map<String, Object> query(String kind, Object cohort, Map<String, Object> rest) {
        Map<String, Object> b = new HashMap<>(rest);
        b.put("kind", kind);
        b.put("from", Instant.ofEpochMilli(NOW - 30 * D).toString());
        b.put("to", Instant.ofEpochMilli(NOW).toString());
        if (cohort != null) {
            b.put("cohort", cohort);
        }
        return b;
    }

    private static long total(JsonNode series) {
        long sum = 0;
        for (JsonNode p : series.get("points")) {
            sum += p.get("value").asLong();
        }
        return sum;
    }

    private static JsonNode graph(Object cohort, Object breakdown) {
        Map<String, Object> rest = new HashMap<>(Map.of("interval", "week", "series",
                List.of(Map.of("event", Sends.event("Added to cart"), "measure", "count"))));
        if (breakdown != null) {
            rest.put("breakdown", breakdown);
        }
        return Sends.query(s, s.dev(), query("graph", cohort, rest)).get("series");
    }

    @Test
    void didAtLeastThreeTimesInTheLast30DaysAndPlanProIsTheIssuesFirstExample() {
        assertThat(members(proCarts)).containsExactly("alice");
    }

    @Test
    void startedCheckoutButNotPurchasedWithinOneDayIsTheIssuesSecondExample() {
        // Sorted by last seen: dave (2 hours ago), bob, carol.
        assertThat(members(abandoned)).containsExactly("dave", "bob", "carol");
    }

    @Test
    void membershipFollowsTheClock() {
        try {
            // Ten days on, alice's adds of 20 and 10 days ago fall out of the 30 days.
            CLOCK.set(Instant.ofEpochMilli(NOW + 11 * D));
            assertThat(members(proCarts)).isEmpty();
        } finally {
            CLOCK.set(Instant.ofEpochMilli(NOW));
        }
    }

    @Test
    void aStaticCohortListsItsIdentitiesThatTheStoreHasSeen() {
        assertThat(members(vip)).containsExactly("alice", "bob");
        JsonNode c = s.get("/api/cohorts/" + vip + "?app_id=" + s.dev().appId(), bearer(TestServer.ADMIN)).json();
        assertThat(c.get("type").asText()).isEqualTo("static");
        assertThat(c.get("identities").asInt()).isEqualTo(3);
    }

    @Test
    void aGraphFiltersByACohortAndByItsComplement() {
        long all = total(graph(null, null).get(0));
        long pro = total(graph(proCarts, null).get(0));
        long notPro = total(graph(Map.of("id", proCarts, "not", true), null).get(0));
        // Adds in the range: alice 3, bob 3, carol 2, dave 2, e1 3.
        assertThat(all).isEqualTo(13);
        assertThat(pro).isEqualTo(3);
        assertThat(notPro).isEqualTo(10);
    }

    @Test
    void aGraphBreaksDownByCohortsCountingAUserInEachOfItsCohorts() {
        JsonNode lines = graph(null, Map.of("cohorts", List.of(proCarts, vip)));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("breakdown").asText()).isEqualTo("Pro carts");
        assertThat(total(lines.get(0))).isEqualTo(3);
        assertThat(lines.get(1).get("breakdown").asText()).isEqualTo("VIP");
        assertThat(total(lines.get(1))).isEqualTo(6);
    }

    private static double revenueSum(Object cohort, Object breakdown, int line) {
        Map<String, Object> rest = new HashMap<>(Map.of("interval", "month", "series", List.of(Map.of(
                "event", Sends.event("Purchased"), "measure", "sum", "property", "revenue"))));
        if (breakdown != null) {
            rest.put("breakdown", breakdown);
        }
        double sum = 0;
        for (JsonNode p : Sends.query(s, s.dev(), query("graph", cohort, rest)).get("series").get(line).get("points")) {
            sum += p.get("value").asDouble();
        }
        return sum;
    }

    @Test
    void aSumOfAPropertyKeepsToTheCohortItIsFilteredOrBrokenDownBy() {
        assertThat(revenueSum(null, null, 0)).isEqualTo(62.0);
        assertThat(revenueSum(vip, null, 0)).isEqualTo(50.0);
        assertThat(revenueSum(Map.of("id", vip, "not", true), null, 0)).isEqualTo(12.0);
        assertThat(revenueSum(null, Map.of("cohorts", List.of(proCarts, vip)), 0)).isEqualTo(30.0);
        assertThat(revenueSum(null, Map.of("cohorts", List.of(proCarts, vip)), 1)).isEqualTo(50.0);
    }

    private static JsonNode funnel(Object cohort, Object breakdown) {
        Map<String, Object> rest = new HashMap<>(Map.of("window", "P1D", "steps",
                List.of(Sends.event("Started checkout"), Sends.event("Purchased"))));
        if (breakdown != null) {
            rest.put("breakdown", breakdown);
        }
        return Sends.query(s, s.dev(), query("funnel", cohort, rest));
    }

    private static List<Long> counts(JsonNode steps) {
        List<Long> out = new ArrayList<>();
        steps.forEach(st -> out.add(st.get("count").asLong()));
        return out;
    }

    @Test
    void aFunnelFiltersByACohort() {
        assertThat(counts(funnel(null, null).get("steps"))).containsExactly(5L, 2L);
        assertThat(counts(funnel(abandoned, null).get("steps"))).containsExactly(3L, 0L);
        assertThat(counts(funnel(Map.of("id", abandoned, "not", true), null).get("steps"))).containsExactly(2L, 2L);
    }

    @Test
    void aFunnelBreaksDownByCohorts() {
        JsonNode b = funnel(null, Map.of("cohorts", List.of(abandoned, vip))).get("breakdowns");
        assertThat(b).hasSize(2);
        assertThat(b.get(0).get("value").asText()).isEqualTo("Abandoned checkout");
        assertThat(counts(b.get(0).get("steps"))).containsExactly(3L, 0L);
        assertThat(b.get(1).get("value").asText()).isEqualTo("VIP");
        assertThat(counts(b.get(1).get("steps"))).containsExactly(2L, 1L);
    }

    @Test
    void retentionFiltersByACohort() {
        Map<String, Object> rest = Map.of("period", "week", "periods", 2, "start", Sends.event("Added to cart"),
                "return", Sends.event("Started checkout"));
        long all = 0;
        long only = 0;
        for (JsonNode c : Sends.query(s, s.dev(), query("retention", null, rest)).get("cohorts")) {
            all += c.get("users").asLong();
        }
        for (JsonNode c : Sends.query(s, s.dev(), query("retention", vip, rest)).get("cohorts")) {
            only += c.get("users").asLong();
        }
        assertThat(all).isEqualTo(5);
        assertThat(only).isEqualTo(2);
    }

    @Test
    void theUsersAnalysisFiltersByACohort() {
        JsonNode a = Sends.query(s, s.dev(), query("users", abandoned, Map.of()));
        List<String> users = new ArrayList<>();
        a.get("users").forEach(u -> users.add(u.get("user_key").asText()));
        assertThat(users).containsExactly("dave", "bob", "carol");
    }

    @Test
    void sessionsFilterByACohort() {
        JsonNode a = Sends.query(s, s.dev(), query("sessions", vip, Map.of()));
        assertThat(a.get("sessions")).isNotEmpty();
        a.get("sessions").forEach(x -> assertThat(x.get("identity").asText()).isIn("alice", "bob"));
        JsonNode all = Sends.query(s, s.dev(), query("sessions", null, Map.of()));
        assertThat(all.get("sessions").size()).isGreaterThan(a.get("sessions").size());
    }

    private static long starts(Object cohort) {
        JsonNode a = Sends.query(s, s.dev(), query("paths", cohort, Map.of("start", Sends.event("Added to cart"),
                "depth", 2)));
        for (JsonNode n : a.get("nodes")) {
            if (n.get("step").asInt() == 0) {
                return n.get("count").asLong();
            }
        }
        return 0;
    }

    @Test
    void pathsFilterByACohortInKeyedAndSessionlessSessions() {
        // alice's sessions have ids, bob's none.
        assertThat(starts(null)).isEqualTo(13);
        assertThat(starts(vip)).isEqualTo(6);
        assertThat(starts(proCarts)).isEqualTo(3);
        assertThat(starts(Map.of("id", vip, "not", true))).isEqualTo(7);
        // Once alice's keyed sessions are rolled up, paths read them from the rollup: the same answers.
        assertThat(s.app().rollUp()).as("events rolled up").isPositive();
        assertThat(starts(null)).isEqualTo(13);
        assertThat(starts(vip)).isEqualTo(6);
        assertThat(starts(proCarts)).isEqualTo(3);
        assertThat(starts(Map.of("id", proCarts, "not", true))).isEqualTo(10);
    }

    private static TestServer.Response get(String path) {
        return s.get(path + (path.contains("?") ? "&" : "?") + "app_id=" + s.dev().appId(), bearer(TestServer.ADMIN));
    }

    private static List<String> userKeys(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("users").forEach(u -> out.add(u.get("user_key").asText()));
        return out;
    }

    @Test
    void theUsersListIsSortedByLastSeenThenByTextAndPagesExactly() {
        List<String> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/users?limit=2" + (cursor == null ? "" : "&cursor=" + cursor)).json();
            assertThat(page.get("total").asLong()).isEqualTo(6);
            all.addAll(userKeys(page));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(all).containsExactly("dave", "alice", "bob", "carol", "device:e1", "frank");
    }

    @Test
    void theUsersListSearchesIdentitiesAndPropertyValuesIgnoringCase() {
        assertThat(userKeys(get("/api/users?search=PRO").json())).containsExactly("dave", "alice", "carol");
        assertThat(userKeys(get("/api/users?search=Ali").json())).containsExactly("alice");
        assertThat(userKeys(get("/api/users?search=e1").json())).containsExactly("device:e1");
        assertThat(get("/api/users?search=nobody").json().get("total").asLong()).isZero();
    }

    @Test
    void theUsersListFiltersByCohort() {
        JsonNode page = get("/api/users?cohort=" + abandoned).json();
        assertThat(userKeys(page)).containsExactly("dave", "bob", "carol");
        assertThat(page.get("total").asLong()).isEqualTo(3);
    }

    @Test
    void cohortMembersPage() {
        JsonNode first = get("/api/cohorts/" + abandoned + "/members?limit=2").json();
        assertThat(userKeys(first)).containsExactly("dave", "bob");
        assertThat(first.get("total").asLong()).isEqualTo(3);
        assertThat(first.get("users").get(0).get("last_seen").asText()).isEqualTo(Instant.ofEpochMilli(NOW - 2 * H).toString());
        assertThat(first.get("users").get(0).get("properties").get("plan").asText()).isEqualTo("pro");
        JsonNode second = get("/api/cohorts/" + abandoned + "/members?limit=2&cursor=" + first.get("next_cursor").asText()).json();
        assertThat(userKeys(second)).containsExactly("carol");
        assertThat(second.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void aCohortsSizeOverTimeEvaluatesMembershipAtEachBucketsEnd() {
        JsonNode a = get("/api/cohorts/" + abandoned + "/size?interval=day&from="
                + Instant.ofEpochMilli(NOW - 6 * D) + "&to=" + Instant.ofEpochMilli(NOW)).json();
        List<Integer> sizes = new ArrayList<>();
        a.get("points").forEach(p -> sizes.add(p.get("size").asInt()));
        // carol; + bob (no purchase yet); + frank (his purchase comes at -3d); bob's and frank's purchases; + dave.
        assertThat(sizes).containsExactly(1, 2, 3, 2, 2, 3);
        assertThat(a.get("points").get(0).get("at").asText()).isEqualTo(Instant.ofEpochMilli(NOW - 5 * D).toString());
    }

    @Test
    void aDynamicCohortsChangesSinceAMomentAreWhoJoinedAndWhoLeft() {
        JsonNode a = get("/api/cohorts/" + proCarts + "/changes?since=" + Instant.ofEpochMilli(NOW - 15 * D)).json();
        assertThat(a.get("added")).extracting(JsonNode::asText).containsExactly("alice");
        assertThat(a.get("removed")).isEmpty();
    }

    @Test
    void aStaticCohortTakesCsvAndJsonUploadsAndAReplacementAndKnowsItsChanges() {
        long team = create("Team", """
                {"type": "static", "identities": ["alice", "bob"]}""");
        long t0 = CLOCK.millis();
        try {
            CLOCK.advance(Duration.ofHours(1));
            TestServer.Response csv = s.send("POST", "/api/cohorts/" + team + "/members?app_id=" + s.dev().appId(),
                    "\uFEFFidentity\r\ncarol\r\n\"dave\"\r\n\r\nbob\r\n", "Content-Type", "text/csv",
                    "Authorization", "Bearer " + TestServer.ADMIN);
            assertThat(csv.status()).as(csv.body()).isEqualTo(200);
            assertThat(csv.json().get("added").asInt()).isEqualTo(2);
            assertThat(csv.json().get("identities").asInt()).isEqualTo(4);
            TestServer.Response json = s.send("POST", "/api/cohorts/" + team + "/members?app_id=" + s.dev().appId(),
                    "[\"frank\", \"carol\"]", "Content-Type", "application/json", "Authorization", "Bearer " + TestServer.ADMIN);
            assertThat(json.status()).as(json.body()).isEqualTo(200);
            assertThat(json.json().get("added").asInt()).isEqualTo(1);
            assertThat(members(team)).containsExactlyInAnyOrder("alice", "bob", "carol", "dave", "frank");
            CLOCK.advance(Duration.ofHours(1));
            TestServer.Response put = s.put("/api/cohorts/" + team, "{\"app_id\":\"" + s.dev().appId()
                    + "\",\"name\":\"Team\",\"definition\":{\"type\":\"static\",\"identities\":[\"bob\",\"carol\",\"frank\"]}}",
                    bearer(TestServer.ADMIN));
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            assertThat(members(team)).containsExactlyInAnyOrder("bob", "carol", "frank");
            JsonNode changes = get("/api/cohorts/" + team + "/changes?since=" + Instant.ofEpochMilli(t0 + 1)).json();
            assertThat(changes.get("added")).extracting(JsonNode::asText).containsExactly("carol", "frank");
            assertThat(changes.get("removed")).extracting(JsonNode::asText).containsExactly("alice");
        } finally {
            CLOCK.set(Instant.ofEpochMilli(NOW));
            assertThat(s.send("DELETE", "/api/cohorts/" + team + "?app_id=" + s.dev().appId(), (String) null,
                    bearer(TestServer.ADMIN)).status()).isEqualTo(204);
        }
        assertThat(get("/api/cohorts/" + team).status()).isEqualTo(404);
    }

    @Test
    void aDynamicCohortTakesNoUploadAndAnUploadIsBounded() {
        TestServer.Response r = s.send("POST", "/api/cohorts/" + abandoned + "/members?app_id=" + s.dev().appId(),
                "[\"x\"]", "Content-Type", "application/json", "Authorization", "Bearer " + TestServer.ADMIN);
        assertThat(r.status()).isEqualTo(409);
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i <= 100_000; i++) {
            many.append(i == 0 ? "" : ",").append("\"u").append(i).append('"');
        }
        r = s.send("POST", "/api/cohorts/" + vip + "/members?app_id=" + s.dev().appId(), many.append("]").toString(),
                "Content-Type", "application/json", "Authorization", "Bearer " + TestServer.ADMIN);
        assertThat(r.status()).isBetween(400, 499);
        assertThat(r.body()).contains("100000");
    }

    private static void refused(TestServer.Response r, String field) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo(field);
    }

    private static TestServer.Response post(String name, String definition) {
        return s.post("/api/cohorts", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"" + name
                + "\",\"definition\":" + definition + "}", bearer(TestServer.ADMIN));
    }

    @Test
    void definitionsAreReadStrictly() {
        String cart = "{\"kind\": \"custom\", \"event\": \"Added to cart\"}";
        refused(post("x", "{\"did\": " + cart + ", \"at_leest\": 3, \"within\": \"30d\"}"), "definition.at_leest");
        refused(post("x", "{\"did\": " + cart + ", \"within\": \"30 days\"}"), "definition.within");
        refused(post("x", "{\"did\": " + cart + "}"), "definition.within");
        refused(post("x", "{\"all\": [{\"property\": \"plan\", \"op\": \"like\", \"value\": \"p\"}]}"),
                "definition.all[0].op");
        refused(post("x", "{\"any\": []}"), "definition.any");
        refused(post("x", "{\"did\": {\"kind\": \"custom\", \"evnt\": \"x\"}, \"within\": \"1d\"}"),
                "definition.did.evnt");
        refused(post("x", "{\"type\": \"dynamic\"}"), "definition.type");
        refused(post("x", "{\"type\": \"static\", \"identities\": [\"a\", 3]}"), "definition.identities[1]");
        refused(post("x", "{\"did\": " + cart + ", \"at_least\": 3, \"at_most\": 2, \"within\": \"1d\"}"),
                "definition.at_most");
        refused(post("x", "{\"wat\": 1}"), "definition.wat");
    }

    @Test
    void queriesReadCohortsStrictly() {
        Map<String, Object> rest = Map.of("interval", "week", "series",
                List.of(Map.of("event", Sends.event("Added to cart"), "measure", "count")));
        refused(Sends.ask(s, s.dev(), query("graph", 999_999, rest)), "cohort");
        refused(Sends.ask(s, s.dev(), query("graph", Map.of("id", proCarts, "nott", true), rest)), "cohort.nott");
        refused(Sends.ask(s, s.dev(), query("graph", "pro", rest)), "cohort");
        Map<String, Object> both = new HashMap<>(rest);
        both.put("breakdown", Map.of("cohorts", List.of(proCarts), "property", "plan"));
        refused(Sends.ask(s, s.dev(), query("graph", null, both)), "breakdown.cohorts");
        Map<String, Object> twice = new HashMap<>(rest);
        twice.put("breakdown", Map.of("cohorts", List.of(proCarts, proCarts)));
        refused(Sends.ask(s, s.dev(), query("graph", null, twice)), "breakdown.cohorts[1]");
        refused(get("/api/users?sort=name"), "sort");
        refused(get("/api/users?cursor=%21%21"), "cursor");
        refused(get("/api/users?cohort=abc"), "cohort");
        refused(get("/api/users?limit=0"), "limit");
        refused(get("/api/cohorts/" + abandoned + "/size?from=-7d&interval=month"), "interval");
        refused(get("/api/cohorts/" + abandoned + "/changes?since=yesterday"), "since");
        // Another environment's cohort is not there.
        TestServer.Response other = s.get("/api/cohorts/" + abandoned + "?app_id=" + s.prod().appId(), bearer(TestServer.ADMIN));
        assertThat(other.status()).isEqualTo(404);
    }

    @Test
    void cohortsAreListedInTheOrderTheyWereMadeAndPaged() {
        JsonNode first = get("/api/cohorts?limit=2").json();
        assertThat(first.get("cohorts")).extracting(c -> c.get("name").asText()).containsExactly("Pro carts",
                "Abandoned checkout");
        assertThat(first.get("total").asInt()).isGreaterThanOrEqualTo(3);
        JsonNode second = get("/api/cohorts?limit=2&cursor=" + first.get("next_cursor").asText()).json();
        assertThat(second.get("cohorts").get(0).get("name").asText()).isEqualTo("VIP");
        assertThat(first.get("cohorts").get(0).get("type").asText()).isEqualTo("dynamic");
        assertThat(first.get("cohorts").get(0).get("definition").get("all")).hasSize(2);
    }

    @Test
    void replacingADefinitionChangesTheMembers() {
        long id = create("Carts", """
                {"did": {"kind": "custom", "event": "Added to cart"}, "at_least": 3, "within": "30d"}""");
        try {
            assertThat(members(id)).containsExactlyInAnyOrder("alice", "bob", "device:e1");
            TestServer.Response put = s.put("/api/cohorts/" + id, "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":"
                    + "\"Carts\",\"definition\":{\"did\": {\"kind\": \"custom\", \"event\": \"Added to cart\"},"
                    + " \"at_most\": 2, \"within\": \"30d\"}}", bearer(TestServer.ADMIN));
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            assertThat(members(id)).containsExactlyInAnyOrder("carol", "dave");
            TestServer.Response none = s.put("/api/cohorts/" + id, "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":"
                    + "\"Carts\",\"definition\":{\"did_not\": {\"kind\": \"custom\", \"event\": \"Added to cart\"},"
                    + " \"within\": \"30d\"}}", bearer(TestServer.ADMIN));
            assertThat(none.status()).as(none.body()).isEqualTo(200);
            assertThat(members(id)).containsExactly("frank");
        } finally {
            s.send("DELETE", "/api/cohorts/" + id + "?app_id=" + s.dev().appId(), (String) null, bearer(TestServer.ADMIN));
        }
    }
}
