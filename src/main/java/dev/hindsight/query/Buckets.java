package dev.hindsight.query;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;

/**
 * The interval buckets of a range in a time zone. A day, week (from Monday) or month starts at the zone's local
 * midnight (or, where a daylight-saving change skips midnight, at the first instant of the day), so a day of 23 or
 * 25 hours is one bucket. An hour starts at a whole local hour: where the clocks go back, the repeated local hour
 * is two buckets, each of one real hour.
 */
public final class Buckets {
    public static final List<String> INTERVALS = List.of("hour", "day", "week", "month");
    private static final long HOUR = 3_600_000L;

    private Buckets() {
    }

    /** The start of the UTC interval holding {@code ms}. */
    public static long truncate(long ms, String interval) {
        return truncate(ms, interval, ZoneOffset.UTC);
    }

    /** The start of the interval of {@code zone} holding {@code ms}. */
    public static long truncate(long ms, String interval, ZoneId zone) {
        if (interval.equals("hour")) {
            long offset = offsetMs(ms, zone);
            return Math.floorDiv(ms + offset, HOUR) * HOUR - offset;
        }
        return startOf(periodStart(localDate(ms, zone), interval), zone);
    }

    /** Every UTC bucket start from the one holding {@code fromMs} up to before {@code toMs}. */
    public static List<Long> between(long fromMs, long toMs, String interval) {
        return between(fromMs, toMs, interval, ZoneOffset.UTC);
    }

    /** Every bucket start of {@code zone} from the one holding {@code fromMs} up to before {@code toMs}. */
    public static List<Long> between(long fromMs, long toMs, String interval, ZoneId zone) {
        List<Long> out = new ArrayList<>();
        if (interval.equals("hour")) {
            for (long t = truncate(fromMs, interval, zone); t < toMs; ) {
                out.add(t);
                long next = truncate(t + HOUR, interval, zone);
                t = next > t ? next : t + HOUR;
            }
            return out;
        }
        for (LocalDate d = periodStart(localDate(fromMs, zone), interval); startOf(d, zone) < toMs; d = next(d, interval)) {
            out.add(startOf(d, zone));
        }
        return out;
    }

    /** How many UTC buckets {@link #between} lists, worked out without listing them. */
    public static long count(long fromMs, long toMs, String interval) {
        return count(fromMs, toMs, interval, ZoneOffset.UTC);
    }

    /**
     * How many buckets {@link #between} lists, worked out without listing them (for hours, exact in every zone
     * whose offsets differ by whole hours, and at most one per change off in the others).
     */
    public static long count(long fromMs, long toMs, String interval, ZoneId zone) {
        if (toMs <= fromMs) {
            return 0;
        }
        if (interval.equals("hour")) {
            return Math.floorDiv(truncate(toMs - 1, interval, zone) - truncate(fromMs, interval, zone), HOUR) + 1;
        }
        LocalDate first = periodStart(localDate(fromMs, zone), interval);
        LocalDate last = periodStart(localDate(toMs - 1, zone), interval);
        ChronoUnit unit = switch (interval) {
            case "day" -> ChronoUnit.DAYS;
            case "week" -> ChronoUnit.WEEKS;
            default -> ChronoUnit.MONTHS;
        };
        return unit.between(first, last) + 1;
    }

    /** The UTC instant at which the local date-time {@code localMs} (wall-clock milliseconds) is in {@code zone}. */
    public static long utcOfLocal(long localMs, ZoneId zone) {
        return java.time.LocalDateTime.ofEpochSecond(Math.floorDiv(localMs, 1000), (int) Math.floorMod(localMs, 1000) * 1_000_000,
                ZoneOffset.UTC).atZone(zone).toInstant().toEpochMilli();
    }

    /** The first instant of the local date {@code d} in {@code zone}, in epoch milliseconds. */
    static long startOf(LocalDate d, ZoneId zone) {
        return d.atStartOfDay(zone).toInstant().toEpochMilli();
    }

    static LocalDate localDate(long ms, ZoneId zone) {
        return LocalDate.ofInstant(Instant.ofEpochMilli(ms), zone);
    }

    /** The first day of the day, week (Monday) or month holding {@code d}. */
    static LocalDate periodStart(LocalDate d, String interval) {
        return switch (interval) {
            case "day" -> d;
            case "week" -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case "month" -> d.withDayOfMonth(1);
            default -> throw new IllegalArgumentException(interval);
        };
    }

    private static LocalDate next(LocalDate d, String interval) {
        return switch (interval) {
            case "day" -> d.plusDays(1);
            case "week" -> d.plusWeeks(1);
            default -> d.plusMonths(1);
        };
    }

    private static long offsetMs(long ms, ZoneId zone) {
        return zone.getRules().getOffset(Instant.ofEpochMilli(ms)).getTotalSeconds() * 1000L;
    }
}
