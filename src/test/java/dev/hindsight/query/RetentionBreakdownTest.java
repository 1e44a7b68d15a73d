package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static dev.hindsight.query.Sends.identified;
import static org.assertj.core.api.Assertions.assertThat;

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
 * Retention signup -> open by day over [2026-11-02, 2026-11-05), 2 periods, broken down:
 * <pre>
 * alice  signup Nov 2 01:00 plan pro, signup Nov 3 06:00 plan free; open Nov 3 01:00   cohort Nov 2: k1   group pro
 * bob    signup Nov 2 02:00 plan free; open Nov 2 03:00                                  cohort Nov 2: k0   group free
 * carol  signup Nov 3 02:00 plan pro; open Nov 4 02:00                                   cohort Nov 3: k1   group pro
 * dave   signup Nov 3 03:00 without a plan                                               cohort Nov 3       (none)
 * erin   signup Nov 3 04:00 plan team                                                    cohort Nov 3       group team
 * </pre>
 * Cohorts: "Pros" = alice, carol and zed (never seen), "Bob" = bob, "Nobody" = zed.
 */
class RetentionBreakdownTest {
    private static final long D = 1_793_577_600_000L; // 2026-11-02T00:00:00Z
    private static final long H = 3_600_000L;
    private static TestServer s;
    private static long pros;
    private static long bobs;
    private static long nobody;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        List<Map<String, Object>> ev = new ArrayList<>();
        ev.add(identified("d1", "alice", "signup", D + H, "pro"));
        ev.add(identified("d1", "alice", "signup", D + 30 * H, "free"));
        ev.add(identified("d1", "alice", "open", D + 25 * H, null));
        ev.add(identified("d2", "bob", "signup", D + 2 * H, "free"));
        ev.add(identified("d2", "bob", "open", D + 3 * H, null));
        ev.add(identified("d3", "carol", "signup", D + 26 * H, "pro"));
        ev.add(identified("d3", "carol", "open", D + 50 * H, null));
        ev.add(identified("d4", "dave", "signup", D + 27 * H, null));
        ev.add(identified("d5", "erin", "signup", D + 28 * H, "team"));
        Sends.browser(s, s.dev(), ev);
        pros = cohort("Pros", "[\"alice\", \"carol\", \"zed\"]");
        bobs = cohort("Bob", "[\"bob\"]");
        nobody = cohort("Nobody", "[\"zed\"]");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static long cohort(String name, String identities) {
        TestServer.Response r = s.post("/api/cohorts", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":\"" + name
                + "\",\"definition\":{\"type\":\"static\",\"identities\":" + identities + "}}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static Map<String, Object> body(String from, String to, String period, int periods, Object breakdown) {
        Map<String, Object> b = new HashMap<>(Map.of("kind", "retention", "from", from, "to", to, "period", period,
                "periods", periods, "start", Sends.event("signup"), "return", Sends.event("open")));
        if (breakdown != null) {
            b.put("breakdown", breakdown);
        }
        return b;
    }

    private static JsonNode grid(Object breakdown) {
        return Sends.query(s, s.dev(), body("2026-11-02T00:00:00Z", "2026-11-05T00:00:00Z", "day", 2, breakdown));
    }

    /** Each cohort of a grid as "start users retained...". */
    private static List<String> rows(JsonNode cohorts) {
        List<String> out = new ArrayList<>();
        cohorts.forEach(c -> {
            StringBuilder b = new StringBuilder(c.get("start").asText().substring(0, 10) + " " + c.get("users").asLong());
            c.get("retained").forEach(x -> b.append(' ').append(x.isNull() ? "-" : x.asText()));
            out.add(b.toString());
        });
        return out;
    }

    private static Map<String, List<String>> breakdowns(JsonNode answer) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        answer.get("breakdowns").forEach(b -> out.put(b.get("value").asText(), rows(b.get("cohorts"))));
        return out;
    }

    @Test
    void aPropertyBreakdownGroupsUsersByTheValueOnTheirFirstStartAndKeepsTheWholeGrid() {
        JsonNode answer = grid("plan");
        assertThat(rows(answer.get("cohorts"))).containsExactly("2026-11-02 2 1 1 0", "2026-11-03 3 0 1 -",
                "2026-11-04 0 0 - -");
        // alice's later signup says free: her first one (pro) decides. Most users first, then by value.
        assertThat(breakdowns(answer)).containsExactly(
                Map.entry("pro", List.of("2026-11-02 1 0 1 0", "2026-11-03 1 0 1 -", "2026-11-04 0 0 - -")),
                Map.entry("(none)", List.of("2026-11-02 0 0 0 0", "2026-11-03 1 0 0 -", "2026-11-04 0 0 - -")),
                Map.entry("free", List.of("2026-11-02 1 1 0 0", "2026-11-03 0 0 0 -", "2026-11-04 0 0 - -")),
                Map.entry("team", List.of("2026-11-02 0 0 0 0", "2026-11-03 1 0 0 -", "2026-11-04 0 0 - -")));
        JsonNode rates = answer.get("breakdowns").get(0).get("cohorts").get(0).get("rates");
        assertThat(rates.get(1).asDouble()).isEqualTo(1.0);
        assertThat(rates.get(0).asDouble()).isEqualTo(0.0);
    }

