package dev.hindsight.query;

import static dev.hindsight.query.Sends.custom;
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
 * Retention signup -> open by day over [2026-11-02, 2026-11-05) (a Monday to a Thursday), 3 periods:
 * <pre>
 * device:d1  signup Nov 2 10:00; opens Nov 2 12:00, Nov 3 09:00 and 11:00, Nov 4 08:00      cohort Nov 2: k0 k1 k2
 * device:d2  open Nov 2 08:00 (before signup), signup 09:00; opens Nov 3 00:00, Nov 4 10:00  cohort Nov 2: k1 k2
 * erin       d6 signup Nov 2 15:00; d7 open Nov 3 15:00; both identified later            cohort Nov 2: k1
 * dana       d3 signup Nov 3 01:00 anonymous, identify 02:00; open Nov 4 05:00 via /api/track   cohort Nov 3: k1
 * device:d4  signup Nov 3 05:00 and Nov 4 07:00; open Nov 3 06:00                         cohort Nov 3: k0
 * device:d5  signup Nov 1 23:00 (before the range) and Nov 4 09:00; open Nov 4 12:00       cohort Nov 4: k0
 * </pre>
 * Production holds a signup of its own and opens for d1, which development must never see.
 */
class RetentionQueryTest {
    private static final long D = 1_793_577_600_000L; // 2026-11-02T00:00:00Z, a Monday
    private static final long H = 3_600_000L;
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        List<Map<String, Object>> ev = new ArrayList<>();
        ev.add(custom("d1", "signup", D + 10 * H, null));
        ev.add(custom("d1", "open", D + 12 * H, null));
        ev.add(custom("d1", "open", D + 33 * H, null));
        ev.add(custom("d1", "open", D + 35 * H, null));
        ev.add(custom("d1", "open", D + 56 * H, null));
        ev.add(custom("d2", "open", D + 8 * H, null));
        ev.add(custom("d2", "signup", D + 9 * H, null));
        ev.add(custom("d2", "open", D + 24 * H, null));
        ev.add(custom("d2", "open", D + 58 * H, null));
        ev.add(custom("d6", "signup", D + 15 * H, null));
        ev.add(custom("d7", "open", D + 39 * H, null));
        ev.add(custom("d3", "signup", D + 25 * H, null));
        ev.add(custom("d4", "signup", D + 29 * H, null));
        ev.add(custom("d4", "open", D + 30 * H, null));
        ev.add(custom("d4", "signup", D + 55 * H, null));
        ev.add(custom("d5", "signup", D - H, null));
        ev.add(custom("d5", "signup", D + 57 * H, null));
        ev.add(custom("d5", "open", D + 60 * H, null));
        ev.add(identify("d6", "erin", D + 16 * H));
        ev.add(identify("d7", "erin", D + 40 * H));
        ev.add(identify("d3", "dana", D + 26 * H));
        Sends.browser(s, s.dev(), ev);
        Sends.track(s, s.dev(), "dana", "open", D + 53 * H);
        Sends.browser(s, s.prod(), List.of(custom("x1", "signup", D + H, null), custom("x1", "open", D + 2 * H, null),
                custom("d1", "open", D + 11 * H, null), custom("d1", "open", D + 13 * H, null)));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static Map<String, Object> body(String from, String period, int periods, String start, String ret) {
        return new HashMap<>(Map.of("kind", "retention", "from", from, "to", "2026-11-05T00:00:00Z", "period", period,
                "periods", periods, "start", Sends.event(start), "return", Sends.event(ret)));
    }

    private static JsonNode daily() {
        return Sends.query(s, s.dev(), body("2026-11-02T00:00:00Z", "day", 3, "signup", "open")).get("cohorts");
    }

    private static List<Long> retained(JsonNode cohort) {
        List<Long> out = new ArrayList<>();
        cohort.get("retained").forEach(n -> out.add(n.isNull() ? null : n.asLong()));
        return out;
    }

    @Test
    void everyDayOfTheRangeIsACohortOfItsFirstStarters() {
        JsonNode cohorts = daily();
        assertThat(cohorts).hasSize(3);
        assertThat(cohorts.get(0).get("start").asText()).isEqualTo("2026-11-02T00:00:00Z");
        assertThat(cohorts.get(2).get("start").asText()).isEqualTo("2026-11-04T00:00:00Z");
        assertThat(cohorts.get(0).get("users").asLong()).isEqualTo(3);
        assertThat(cohorts.get(1).get("users").asLong()).isEqualTo(2);
        assertThat(cohorts.get(2).get("users").asLong()).isEqualTo(1);
    }

