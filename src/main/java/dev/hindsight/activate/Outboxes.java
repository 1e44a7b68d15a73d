package dev.hindsight.activate;

import dev.hindsight.store.WriteOp;
import java.util.List;

/**
 * Where a capture gets the outbox rows of a new deliverable canonical event (the configured destinations), and
 * whom it tells once they are committed (the delivery workers).
 */
public interface Outboxes {
    /** The outbox rows of a new deliverable canonical event: one per enabled destination whose mapping names it. */
    List<WriteOp> enqueue(long envId, String event, String eventId, String userKey, long at);

    /** Rows were committed: the workers look for them now. */
    void committed();

    /** The user key that orders deliveries: the user id, else the anonymous id. */
    static String userKey(String userId, String anonymousId) {
        return userId != null ? "u:" + userId : "a:" + anonymousId;
    }
}
