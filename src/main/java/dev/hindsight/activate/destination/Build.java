package dev.hindsight.activate.destination;

import java.util.List;

/**
 * What a request builder made of a batch: the requests to send, in order, the events it did not send
 * (with a reason), and the changes it made to events it did send (GA4 parameters capped or dropped).
 */
public record Build(List<BuiltRequest> requests, List<Skipped> skipped, List<Note> notes) {
    public Build {
        requests = List.copyOf(requests);
        skipped = List.copyOf(skipped);
        notes = List.copyOf(notes);
    }

    /**
     * An event not sent. Reasons: {@code no-consent}, {@code not-mapped}, {@code too-old}, {@code in-future},
     * {@code invalid-event-name}, {@code no-client-id}, {@code no-identifier}, {@code no-match-keys},
     * {@code missing-field}.
     */
    public record Skipped(String eventId, String reason, String detail) {
    }

    /** A change to a sent event: a parameter {@code capped} (truncated) or {@code dropped}, and why. */
    public record Note(String eventId, String field, String action, String reason) {
    }
}
