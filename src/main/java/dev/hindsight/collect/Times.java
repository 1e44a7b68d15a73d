package dev.hindsight.collect;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;

/**
 * The ranges of times Hindsight takes (README, "Times"), checked on the number as sent, before any arithmetic,
 * so that no conversion or clock-skew correction can wrap around.
 */
final class Times {
    /** The earliest event time stored: 2000-01-01T00:00:00Z. */
    static final long EARLIEST = 946_684_800_000L;
    /** How far past its receipt a server-API time may lie: 24 hours (a sender's clock slightly ahead). */
    static final long MAX_AHEAD = 86_400_000L;
    /** The range of a device's clock readings on {@code /h} ({@code time}, {@code sent_at}): 1970 to 9999. */
    static final long CLOCK_MIN = 0L;
    static final long CLOCK_MAX = 253_402_300_799_999L;
    /** The range of durations ({@code session_ms}, {@code since_prev_ms}): 0 to 366 days. */
    static final long MAX_DURATION = 366L * 86_400_000L;

    private Times() {
    }

    /**
     * The whole milliseconds of a JSON number (a fraction is dropped) when it lies within {@code [min, max]}, or
     * null when it does not, or is not a finite number.
     */
    static Long within(Number n, long min, long max) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            long v = n.longValue();
            return v >= min && v <= max ? v : null;
        }
        BigDecimal d;
        if (n instanceof Double || n instanceof Float) {
            double x = n.doubleValue();
            if (!Double.isFinite(x)) {
                return null;
            }
            d = new BigDecimal(x);
        } else if (n instanceof BigDecimal b) {
            d = b;
        } else if (n instanceof BigInteger b) {
            d = new BigDecimal(b);
        } else {
            try {
                d = new BigDecimal(n.toString());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (d.compareTo(BigDecimal.valueOf(min)) < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
            return null;
        }
        return d.setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    /** An instant's epoch milliseconds when it lies within {@code [min, max]}, else null (never an overflow). */
    static Long within(Instant t, long min, long max) {
        if (t.isBefore(Instant.ofEpochMilli(min)) || t.isAfter(Instant.ofEpochMilli(max))) {
            return null;
        }
        return t.toEpochMilli();
    }

    /** The range as text for an error message. */
    static String range(long min, long max) {
        return Instant.ofEpochMilli(min) + " (" + min + ") to " + Instant.ofEpochMilli(max) + " (" + max + ")";
    }
}
