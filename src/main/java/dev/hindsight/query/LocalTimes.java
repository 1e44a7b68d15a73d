package dev.hindsight.query;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * A time zone's wall clock over a query's range, for SQL: the zone's offset is constant between its transitions,
 * so a CASE over the few transitions inside the range shifts a UTC timestamp to local time exactly, in any engine,
 * with Java's tz database as the one source of truth (the engine's own, if it has one, may be older or newer).
 * Truncating the shifted timestamp gives local days, weeks and months, which {@link #bucketStart} maps back to
 * instants as {@link Buckets} lists them. In a zone without transitions in the range the shift is a constant, and
 * in UTC nothing at all, so the SQL stays as it was.
 */
record LocalTimes(ZoneId zone, List<Long> changes, List<Long> offsets) {
    private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** The offsets of {@code zone} in [fromMs, toMs): {@code offsets[i]} holds from {@code changes[i-1]} on. */
    static LocalTimes of(ZoneId zone, long fromMs, long toMs) {
        ZoneRules rules = zone.getRules();
        List<Long> changes = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        offsets.add(rules.getOffset(Instant.ofEpochMilli(fromMs)).getTotalSeconds() * 1000L);
        ZoneOffsetTransition t = rules.nextTransition(Instant.ofEpochMilli(fromMs));
        while (t != null && t.toEpochSecond() * 1000 < toMs) {
            changes.add(t.toEpochSecond() * 1000);
            offsets.add(t.getOffsetAfter().getTotalSeconds() * 1000L);
            t = rules.nextTransition(t.getInstant());
        }
        return new LocalTimes(zone, List.copyOf(changes), List.copyOf(offsets));
    }

    /** The local wall-clock time of {@code column} (a UTC timestamp) as a timestamp. */
    String local(Dialect d, String column) {
        return perOffset(d, column, offset -> plus(d, column, offset));
    }

    /**
     * The SQL expression of the bucket key of {@code column}: for hours the bucket's start in UTC epoch ms (a local
     * hour may occur twice), for days, weeks and months its local start in wall-clock ms (see {@link #bucketStart}).
     */
    String bucketKey(Dialect d, String interval, String column) {
        if (interval.equals("hour")) {
            return perOffset(d, column, offset -> d.epochMs(plus(d, d.truncate("hour", plus(d, column, offset)), -offset)));
        }
        return d.epochMs(d.truncate(interval, local(d, column)));
    }

    /** The UTC start of the bucket with the key {@code key} of {@link #bucketKey}. */
    long bucketStart(String interval, long key) {
        return interval.equals("hour") ? key : Buckets.utcOfLocal(key, zone);
    }

    private static String plus(Dialect d, String timestamp, long ms) {
        return ms == 0 ? timestamp : d.plusMs(timestamp, ms);
    }

    /** {@code expr} of the offset in force at {@code column}: a CASE over the changes when there are any. */
    private String perOffset(Dialect d, String column, LongFunction<String> expr) {
        if (changes.isEmpty()) {
            return expr.apply(offsets.get(0));
        }
        StringBuilder sb = new StringBuilder("CASE");
        for (int i = 0; i < changes.size(); i++) {
            String at = LocalDateTime.ofInstant(Instant.ofEpochMilli(changes.get(i)), ZoneOffset.UTC).format(SQL_TIME);
            sb.append(" WHEN ").append(column).append(" < ").append(d.timestamp(at)).append(" THEN ")
                    .append(expr.apply(offsets.get(i)));
        }
        return sb.append(" ELSE ").append(expr.apply(offsets.get(changes.size()))).append(" END").toString();
    }
}
