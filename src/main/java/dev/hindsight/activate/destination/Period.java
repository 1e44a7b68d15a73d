package dev.hindsight.activate.destination;

import dev.hindsight.error.HindsightException;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A period {@code [from, to)} of the destinations' health and reconciliation, from the {@code from} and {@code to}
 * query parameters: each an instant ({@code 2026-11-01T00:00:00Z}), a date ({@code 2026-11-01}, midnight UTC; as
 * {@code to} the day is included), {@code now}, or a time before now ({@code -30m}, {@code -24h}, {@code -7d},
 * {@code -2w}). At most {@link #MAX} long. Without {@code to} it ends now (inclusive).
 */
record Period(long fromMs, long toMs) {
    static final Duration MAX = Duration.ofDays(90);
    private static final Pattern RELATIVE = Pattern.compile("-([0-9]{1,5})([mhdw])");
    private static final String FORMS = "an instant (2026-11-01T00:00:00Z), a date (2026-11-01), now, or a time before"
            + " now (-30m, -24h, -7d, -2w)";

    static Period of(Context ctx, Duration fallback, Clock clock) {
        long now = clock.millis();
        String to = ctx.queryParam("to");
        String from = ctx.queryParam("from");
        // "Up to now" includes what arrived in the current millisecond: the end is exclusive.
        long end = to == null || to.isBlank() || to.equals("now") ? now + 1 : point("to", to, false, now);
        long start = from == null || from.isBlank() ? end - fallback.toMillis() : point("from", from, true, now);
        if (start >= end) {
            throw HindsightException.field("from", "must be before 'to' (" + Instant.ofEpochMilli(start) + " is not"
                    + " before " + Instant.ofEpochMilli(end) + ")");
        }
        if (end - start > MAX.toMillis()) {
            throw HindsightException.field("from", "the period may be at most " + MAX.toDays() + " days long");
        }
        return new Period(start, end);
    }

    private static long point(String field, String text, boolean isFrom, long now) {
        if (text.equals("now")) {
            return now;
        }
        Matcher m = RELATIVE.matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            long unit = switch (m.group(2)) {
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                default -> 7 * 86_400_000L;
            };
            return now - n * unit;
        }
        try {
            if (text.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
                LocalDate d = LocalDate.parse(text);
                return (isFrom ? d : d.plusDays(1)).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            }
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw HindsightException.field(field, "must be " + FORMS + ", not '"
                    + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "'");
        }
    }

    String fromIso() {
        return Instant.ofEpochMilli(fromMs).toString();
    }

    String toIso() {
        return Instant.ofEpochMilli(toMs).toString();
    }
}
