package dev.hindsight.query;

import dev.hindsight.error.HindsightException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A query's time range [from, to) as asked, resolved to instants in a time zone at the clock's now (README, "Dates").
 * Each bound is an instant ({@code 2026-11-01T00:00:00Z}), a local date ({@code 2026-11-01}: its local midnight;
 * as {@code to}, the day is included), a local date-time ({@code 2026-11-01T09:30}), {@code now}, a period word
 * ({@code today}, {@code this_week}, {@code last_month}, ...: as {@code from} its start, as {@code to} its end),
 * {@code all} (as {@code from}: the earliest a range may start), or {@code -N} and a unit: {@code -7d} is the start
 * of the last 7 whole days counting today, so {@code from: "-7d"} is today and the 6 days before, and {@code from:
 * "-14d", to: "-7d"} the 7 days before those. Units are h (hours), d (days), w (weeks from Monday), m (months),
 * q (quarters) and y (years); every unit starts at a local whole hour or midnight. Without {@code to} the range
 * ends at the end of a period that is over ({@code yesterday}, {@code last_*}), otherwise at the end of the current
 * local hour.
 */
record DateRange(long fromMs, long toMs, ZoneId zone) {
    /** The period words, each naming a local period relative to today. */
    static final List<String> WORDS = List.of("today", "yesterday", "this_week", "last_week", "this_month",
            "last_month", "this_quarter", "last_quarter", "this_year", "last_year");
    private static final Pattern RELATIVE = Pattern.compile("-([0-9]{1,6})([hdwmqy])");
    private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}");
    private static final Pattern LOCAL_TIME = Pattern.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+");
    private static final String FORMS = "an instant (2026-11-01T00:00:00Z), a date (2026-11-01), a relative start"
            + " (-24h, -7d, -12w, -3m, -1q, -1y), now, all, or one of " + WORDS;

    /** A point of time a bound names, and where its period ends (null: the range goes on to now). */
    private record Point(long ms, Long periodEnd) {
    }

    /**
     * Resolves {@code from} and {@code to} (null: left out) in {@code zone} at {@code clock}'s now, checking each
     * bound against {@link QueryLimits#EARLIEST} and {@link QueryLimits#AHEAD}.
     */
    static DateRange resolve(String from, String to, ZoneId zone, Clock clock) {
        long now = clock.millis();
        Point start = point("from", from, true, zone, now);
        // The end of the current hour rather than now: the current bucket is whole, and "today" is no empty range in
        // its first millisecond.
        long end = to != null ? point("to", to, false, zone, now).ms()
                : start.periodEnd() != null ? start.periodEnd() : Buckets.truncate(now, "hour", zone) + 3_600_000L;
        check(to == null ? "from" : "to", end, now);
        if (start.ms() >= end) {
            throw HindsightException.field("from", "must be before 'to' (the range is from " + Instant.ofEpochMilli(start.ms())
                    + " to " + Instant.ofEpochMilli(end) + " in " + zone + ")");
        }
        return new DateRange(start.ms(), end, zone);
    }

    /** The range as the answer echoes it: both bounds as instants and as local times, and the zone. */
    Answer.Range echo() {
        return new Answer.Range(Instant.ofEpochMilli(fromMs).toString(), Instant.ofEpochMilli(toMs).toString(),
                Instant.ofEpochMilli(fromMs).atZone(zone).toOffsetDateTime().toString(),
                Instant.ofEpochMilli(toMs).atZone(zone).toOffsetDateTime().toString(), zone.getId());
    }

    private static Point point(String field, String text, boolean isFrom, ZoneId zone, long now) {
        Point p = parse(field, text, isFrom, zone, now);
        check(field, p.ms(), now);
        return p;
    }

    private static Point parse(String field, String text, boolean isFrom, ZoneId zone, long now) {
        LocalDate today = Buckets.localDate(now, zone);
        if (text.equals("now")) {
            return new Point(now, null);
        }
        if (text.equals("all")) {
            if (!isFrom) {
                throw HindsightException.field(field, "'all' is a start; give 'to' as " + FORMS);
            }
            return new Point(QueryLimits.EARLIEST.toEpochMilli(), null);
        }
        int word = WORDS.indexOf(text);
        if (word >= 0) {
            LocalDate first = switch (text) {
                case "today" -> today;
                case "yesterday" -> today.minusDays(1);
                case "this_week", "last_week" -> Buckets.periodStart(today, "week").minusWeeks(text.startsWith("last") ? 1 : 0);
                case "this_month", "last_month" -> today.withDayOfMonth(1).minusMonths(text.startsWith("last") ? 1 : 0);
                case "this_quarter", "last_quarter" -> quarter(today).minusMonths(text.startsWith("last") ? 3 : 0);
                default -> today.withDayOfYear(1).minusYears(text.startsWith("last") ? 1 : 0);
            };
            LocalDate next = switch (text) {
                case "today", "yesterday" -> first.plusDays(1);
                case "this_week", "last_week" -> first.plusWeeks(1);
                case "this_month", "last_month" -> first.plusMonths(1);
                case "this_quarter", "last_quarter" -> first.plusMonths(3);
                default -> first.plusYears(1);
            };
            long end = Buckets.startOf(next, zone);
            boolean over = text.equals("yesterday") || text.startsWith("last_");
            return isFrom ? new Point(Buckets.startOf(first, zone), over ? end : null) : new Point(end, null);
        }
        Matcher m = RELATIVE.matcher(text);
        if (m.matches()) {
            int n = Integer.parseInt(m.group(1));
            if (n == 0) {
                throw HindsightException.field(field, "'" + text + "' is an empty range: the count must be at least 1,"
                        + " as in -1" + m.group(2) + " (the current " + unit(m.group(2)) + ")");
            }
            return new Point(relative(n - 1, m.group(2), today, zone, now), null);
        }
        try {
            if (DATE.matcher(text).matches()) {
                LocalDate d = LocalDate.parse(text);
                return new Point(Buckets.startOf(isFrom ? d : d.plusDays(1), zone), null);
            }
            if (LOCAL_TIME.matcher(text).matches()) {
                return new Point(millis(LocalDateTime.parse(text).atZone(zone).toInstant()), null);
            }
            return new Point(millis(Instant.parse(text)), null);
        } catch (DateTimeParseException e) {
            throw HindsightException.field(field, "must be " + FORMS + ", not '" + shorten(text) + "'");
        }
    }

    /** The start of the local {@code unit} that began {@code back} units before the current one. */
    private static long relative(int back, String unit, LocalDate today, ZoneId zone, long now) {
        try {
            return switch (unit) {
                case "h" -> {
                    long t = Buckets.truncate(now, "hour", zone) - back * 3_600_000L;
                    yield Buckets.truncate(t, "hour", zone);
                }
                case "d" -> Buckets.startOf(today.minusDays(back), zone);
                case "w" -> Buckets.startOf(Buckets.periodStart(today, "week").minusWeeks(back), zone);
                case "m" -> Buckets.startOf(today.withDayOfMonth(1).minusMonths(back), zone);
                case "q" -> Buckets.startOf(quarter(today).minusMonths(3L * back), zone);
                default -> Buckets.startOf(today.withDayOfYear(1).minusYears(back), zone);
            };
        } catch (DateTimeException | ArithmeticException e) {
            // Far outside the years a range may cover: the bound check names it.
            return Long.MIN_VALUE;
        }
    }

    /** The epoch milliseconds of {@code t}, saturated at the ends of a long (far outside any range's bounds). */
    private static long millis(Instant t) {
        try {
            return t.toEpochMilli();
        } catch (ArithmeticException e) {
            return t.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private static LocalDate quarter(LocalDate d) {
        return d.withDayOfMonth(1).withMonth((d.getMonthValue() - 1) / 3 * 3 + 1);
    }

    private static String unit(String u) {
        return switch (u) {
            case "h" -> "hour";
            case "d" -> "day";
            case "w" -> "week";
            case "m" -> "month";
            case "q" -> "quarter";
            default -> "year";
        };
    }

    private static void check(String field, long ms, long now) {
        Instant latest = Instant.ofEpochMilli(now).plus(QueryLimits.AHEAD);
        if (ms < QueryLimits.EARLIEST.toEpochMilli() || ms > latest.toEpochMilli()) {
            throw QueryLimits.exceeded(field, "must be from " + QueryLimits.EARLIEST + " to a year from now ("
                    + latest.truncatedTo(ChronoUnit.DAYS) + ")");
        }
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
