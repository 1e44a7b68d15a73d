package dev.hindsight.activate.destination;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * HubSpot: first the batch's contacts upserted by email ({@code POST /crm/v3/objects/contacts/batch/upsert},
 * {@code idProperty: email}, at most 100 inputs), then one custom behavioural event occurrence per canonical
 * event ({@code POST /events/v3/send} with {@code eventName}, {@code email} or {@code objectId},
 * {@code occurredAt} and {@code properties}). The occurrence's {@code uuid} is derived from the canonical
 * event id, so a retried occurrence is the same occurrence.
 */
final class HubSpotRequests {
    static final int MAX_UPSERT = 100;

    private HubSpotRequests() {
    }

    static Build build(Destination.HubSpot h, List<RequestBuilder.Mapped> events, boolean test) {
        List<Build.Skipped> skipped = new ArrayList<>();
        Map<String, Map<String, Object>> contacts = new LinkedHashMap<>();
        Map<String, List<String>> contactEvents = new LinkedHashMap<>();
        List<BuiltRequest> sends = new ArrayList<>();
        Map<String, String> headers = BuiltRequest.bearerJson(h.accessToken());
        for (var e : events) {
            var ev = e.out().event();
            var u = e.out().user();
            String email = Pii.normaliseEmail(u.email());
            if (email != null && Pii.isSha256Hex(email)) email = null; // a hash cannot identify a contact
            if (email == null && u.hubspotId() == null) {
                skipped.add(new Build.Skipped(ev.eventId(), "no-identifier",
                        "HubSpot needs the contact's email or a HubSpot object id"));
                continue;
            }
            if (email != null) {
                Map<String, Object> props = contacts.computeIfAbsent(email, x -> new LinkedHashMap<>());
                props.put("email", email);
                h.contactProperties().forEach((hs, trait) -> {
                    Object v = u.traits().get(trait);
                    if (v != null) props.put(hs, v);
                });
                contactEvents.computeIfAbsent(email, x -> new ArrayList<>()).add(ev.eventId());
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("eventName", e.rule().name());
            if (email != null) body.put("email", email);
            else body.put("objectId", u.hubspotId());
            body.put("occurredAt", e.at().toString());
            Map<String, Object> props = new LinkedHashMap<>(EventMapping.fields(e.rule(), ev));
            if (test) props.put("hindsight_test", "true");
            body.put("properties", props);
            body.put("uuid", UUID.nameUUIDFromBytes(("hindsight:" + ev.envId() + ":" + ev.eventId())
                    .getBytes(StandardCharsets.UTF_8)).toString());
            sends.add(new BuiltRequest("hubspot", "event", "POST", h.sendUri(), headers, Json.write(body),
                    List.of(ev.eventId()), List.of(), test));
        }
        List<BuiltRequest> requests = new ArrayList<>();
        var emails = new ArrayList<>(contacts.keySet());
        for (var chunk : RequestBuilder.chunks(emails, MAX_UPSERT)) {
            List<Map<String, Object>> inputs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (String email : chunk) {
                inputs.add(Map.of("idProperty", "email", "id", email, "properties", contacts.get(email)));
                ids.addAll(contactEvents.get(email));
            }
            requests.add(new BuiltRequest("hubspot", "contacts-upsert", "POST", h.upsertUri(), headers,
                    Json.write(Map.of("inputs", inputs)), ids, List.of(), test));
        }
        requests.addAll(sends);
        return new Build(requests, skipped, List.of());
    }
}
