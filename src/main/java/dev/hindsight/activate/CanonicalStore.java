package dev.hindsight.activate;

import java.util.List;
import java.util.Map;

/**
 * Reads of the kept canonical events and their violations, implemented by each store engine (writes go through
 * the write queue as {@code WriteOp.Capture} and {@code WriteOp.SetCanonicalStatus}).
 */
public interface CanonicalStore {

    /**
     * A violation listing row: a kept canonical event that is not deliverable (with its violations as JSON), or an
     * event-id conflict ({@code conflictId} set; {@code violationsJson} null).
     */
    record Row(String eventId, String event, String source, long receivedAt, String payloadJson,
            String violationsJson, Long conflictId) {
    }

    /** Violating events and conflicts, oldest first, optionally of one violation type and one event name. */
    List<Row> violations(long envId, String type, String event, long offset, int limit);

    /** How many violating events and conflicts hold each violation type (a conflict counts as its own type). */
    Map<String, Long> counts(long envId, String event);

    /** Kept canonical events that are not deliverable, in event id order after {@code afterEventId} (null: from the start). */
    List<Row> violating(long envId, String afterEventId, int limit);

    /** A kept canonical event's status, or null when it is not kept. */
    String status(long envId, String eventId);
}
