package dev.hindsight.activate;

import dev.hindsight.store.RawEvent;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The reads behind the destinations' health, reconciliation and trace answers, implemented by each store engine.
 * Every period is {@code [fromMs, toMs)} of the canonical event's received time (when Hindsight stored it: the
 * capture request, or the promotion), which is also the outbox row's creation time.
 */
public interface DeliveryReports {

    /**
     * A destination's outbox rows of a period by state ({@code sending} counted as pending), and the p50 and p95 of
     * the request time (ms) of its delivered attempts made in the period (null when none).
     */
    record Health(long delivered, long pending, long retrying, long dead, long skipped, Long p50Ms, Long p95Ms) {
    }

    /** How many rows share a state and a reason: {@code reason} is the whole last reason (dead) or its code (skipped). */
    record Outcome(String state, String reason, String example, long count) {
    }

    /** Canonical events of a period, of the given names: how many were kept, and how many of those are deliverable. */
    record Captured(long captured, long deliverable, Map<String, Long> violationTypes) {
    }

    /** A kept canonical event, with its registry result. */
    record Canonical(String eventId, String event, String source, long receivedAt, String payloadJson, String status,
            String violationsJson) {
    }

    Map<Long, Health> health(long envId, Collection<Long> destinationIds, long fromMs, long toMs);

    /** The canonical events of {@code events} received in the period; violation types count events having each. */
    Captured captured(long envId, Collection<String> events, long fromMs, long toMs);

    /** A destination's outbox rows of events of {@code events} received in the period, by state and reason. */
    List<Outcome> outcomes(long envId, long destinationId, Collection<String> events, long fromMs, long toMs);

    /**
     * The distinct answers of a destination's delivered rows of the period that count what they received (Meta's
     * {@code events_received}), each with how many of the period's rows carry it; at most {@code limit}.
     */
    Map<String, Long> countingAnswers(long envId, long destinationId, long fromMs, long toMs, int limit);

    /** A kept canonical event, or null. */
    Canonical canonical(long envId, String eventId);

    /** The raw (not captured) events of an environment at {@code timeMs} of the device or the identity. */
    List<RawEvent> rawAt(long envId, long timeMs, String deviceId, String identity, int limit);
}
