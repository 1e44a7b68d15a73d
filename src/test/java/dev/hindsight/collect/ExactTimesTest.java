package dev.hindsight.collect;

import static dev.hindsight.collect.Api.assertProblem;
import static dev.hindsight.collect.Api.browserBatch;
import static dev.hindsight.collect.Api.errorFields;
import static dev.hindsight.collect.Api.events;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.postH;
import static dev.hindsight.collect.Api.postServer;
import static dev.hindsight.collect.Api.unique;
import static dev.hindsight.collect.Api.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import dev.hindsight.project.Environment;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every time field is checked against its documented range before any conversion, so nothing wraps: event times
 * from 2000-01-01 to 24 hours after receipt, device clock readings on /h from 1970 to 9999, durations from 0 to
 * 366 days. An out-of-range time refuses its item (400 naming the field) and the items beside it are stored.
 */
class ExactTimesTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final long Y2000 = Instant.parse("2000-01-01T00:00:00Z").toEpochMilli();
    private static final MutableClock CLOCK = new MutableClock(NOW);
    private static TestServer s;
    private static Environment env;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
        env = s.dev();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aTrackTimestampFarBeforeTheEpochIsRefusedRatherThanStoredAsTheYear269636() {
        String who = unique("wrap");
        TestServer.Response r = postServer(s, "/api/track", env,
                Api.json(map("app_id", env.appId(), "identity", who, "event", "Paid", "timestamp", -10_000_000_000_000_000L)));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("timestamp");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("2000-01-01");
        assertThat(events(s, env, who)).isEmpty();
        assertThat(user(s, env, who).status()).as("no last_seen from an out-of-range time").isEqualTo(404);
    }

    @Test
    void anIsoTimestampOfTheYearMinus999999999IsA400NotA500() {
        for (String t : List.of("-999999999-01-01T00:00:00Z", "+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00")) {
            String who = unique("iso");
            TestServer.Response r = postServer(s, "/api/track", env,
                    Api.json(map("app_id", env.appId(), "identity", who, "event", "Paid", "timestamp", t)));
            assertProblem(r, 400, "validation");
            assertThat(errorFields(r)).as(t).containsExactly("timestamp");
        }
    }

    @Test
    void anOutOfRangeTimestampInABulkTrackRefusesOnlyItsEvent() {
        String who = unique("bulk");
        TestServer.Response r = postServer(s, "/api/track", env, Api.json(map("app_id", env.appId(), "events", List.of(
                map("identity", who, "event", "Ok", "timestamp", NOW.minusSeconds(60).toString()),
                map("identity", who, "event", "Bad", "timestamp", -10_000_000_000_000_000L),
                map("identity", who, "event", "Bad", "timestamp", 1e300),
                map("identity", who, "event", "Ok", "timestamp", Y2000)))));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[1].timestamp", "events[2].timestamp");
        assertThat(p.get("accepted").asInt()).isEqualTo(2);
        assertThat(events(s, env, who)).extracting(e -> e.get("time").asText())
                .containsExactlyInAnyOrder(NOW.minusSeconds(60).toString(), "2000-01-01T00:00:00Z");
    }

    @Test
    void theRangeOfServerTimesIsFrom2000ToTwentyFourHoursAfterReceiptInclusive() {
        long now = CLOCK.millis();
        long day = Duration.ofHours(24).toMillis();
        Map<Long, Boolean> cases = Map.of(Y2000, true, Y2000 - 1, false, now + day, true, now + day + 1, false);
        cases.forEach((t, ok) -> {
            String who = unique("edge");
            TestServer.Response r = postServer(s, "/api/track", env,
                    Api.json(map("app_id", env.appId(), "identity", who, "event", "Edge", "timestamp", t)));
            assertThat(r.status()).as("%s: %s", Instant.ofEpochMilli(t), r.body()).isEqualTo(ok ? 200 : 400);
        });
    }

    @Test
    void aBrowserTimeOfLongMinValueRefusesThatEventAndTheOthersAreStored() {
        String device = unique("dev");
        long sent = CLOCK.millis();
        TestServer.Response r = postH(s, Api.json(map("app_id", env.appId(), "sent_at", sent, "events", List.of(
                map("kind", "custom", "name", "Ok", "device_id", device, "time", sent - 1000),
                map("kind", "custom", "name", "Bad", "device_id", device, "time", Long.MIN_VALUE),
                map("kind", "identify", "identity", unique("u"), "device_id", device, "time", -9_000_000_000_000_000_000L),
                map("kind", "custom", "name", "Bad", "device_id", device, "time", sent, "session_ms", -1),
                map("kind", "custom", "name", "Bad", "device_id", device, "time", sent, "since_prev_ms", Long.MAX_VALUE),
                map("kind", "custom", "name", "Ok", "device_id", device, "time", sent, "session_ms", 5000,
                        "since_prev_ms", 1000)))));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[1].time", "events[2].time", "events[3].session_ms",
                "events[4].since_prev_ms");
        assertThat(p.get("accepted").asInt()).isEqualTo(2);
        assertThat(Api.count(s, env)).isPositive();
    }

    @Test
    void extremeButValidDeviceClockReadingsAreCorrectedWithoutOverflowAndCappedAtReceipt() {
        String who = unique("skew");
        long received = CLOCK.millis();
        // A device clock at the end of year 9999 for the event and at 1970 for the batch: the correction adds
        // almost the whole range, which must neither wrap nor land in the future.
        TestServer.Response r = postH(s, Api.json(map("app_id", env.appId(), "sent_at", 0, "events", List.of(
                map("kind", "custom", "name", "Skewed", "device_id", unique("d"), "identity", who,
                        "time", 253_402_300_799_999L)))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode e = Api.onlyEvent(s, env, who);
        assertThat(e.get("time").asText()).isEqualTo(Instant.ofEpochMilli(received).toString());
    }

    @Test
    void aDeviceTimeBefore2000AfterCorrectionIsRefused() {
        String device = unique("old");
        TestServer.Response r = postH(s, browserBatch(env,
                map("kind", "custom", "name", "Old", "device_id", device, "time", 1000)));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].time");
    }

    @Test
    void anOutOfRangeSentAtIsReportedAndLeavesTimesUncorrectedInsteadOfWrapping() {
        String who = unique("sent");
        long t = CLOCK.millis() - 5000;
        TestServer.Response r = postH(s, Api.json(map("app_id", env.appId(), "sent_at", Long.MIN_VALUE, "events",
                List.of(map("kind", "custom", "name", "Fine", "device_id", unique("d"), "identity", who, "time", t)))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("warnings").get(0).asText()).startsWith("sent_at must be");
        assertThat(Api.onlyEvent(s, env, who).get("time").asText()).isEqualTo(Instant.ofEpochMilli(t).toString());
    }

    @Test
    void identifyAndUserPropertiesTimestampsOutOfRangeAreRefusedAndSetNoLastSeen() {
        String who = unique("id");
        TestServer.Response identify = postServer(s, "/api/identify", env, Api.json(map("app_id", env.appId(),
                "user_id", who, "anonymous_id", unique("anon"), "traits", map("plan", "pro"),
                "timestamp", -10_000_000_000_000_000L)));
        assertProblem(identify, 400, "validation");
        assertThat(errorFields(identify)).containsExactly("timestamp");

        TestServer.Response single = postServer(s, "/api/add_user_properties", env, Api.json(map("app_id",
                env.appId(), "identity", who, "properties", map("plan", "pro"), "timestamp", "-999999999-01-01T00:00:00Z")));
        assertProblem(single, 400, "validation");
        assertThat(errorFields(single)).containsExactly("timestamp");
        assertThat(user(s, env, who).status()).isEqualTo(404);

        String other = unique("other");
        TestServer.Response bulk = postServer(s, "/api/add_user_properties", env, Api.json(map("app_id", env.appId(),
                "users", List.of(map("identity", other, "properties", map("plan", "free")),
                        map("identity", who, "properties", map("plan", "pro"), "timestamp", Long.MAX_VALUE)))));
        assertProblem(bulk, 400, "validation");
        assertThat(errorFields(bulk)).containsExactly("users[1].timestamp");
        assertThat(user(s, env, who).status()).as("no last_seen from an out-of-range time").isEqualTo(404);
        assertThat(user(s, env, other).json().get("properties").get("plan").asText()).isEqualTo("free");
    }
}
