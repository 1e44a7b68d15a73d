package dev.hindsight.activate;

import static dev.hindsight.activate.Fixtures.out;
import static dev.hindsight.activate.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.activate.destination.BuiltRequest;
import dev.hindsight.activate.destination.Destination;
import dev.hindsight.activate.destination.Outcome;
import dev.hindsight.activate.destination.Outgoing;
import dev.hindsight.activate.destination.Pii;
import dev.hindsight.activate.destination.RequestBuilder;
import dev.hindsight.activate.destination.Sender;
import dev.hindsight.activate.destination.TestSend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetaDestinationTest {
    final MutableClock clock = Fixtures.clock();
    final MetaStandIn meta = new MetaStandIn(clock, "1234567890", "EAAtoken");
    final Destination.Meta dest = new Destination.Meta("Meta prod", meta.baseUrl(), "21.0", "1234567890", "EAAtoken",
            "website", "TEST4711", Fixtures.mapping("Purchase"), "ads");
    final RequestBuilder builder = new RequestBuilder(clock);
    final Sender sender = Sender.create(clock, Duration.ofSeconds(5));

    @AfterEach
    void close() {
        meta.close();
    }

    @Test
    void purchaseIsAcceptedWithHashedUserDataAndTheCanonicalEventId() {
        var build = builder.build(dest, List.of(out("ord_10492_purchase", Duration.ofHours(1), user("ads"))));
        assertThat(build.skipped()).isEmpty();
        assertThat(build.requests()).hasSize(1);

        var outcome = sender.send(build.requests().getFirst());

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Delivered.class,
                d -> assertThat(d.eventsReceived()).isEqualTo(1));
        var event = meta.received.getFirst().json().get("data").get(0);
        assertThat(event.get("event_id").asText()).isEqualTo("ord_10492_purchase");
        assertThat(event.get("event_name").asText()).isEqualTo("Purchase");
        assertThat(event.get("event_time").asLong()).isEqualTo(Fixtures.NOW.minus(Duration.ofHours(1)).getEpochSecond());
        var ud = event.get("user_data");
        assertThat(ud.get("em").get(0).asText()).isEqualTo(Pii.sha256Hex("john.doe@example.com"));
        assertThat(ud.get("ph").get(0).asText()).isEqualTo(Pii.sha256Hex("16505551212"));
        assertThat(ud.get("external_id").get(0).asText()).isEqualTo(Pii.sha256Hex("cust_2048"));
        assertThat(ud.get("fbp").asText()).startsWith("fb.1.");
        assertThat(ud.get("client_ip_address").asText()).isEqualTo("203.0.113.7");
        var cd = event.get("custom_data");
        assertThat(cd.get("value").asDouble()).isEqualTo(129.95);
        assertThat(cd.get("currency").asText()).isEqualTo("EUR");
        assertThat(cd.get("order_id").asText()).isEqualTo("ord_10492");
        assertThat(meta.received.getFirst().headers().get("Authorization")).isEqualTo("Bearer EAAtoken");
    }

    @Test
    void batchesSplitAtOneThousandEvents() {
        List<Outgoing> batch = new ArrayList<>();
        for (int i = 0; i < 2500; i++) batch.add(out("e" + i, Duration.ofMinutes(i % 600), user("ads")));

        var build = builder.build(dest, batch);

        assertThat(build.requests()).extracting(r -> r.eventIds().size()).containsExactly(1000, 1000, 500);
        for (BuiltRequest r : build.requests()) {
            assertThat(sender.send(r)).isInstanceOfSatisfying(Outcome.Delivered.class,
                    d -> assertThat(d.eventsReceived()).isEqualTo(r.eventIds().size()));
        }
        assertThat(meta.acceptedIds).hasSize(2500).startsWith("e0", "e1").endsWith("e2499");
    }

    @Test
    void eventsOlderThanSevenDaysAreRefusedWithAReason() {
        var build = builder.build(dest, List.of(out("old", Duration.ofDays(7).plusMinutes(1), user("ads")),
                out("fresh", Duration.ofDays(6), user("ads"))));

        assertThat(build.skipped()).singleElement().satisfies(s -> {
            assertThat(s.eventId()).isEqualTo("old");
            assertThat(s.reason()).isEqualTo("too-old");
            assertThat(s.detail()).contains("7 days");
        });
        assertThat(build.requests().getFirst().eventIds()).containsExactly("fresh");
        assertThat(sender.send(build.requests().getFirst())).isInstanceOf(Outcome.Delivered.class);
    }

    @Test
    void theStandInRejectsWhatMetaRejects() {
        var ok = builder.build(dest, List.of(out("x", Duration.ofHours(1), user("ads")))).requests().getFirst();

        // unhashed email
        var raw = ok.body().replace(Pii.sha256Hex("john.doe@example.com"), "john.doe@example.com");
        assertThat(sender.send(with(ok, raw))).isInstanceOfSatisfying(Outcome.Permanent.class,
                p -> assertThat(p.body()).contains("em must be a SHA-256"));
        // milliseconds instead of seconds
        long s = Fixtures.NOW.minus(Duration.ofHours(1)).getEpochSecond();
        assertThat(sender.send(with(ok, ok.body().replace("\"event_time\":" + s, "\"event_time\":" + s * 1000))))
                .isInstanceOf(Outcome.Permanent.class);
        // older than 7 days
        long old = Fixtures.NOW.minus(Duration.ofDays(8)).getEpochSecond();
        assertThat(sender.send(with(ok, ok.body().replace("\"event_time\":" + s, "\"event_time\":" + old))))
                .isInstanceOfSatisfying(Outcome.Permanent.class, p -> assertThat(p.body()).contains("more than 7 days"));
        // a wrong token
        var badToken = new BuiltRequest(ok.destination(), ok.purpose(), ok.method(), ok.uri(),
                java.util.Map.of("Content-Type", "application/json", "Authorization", "Bearer nope"), ok.body(),
                ok.eventIds(), List.of(), false);
        assertThat(sender.send(badToken)).isInstanceOfSatisfying(Outcome.Permanent.class,
                p -> assertThat(p.reason()).contains("Invalid OAuth access token"));
        // more than 1000 events in one request
        var many = new ArrayList<Outgoing>();
        for (int i = 0; i < 1001; i++) many.add(out("m" + i, Duration.ofHours(1), user("ads")));
        var first = builder.build(dest, many).requests();
        String merged = first.get(0).body().replaceFirst("]}$", ","
                + first.get(1).body().substring("{\"data\":[".length()));
        assertThat(sender.send(with(ok, merged))).isInstanceOfSatisfying(Outcome.Permanent.class,
                p -> assertThat(p.body()).contains("between 1 and 1000"));
        assertThat(meta.acceptedIds).isEmpty();
    }

    @Test
    void websiteEventsNeedTheirPageAndUserAgent() {
        var u = user("ads");
        var noPage = new dev.hindsight.activate.destination.UserData(u.email(), u.phone(), u.externalId(), u.fbp(),
                u.fbc(), u.clientIp(), u.userAgent(), null, null, null, u.consents(), u.traits());
        var build = builder.build(dest, List.of(out("p", Duration.ofHours(1), noPage)));
        assertThat(build.skipped()).singleElement().extracting(s -> s.reason()).isEqualTo("missing-field");
    }

    @Test
    void testSendCarriesTheTestEventCode() {
        var result = new TestSend(builder, sender).send(dest, out("t1", Duration.ZERO, user("ads")));

        assertThat(result.ok()).isTrue();
        assertThat(meta.testEventCodes).containsExactly("TEST4711");
        assertThat(((Outcome.Delivered) result.outcomes().getFirst()).eventsReceived()).isEqualTo(1);
    }

    static BuiltRequest with(BuiltRequest r, String body) {
        return new BuiltRequest(r.destination(), r.purpose(), r.method(), r.uri(), r.headers(), body, r.eventIds(),
                r.signingSecrets(), r.test());
    }
}
