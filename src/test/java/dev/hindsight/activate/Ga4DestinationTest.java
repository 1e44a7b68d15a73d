package dev.hindsight.activate;

import static dev.hindsight.activate.Fixtures.out;
import static dev.hindsight.activate.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.activate.destination.BuiltRequest;
import dev.hindsight.activate.destination.Destination;
import dev.hindsight.activate.destination.EventMapping;
import dev.hindsight.activate.destination.Outcome;
import dev.hindsight.activate.destination.Outgoing;
import dev.hindsight.activate.destination.RequestBuilder;
import dev.hindsight.activate.destination.Sender;
import dev.hindsight.activate.destination.TestSend;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Ga4DestinationTest {
    final MutableClock clock = Fixtures.clock();
    final Ga4StandIn ga = new Ga4StandIn(clock, "G-TEST123", "s3cr3t");
    final Destination.Ga4 dest = new Destination.Ga4("GA4", ga.baseUrl(), "G-TEST123", "s3cr3t",
            Fixtures.mapping("purchase"), "analytics");
    final RequestBuilder builder = new RequestBuilder(clock);
    final Sender sender = Sender.create(clock, Duration.ofSeconds(5));

    @AfterEach
    void close() {
        ga.close();
    }

    @Test
    void purchaseIsAcceptedWithClientIdUserIdAndTimestampMicros() {
        var build = builder.build(dest, List.of(out("ord_10492_purchase", Duration.ofHours(2), user("analytics"))));

        assertThat(sender.send(build.requests().getFirst())).isInstanceOfSatisfying(Outcome.Delivered.class,
                d -> assertThat(d.status()).isEqualTo(204));
        assertThat(ga.dropped).isEmpty();
        var body = ga.accepted.getFirst();
        assertThat(body.get("client_id").asText()).isEqualTo("555.1717171717");
        assertThat(body.get("user_id").asText()).isEqualTo("cust_2048");
        var e = body.get("events").get(0);
        assertThat(e.get("name").asText()).isEqualTo("purchase");
        assertThat(e.get("timestamp_micros").asLong())
                .isEqualTo(Fixtures.NOW.minus(Duration.ofHours(2)).toEpochMilli() * 1000);
        assertThat(e.get("params").get("transaction_id")).isNull();
        assertThat(e.get("params").get("value").asDouble()).isEqualTo(129.95);
    }

    @Test
    void requestsHoldOneUserAndAtMost25Events() {
        List<Outgoing> batch = new ArrayList<>();
        for (int i = 0; i < 60; i++) batch.add(out("a" + i, Duration.ofMinutes(i), user("analytics")));
        var other = new Outgoing(new CanonicalEvent(1, "purchase", "b0", "cust_9", "anon_9", Map.of("value", 1),
                "heap", Fixtures.NOW), dev.hindsight.activate.destination.UserData.none().withConsents(java.util.Set.of("analytics")));
        batch.add(other);

        var build = builder.build(dest, batch);

        assertThat(build.requests()).extracting(r -> r.eventIds().size()).containsExactly(25, 25, 10, 1);
        build.requests().forEach(sender::send);
        assertThat(ga.dropped).isEmpty();
        assertThat(ga.accepted).hasSize(4);
        assertThat(ga.accepted.get(3).get("client_id").asText()).isEqualTo("anon_9"); // the anonymous id stands in
    }

    @Test
    void paramsOverTheLimitsAreCappedOrDroppedWithAReason() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("description", "x".repeat(150));
        props.put("google_campaign", "reserved");
        props.put("a_parameter_name_that_is_far_longer_than_forty_chars", 1);
        props.put("nested", Map.of("a", 1));
        for (int i = 0; i < 30; i++) props.put("p" + i, i);
        var mapping = EventMapping.of(Map.of("purchase", EventMapping.Rule.of("purchase")));
        var d = new Destination.Ga4("GA4", ga.baseUrl(), "G-TEST123", "s3cr3t", mapping, null);
        var e = new CanonicalEvent(1, "purchase", "big", "u", "anon", props, "api", Fixtures.NOW);

        var build = builder.build(d, List.of(new Outgoing(e, null)));

        assertThat(build.notes()).anySatisfy(n -> {
            assertThat(n.field()).isEqualTo("description");
            assertThat(n.action()).isEqualTo("capped");
        });
        assertThat(build.notes()).filteredOn(n -> n.action().equals("dropped")).extracting(n -> n.field())
                .contains("google_campaign", "a_parameter_name_that_is_far_longer_than_forty_chars", "nested",
                        "p24", "p29").doesNotContain("p23");
        var debug = sender.send(debugOf(build.requests().getFirst()));
        assertThat(((Outcome.Delivered) debug).messages()).isEmpty();
    }

    @Test
    void invalidOrReservedEventNamesAreNotSent() {
        var mapping = EventMapping.of(Map.of("purchase", EventMapping.Rule.of("session_start"),
                "sign_up", EventMapping.Rule.of("2nd-signup")));
        var d = new Destination.Ga4("GA4", ga.baseUrl(), "G-TEST123", "s3cr3t", mapping, null);
        var signUp = new CanonicalEvent(1, "sign_up", "s1", "u", "anon", Map.of(), "api", Fixtures.NOW);

        var build = builder.build(d, List.of(out("p1", Duration.ZERO, user()), new Outgoing(signUp, null)));

        assertThat(build.requests()).isEmpty();
        assertThat(build.skipped()).extracting(s -> s.reason()).containsOnly("invalid-event-name");
    }

    @Test
    void eventsOlderThan72HoursAreRefused() {
        var build = builder.build(dest, List.of(out("old", Duration.ofHours(73), user("analytics")),
                out("ok", Duration.ofHours(71), user("analytics"))));

        assertThat(build.skipped()).singleElement().satisfies(s -> {
            assertThat(s.eventId()).isEqualTo("old");
            assertThat(s.reason()).isEqualTo("too-old");
        });
        sender.send(build.requests().getFirst());
        assertThat(ga.accepted).hasSize(1);
    }

    @Test
    void theStandInDropsWhatGa4Drops() {
        var ok = builder.build(dest, List.of(out("x", Duration.ofHours(1), user("analytics")))).requests().getFirst();
        long micros = Fixtures.NOW.minus(Duration.ofHours(1)).toEpochMilli() * 1000;
        var cases = Map.of(
                "NAME_INVALID", ok.body().replace("\"name\":\"purchase\"", "\"name\":\"1purchase\""),
                "VALUE_OUT_OF_BOUNDS", ok.body().replace("\"timestamp_micros\":" + micros,
                        "\"timestamp_micros\":" + (micros - 80L * 3600 * 1_000_000)),
                "VALUE_INVALID", ok.body().replace("\"timestamp_micros\":" + micros, "\"timestamp_micros\":" + micros / 1000),
                "VALUE_REQUIRED", ok.body().replace("\"client_id\"", "\"clientId\""));
        cases.forEach((code, body) -> {
            var said = (Outcome.Delivered) sender.send(MetaDestinationTest.with(debugOf(ok), body));
            assertThat(said.messages()).as(code).anyMatch(m -> m.startsWith(code));
            sender.send(MetaDestinationTest.with(ok, body));
        });
        assertThat(ga.accepted).isEmpty();
        assertThat(ga.dropped).hasSize(4);

        List<Outgoing> many = new ArrayList<>();
        for (int i = 0; i < 26; i++) many.add(out("m" + i, Duration.ZERO, user("analytics")));
        var two = builder.build(dest, many).requests();
        String merged = two.get(0).body().replaceFirst("]}$", "," + two.get(1).body().replaceFirst("^.*\"events\":\\[", ""));
        var said = (Outcome.Delivered) sender.send(MetaDestinationTest.with(debugOf(ok), merged));
        assertThat(said.messages()).anyMatch(m -> m.startsWith("EXCEEDED_MAX_ENTITIES"));
    }

    @Test
    void testSendGoesThroughTheValidationEndpointAndReturnsItsMessages() {
        var send = new TestSend(builder, sender);

        var good = send.send(dest, out("t1", Duration.ZERO, user("analytics")));
        assertThat(good.ok()).isTrue();
        assertThat(ga.received.getLast().path()).isEqualTo("/debug/mp/collect");
        assertThat(ga.accepted).isEmpty(); // validation only: nothing collected

        var wrongSecret = new Destination.Ga4("GA4", ga.baseUrl(), "G-TEST123", "wrong", dest.mapping(), "analytics");
        var bad = send.send(wrongSecret, out("t2", Duration.ZERO, user("analytics")));
        assertThat(bad.ok()).isFalse();
        assertThat(bad.messages()).containsExactly("VALUE_INVALID api_secret: API secret is not valid for this measurement ID");
    }

    static BuiltRequest debugOf(BuiltRequest r) {
        return new BuiltRequest(r.destination(), "validate", r.method(),
                URI.create(r.uri().toString().replace("/mp/collect", "/debug/mp/collect")), r.headers(), r.body(),
                r.eventIds(), r.signingSecrets(), true);
    }
}
