package dev.hindsight.activate.destination;

import java.time.Duration;
import java.util.List;

/**
 * How one request ended, with the status and body kept for the delivery log. A status of 0 means no
 * HTTP answer (timeout, connection refused).
 */
public sealed interface Outcome {
    int status();

    String body();

    /**
     * The platform took the request.
     *
     * @param eventsReceived Meta's {@code events_received}, when the platform counts; else null
     * @param messages       what the platform said: Meta's {@code messages}, GA4's validation messages
     */
    record Delivered(int status, String body, Integer eventsReceived, List<String> messages) implements Outcome {
        public Delivered {
            messages = messages == null ? List.of() : List.copyOf(messages);
        }
    }

    /**
     * Worth another attempt: a timeout, a connection failure, a 5xx, a 408 or a 429, or an error the platform
     * marks as transient.
     *
     * @param retryAfter the platform's {@code Retry-After}, or null when it gave none
     */
    record Retryable(int status, String body, String reason, Duration retryAfter) implements Outcome {
    }

    /** Refused for good (a 4xx other than 408 and 429): retrying the same request cannot succeed. */
    record Permanent(int status, String body, String reason) implements Outcome {
    }
}