    @Test
    void countsReturnsPerPeriodOnceEachAndNullForPeriodsNotBegun() {
        JsonNode cohorts = daily();
        assertThat(retained(cohorts.get(0))).containsExactly(1L, 3L, 2L, null);
        assertThat(retained(cohorts.get(1))).containsExactly(1L, 1L, null, null);
        assertThat(retained(cohorts.get(2))).containsExactly(1L, null, null, null);
        JsonNode rates = cohorts.get(0).get("rates");
        assertThat(rates.get(0).asDouble()).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(rates.get(1).asDouble()).isEqualTo(1.0);
        assertThat(rates.get(3).isNull()).isTrue();
    }

    @Test
    void aReturnBeforeTheFirstStartDoesNotCountAndAPeriodStartsAtMidnightExactly() {
        // d2 opened at 08:00 before signing up at 09:00 (not period 0) and at Nov 3 00:00 sharp (period 1).
        JsonNode first = daily().get(0);
        assertThat(retained(first).get(0)).isEqualTo(1L);
        assertThat(retained(first).get(1)).isEqualTo(3L);
    }

    @Test
    void theFirstStartInsideTheRangeDecidesTheCohort() {
        // d5 signed up before the range too: its cohort is Nov 4, not Nov 1 and not absent.
        assertThat(daily().get(2).get("users").asLong()).isEqualTo(1);
        // From Wednesday Nov 4 the week cohort (starting Monday) holds d4 and d5 by their Nov 4 signups; d4's open
        // was on Nov 3, before that first start in range.
        JsonNode week = Sends.query(s, s.dev(), body("2026-11-04T00:00:00Z", "week", 2, "signup", "open")).get("cohorts");
        assertThat(week).hasSize(1);
        assertThat(week.get(0).get("start").asText()).isEqualTo("2026-11-02T00:00:00Z");
        assertThat(week.get(0).get("users").asLong()).isEqualTo(2);
        assertThat(retained(week.get(0))).containsExactly(1L, null, null);
    }

    @Test
    void anonymousStartsBeforeTheIdentifyAndReturnsOnAnotherDeviceBelongToTheUser() {
        // dana signed up anonymously on d3 and returned as dana from the server; erin returned on another device.
        JsonNode cohorts = daily();
        assertThat(cohorts.get(1).get("users").asLong()).isEqualTo(2);
        assertThat(retained(cohorts.get(1)).get(1)).isEqualTo(1L);
        assertThat(retained(cohorts.get(0)).get(1)).isEqualTo(3L);
    }

    @Test
    void environmentsNeverMix() {
        // Production's opens for d1 at 11:00 and 13:00 would not change period 0, so check production's own grid.
        JsonNode prod = Sends.query(s, s.prod(), body("2026-11-02T00:00:00Z", "day", 1, "signup", "open")).get("cohorts");
        assertThat(prod.get(0).get("users").asLong()).isEqualTo(1);
        assertThat(retained(prod.get(0))).containsExactly(1L, 0L);
        assertThat(daily().get(0).get("users").asLong()).isEqualTo(3);
    }

    @Test
    void whenStartAndReturnAreTheSameEventTheFirstStartIsPeriodZero() {
        JsonNode cohorts = Sends.query(s, s.dev(), body("2026-11-02T00:00:00Z", "day", 2, "signup", "signup"))
                .get("cohorts");
        assertThat(retained(cohorts.get(0))).containsExactly(3L, 0L, 0L);
        // d4 signed up again on Nov 4, one day after its cohort.
        assertThat(retained(cohorts.get(1))).containsExactly(2L, 1L, null);
    }

    @Test
    void periodsOutsideOneToSixtyAndUnknownPeriodsAreRefusedNamingTheField() {
        for (Map.Entry<String, Object[]> bad : Map.of("periods", new Object[] {"day", 61}, "period",
                new Object[] {"year", 3}).entrySet()) {
            TestServer.Response r = Sends.ask(s, s.dev(), body("2026-11-02T00:00:00Z", (String) bad.getValue()[0],
                    (Integer) bad.getValue()[1], "signup", "open"));
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo(bad.getKey());
        }
    }
}
