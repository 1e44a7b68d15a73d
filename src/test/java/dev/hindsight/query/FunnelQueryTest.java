package dev.hindsight.query;

import static dev.hindsight.query.Sends.custom;
import static dev.hindsight.query.Sends.event;
import static dev.hindsight.query.Sends.identify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Funnels view -> cart -> buy on a small hand-computed dataset over [2026-11-02, 2026-11-05) with a one-day window.
 * Users and the step each reaches (time between steps):
 * <pre>
 * device:a1  view(pro) 01:00, cart 01:30, buy 02:30                  3 (1800 s, 3600 s)
 * bob        b1 view(free) 01:00 anonymous, identify 03:00, cart 04:00 via /api/track   2 (10800 s)
 * device:c1  cart 01:00, view 02:00 (out of order)                    1
 * device:e1  view 00:00, cart exactly 24 h later (window edge)        2 (86400 s)
 * device:e2  view 10:00, cart 24 h + 1 ms later                       1
 * carol      m1 view(pro) 05:00, m2 cart 06:00, m1 buy 06:30; both identified later   3 (3600 s, 1800 s)
 * device:r1  view 01:00 (no cart in a day), view(free) day 3 00:00, cart 01:00   2 (3600 s), second attempt
 * device:o1  view 01:00, buy 01:10, cart 01:20 (buy before cart)      2 (1200 s)
 * device:z1  view day 3 23:00, cart 01:00 after 'to'                  2 (7200 s)
 * device:p1  view the day before 'from', cart 00:30                   not in the funnel
 * </pre>
 * Production holds a1's three steps and a buy for bob, which development must never see.
 */
