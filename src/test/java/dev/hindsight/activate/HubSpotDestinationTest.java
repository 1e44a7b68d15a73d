package dev.hindsight.activate;

import static dev.hindsight.activate.Fixtures.out;
import static dev.hindsight.activate.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.activate.destination.BuiltRequest;
import dev.hindsight.activate.destination.Destination;
import dev.hindsight.activate.destination.Outcome;
import dev.hindsight.activate.destination.Outgoing;
import dev.hindsight.activate.destination.RequestBuilder;
import dev.hindsight.activate.destination.Sender;
import dev.hindsight.activate.destination.TestSend;
import dev.hindsight.activate.destination.UserData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HubSpotDestinationTest {
    final MutableClock clock = Fixtures.clock();
    final HubSpotStandIn hub = new HubSpotStandIn(clock, "pat-na1-token",
            Map.of("pe4711_purchase", Set.of("value", "currency", "order_id", "hindsight_test")));
    final Destination.HubSpot dest = new Destination.HubSpot("HubSpot", hub.baseUrl(), "pat-na1-token",
            Fixtures.mapping("pe4711_purchase"), Map.of("firstname", "first_name"), "crm");
    final RequestBuilder builder = new RequestBuilder(clock);
    final Sender sender = Sender.create(clock, Duration.ofSeconds(5));

    @AfterEach
    void close() {
        hub.close();
    }

    @Test
    void contactIsUpsertedByEmailThenTheEventIsSent() {
        var build = builder.build(dest, List.of(out("ord_10492_purchase", Duration.ofDays(30), user("crm"))));

        assertThat(build.requests()).extracting(BuiltRequest::purpose).containsExactly("contacts-upsert", "event");
        build.requests().forEach(r -> assertThat(sender.send(r)).isInstanceOf(Outcome.Delivered.class));
        assertThat(hub.contacts).containsOnlyKeys("john.doe@example.com");
        var upsert = hub.received.get(0).json().get("inputs").get(0);
        assertThat(upsert.get("idProperty").asText()).isEqualTo("email");
        assertThat(upsert.get("properties").get("firstname").asText()).isEqualTo("John");
        var occurrence = hub.occurrences.getFirst();
        assertThat(occurrence.get("eventName").asText()).isEqualTo("pe4711_purchase");
        assertThat(occurrence.get("email").asText()).isEqualTo("john.doe@example.com");
        assertThat(occurrence.get("occurredAt").asText()).isEqualTo(Fixtures.NOW.minus(Duration.ofDays(30)).toString());
        assertThat(occurrence.get("properties").get("order_id").asText()).isEqualTo("ord_10492");
        // the same canonical event always makes the same occurrence uuid
        var again = builder.build(dest, List.of(out("ord_10492_purchase", Duration.ofDays(30), user("crm"))));
        assertThat(again.requests().get(1).body()).isEqualTo(build.requests().get(1).body());
    }

    @Test
    void upsertsSplitAtOneHundredContacts() {
        List<Outgoing> batch = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            var u = user("crm");
            batch.add(new Outgoing(Fixtures.purchase("e" + i, Duration.ZERO), new UserData("user" + i + "@example.com",
                    null, null, null, null, null, null, null, null, null, u.consents(), Map.of())));
        }
        var build = builder.build(dest, batch);
        var upserts = build.requests().stream().filter(r -> r.purpose().equals("contacts-upsert")).toList();
        assertThat(upserts).extracting(r -> r.eventIds().size()).containsExactly(100, 50);
        build.requests().forEach(r -> assertThat(sender.send(r)).isInstanceOf(Outcome.Delivered.class));
        assertThat(hub.contacts).hasSize(150);
        assertThat(hub.occurrences).hasSize(150);
    }

    @Test
    void anEventWithoutEmailOrObjectIdIsSkipped() {
        var noEmail = UserData.none().withConsents(Set.of("crm"));
        var build = builder.build(dest, List.of(new Outgoing(Fixtures.purchase("x", Duration.ZERO), noEmail)));
        assertThat(build.skipped()).singleElement().extracting(s -> s.reason()).isEqualTo("no-identifier");
    }

    @Test
    void theStandInRefusesBadTokensAndUndefinedProperties() {
        var ok = builder.build(dest, List.of(out("x", Duration.ZERO, user("crm")))).requests();
        var event = ok.get(1);
        var wrongToken = new BuiltRequest("hubspot", "event", "POST", event.uri(),
                Map.of("Content-Type", "application/json", "Authorization", "Bearer other"), event.body(),
                event.eventIds(), List.of(), false);
        assertThat(sender.send(wrongToken)).isInstanceOfSatisfying(Outcome.Permanent.class,
                p -> assertThat(p.status()).isEqualTo(401));
        var undefined = MetaDestinationTest.with(event, event.body().replace("\"order_id\"", "\"coupon\""));
        assertThat(sender.send(undefined)).isInstanceOfSatisfying(Outcome.Permanent.class,
                p -> assertThat(p.reason()).contains("Properties not defined"));
        var badTime = MetaDestinationTest.with(event, event.body().replace(Fixtures.NOW.toString(), "yesterday"));
        assertThat(sender.send(badTime)).isInstanceOf(Outcome.Permanent.class);
        assertThat(hub.occurrences).isEmpty();
    }

    @Test
    void rateLimitIsRetryableAfterTheAnnouncedWindow() {
        var event = builder.build(dest, List.of(out("x", Duration.ZERO, user("crm")))).requests().get(1);
        hub.failNext(new StandIn.Failure(429,
                "{\"status\":\"error\",\"message\":\"You have reached your secondly limit.\",\"errorType\":\"RATE_LIMIT\",\"policyName\":\"SECONDLY\"}",
                Map.of("X-HubSpot-RateLimit-Interval-Milliseconds", "10000", "X-HubSpot-RateLimit-Max", "100",
                        "X-HubSpot-RateLimit-Remaining", "0"), false));

        assertThat(sender.send(event)).isInstanceOfSatisfying(Outcome.Retryable.class,
                r -> assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(10)));
        assertThat(sender.send(event)).isInstanceOf(Outcome.Delivered.class);
    }

    @Test
    void testSendMarksTheEvent() {
        var result = new TestSend(builder, sender).send(dest, out("t", Duration.ZERO, user("crm")));
        assertThat(result.ok()).isTrue();
        assertThat(hub.occurrences.getFirst().get("properties").get("hindsight_test").asText()).isEqualTo("true");
    }
}
