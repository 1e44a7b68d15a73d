package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The fixed bounds of a query's size, checked before it runs (README, "Query limits"), and strict readers of a
 * request's scalar fields. Each bound is far above what an analysis screen shows: a year by hour is 8,784 buckets.
 */
final class QueryLimits {
    /** The earliest instant a query's range may start at. */
    static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    /** How far past now a query's range may end. */
    static final Duration AHEAD = Duration.ofDays(366);
    /** Buckets of one graph line. */
    static final int MAX_BUCKETS = 10_000;
    /** Cohorts of a retention grid. */
    static final int MAX_COHORTS = 1_000;
    /** Series of a graph. */
    static final int MAX_SERIES = 50;
    /** Points of a graph's answer: lines (series times breakdown groups) times buckets. */
    static final long MAX_POINTS = 500_000;
    /** Cells of a retention answer's breakdown: groups times cohorts times periods. */
    static final long MAX_CELLS = 500_000;
    /** Events a paths query labels steps with. */
    static final int MAX_LABEL_WITH = 50;

    private QueryLimits() {
    }

    static HindsightException exceeded(String field, String message) {
        return new HindsightException(ErrorCode.LIMIT_EXCEEDED, field + ": " + message,
                List.of(FieldError.of(field, message)), java.util.Map.of(), null);
    }

    /** The optional whole-number field {@code name} of {@code node}, from {@code min} to {@code max}. */
    static int whole(JsonNode node, String name, String path, int fallback, int min, int max) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            throw HindsightException.field(path, "must be a whole number from " + min + " to " + max);
        }
        return n.asInt();
    }

    /** The optional text field {@code name} of {@code node}. */
    static String text(JsonNode node, String name, String path, String fallback) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw HindsightException.field(path, "must be a string");
        }
        return n.asText();
    }

    /** The optional boolean field {@code name} of {@code node}. */
    static boolean bool(JsonNode node, String name, String path, boolean fallback) {
        JsonNode n = node.get(name);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw HindsightException.field(path, "must be true or false");
        }
        return n.asBoolean();
    }
}
