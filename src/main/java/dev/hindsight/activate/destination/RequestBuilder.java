package dev.hindsight.activate.destination;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a batch of canonical events into a destination's HTTP requests. Common rules first, in this order:
 * the destination's mapping must name the event ({@code not-mapped}), the user must carry the destination's
 * consent flag ({@code no-consent}), and the event must be inside the platform's time window
 * ({@code too-old}, {@code in-future}); then each platform's own builder applies its limits.
 */
public final class RequestBuilder {
    /** How far ahead of our clock an event's time may be (client clock skew); later is refused. */
    static final Duration FUTURE_SKEW = Duration.ofMinutes(5);

    private final Clock clock;

    public RequestBuilder(Clock clock) {
        this.clock = clock;
    }

    /** The requests for a batch, to deliver. */
    public Build build(Destination d, List<Outgoing> batch) {
        return build(d, batch, false);
    }

    /**
     * The requests for a batch; with {@code test}, marked as a test send (Meta's {@code test_event_code},
     * GA4's validation endpoint, a {@code hindsight_test} property for HubSpot, {@code "test": true} for webhooks).
     */
    public Build build(Destination d, List<Outgoing> batch, boolean test) {
        Instant now = clock.instant();
        List<Build.Skipped> skipped = new ArrayList<>();
        List<Mapped> accepted = new ArrayList<>();
        for (Outgoing o : batch) {
            var e = o.event();
            var rule = d.mapping().rule(e.event());
            if (rule.isEmpty()) {
                skipped.add(new Build.Skipped(e.eventId(), "not-mapped",
                        "no mapping for canonical event '" + e.event() + "' in " + d.kind()));
                continue;
            }
            if (!o.user().hasConsent(d.requiredConsent())) {
                skipped.add(new Build.Skipped(e.eventId(), "no-consent",
                        "user lacks consent flag '" + d.requiredConsent() + "'"));
                continue;
            }
            Instant at = e.timestamp() == null ? now : e.timestamp();
            var maxAge = d.maxAge();
            if (maxAge.isPresent() && at.isBefore(now.minus(maxAge.get()))) {
                skipped.add(new Build.Skipped(e.eventId(), "too-old", d.kind() + " accepts events at most "
                        + human(maxAge.get()) + " old; this one is from " + at));
                continue;
            }
            if (maxAge.isPresent() && at.isAfter(now.plus(FUTURE_SKEW))) {
                skipped.add(new Build.Skipped(e.eventId(), "in-future", "event time " + at + " is after " + now));
                continue;
            }
            // within the skew: the platforms refuse future times, so send it as happening now
            Instant sendAt = at.isAfter(now) ? now : at;
            accepted.add(new Mapped(o, rule.get(), sendAt));
        }
        Build own = switch (d) {
            case Destination.Meta m -> MetaRequests.build(m, accepted, test);
            case Destination.Ga4 g -> Ga4Requests.build(g, accepted, test);
            case Destination.HubSpot h -> HubSpotRequests.build(h, accepted, test);
            case Destination.Webhook w -> WebhookRequests.build(w, accepted, test, now);
            case Destination.GoogleAds g -> new Build(List.of(), accepted.stream().map(m -> new Build.Skipped(
                    m.eventId(), "audiences-only", "Google Ads takes audiences (cohort syncs), not events: send"
                    + " conversions through GA4")).toList(), List.of());
        };
        skipped.addAll(own.skipped());
        return new Build(own.requests(), skipped, own.notes());
    }

    /** An event that passed the common rules, with its mapping rule and the time to send. */
    record Mapped(Outgoing out, EventMapping.Rule rule, Instant at) {
        String eventId() {
            return out.event().eventId();
        }
    }

    static <T> List<List<T>> chunks(List<T> all, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i += size) out.add(all.subList(i, Math.min(all.size(), i + size)));
        return out;
    }

    private static String human(Duration d) {
        return d.toHours() % 24 == 0 && d.toDays() > 3 ? d.toDays() + " days" : d.toHours() + " hours";
    }
}
