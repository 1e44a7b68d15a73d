package dev.hindsight.activate.destination;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request to a destination, ready to send.
 *
 * @param purpose        what it does, for the delivery log ("events", "contacts-upsert", "event", "validate")
 * @param eventIds       the canonical event ids it carries
 * @param signingSecrets for webhooks: the secrets that sign it when it is sent (each attempt signs anew,
 *                       so a retry an hour later still falls inside the receiver's tolerance)
 * @param test           whether this is a test send
 */
public record BuiltRequest(String destination, String purpose, String method, URI uri, Map<String, String> headers,
        String body, List<String> eventIds, List<String> signingSecrets, boolean test) {
    public BuiltRequest {
        headers = Map.copyOf(headers);
        eventIds = List.copyOf(eventIds);
        signingSecrets = signingSecrets == null ? List.of() : List.copyOf(signingSecrets);
    }

    /** The headers of a JSON body sent with a bearer token, as Meta, HubSpot and Google Ads take them. */
    public static Map<String, String> bearerJson(String token) {
        return Map.of("Content-Type", "application/json", "Authorization", "Bearer " + token);
    }
}
