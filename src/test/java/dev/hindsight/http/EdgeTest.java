package dev.hindsight.http;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The HTTP edge against a real server over real sockets: slow senders, the order of checks, Jetty's own errors. */
class EdgeTest {
    private static final List<String> SERVER_API = List.of("/api/track", "/api/identify", "/api/add_user_properties",
            "/api/capture");

    /**
     * 300 connections each announce a 100,000-byte body and send one byte of it: they used to hold every request
     * thread until the idle timeout (30 s), so that {@code /health} and {@code /api/track} did not answer. The body is
     * now read without a thread, and each slow body gets 408 at its next byte for its rate (1,024 B/s by default,
     * after a grace second).
     */
    @Test
    void hundredsOfSlowSendersLeaveHealthAndTheServerApiAnsweringAndAreCutForTheirRate() throws Exception {
        try (TestServer s = TestServer.start()) {
            List<RawHttp> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    RawHttp c = new RawHttp(s.app().port());
                    slow.add(c);
                    c.send("POST /h HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                            + "Content-Length: 100000\r\n\r\n{");
                }
                long firstBytes = System.nanoTime();
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

                HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/health"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> track = client.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/api/track"))
                        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + s.dev().secretKey())
                        .POST(HttpRequest.BodyPublishers.ofString(TestServer.json("app_id", s.dev().appId(),
                                "identity", "u1", "event", "Paid"))).build(), HttpResponse.BodyHandlers.ofString());

                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(track.statusCode()).as(track.body()).isEqualTo(200);
                assertThat(s.app().store().countEvents(s.dev().id())).isEqualTo(1);
                // 1,024 B/s over the 0.5 s past the grace second is 512 bytes; each has sent 1 and now sends its second.
                while (System.nanoTime() - firstBytes < 1_500_000_000L) {
                    LockSupport.parkNanos(1_000_000L);
                }
                for (RawHttp c : slow) {
                    c.send("\"");
                }
                for (RawHttp c : slow) {
                    RawHttp.Answer a = c.read();
                    assertThat(a.status()).as(a.body()).isEqualTo(408);
                    assertThat(a.contentType()).startsWith(Problems.CONTENT_TYPE);
                    assertThat(TestServer.JSON.readTree(a.body()).get("detail").asText()).contains("too slowly");
                }
            } finally {
                slow.forEach(RawHttp::close);
            }
        }
    }

    @Test
    void aBodyThatStopsArrivingGets408AtTheIdleTimeout() throws Exception {
        try (TestServer s = TestServer.start(Map.of("idle-timeout-seconds", "1"), Clock.systemUTC());
                RawHttp c = new RawHttp(s.app().port(), 20_000)) {
            c.send("POST /h HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{");

            RawHttp.Answer a = c.read();

            assertThat(a.status()).as(a.body()).isEqualTo(408);
            assertThat(a.contentType()).startsWith(Problems.CONTENT_TYPE);
            assertThat(TestServer.JSON.readTree(a.body()).get("type").asText()).endsWith("/request-timeout");
        }
    }

    /** A connection past the limit is not accepted (it waits in the backlog) until another one closes. */
    @Test
    void connectionsPastTheLimitWaitUntilAnotherCloses() throws Exception {
        String health = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
        try (TestServer s = TestServer.start(Map.of("max-connections", "2"), Clock.systemUTC());
                RawHttp a = new RawHttp(s.app().port()); RawHttp b = new RawHttp(s.app().port())) {
            a.send(health);
            b.send(health);
            assertThat(a.read().status()).isEqualTo(200);
            assertThat(b.read().status()).isEqualTo(200);
            try (RawHttp c = new RawHttp(s.app().port(), 1000)) {
                c.send(health);
                assertThatThrownBy(c::read).as("not accepted while two are open")
                        .isInstanceOf(java.net.SocketTimeoutException.class);

                a.close();

                c.timeout(20_000);
                assertThat(c.read().status()).isEqualTo(200);
            }
        }
    }

    @Test
    void theServerApiRefusesAMissingKeyBeforeReadingTheBody() throws Exception {
        try (TestServer s = TestServer.start()) {
            for (String path : SERVER_API) {
                TestServer.Response malformed = s.post(path, "{not json");
                assertThat(malformed.status()).as(path + ": " + malformed.body()).isEqualTo(401);
                assertThat(malformed.json().get("type").asText()).endsWith("/unauthorized");

                for (String auth : List.of("", "Authorization: Bearer hs_sk_not_a_key\r\n")) {
                    // A 100,000-byte body of which one byte is sent: only an answer that needs no body comes back.
                    try (RawHttp c = new RawHttp(s.app().port(), 10_000)) {
                        c.send("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                + auth + "Content-Length: 100000\r\n\r\n{");
                        RawHttp.Answer a = c.read();
                        assertThat(a.status()).as(path + " " + auth).isEqualTo(401);
                        assertThat(a.contentType()).startsWith(Problems.CONTENT_TYPE);
                    }
                }
            }
        }
    }

    @Test
    void aKeyOfAnotherEnvironmentThanTheBodysAppIdIsStillRefusedAfterParsing() {
        try (TestServer s = TestServer.start()) {
            TestServer.Response r = s.post("/api/track", TestServer.json("app_id", s.prod().appId(), "identity", "u",
                    "event", "x"), bearer(s.dev().secretKey()));

            assertThat(r.status()).isEqualTo(403);
            assertThat(s.app().store().countEvents(s.prod().id())).isZero();
        }
    }

    /** Errors Jetty answers before Javalin sees the request were its HTML page; they are problem+json now. */
    @Test
    void errorsJettyAnswersItselfAreProblemJson() throws Exception {
        Map<String, Integer> requests = new java.util.LinkedHashMap<>();
        requests.put("GET /../../etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n", 400);
        requests.put("GET /a/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n", 400);
        requests.put("GET /%ZZ HTTP/1.1\r\nHost: localhost\r\n\r\n", 400);
        requests.put("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n", 431);
        requests.put("GET /" + "a".repeat(40_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n", 414);
        requests.put("GET /health HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n", 400);
        requests.put("POST /h HTTP/1.1\r\nHost: localhost\r\nContent-Length: 12x\r\n\r\n", 400);
        try (TestServer s = TestServer.start()) {
            for (var r : requests.entrySet()) {
                String shown = r.getKey().substring(0, Math.min(60, r.getKey().length()));
                try (RawHttp c = new RawHttp(s.app().port())) {
                    c.send(r.getKey());
                    RawHttp.Answer a = c.read();

                    assertThat(a.status()).as(shown).isEqualTo(r.getValue());
                    assertThat(a.contentType()).as(shown).startsWith(Problems.CONTENT_TYPE);
                    JsonNode problem = TestServer.JSON.readTree(a.body());
                    assertThat(problem.get("status").asInt()).isEqualTo(r.getValue());
                    assertThat(problem.get("type").asText()).isNotBlank();
                    assertThat(problem.get("detail").asText()).isNotBlank();
                }
            }
        }
    }

    @Test
    void unknownRoutesWrongMethodsAndOversizedBodiesAreProblemJson() {
        try (TestServer s = TestServer.start()) {
            List<TestServer.Response> answers = List.of(s.get("/no/such/path"), s.send("DELETE", "/health", ""),
                    s.send("PUT", "/api/track", "{}", bearer(s.dev().secretKey())),
                    s.post("/h", "x".repeat(2 * Bodies.MIB)),
                    s.post("/api/track", "x".repeat(6 * Bodies.MIB), bearer(s.dev().secretKey())));

            assertThat(answers).extracting(TestServer.Response::status).containsExactly(404, 404, 404, 413, 413);
            assertThat(answers).allSatisfy(r -> assertThat(r.header("Content-Type")).startsWith(Problems.CONTENT_TYPE));
        }
    }
}
