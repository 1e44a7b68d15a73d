package dev.hindsight.query;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;

/** The interval buckets of a range in UTC, as SQL's date_trunc makes them (weeks start on Monday). */
public final class Buckets {
    public static final List<String> INTERVALS = List.of("hour", "day", "week", "month");

    private Buckets() {
    }

    public static long truncate(long ms, String interval) {
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneOffset.UTC);
        LocalDateTime out = switch (interval) {
            case "hour" -> t.truncatedTo(ChronoUnit.HOURS);
            case "day" -> t.truncatedTo(ChronoUnit.DAYS);
            case "week" -> t.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case "month" -> t.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
            default -> throw new IllegalArgumentException(interval);
        };
        return out.toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    /** Every bucket start from the one holding {@code fromMs} up to before {@code toMs}. */
    public static List<Long> between(long fromMs, long toMs, String interval) {
        List<Long> out = new ArrayList<>();
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(truncate(fromMs, interval)), ZoneOffset.UTC);
        while (t.toInstant(ZoneOffset.UTC).toEpochMilli() < toMs) {
            out.add(t.toInstant(ZoneOffset.UTC).toEpochMilli());
            t = switch (interval) {
                case "hour" -> t.plusHours(1);
                case "day" -> t.plusDays(1);
                case "week" -> t.plusWeeks(1);
                default -> t.plusMonths(1);
            };
        }
        return out;
    }

    /** How many buckets {@link #between} lists, worked out without listing them. */
    public static long count(long fromMs, long toMs, String interval) {
        if (toMs <= fromMs) {
            return 0;
        }
        LocalDateTime first = LocalDateTime.ofInstant(Instant.ofEpochMilli(truncate(fromMs, interval)), ZoneOffset.UTC);
        LocalDateTime last = LocalDateTime.ofInstant(Instant.ofEpochMilli(truncate(toMs - 1, interval)), ZoneOffset.UTC);
        ChronoUnit unit = switch (interval) {
            case "hour" -> ChronoUnit.HOURS;
            case "day" -> ChronoUnit.DAYS;
            case "week" -> ChronoUnit.WEEKS;
            default -> ChronoUnit.MONTHS;
        };
        return unit.between(first, last) + 1;
    }
}