class FunnelQueryTest {
    private static final long D = 1_793_577_600_000L; // 2026-11-02T00:00:00Z
    private static final long M = 60_000L;
    private static final long H = 3_600_000L;
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        List<Map<String, Object>> ev = new ArrayList<>();
        ev.add(custom("a1", "view", D + H, "pro"));
        ev.add(custom("a1", "cart", D + H + 30 * M, null));
        ev.add(custom("a1", "buy", D + 2 * H + 30 * M, null));
        ev.add(custom("b1", "view", D + H, "free"));
        ev.add(custom("c1", "cart", D + H, null));
        ev.add(custom("c1", "view", D + 2 * H, null));
        ev.add(custom("e1", "view", D, null));
        ev.add(custom("e1", "cart", D + 24 * H, null));
        ev.add(custom("e2", "view", D + 10 * H, null));
        ev.add(custom("e2", "cart", D + 34 * H + 1, null));
        ev.add(custom("m1", "view", D + 5 * H, "pro"));
        ev.add(custom("m2", "cart", D + 6 * H, null));
        ev.add(custom("m1", "buy", D + 6 * H + 30 * M, null));
        ev.add(custom("r1", "view", D + H, null));
        ev.add(custom("r1", "view", D + 48 * H, "free"));
        ev.add(custom("r1", "cart", D + 49 * H, null));
        ev.add(custom("o1", "view", D + H, null));
        ev.add(custom("o1", "buy", D + H + 10 * M, null));
        ev.add(custom("o1", "cart", D + H + 20 * M, null));
        ev.add(custom("z1", "view", D + 71 * H, null));
        ev.add(custom("z1", "cart", D + 73 * H, null));
        ev.add(custom("p1", "view", D - H, null));
        ev.add(custom("p1", "cart", D + 30 * M, null));
        // Their own step names, so the counts of the view/cart/buy funnels stay as they are.
        ev.add(custom("s1", "open", D + H, null));
        ev.add(custom("s1", "close", D + H, null));
        ev.add(custom("s2", "open", D + H, null));
        ev.add(custom("s2", "close", D + H + 1, null));
        ev.add(custom("s3", "open", D + H, null));
        ev.add(custom("s3", "close", D + H, null));
        ev.add(custom("s3", "close", D + H + 5, null));
        ev.add(custom("s4", "enter", D + H, null));
        ev.add(custom("s4", "look", D + H + M, null));
        ev.add(custom("s4", "leave", D + H + 3 * M, null));
        ev.add(custom("s5", "enter", D + H, null));
        ev.add(custom("s5", "look", D + H + M, null));
        ev.add(custom("s5", "pay", D + H + 2 * M, null));
        ev.add(custom("s5", "leave", D + H + 3 * M, null));
        ev.add(identify("b1", "bob", D + 3 * H));
        ev.add(identify("m1", "carol", D + 7 * H));
        ev.add(identify("m2", "carol", D + 8 * H));
        Sends.browser(s, s.dev(), ev);
        Sends.track(s, s.dev(), "bob", "cart", D + 4 * H);
        Sends.browser(s, s.prod(), List.of(custom("a1", "view", D + H, null), custom("a1", "cart", D + 2 * H, null),
                custom("a1", "buy", D + 3 * H, null)));
        Sends.track(s, s.prod(), "bob", "buy", D + 5 * H);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static JsonNode funnel(TestServer.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static Map<String, Object> body(String window, String... steps) {
        Map<String, Object> b = new HashMap<>(Map.of("kind", "funnel", "from", "2026-11-02T00:00:00Z",
                "to", "2026-11-05T00:00:00Z", "window", window));
        b.put("steps", java.util.Arrays.stream(steps).map(Sends::event).toList());
        return b;
    }

    private static JsonNode viewCartBuy() {
        return Sends.query(s, s.dev(), body("P1D", "view", "cart", "buy"));
    }

    private static List<Long> counts(JsonNode steps) {
        List<Long> out = new ArrayList<>();
        steps.forEach(st -> out.add(st.get("count").asLong()));
        return out;
    }

    private static List<String> dropped(JsonNode answer, int step) {
        List<String> out = new ArrayList<>();
        answer.get("dropped_off").get(step - 1).get("users").forEach(u -> out.add(u.asText()));
        assertThat(answer.get("dropped_off").get(step - 1).get("step").asInt()).isEqualTo(step);
        return out;
    }

    @Test
    void countsEachUserOnceAtTheFurthestStepReached() {
        JsonNode steps = viewCartBuy().get("steps");
        assertThat(steps.get(0).get("label").asText()).isEqualTo("view");
        assertThat(counts(steps)).containsExactly(9L, 7L, 2L);
        assertThat(steps.get(1).get("conversion").asDouble()).isCloseTo(7 / 9.0, within(1e-9));
        assertThat(steps.get(2).get("conversion").asDouble()).isCloseTo(2 / 9.0, within(1e-9));
        assertThat(steps.get(2).get("conversion_from_previous").asDouble()).isCloseTo(2 / 7.0, within(1e-9));
        assertThat(steps.get(0).get("conversion").asDouble()).isEqualTo(1.0);
    }

    @Test
    void listsTheUsersWhoDroppedOffAtEachStepInOrder() {
        JsonNode answer = viewCartBuy();
        assertThat(dropped(answer, 1)).containsExactly("device:c1", "device:e2");
        assertThat(dropped(answer, 2)).containsExactly("bob", "device:e1", "device:o1", "device:r1", "device:z1");
        assertThat(answer.get("dropped_off")).hasSize(2);
    }

    private static JsonNode users(int step, String status, Integer offset, Integer limit) {
        Map<String, Object> b = body("P1D", "view", "cart", "buy");
        Map<String, Object> u = new HashMap<>(Map.of("step", step, "status", status));
        if (offset != null) {
            u.put("offset", offset);
        }
        if (limit != null) {
            u.put("limit", limit);
        }
        b.put("users", u);
        return Sends.query(s, s.dev(), b).get("users");
    }

    private static List<String> identities(JsonNode users) {
        List<String> out = new ArrayList<>();
        users.get("identities").forEach(u -> out.add(u.asText()));
        return out;
    }

    @Test
    void listsAStepsConvertedOrDroppedUsersAPageAtATime() {
        JsonNode bought = users(3, "converted", null, null);
        assertThat(bought.get("total").asInt()).isEqualTo(2);
        assertThat(identities(bought)).containsExactlyInAnyOrder("device:a1", "carol");
        assertThat(bought.get("next_offset").isNull()).isTrue();
        // Dropped at a step: reached the one before, not this one (the answer's dropped_off of the step before).
        assertThat(identities(users(2, "dropped", null, null))).containsExactlyInAnyOrderElementsOf(dropped(viewCartBuy(), 1));
        assertThat(identities(users(3, "dropped", null, null))).containsExactlyInAnyOrderElementsOf(dropped(viewCartBuy(), 2));
        // Converted at step 2, two at a time: every one of the 7 once, in the store's order.
        List<String> all = new ArrayList<>();
        JsonNode page = users(2, "converted", 0, 2);
        while (true) {
            assertThat(page.get("total").asInt()).isEqualTo(7);
            all.addAll(identities(page));
            if (page.get("next_offset").isNull()) {
                break;
            }
            page = users(2, "converted", page.get("next_offset").asInt(), 2);
        }
        assertThat(all).hasSize(7).doesNotHaveDuplicates()
                .containsExactlyInAnyOrder("device:a1", "carol", "bob", "device:e1", "device:o1", "device:r1", "device:z1");
        assertThat(identities(users(2, "converted", 6, 2))).hasSize(1);
        // The counts are the same with or without a list.
        Map<String, Object> b = body("P1D", "view", "cart", "buy");
        b.put("users", Map.of("step", 2, "status", "converted"));
        assertThat(counts(Sends.query(s, s.dev(), b).get("steps"))).containsExactly(9L, 7L, 2L);
    }

    @Test
    void aUsersListNamesAStepAndConvertedOrDropped() {
        for (Map<String, Object> u : List.<Map<String, Object>>of(Map.of("step", 2, "status", "left"),
                Map.of("step", 1, "status", "dropped"), Map.of("step", 4, "status", "converted"),
                Map.of("status", "converted"), Map.of("step", 2, "status", "converted", "limit", 1001),
                Map.of("step", 2, "status", "converted", "page", 2))) {
            Map<String, Object> b = body("P1D", "view", "cart", "buy");
            b.put("users", u);
            TestServer.Response r = Sends.ask(s, s.dev(), b);
            assertThat(r.status()).as(u + " " + r.body()).isEqualTo(400);
            assertThat(r.json().get("errors").get(0).get("field").asText()).as(u.toString()).startsWith("users");
        }
    }

    @Test
    void medianTimeFromThePreviousStepUsesEachUsersChosenAttempt() {
        JsonNode steps = viewCartBuy().get("steps");
        assertThat(steps.get(0).get("median_seconds_from_previous").isNull()).isTrue();
        // cart: 1200, 1800, 3600 (r1's second attempt, not its first), 3600, 7200, 10800, 86400.
        assertThat(steps.get(1).get("median_seconds_from_previous").asDouble()).isEqualTo(3600.0);
        // buy: a1 3600 and carol 1800, the mean of the middle two.
        assertThat(steps.get(2).get("median_seconds_from_previous").asDouble()).isEqualTo(2700.0);
    }

    @Test
    void stepsDoneOutOfOrderDoNotConvert() {
        JsonNode answer = viewCartBuy();
        // c1 carted before viewing; o1 bought before carting, so reaches cart but not buy.
        assertThat(dropped(answer, 1)).contains("device:c1");
        assertThat(dropped(answer, 2)).contains("device:o1");
        JsonNode viewBuy = Sends.query(s, s.dev(), body("P1D", "view", "buy"));
        assertThat(counts(viewBuy.get("steps"))).containsExactly(9L, 3L);
    }

    @Test
    void aStepExactlyAtTheWindowsEndConvertsAndOneMillisecondLaterDoesNot() {
        JsonNode answer = viewCartBuy();
        assertThat(dropped(answer, 2)).contains("device:e1");
        assertThat(dropped(answer, 1)).contains("device:e2");
        // With a window one millisecond longer e2 converts too.
        JsonNode longer = Sends.query(s, s.dev(), body("PT24H0.001S", "view", "cart"));
        assertThat(dropped(longer, 1)).containsExactly("device:c1");
    }

    @Test
    void aStepAtTheSameMillisecondAsThePreviousDoesNotConvert() {
        JsonNode answer = Sends.query(s, s.dev(), body("P1D", "open", "close"));
        assertThat(counts(answer.get("steps"))).containsExactly(3L, 2L);
        assertThat(dropped(answer, 1)).containsExactly("device:s1");
        // s2 after 1 ms, s3 after 5 ms (its close at the same millisecond is skipped, not taken as the step).
        assertThat(answer.get("steps").get(1).get("median_seconds_from_previous").asDouble()).isEqualTo(0.003);
    }

    @Test
    void aMissingStepEndsTheFunnelThereThoughLaterStepsFollow() {
        JsonNode answer = Sends.query(s, s.dev(), body("P1D", "enter", "look", "pay", "leave"));
        assertThat(counts(answer.get("steps"))).containsExactly(2L, 2L, 1L, 1L);
        assertThat(dropped(answer, 2)).containsExactly("device:s4");
    }

    @Test
    void aLaterStepMayFallAfterTheRangeInsideTheWindowButTheFirstMustBeInside() {
        JsonNode answer = viewCartBuy();
        assertThat(dropped(answer, 2)).contains("device:z1");
        assertThat(dropped(answer, 1)).doesNotContain("device:p1");
        assertThat(dropped(answer, 2)).doesNotContain("device:p1");
    }

    @Test
    void anonymousEventsBeforeTheFirstIdentifyCountForTheUser() {
        // bob viewed on b1 before identifying, then carted from the server as bob: one user reaching cart.
        JsonNode answer = viewCartBuy();
        assertThat(dropped(answer, 2)).contains("bob");
        assertThat(dropped(answer, 1)).doesNotContain("device:b1", "bob");
    }

    @Test
    void stepsOnDifferentDevicesOfOneUserConvert() {
        // carol viewed on m1, carted on m2 and bought on m1: she reaches buy, counted once.
        JsonNode answer = viewCartBuy();
        assertThat(dropped(answer, 1)).doesNotContain("device:m1", "device:m2", "carol");
        assertThat(dropped(answer, 2)).doesNotContain("device:m1", "device:m2", "carol");
        assertThat(counts(answer.get("steps")).get(2)).isEqualTo(2L);
    }

    @Test
    void anUndoneMergeSplitsTheUserAgainAndStillEndsTheSpanOfTheLinkBeforeIt() {
        // u1 views, then is identified as dave, who carts from the server. u2 is erin's, then fay's from D+5h on.
        Sends.browser(s, s.dev(), List.of(custom("u1", "u-view", D + H, null), identify("u1", "dave", D + 2 * H),
                identify("u2", "erin", D + H), custom("u2", "u-view", D + 2 * H, null),
                identify("u2", "fay", D + 5 * H), custom("u2", "u-cart", D + 6 * H, null)));
        Sends.track(s, s.dev(), "dave", "u-cart", D + 3 * H);
        JsonNode before = Sends.query(s, s.dev(), body("P1D", "u-view", "u-cart"));
        assertThat(counts(before.get("steps"))).containsExactly(2L, 1L);
        assertThat(dropped(before, 1)).containsExactly("erin");

        Traffic t = new Traffic(s);
        t.unmerge(s.dev(), "dave", "u1");
        t.unmerge(s.dev(), "erin", "u2");
        // u1's view is the device's own again; u2's view falls back to the device, its cart stays fay's.
        JsonNode after = Sends.query(s, s.dev(), body("P1D", "u-view", "u-cart"));
        assertThat(counts(after.get("steps"))).containsExactly(2L, 0L);
        assertThat(dropped(after, 1)).containsExactly("device:u1", "device:u2");
    }

    @Test
    void environmentsNeverMix() {
        // Production's buy for bob does not complete development's bob; production sees only its own user.
        assertThat(dropped(viewCartBuy(), 2)).contains("bob");
        JsonNode prod = Sends.query(s, s.prod(), body("P1D", "view", "cart", "buy"));
        assertThat(counts(prod.get("steps"))).containsExactly(1L, 1L, 1L);
        assertThat(prod.get("steps").get(1).get("median_seconds_from_previous").asDouble()).isEqualTo(3600.0);
    }

    @Test
    void breakdownSplitsUsersByTheirChosenAttemptsFirstStepProperty() {
        Map<String, Object> b = body("P1D", "view", "cart", "buy");
        b.put("breakdown", Map.of("property", "plan"));
        JsonNode answer = Sends.query(s, s.dev(), b);
        assertThat(counts(answer.get("steps"))).containsExactly(9L, 7L, 2L);
        JsonNode groups = answer.get("breakdowns");
        assertThat(groups).hasSize(3);
        // r1's first view had no plan, but its second (the attempt that reached cart) was 'free'.
        assertThat(groups.get(0).get("value").asText()).isEqualTo("(none)");
        assertThat(counts(groups.get(0).get("steps"))).containsExactly(5L, 3L, 0L);
        assertThat(groups.get(1).get("value").asText()).isEqualTo("free");
        assertThat(counts(groups.get(1).get("steps"))).containsExactly(2L, 2L, 0L);
        assertThat(groups.get(2).get("value").asText()).isEqualTo("pro");
        assertThat(counts(groups.get(2).get("steps"))).containsExactly(2L, 2L, 2L);
        assertThat(groups.get(1).get("dropped_off").get(1).get("users").toString()).isEqualTo("[\"bob\",\"device:r1\"]");
    }

    @Test
    void breakdownBeyondItsLimitGroupsTheRestAsOther() {
        Map<String, Object> b = body("P1D", "view", "cart");
        b.put("breakdown", Map.of("property", "plan", "limit", 1));
        JsonNode groups = Sends.query(s, s.dev(), b).get("breakdowns");
        Map<String, List<Long>> byValue = new HashMap<>();
        groups.forEach(g -> byValue.put(g.get("value").asText(), counts(g.get("steps"))));
        // free and pro tie at two users; the first by name stays.
        assertThat(byValue).containsOnlyKeys("(none)", "free", "(other)").containsEntry("(other)", List.of(2L, 2L));
    }

    @Test
    void windowsAreIsoDurationsOrWeeksAndOthersAreRefusedNamingTheField() {
        assertThat(counts(Sends.query(s, s.dev(), body("P2W", "view", "cart")).get("steps"))).containsExactly(9L, 8L);
        for (String bad : List.of("P1M", "14 days", "PT0S", "-P1D")) {
            TestServer.Response r = Sends.ask(s, s.dev(), body(bad, "view", "cart"));
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("window");
        }
    }

    @Test
    void aRangeWithoutEventsAnswersZerosAndNoMedians() {
        Map<String, Object> b = body("P1D", "view", "cart");
        b.put("from", "2026-10-01T00:00:00Z");
        b.put("to", "2026-10-02T00:00:00Z");
        b.put("breakdown", "plan");
        JsonNode answer = Sends.query(s, s.dev(), b);
        assertThat(counts(answer.get("steps"))).containsExactly(0L, 0L);
        assertThat(answer.get("steps").get(1).get("conversion").asDouble()).isEqualTo(0.0);
        assertThat(answer.get("steps").get(1).get("median_seconds_from_previous").isNull()).isTrue();
        assertThat(dropped(answer, 1)).isEmpty();
        assertThat(answer.get("breakdowns")).isEmpty();
    }

    @Test
    void aFunnelNeedsAtLeastTwoSteps() {
        TestServer.Response r = Sends.ask(s, s.dev(), body("P1D", "view"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("steps");
        TestServer.Response bad = Sends.ask(s, s.dev(), Map.of("kind", "funnel", "from", "2026-11-02T00:00:00Z",
                "to", "2026-11-05T00:00:00Z", "steps", List.of(event("view"), Map.of("kind", "hover"))));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("errors").get(0).get("field").asText()).startsWith("steps[1]");
    }
}
