package dev.hindsight.activate;

import java.time.Instant;
import java.util.Map;

/** A canonical business event as {@code POST /api/capture} accepts it (reference 004), in one environment. */
public record CanonicalEvent(long envId, String event, String eventId, String userId, String anonymousId,
        Map<String, Object> properties, String source, Instant timestamp) {
}
