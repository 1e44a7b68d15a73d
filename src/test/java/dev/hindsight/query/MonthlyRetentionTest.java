package dev.hindsight.query;

import static dev.hindsight.query.Sends.custom;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention by calendar month in New York, from Jan 1 to Mar 31 2026 (a plain `to` date includes its day), 2 periods:
 * <pre>
 * m1  signup Jan 31 23:30; open Feb 1 00:30 (one hour later, but the next month)      cohort Jan: k1
 * m2  signup Jan 5; opens Jan 20 and Mar 31 23:00 (April already in UTC)              cohort Jan: k0 k2
 * m3  signup Feb 15; open Mar 8 03:30 (the day clocks go forward)                     cohort Feb: k1
 * m4  signup Mar 10, no open                                                          cohort Mar
 * </pre>
 * In UTC the same events fall into other months (m1's signup is Feb 1 04:30Z), so the grid differs.
 */
class MonthlyRetentionTest {
    private static final ZoneId NY = ZoneId.of("America/New_York");
    private static TestServer s;

    private static long at(String local) {
        return LocalDateTime.parse(local).atZone(NY).toInstant().toEpochMilli();
    }

    @BeforeAll
    static void start() {
        s = TestServer.start();
        Sends.browser(s, s.dev(), List.of(
                custom("m1", "signup", at("2026-01-31T23:30"), null),
                custom("m1", "open", at("2026-02-01T00:30"), null),
                custom("m2", "signup", at("2026-01-05T12:00"), null),
                custom("m2", "open", at("2026-01-20T12:00"), null),
                custom("m2", "open", at("2026-03-31T23:00"), null),
                custom("m3", "signup", at("2026-02-15T12:00"), null),
                custom("m3", "open", at("2026-03-08T03:30"), null),
                custom("m4", "signup", at("2026-03-10T12:00"), null)));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static JsonNode monthly(String zone) {
        return Sends.query(s, s.dev(), Map.of("kind", "retention", "from", "2026-01-01", "to", "2026-03-31",
                "time_zone", zone, "period", "month", "periods", 2, "start", Sends.event("signup"),
                "return", Sends.event("open"))).get("cohorts");
    }

    private static List<Long> retained(JsonNode cohort) {
        List<Long> out = new ArrayList<>();
        cohort.get("retained").forEach(n -> out.add(n.isNull() ? null : n.asLong()));
        return out;
    }

    @Test
    void cohortsAreCalendarMonthsOfTheQuerysTimeZone() {
        JsonNode cohorts = monthly("America/New_York");
        assertThat(cohorts).hasSize(3);
        assertThat(cohorts.get(0).get("start").asText()).isEqualTo("2026-01-01T05:00:00Z");
        assertThat(cohorts.get(1).get("start").asText()).isEqualTo("2026-02-01T05:00:00Z");
        assertThat(cohorts.get(2).get("start").asText()).isEqualTo("2026-03-01T05:00:00Z");
        assertThat(cohorts.get(0).get("users").asLong()).isEqualTo(2);
        assertThat(cohorts.get(1).get("users").asLong()).isEqualTo(1);
        assertThat(cohorts.get(2).get("users").asLong()).isEqualTo(1);
    }

    @Test
    void aReturnInTheNextCalendarMonthIsPeriodOneHoweverCloseAndPeriodsNotBegunAreNull() {
        JsonNode cohorts = monthly("America/New_York");
        assertThat(retained(cohorts.get(0))).containsExactly(1L, 1L, 1L);
        assertThat(retained(cohorts.get(1))).containsExactly(0L, 1L, null);
        assertThat(retained(cohorts.get(2))).containsExactly(0L, null, null);
    }

    @Test
    void inUtcTheSameEventsFallIntoOtherMonths() {
        // m1's signup and open are both in February; m2's last open is on April 1, outside the range.
        JsonNode cohorts = monthly("UTC");
        assertThat(cohorts.get(0).get("users").asLong()).isEqualTo(1);
        assertThat(retained(cohorts.get(0))).containsExactly(1L, 0L, 0L);
        assertThat(cohorts.get(1).get("users").asLong()).isEqualTo(2);
        assertThat(retained(cohorts.get(1))).containsExactly(1L, 1L, null);
    }
}
