package dev.hindsight.query;

import static dev.hindsight.query.Traffic.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sessions on a small hand-computed dataset, Nov 10: session a (d1, identified as alice after its events), session
 * b (d2, anonymous, starting with a click), and carol's server-side events without sessions, split in two by a
 * 45-minute gap.
 */
class SessionsQueryTest {
    private static final long NOV10 = 1_794_268_800_000L;
    private static final long H = 3_600_000L;
    private static final long SEC = 1000L;
    private static TestServer s;
    private static Traffic t;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        t = new Traffic(s);
        t.browser(s.dev(), List.of(
                map("kind", "pageview", "device_id", "d1", "session_id", "a", "time", NOV10 + H, "url",
                        "https://x.com/landing?utm_source=ad", "referrer", "https://google.com/"),
                map("kind", "click", "device_id", "d1", "session_id", "a", "time", NOV10 + H + 30 * SEC, "text", "Sign up",
                        "url", "https://x.com/landing", "referrer", "https://x.com/"),
                map("kind", "pageview", "device_id", "d1", "session_id", "a", "time", NOV10 + H + 60 * SEC, "url",
                        "https://x.com/signup"),
                map("kind", "identify", "device_id", "d1", "identity", "alice", "time", NOV10 + H + 90 * SEC),
                map("kind", "click", "device_id", "d2", "session_id", "b", "time", NOV10 + 2 * H, "text", "Menu",
                        "url", "https://x.com/", "referrer", "https://news.ycombinator.com/"),
                map("kind", "pageview", "device_id", "d2", "session_id", "b", "time", NOV10 + 2 * H + 10 * SEC, "url",
                        "https://x.com/pricing")));
        t.track(s.dev(), "carol", "exported", NOV10 + 3 * H);
        t.track(s.dev(), "carol", "exported", NOV10 + 3 * H + 600 * SEC);
        t.track(s.dev(), "carol", "opened", NOV10 + 3 * H + 3300 * SEC);
        // Production: an event in a session named "a" too; development's session a must not see it.
        t.browser(s.prod(), List.of(map("kind", "pageview", "device_id", "d1", "session_id", "a", "time",
                NOV10 + H + 10 * SEC, "url", "https://x.com/prod")));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static JsonNode sessions(String from, String fields) {
        return t.query(s.dev(), "sessions", from, "2026-11-11T00:00:00Z", fields);
    }

    private static List<String> users(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.get("sessions").forEach(x -> out.add(x.get("user_key").asText() + "@" + x.get("start").asText()));
        return out;
    }

    @Test
    void sessionsComeNewestFirstWithDurationLandingPageReferrerAndEvents() {
        JsonNode all = sessions("2026-11-10T00:00:00Z", "");
        assertThat(users(all)).containsExactly("carol@2026-11-10T03:55:00Z", "carol@2026-11-10T03:00:00Z",
                "device:d2@2026-11-10T02:00:00Z", "alice@2026-11-10T01:00:00Z");
        assertThat(all.get("total").asLong()).isEqualTo(4);
        JsonNode a = all.get("sessions").get(3);
        assertThat(a.get("session_id").asText()).isEqualTo("a");
        assertThat(a.get("identity").asText()).isEqualTo("alice");
        assertThat(a.get("end").asText()).isEqualTo("2026-11-10T01:01:00Z");
        assertThat(a.get("duration_seconds").asLong()).isEqualTo(60);
        assertThat(a.get("landing_page").asText()).isEqualTo("https://x.com/landing?utm_source=ad");
        assertThat(a.get("landing_path").asText()).isEqualTo("/landing");
        assertThat(a.get("referrer").asText()).isEqualTo("https://google.com/");
        assertThat(a.get("channel").asText()).as("by the $channel rules").isEqualTo("search");
        assertThat(a.get("event_count").asLong()).isEqualTo(3);
        List<String> events = new ArrayList<>();
        a.get("events").forEach(e -> events.add(e.get("kind").asText() + " " + e.get("path").asText() + " "
                + e.get("text").asText(null) + " " + e.get("time").asText()));
        assertThat(events).containsExactly("pageview /landing null 2026-11-10T01:00:00Z",
                "click /landing Sign up 2026-11-10T01:00:30Z", "pageview /signup null 2026-11-10T01:01:00Z");
    }

    @Test
    void theLandingPageIsTheFirstPageviewAndTheReferrerTheFirstEvents() {
        JsonNode b = sessions("2026-11-10T00:00:00Z", "").get("sessions").get(2);
        assertThat(b.get("identity").isNull()).isTrue();
        assertThat(b.get("landing_path").asText()).isEqualTo("/pricing");
        assertThat(b.get("referrer").asText()).isEqualTo("https://news.ycombinator.com/");
        assertThat(b.get("channel").asText()).isEqualTo("referral");
        assertThat(b.get("duration_seconds").asLong()).isEqualTo(10);
    }

    @Test
    void eventsWithoutSessionIdsSplitAfterThirtyQuietMinutes() {
        JsonNode all = sessions("2026-11-10T00:00:00Z", "\"identity\":\"carol\"");
        assertThat(users(all)).containsExactly("carol@2026-11-10T03:55:00Z", "carol@2026-11-10T03:00:00Z");
        JsonNode first = all.get("sessions").get(1);
        assertThat(first.get("session_id").isNull()).isTrue();
        assertThat(first.get("event_count").asLong()).isEqualTo(2);
        assertThat(first.get("duration_seconds").asLong()).isEqualTo(600);
        assertThat(first.get("landing_page").isNull()).isTrue();
        assertThat(first.get("events").get(0).get("name").asText()).isEqualTo("exported");
    }

    @Test
    void theRangeCutsASessionAtItsStart() {
        JsonNode a = sessions("2026-11-10T01:00:10Z", "\"identity\":\"alice\"").get("sessions").get(0);
        assertThat(a.get("start").asText()).isEqualTo("2026-11-10T01:00:30Z");
        assertThat(a.get("event_count").asLong()).isEqualTo(2);
        assertThat(a.get("landing_path").asText()).isEqualTo("/signup");
    }

    @Test
    void limitKeepsTheNewestSessionsAndTheTotal() {
        JsonNode two = sessions("2026-11-10T00:00:00Z", "\"limit\":2");
        assertThat(users(two)).containsExactly("carol@2026-11-10T03:55:00Z", "carol@2026-11-10T03:00:00Z");
        assertThat(two.get("total").asLong()).isEqualTo(4);
    }

    @Test
    void environmentsNeverMix() {
        JsonNode prod = t.query(s.prod(), "sessions", "2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z", "");
        assertThat(users(prod)).containsExactly("device:d1@2026-11-10T01:00:10Z");
        assertThat(prod.get("sessions").get(0).get("event_count").asLong()).isEqualTo(1);
    }

    @Test
    void mergingADeviceGivesTheUserItsPastSessionsAndUndoingTakesThemBack() {
        String alice = "\"identity\":\"alice\"";
        assertThat(users(sessions("2026-11-10T00:00:00Z", alice))).containsExactly("alice@2026-11-10T01:00:00Z");
        t.identify(s.dev(), "d2", "alice", NOV10 + 5 * H);
        assertThat(users(sessions("2026-11-10T00:00:00Z", alice)))
                .containsExactly("alice@2026-11-10T02:00:00Z", "alice@2026-11-10T01:00:00Z");
        t.unmerge(s.dev(), "alice", "d2");
        assertThat(users(sessions("2026-11-10T00:00:00Z", alice))).containsExactly("alice@2026-11-10T01:00:00Z");
    }
}
