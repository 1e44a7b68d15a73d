package dev.hindsight.activate;

import static dev.hindsight.activate.Fixtures.out;
import static dev.hindsight.activate.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.activate.destination.Destination;
import dev.hindsight.activate.destination.EventMapping;
import dev.hindsight.activate.destination.RequestBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Nothing about a user without the destination's consent flag is sent, whatever the destination. */
class ConsentGatingTest {
    static final MutableClock CLOCK = Fixtures.clock();

    static List<Destination> destinations() {
        return List.of(
                new Destination.Meta("m", "http://127.0.0.1:1", "21.0", "1", "t", "website", null, Fixtures.mapping("Purchase"), "ads"),
                new Destination.Ga4("g", "http://127.0.0.1:1", "G-1", "s", Fixtures.mapping("purchase"), "analytics"),
                new Destination.HubSpot("h", "http://127.0.0.1:1", "t", Fixtures.mapping("pe1_purchase"), Map.of(), "crm"),
                new Destination.Webhook("w", "http://127.0.0.1:1/hook", List.of("s"), Fixtures.mapping("purchase"), "partners"));
    }

    @ParameterizedTest
    @MethodSource("destinations")
    void usersWithoutTheRequiredFlagAreSkipped(Destination d) {
        var build = new RequestBuilder(CLOCK).build(d, List.of(
                out("no", Duration.ZERO, user("something-else")),
                out("yes", Duration.ZERO, user(d.requiredConsent()))));

        assertThat(build.skipped()).singleElement().satisfies(s -> {
            assertThat(s.eventId()).isEqualTo("no");
            assertThat(s.reason()).isEqualTo("no-consent");
        });
        assertThat(build.requests()).flatExtracting(r -> r.eventIds()).containsOnly("yes");
        assertThat(build.requests()).noneMatch(r -> r.body().contains("\"no\""));
    }

    @ParameterizedTest
    @MethodSource("destinations")
    void unmappedEventsAreSkipped(Destination d) {
        var e = new CanonicalEvent(1, "qualify_lead", "l1", "u", "a", Map.of(), "api", Fixtures.NOW);
        var build = new RequestBuilder(CLOCK).build(d, List.of(new dev.hindsight.activate.destination.Outgoing(e,
                user(d.requiredConsent()))));
        assertThat(build.requests()).isEmpty();
        assertThat(build.skipped()).extracting(s -> s.reason()).containsExactly("not-mapped");
    }

    @ParameterizedTest
    @MethodSource("destinations")
    void eventsFarInTheFutureAreRefusedWhereThePlatformHasAWindow(Destination d) {
        var build = new RequestBuilder(CLOCK).build(d, List.of(out("f", Duration.ofHours(-1), user(d.requiredConsent()))));
        if (d.maxAge().isPresent()) assertThat(build.skipped()).extracting(s -> s.reason()).containsExactly("in-future");
        else assertThat(build.skipped()).isEmpty();
        assertThat(EventMapping.of(Map.of()).rule("x")).isEmpty();
    }
}
