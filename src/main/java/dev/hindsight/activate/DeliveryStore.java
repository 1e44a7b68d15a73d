package dev.hindsight.activate;

import java.util.List;

/**
 * The destinations' configuration, the delivery outbox and its log, implemented by each store engine. Outbox rows are
 * added through the write queue ({@code WriteOp.Enqueue}, in the commit of their canonical event); the workers
 * claim and finish them here.
 */
public interface DeliveryStore {
    /** Outbox states. */
    String PENDING = "pending";
    String SENDING = "sending";
    String RETRYING = "retrying";
    String DELIVERED = "delivered";
    String DEAD = "dead";
    String SKIPPED = "skipped";

    /** A destination as kept: its configuration as JSON (secrets included: never answered as is). */
    record DestinationRow(long envId, long id, String configJson, boolean enabled, long createdAt, long updatedAt) {
    }

    /** An outbox row, with its canonical event's payload. */
    record Item(long id, long envId, long destinationId, String eventId, String userKey, long createdAt,
            String state, int attempts, long dueAt, Integer lastStatus, String lastBody, String lastReason,
            Long doneAt, long updatedAt, String payloadJson) {
    }

    /** One attempt (or skip) in the delivery log. */
    record Attempt(long outboxId, long envId, long destinationId, String eventId, int attempt, long at,
            String outcome, Integer status, String body, String reason, Long latencyMs) {
    }

    long nextDestinationId();

    /** Adds or replaces a destination. */
    void saveDestination(DestinationRow row);

    void deleteDestination(long envId, long id);

    /** Every destination of every environment, by id. */
    List<DestinationRow> destinations();

    /**
     * The next rows a worker may send for a destination, oldest first: of each user only the oldest row not yet
     * finished, when it is due at {@code now} and no row of that user is in flight.
     */
    List<Item> due(long destinationId, long now, int limit);

    /** The earliest due time of a waiting row of the destination, or null when none waits. */
    Long nextDue(long destinationId);

    /** Marks rows as in flight. */
    void claim(List<Long> ids, long now);

    /** Sets a row's state after an attempt and logs the attempt (in one transaction). */
    void finish(long id, String state, int attempts, long dueAt, Integer status, String body, String reason,
            long now, Attempt attempt);

    /** Rows left in flight by a process that stopped (a kill -9) wait again, due now; returns how many. */
    int resetInFlight(long now);

    /** Dead-lettered rows of a destination (all, or those of the given event ids) wait again, due now. */
    int replay(long destinationId, List<String> eventIds, long now);

    /** A destination's outbox rows, newest first, optionally of one event and one state. */
    List<Item> items(long destinationId, String eventId, String state, int limit);

    /** Every destination's row of one canonical event. */
    List<Item> trace(long envId, String eventId);

    /** The log of a destination's attempts, optionally for one event, oldest first. */
    List<Attempt> log(long destinationId, String eventId, int limit);
}
