package dev.hindsight.collect;

import static dev.hindsight.collect.Api.json;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.onlyEvent;
import static dev.hindsight.collect.Api.postH;
import static dev.hindsight.collect.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import dev.hindsight.privacy.IpAddresses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the server adds to a browser event: agent details, receive time, skew-corrected time, and the IP rule. */
class EnrichmentTest {
    private static final Instant NOW = Instant.parse("2025-03-10T08:00:00Z");
    private static final MutableClock CLOCK = new MutableClock(NOW);
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), CLOCK);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** Sends one event for a fresh user and returns it as stored. */
    private static JsonNode sendAndRead(Long sentAt, Map<String, Object> event, String... headers) {
        String user = unique("u");
        event.put("identity", user);
        event.putIfAbsent("device_id", unique("d"));
        event.putIfAbsent("kind", "pageview");
        Map<String, Object> body = map("app_id", s.dev().appId(), "events", List.of(event));
        if (sentAt != null) {
            body.put("sent_at", sentAt);
        }
        TestServer.Response r = postH(s, json(body), headers);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return onlyEvent(s, s.dev(), user);
    }

    @ParameterizedTest(name = "{1} on {2} ({3})")
    @CsvSource(delimiter = '|', value = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
                + "|Chrome|Windows|desktop",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0|Firefox|Mac OS X|desktop",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4"
                + " Mobile/15E148 Safari/604.1|Mobile Safari|iOS|mobile",
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4"
                + " Mobile/15E148 Safari/604.1|Mobile Safari|iOS|tablet",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile"
                + " Safari/537.36|Chrome Mobile|Android|mobile",
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0"
                + " Safari/537.36|Chrome|Android|tablet",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)|Googlebot||bot"
    })
    void browserOsAndDeviceTypeComeFromTheUserAgentHeader(String userAgent, String browser, String os,
            String deviceType) {
        JsonNode stored = sendAndRead(null, map(), "User-Agent", userAgent);

        assertThat(stored.path("browser").asText(null)).isEqualTo(browser);
        assertThat(stored.path("os").asText(null)).isEqualTo(os);
        assertThat(stored.get("device_type").asText()).isEqualTo(deviceType);
    }

    @Test
    void browserVersionIsMajorDotMinor() {
        JsonNode stored = sendAndRead(null, map(), "User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                + "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36");

        assertThat(stored.get("browser_version").asText()).isEqualTo("124.0");
        assertThat(stored.get("os_version").asText()).isEqualTo("10");
    }

    @Test
    void eventsOfTheServerApiAreNotAttributedToTheSendingServersAgent() {
        String user = unique("u");
        TestServer.Response r = s.post("/api/track", json(map("app_id", s.dev().appId(), "identity", user,
                "event", "Server side")), "Authorization", "Bearer " + s.dev().secretKey(), "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0");
        assertThat(r.status()).as(r.body()).isEqualTo(200);

        JsonNode stored = onlyEvent(s, s.dev(), user);
        assertThat(stored.has("browser")).isFalse();
        assertThat(stored.has("os")).isFalse();
        assertThat(stored.has("ip")).isFalse();
    }

    @Test
    void receivedAtIsTheServersTimeNotTheClients() {
        JsonNode stored = sendAndRead(NOW.minusSeconds(3600).toEpochMilli(),
                map("time", NOW.minusSeconds(3600).toEpochMilli()));

        assertThat(stored.get("received_at").asText()).isEqualTo(NOW.toString());
    }

    @Test
    void eventWithoutAClientTimeHappenedWhenItWasReceived() {
        JsonNode stored = sendAndRead(NOW.toEpochMilli(), map());

        assertThat(stored.get("time").asText()).isEqualTo(NOW.toString());
        assertThat(stored.has("client_time")).isFalse();
    }

    @Test
    void clientClockRunningBehindIsCorrectedBySentAt() {
        Instant clientNow = NOW.minus(Duration.ofHours(1));
        Instant clientTime = clientNow.minusSeconds(5);

        JsonNode stored = sendAndRead(clientNow.toEpochMilli(), map("time", clientTime.toEpochMilli()));

        assertThat(stored.get("time").asText()).isEqualTo(NOW.minusSeconds(5).toString());
        assertThat(stored.get("client_time").asText()).isEqualTo(clientTime.toString());
    }

    @Test
    void clientClockRunningAheadIsCorrectedBySentAt() {
        Instant clientNow = NOW.plus(Duration.ofHours(2));
        Instant clientTime = clientNow.minusSeconds(30);

        JsonNode stored = sendAndRead(clientNow.toEpochMilli(), map("time", clientTime.toEpochMilli()));

        assertThat(stored.get("time").asText()).isEqualTo(NOW.minusSeconds(30).toString());
        assertThat(stored.get("client_time").asText()).isEqualTo(clientTime.toString());
    }

    @Test
    void correctedTimeIsNeverLaterThanTheReceiveTime() {
        // An event stamped after the batch's sent_at would land in the future after correction.
        JsonNode stored = sendAndRead(NOW.minusSeconds(10).toEpochMilli(),
                map("time", NOW.minusSeconds(2).toEpochMilli()));

        assertThat(stored.get("time").asText()).isEqualTo(NOW.toString());
    }

    @Test
    void aPageLoadsBatchesShareTheSkewItsFirstBatchMeasuredSoTheirEventsKeepTheirOrder() {
        String user = unique("u");
        String device = unique("d");
        String page = java.util.UUID.randomUUID().toString();
        long clientNow = NOW.minus(Duration.ofHours(1)).toEpochMilli();
        try {
            // The first batch spent 400 ms on the way, the second 10 ms: per batch, B would be stored before A.
            postOk(map("app_id", s.dev().appId(), "sent_at", clientNow - 400, "events", List.of(
                    map("kind", "custom", "name", "A", "device_id", device, "identity", user, "page_id", page,
                            "seq", 1, "time", clientNow - 500))));
            CLOCK.set(NOW.plusSeconds(1));
            postOk(map("app_id", s.dev().appId(), "sent_at", clientNow + 990, "events", List.of(
                    map("kind", "custom", "name", "B", "device_id", device, "identity", user, "page_id", page,
                            "seq", 2, "time", clientNow - 300))));
        } finally {
            CLOCK.set(NOW);
        }

        List<JsonNode> events = Api.events(s, s.dev(), user);
        assertThat(events).extracting(e -> e.get("name").asText() + " " + e.get("time").asText()).containsExactly(
                "B " + NOW.plusMillis(100), "A " + NOW.minusMillis(100));
    }

    @Test
    void eventsOfOneMillisecondAreStoredInTheOrderOfTheirSeq() {
        String user = unique("u");
        String device = unique("d");
        long t = NOW.minusSeconds(1).toEpochMilli();
        // Listed (and so appended) in the opposite order, with seqs past a thousand, and with event ids that a tie
        // between equal times would order the wrong way too.
        List<String> ids = java.util.stream.Stream.generate(() -> java.util.UUID.randomUUID().toString()).limit(2)
                .sorted().toList();
        postOk(map("app_id", s.dev().appId(), "sent_at", NOW.toEpochMilli(), "events", List.of(
                map("kind", "custom", "name", "second", "device_id", device, "identity", user, "seq", 1008, "time", t,
                        "event_id", ids.get(0)),
                map("kind", "custom", "name", "first", "device_id", device, "identity", user, "seq", 1007, "time", t,
                        "event_id", ids.get(1)))));

        // Newest first.
        assertThat(Api.events(s, s.dev(), user)).extracting(e -> e.get("name").asText())
                .containsExactly("second", "first");
    }

    private static void postOk(Map<String, Object> body) {
        TestServer.Response r = postH(s, json(body));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(((List<?>) body.get("events")).size());
    }

    @Test
    void withoutSentAtAFutureClientTimeIsCappedAtTheReceiveTime() {
        JsonNode stored = sendAndRead(null, map("time", NOW.plus(Duration.ofDays(1)).toEpochMilli()));

        assertThat(stored.get("time").asText()).isEqualTo(NOW.toString());
        assertThat(stored.get("client_time").asText()).isEqualTo(NOW.plus(Duration.ofDays(1)).toString());
    }

    @Test
    void withoutSentAtAPastClientTimeIsKept() {
        Instant clientTime = NOW.minus(Duration.ofMinutes(7));

        JsonNode stored = sendAndRead(null, map("time", clientTime.toEpochMilli()));

        assertThat(stored.get("time").asText()).isEqualTo(clientTime.toString());
    }

    @Test
    void clientIpIsNotStoredByDefault() {
        JsonNode stored = sendAndRead(null, map());

        assertThat(stored.has("ip")).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "NONE", value = {
        "127.0.0.1, 127.0.0.0",
        "203.0.113.77, 203.0.113.0",
        "2001:db8:85a3:8d3:1319:8a2e:370:7348, 2001:db8:85a3::",
        "0:0:0:0:0:0:0:1, 0:0:0::",
        // Jetty reports IPv6 peers in brackets
        "[2001:db8:85a3:0:0:8a2e:370:7348], 2001:db8:85a3::",
        "[0:0:0:0:0:0:0:1], 0:0:0::",
        // compressed forms: '::' stands for as many zero groups as are missing
        "::1, 0:0:0::",
        "2001::5:6, 2001:0:0::",
        "2001:db8::1, 2001:db8:0::",
        "1::3:4:5:6:7:8, 1:0:3::",
        "1:2::, 1:2:0::",
        "fe80::1%eth0, fe80:0:0::",
        "not-an-ip, NONE"
    })
    void truncationKeepsOnlyTheNetworkPartOfAnAddress(String ip, String stored) {
        assertThat(IpAddresses.forStorage(ip, "truncated")).isEqualTo(stored);
        assertThat(IpAddresses.forStorage(ip, "none")).isNull();
    }

    @Test
    void withIpTruncatedTheNetworkPartOfTheClientIpIsStored() throws Exception {
        try (TestServer t = TestServer.start(Map.of("ip", "truncated"), CLOCK);
                HttpClient client = HttpClient.newHttpClient()) {
            String user = unique("u");
            String body = json(map("app_id", t.dev().appId(), "events",
                    List.of(map("kind", "pageview", "device_id", unique("d"), "identity", user))));
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.app().port() + "/h"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();

            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(onlyEvent(t, t.dev(), user).get("ip").asText()).isEqualTo("127.0.0.0");
        }
    }
}
