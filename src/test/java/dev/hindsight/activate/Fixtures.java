package dev.hindsight.activate;

import dev.hindsight.MutableClock;
import dev.hindsight.activate.destination.EventMapping;
import dev.hindsight.activate.destination.Outgoing;
import dev.hindsight.activate.destination.UserData;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Events and users for the destination tests: reference 004's purchase by cust_2048. */
final class Fixtures {
    static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    private Fixtures() {
    }

    static MutableClock clock() {
        return new MutableClock(NOW);
    }

    static UserData user(String... consents) {
        return new UserData(" John.Doe@Example.com ", "+1 (650) 555-1212", "cust_2048",
                "fb.1.1596403881668.1116446470", "fb.1.1596403881668.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgE",
                "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64)", "555.1717171717", null,
                "https://shop.example.com/checkout/done", Set.of(consents),
                Map.of("first_name", "John", "plan", "pro"));
    }

    static CanonicalEvent purchase(String eventId, Duration ago) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("order_id", "ord_10492");
        p.put("value", 129.95);
        p.put("currency", "eur");
        return new CanonicalEvent(1, "purchase", eventId, "cust_2048", "anon_91b2", p, "heap", NOW.minus(ago));
    }

    static Outgoing out(String eventId, Duration ago, UserData user) {
        return new Outgoing(purchase(eventId, ago), user);
    }

    static EventMapping mapping(String destinationName) {
        return EventMapping.of(Map.of("purchase", new EventMapping.Rule(destinationName,
                Map.of("value", "value", "currency", "currency", "order_id", "order_id"))));
    }
}