    @Test
    void aLimitKeepsTheValuesWithMostUsersAndPutsTheRestInOther() {
        JsonNode answer = grid(Map.of("property", "plan", "limit", 1));
        // pro has two users; free (bob) and team (erin) are (other), dave (none).
        assertThat(breakdowns(answer)).containsExactly(
                Map.entry("(other)", List.of("2026-11-02 1 1 0 0", "2026-11-03 1 0 0 -", "2026-11-04 0 0 - -")),
                Map.entry("pro", List.of("2026-11-02 1 0 1 0", "2026-11-03 1 0 1 -", "2026-11-04 0 0 - -")),
                Map.entry("(none)", List.of("2026-11-02 0 0 0 0", "2026-11-03 1 0 0 -", "2026-11-04 0 0 - -")));
    }

    @Test
    void aCohortBreakdownHasAGridPerCohortInTheRequestsOrderEmptyOnesToo() {
        JsonNode answer = grid(Map.of("cohorts", List.of(nobody, pros, bobs)));
        assertThat(breakdowns(answer)).containsExactly(
                Map.entry("Nobody", List.of("2026-11-02 0 0 0 0", "2026-11-03 0 0 0 -", "2026-11-04 0 0 - -")),
                Map.entry("Pros", List.of("2026-11-02 1 0 1 0", "2026-11-03 1 0 1 -", "2026-11-04 0 0 - -")),
                Map.entry("Bob", List.of("2026-11-02 1 1 0 0", "2026-11-03 0 0 0 -", "2026-11-04 0 0 - -")));
        // With the top-level cohort filter too: only the users it keeps are in any grid.
        Map<String, Object> notBob = body("2026-11-02T00:00:00Z", "2026-11-05T00:00:00Z", "day", 2,
                Map.of("cohorts", List.of(pros, bobs)));
        notBob.put("cohort", Map.of("id", bobs, "not", true));
        assertThat(breakdowns(Sends.query(s, s.dev(), notBob))).containsExactly(
                Map.entry("Pros", List.of("2026-11-02 1 0 1 0", "2026-11-03 1 0 1 -", "2026-11-04 0 0 - -")),
                Map.entry("Bob", List.of("2026-11-02 0 0 0 0", "2026-11-03 0 0 0 -", "2026-11-04 0 0 - -")));
        // Without a breakdown the answer has no breakdowns at all.
        assertThat(grid(null).has("breakdowns")).isFalse();
    }

    @Test
    void aBreakdownOfMoreThanHalfAMillionCellsIsRefusedNamingTheField() {
        // 974 daily cohorts, 61 periods: 12 groups (10 values, other, none) would be 712,728 cells.
        String from = "2024-04-01T00:00:00Z";
        String to = "2026-12-01T00:00:00Z";
        refused(body(from, to, "day", 60, "plan"), "breakdown");
        refused(body(from, to, "day", 60, Map.of("property", "plan", "limit", 8)), "breakdown.limit");
        List<Long> nine = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            nine.add(cohort("c" + i, "[\"alice\"]"));
        }
        refused(body(from, to, "day", 60, Map.of("cohorts", nine)), "breakdown.cohorts");
        // Within the bound: fewer periods.
        assertThat(Sends.ask(s, s.dev(), body(from, to, "day", 7, "plan")).status()).isEqualTo(200);
        assertThat(Sends.ask(s, s.dev(), body(from, to, "day", 7, Map.of("cohorts", nine))).status()).isEqualTo(200);
    }

    @Test
    void aBadBreakdownIsRefusedNamingTheField() {
        TestServer.Response r = Sends.ask(s, s.dev(), body("2026-11-02", "2026-11-04", "day", 2,
                Map.of("property", "plan", "limt", 3)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("breakdown.limt");
        r = Sends.ask(s, s.dev(), body("2026-11-02", "2026-11-04", "day", 2, "$chanel"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("breakdown.property");
    }

    private static void refused(Map<String, Object> body, String field) {
        TestServer.Response r = Sends.ask(s, s.dev(), body);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("type").asText()).endsWith("/limit-exceeded");
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo(field);
    }
}
