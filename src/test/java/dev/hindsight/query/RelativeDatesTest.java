package dev.hindsight.query;

import static dev.hindsight.TestServer.ADMIN;
import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Relative ranges ({@code -7d}, {@code this_week}, {@code last_quarter}, ...), plain dates and local date-times in
 * {@code from} and {@code to}, resolved at the server's clock in the environment's or the query's time zone, as the
 * answer's {@code range} echoes them; with the clock just before and after local midnights, month ends and quarter
 * ends, where one instant is another day, month or quarter in another zone.
 */
class RelativeDatesTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-29T21:59:59.999Z"));
    private final TestServer s = TestServer.start(Map.of(), clock);

    @AfterEach
    void stop() {
        s.close();
    }

    private TestServer.Response ask(String from, String to, String zone) {
        return s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"sessions\",\"from\":\"" + from
                + "\"" + (to == null ? "" : ",\"to\":\"" + to + "\"")
                + (zone == null ? "" : ",\"time_zone\":\"" + zone + "\"") + "}", bearer(ADMIN));
    }

    /** The resolved range as "from .. to" in UTC. */
    private String range(String from, String to, String zone) {
        TestServer.Response r = ask(from, to, zone);
        assertThat(r.status()).as(from + " .. " + to + ": " + r.body()).isEqualTo(200);
        JsonNode range = r.json().get("range");
        return range.get("from").asText() + " .. " + range.get("to").asText();
    }

    private TestServer.Response patch(String body) {
        return s.send("PATCH", "/api/environments/" + s.dev().appId(), body, "Content-Type", "application/json",
                "Authorization", "Bearer " + ADMIN);
    }

    private static List<String> fields(TestServer.Response r) {
        List<String> out = new ArrayList<>();
        r.json().path("errors").forEach(e -> out.add(e.get("field").asText()));
        return out;
    }

    @Test
    void relativeRangesStartAtLocalMidnightsAndMoveOnAtTheNextOne() {
        String berlin = "Europe/Berlin";
        // Sunday 29 March 2026, 23:59:59.999 CEST: the day the clocks went forward, the last of its week.
        assertThat(range("today", null, berlin)).as("today, to the end of the current hour")
                .isEqualTo("2026-03-28T23:00:00Z .. 2026-03-29T22:00:00Z");
        assertThat(range("-7d", null, berlin)).as("the last 7 days, today included")
                .isEqualTo("2026-03-22T23:00:00Z .. 2026-03-29T22:00:00Z");
        assertThat(range("this_week", null, berlin)).as("from Monday").startsWith("2026-03-22T23:00:00Z ..");
        assertThat(range("yesterday", null, berlin)).isEqualTo("2026-03-27T23:00:00Z .. 2026-03-28T23:00:00Z");
        assertThat(range("-24h", null, berlin)).as("the last 24 whole hours, this one included")
                .isEqualTo("2026-03-28T22:00:00Z .. 2026-03-29T22:00:00Z");
        assertThat(range("today", null, "UTC")).as("in UTC it is still the 29th, 22:00")
                .isEqualTo("2026-03-29T00:00:00Z .. 2026-03-29T22:00:00Z");

        clock.advance(Duration.ofMillis(1));

        assertThat(range("today", null, berlin)).as("a new day from its first millisecond")
                .isEqualTo("2026-03-29T22:00:00Z .. 2026-03-29T23:00:00Z");
        assertThat(range("-7d", null, berlin)).as("from 24 March, still CET").startsWith("2026-03-23T23:00:00Z ..");
        assertThat(range("this_week", null, berlin)).as("a new week").startsWith("2026-03-29T22:00:00Z ..");
        assertThat(range("last_week", null, berlin)).isEqualTo("2026-03-22T23:00:00Z .. 2026-03-29T22:00:00Z");
        assertThat(range("-14d", "-7d", berlin)).as("the 7 days before the last 7")
                .isEqualTo("2026-03-16T23:00:00Z .. 2026-03-23T23:00:00Z");
    }

    @Test
    void oneInstantIsAnotherMonthAndQuarterInAnotherZone() {
        // 31 January 23:30 UTC: 18:30 on the 31st in New York, 00:30 on 1 February in Berlin.
        clock.set(Instant.parse("2026-01-31T23:30:00Z"));
        assertThat(range("this_month", null, "America/New_York")).startsWith("2026-01-01T05:00:00Z ..");
        assertThat(range("last_month", null, "America/New_York")).isEqualTo("2025-12-01T05:00:00Z .. 2026-01-01T05:00:00Z");
        assertThat(range("this_month", null, "Europe/Berlin")).startsWith("2026-01-31T23:00:00Z ..");
        assertThat(range("last_month", null, "Europe/Berlin")).isEqualTo("2025-12-31T23:00:00Z .. 2026-01-31T23:00:00Z");

        // 31 March 22:30 UTC: still Q1 in UTC, 1 April 00:30 CEST (Q2) in Berlin.
        clock.set(Instant.parse("2026-03-31T22:30:00Z"));
        assertThat(range("this_quarter", null, "UTC")).startsWith("2026-01-01T00:00:00Z ..");
        assertThat(range("last_quarter", null, "UTC")).isEqualTo("2025-10-01T00:00:00Z .. 2026-01-01T00:00:00Z");
        assertThat(range("-1q", null, "UTC")).startsWith("2026-01-01T00:00:00Z ..");
        assertThat(range("this_quarter", null, "Europe/Berlin")).startsWith("2026-03-31T22:00:00Z ..");
        assertThat(range("last_quarter", null, "Europe/Berlin")).isEqualTo("2025-12-31T23:00:00Z .. 2026-03-31T22:00:00Z");
        assertThat(range("-3m", null, "Europe/Berlin")).as("April, March, February").startsWith("2026-01-31T23:00:00Z ..");
        assertThat(range("-12w", null, "Europe/Berlin")).as("12 weeks from Monday 12 January")
                .startsWith("2026-01-11T23:00:00Z ..");
        assertThat(range("this_year", null, "Europe/Berlin")).startsWith("2025-12-31T23:00:00Z ..");
        assertThat(range("-1y", null, "Europe/Berlin")).startsWith("2025-12-31T23:00:00Z ..");
        assertThat(range("last_year", null, "Europe/Berlin")).isEqualTo("2024-12-31T23:00:00Z .. 2025-12-31T23:00:00Z");
        assertThat(range("last_year", "today", "Europe/Berlin")).as("a period word as 'to' is its end")
                .isEqualTo("2024-12-31T23:00:00Z .. 2026-04-01T22:00:00Z");
        assertThat(range("all", "now", "UTC")).isEqualTo("2000-01-01T00:00:00Z .. 2026-03-31T22:30:00Z");
    }

    @Test
    void datesAreLocalMidnightsAndADateAsToIncludesItsDay() {
        assertThat(range("2026-03-01", "2026-03-31", "Europe/Berlin")).as("all of March, CET then CEST")
                .isEqualTo("2026-02-28T23:00:00Z .. 2026-03-31T22:00:00Z");
        assertThat(range("2026-03-01T09:30", "2026-03-01T10:00:00.5", "America/New_York"))
                .isEqualTo("2026-03-01T14:30:00Z .. 2026-03-01T15:00:00.500Z");
        assertThat(range("2026-03-01T00:00:00Z", "2026-03-02T00:00:00+01:00", "Asia/Kolkata"))
                .as("instants are the same in every zone").isEqualTo("2026-03-01T00:00:00Z .. 2026-03-01T23:00:00Z");
        assertThat(range("2026-03-01", null, null)).as("from a date on to the end of the current hour")
                .isEqualTo("2026-03-01T00:00:00Z .. 2026-03-29T22:00:00Z");
        JsonNode echo = ask("2026-03-29", "2026-03-29", "Europe/Berlin").json().get("range");
        assertThat(echo.get("from_local").asText()).isEqualTo("2026-03-29T00:00+01:00");
        assertThat(echo.get("to_local").asText()).isEqualTo("2026-03-30T00:00+02:00");
        assertThat(echo.get("time_zone").asText()).isEqualTo("Europe/Berlin");
    }

    @Test
    void theEnvironmentsTimeZoneIsASettingThatQueriesUseAndThatSurvivesARestart() {
        assertThat(s.get("/api/environments/" + s.dev().appId(), bearer(ADMIN)).json().get("time_zone").asText())
                .as("UTC until set").isEqualTo("UTC");
        assertThat(ask("today", null, null).json().get("range").get("time_zone").asText()).isEqualTo("UTC");

        TestServer.Response r = patch("{\"time_zone\": \"America/New_York\"}");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("time_zone").asText()).isEqualTo("America/New_York");
        assertThat(range("today", null, null)).startsWith("2026-03-29T04:00:00Z ..");
        assertThat(range("today", null, "Asia/Kolkata")).as("a query's own zone wins")
                .startsWith("2026-03-29T18:30:00Z ..");
        assertThat(s.prod().settings().timeZone()).as("the other environment keeps its zone").isEqualTo("UTC");
        s.restart();
        assertThat(s.dev().settings().timeZone()).isEqualTo("America/New_York");
        assertThat(range("today", null, null)).startsWith("2026-03-29T04:00:00Z ..");
    }

    @Test
    void nonsenseRangesAndZonesAre400sNamingTheField() {
        assertThat(fields(ask("-0d", null, null))).as("an empty relative range").containsExactly("from");
        assertThat(ask("-0d", null, null).json().get("detail").asText()).contains("at least 1");
        TestServer.Response ancient = ask("-99999y", null, null);
        assertThat(ancient.status()).isEqualTo(400);
        assertThat(ancient.json().get("type").asText()).endsWith("/limit-exceeded");
        assertThat(fields(ancient)).containsExactly("from");
        assertThat(fields(ask("-9999999d", null, null))).containsExactly("from");
        assertThat(fields(ask("lastweek", null, null))).containsExactly("from");
        assertThat(ask("lastweek", null, null).json().get("detail").asText()).contains("last_week", "-7d", "2026-11-01");
        assertThat(fields(ask("tomorrow", null, null))).containsExactly("from");
        assertThat(fields(ask("2026-02-30", null, null))).containsExactly("from");
        assertThat(fields(ask("-7d", "all", null))).containsExactly("to");
        assertThat(fields(ask("today", "yesterday", null))).as("an empty range").containsExactly("from");
        assertThat(fields(ask("today", null, "Mars/Olympus"))).containsExactly("time_zone");
        assertThat(fields(ask("today", null, "+01:00"))).as("an offset is no zone").containsExactly("time_zone");
        assertThat(fields(ask("today", null, "europe/berlin"))).containsExactly("time_zone");
        assertThat(ask("today", null, "Mars/Olympus").status()).isEqualTo(400);
        TestServer.Response numeric = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId()
                + "\",\"kind\":\"sessions\",\"from\":\"today\",\"time_zone\":1}", bearer(ADMIN));
        assertThat(fields(numeric)).containsExactly("time_zone");
        assertThat(numeric.json().get("detail").asText()).contains("must be a string");

        TestServer.Response badZone = patch("{\"time_zone\": \"Europe/Atlantis\"}");
        TestServer.Response notText = patch("{\"time_zone\": 1}");
        assertThat(badZone.status()).isEqualTo(400);
        assertThat(badZone.header("Content-Type")).startsWith("application/problem+json");
        assertThat(fields(badZone)).containsExactly("time_zone");
        assertThat(fields(notText)).containsExactly("time_zone");
        assertThat(s.dev().settings().timeZone()).as("nothing of a refused patch applies").isEqualTo("UTC");
    }
}
