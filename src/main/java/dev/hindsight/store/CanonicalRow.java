package dev.hindsight.store;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The row a canonical event ({@code POST /api/capture}) keeps beside its raw event, for as long as it is kept: its
 * {@code event_id} (the deduplication key, unique per environment, never expiring), the hash of its payload (what a
 * replay must match), the payload as JSON (what a reprocess re-validates), when it arrived, and its status.
 *
 * @param status         {@code deliverable} (valid against the registry) or {@code violating} (unknown or invalid;
 *                       kept, never delivered, listed with its violations until a reprocess finds it valid)
 * @param violationsJson the violations as a JSON array ({@code []} when deliverable)
 */
public record CanonicalRow(long envId, String eventId, String event, String source, String payloadHash,
        String payloadJson, long receivedAt, String status, String violationsJson) {

    public static final String DELIVERABLE = "deliverable";
    public static final String VIOLATING = "violating";

    /** What the store made of a captured event in the commit that applied it. */
    public enum Outcome {
        /** New: the canonical row, its raw event and the ops that join it were committed. */
        STORED,
        /** A replay with the same payload: nothing was written. */
        DUPLICATE,
        /** The event id is taken by another payload: only the conflict was recorded. */
        CONFLICT
    }

    /**
     * Where the single writer leaves the outcome of a capture op: set by each commit attempt, so that after the write
     * queue answers it holds the outcome of the attempt that committed.
     */
    public static final class Result {
        private final AtomicReference<Outcome> outcome = new AtomicReference<>();

        public void set(Outcome o) {
            outcome.set(o);
        }

        /** The outcome, or null when no commit applied the op (its item was refused). */
        public Outcome get() {
            return outcome.get();
        }

        @Override
        public boolean equals(Object o) {
            return o == this;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }
}
