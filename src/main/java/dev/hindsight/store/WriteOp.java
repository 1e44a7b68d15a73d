package dev.hindsight.store;

import java.util.List;
import java.util.Map;

/** One durable change handed to the write queue: the writer applies a batch of them in one commit. */
public sealed interface WriteOp {

    /** Store an event. */
    record Append(RawEvent event) implements WriteOp {
    }

    /**
     * Identify a device as a user at a moment: a no-op when the device's latest link already names this user,
     * even when that link was undone (so a tracker's repeated identify does not redo an undone merge).
     */
    record Identify(long envId, String deviceId, String identity, long at, String source) implements WriteOp {
    }

    /**
     * Set user properties, the latest {@code at} wins per key; also records that the user exists. Values are
     * strings, numbers or booleans.
     */
    record SetUserProperties(long envId, String identity, Map<String, Object> properties, long at)
            implements WriteOp {
    }

    /**
     * Set the properties of an anonymous user, that is of a device, the latest {@code at} wins per key. They are also
     * the properties of the user the device is (or is later) identified as, unless that user has a newer value.
     */
    record SetDeviceProperties(long envId, String deviceId, Map<String, Object> properties, long at)
            implements WriteOp {
    }

    /** Undo a merge: the link stops attributing the device's anonymous events to the user. */
    record UndoLink(long envId, long linkId, long at) implements WriteOp {
    }

    /**
     * Capture a canonical event: in the writer's commit, the store looks its {@code event_id} up among the canonical
     * events it keeps (for ever, not a window). New: it stores {@code row}, the raw {@code event} (the canonical event as
     * an ordinary custom event of every analysis) and every op of {@code with} (such as the identify that links the
     * anonymous device to the user, and later the delivery outbox's rows), all in the same commit. The same id with the
     * same payload hash: nothing (a duplicate). Another hash: only the conflict is recorded. {@code result} receives
     * which it was.
     */
    record Capture(CanonicalRow row, RawEvent event, List<WriteOp> with, CanonicalRow.Result result) implements WriteOp {
        public Capture {
            with = List.copyOf(with);
            for (WriteOp op : with) {
                if (op instanceof Capture) {
                    throw new IllegalArgumentException("a capture cannot join another");
                }
            }
        }
    }

    /** Sets a kept canonical event's status and violations (a reprocess after the registry changed). */
    record SetCanonicalStatus(long envId, String eventId, String status, String violationsJson) implements WriteOp {
    }

    /**
     * A delivery outbox row: the canonical event {@code eventId} is to be sent to destination {@code destinationId}.
     * Joins a capture's commit (in its {@code with}) or a reprocess's; a row already kept for the same environment,
     * destination and event is not added again. {@code userKey} orders deliveries per user.
     */
    record Enqueue(long envId, long destinationId, String eventId, String userKey, long at) implements WriteOp {
    }
}
