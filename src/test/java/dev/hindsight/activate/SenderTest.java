package dev.hindsight.activate;

import static dev.hindsight.activate.Fixtures.out;
import static dev.hindsight.activate.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.activate.destination.BuiltRequest;
import dev.hindsight.activate.destination.Destination;
import dev.hindsight.activate.destination.Outcome;
import dev.hindsight.activate.destination.RequestBuilder;
import dev.hindsight.activate.destination.Sender;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The classifier on each failure mode a stand-in can produce. */
class SenderTest {
    final MutableClock clock = Fixtures.clock();
    final MetaStandIn meta = new MetaStandIn(clock, "1", "tok");
    final Destination.Meta dest = new Destination.Meta("Meta", meta.baseUrl(), "21.0", "1", "tok", "website", null,
            Fixtures.mapping("Purchase"), null);
    final Sender sender = Sender.create(clock, Duration.ofMillis(500));
    final BuiltRequest request = new RequestBuilder(clock)
            .build(dest, List.of(out("e1", Duration.ZERO, user()))).requests().getFirst();

    @AfterEach
    void close() {
        meta.close();
    }

    @Test
    void serverErrorsAreRetryableAndKeepTheBody() {
        meta.failNext(StandIn.Failure.status(500, "{\"error\":{\"message\":\"Service temporarily unavailable\"}}"),
                StandIn.Failure.status(503, "busy"));
        assertThat(sender.send(request)).isInstanceOfSatisfying(Outcome.Retryable.class, r -> {
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.body()).contains("temporarily unavailable");
            assertThat(r.retryAfter()).isNull();
        });
        assertThat(sender.send(request)).isInstanceOfSatisfying(Outcome.Retryable.class,
                r -> assertThat(r.status()).isEqualTo(503));
        assertThat(sender.send(request)).isInstanceOf(Outcome.Delivered.class);
    }

    @Test
    void rateLimitHonoursRetryAfterInSecondsOrAsAnHttpDate() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                Fixtures.NOW.plus(Duration.ofMinutes(2)).atZone(ZoneOffset.UTC));
        meta.failNext(StandIn.Failure.rateLimited("120"), StandIn.Failure.rateLimited(date),
                StandIn.Failure.rateLimited("soon"));

        assertThat(sender.send(request)).isInstanceOfSatisfying(Outcome.Retryable.class, r -> {
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(120));
        });
        assertThat(sender.send(request)).isInstanceOfSatisfying(Outcome.Retryable.class,
                r -> assertThat(r.retryAfter()).isEqualTo(Duration.ofMinutes(2)));
        assertThat(sender.send(request)).isInstanceOfSatisfying(Outcome.Retryable.class,
                r -> assertThat(r.retryAfter()).isNull());
    }

    @Test
    void aSlowAnswerBeyondTheTimeoutIsRetryable() {
        meta.failNext(StandIn.Failure.slow());
        assertThat(sender.send(request)).isInstanceOfSatisfying(Outcome.Retryable.class, r -> {
            assertThat(r.status()).isZero();
            assertThat(r.reason()).contains("timeout");
        });
    }

    @Test
    void aRefusedConnectionIsRetryable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var nowhere = new BuiltRequest("meta", "events", "POST", URI.create("http://127.0.0.1:" + port + "/x"),
                Map.of(), "{}", List.of("e1"), List.of(), false);
        assertThat(sender.send(nowhere)).isInstanceOfSatisfying(Outcome.Retryable.class,
                r -> assertThat(r.reason()).contains("connection failed"));
    }

    @Test
    void clientErrorsArePermanentExceptTransientOnesAnd408() {
        meta.failNext(StandIn.Failure.status(400, "{\"error\":{\"message\":\"Invalid parameter\",\"code\":100}}"),
                StandIn.Failure.status(403, "forbidden"),
                StandIn.Failure.status(400, "{\"error\":{\"message\":\"Please retry\",\"code\":2,\"is_transient\":true}}"),
                StandIn.Failure.status(408, ""));

        assertThat(sender.send(request)).isInstanceOfSatisfying(Outcome.Permanent.class, p -> {
            assertThat(p.status()).isEqualTo(400);
            assertThat(p.reason()).isEqualTo("Invalid parameter");
        });
        assertThat(sender.send(request)).isInstanceOfSatisfying(Outcome.Permanent.class,
                p -> assertThat(p.reason()).isEqualTo("refused with 403"));
        assertThat(sender.send(request)).isInstanceOf(Outcome.Retryable.class);
        assertThat(sender.send(request)).isInstanceOf(Outcome.Retryable.class);
    }

    @Test
    void retryAfterParsing() {
        assertThat(Sender.parseRetryAfter(" 7 ", Fixtures.NOW)).isEqualTo(Duration.ofSeconds(7));
        assertThat(Sender.parseRetryAfter("Mon, 01 Jun 2026 12:00:30 GMT", Fixtures.NOW)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Sender.parseRetryAfter("Mon, 01 Jun 2026 11:00:00 GMT", Fixtures.NOW)).isEqualTo(Duration.ZERO);
        assertThat(Sender.parseRetryAfter("-1", Fixtures.NOW)).isNull();
    }
}
