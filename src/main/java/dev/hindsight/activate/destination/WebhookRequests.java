package dev.hindsight.activate.destination;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Webhook: one JSON body per event, {@code {id, type, created, test, data}}, where {@code id} is the
 * canonical event id (the receiver's deduplication key, also in the {@code Hindsight-Event-Id} header) and
 * {@code type} the mapped name. The {@code Hindsight-Signature} header is added when the request is sent.
 */
final class WebhookRequests {
    private WebhookRequests() {
    }

    static Build build(Destination.Webhook w, List<RequestBuilder.Mapped> events, boolean test, Instant now) {
        List<BuiltRequest> requests = new ArrayList<>();
        for (var e : events) {
            var ev = e.out().event();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("event", ev.event());
            data.put("event_id", ev.eventId());
            data.put("user_id", ev.userId());
            data.put("anonymous_id", ev.anonymousId());
            data.put("source", ev.source());
            data.put("timestamp", e.at().toString());
            data.put("properties", EventMapping.fields(e.rule(), ev));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", ev.eventId());
            body.put("type", e.rule().name());
            body.put("created", now.getEpochSecond());
            body.put("test", test);
            body.put("data", data);
            requests.add(new BuiltRequest("webhook", "event", "POST", java.net.URI.create(w.url()),
                    Map.of("Content-Type", "application/json", "Hindsight-Event-Id", ev.eventId()),
                    Json.write(body), List.of(ev.eventId()), w.secrets(), test));
        }
        return new Build(requests, List.of(), List.of());
    }
}
