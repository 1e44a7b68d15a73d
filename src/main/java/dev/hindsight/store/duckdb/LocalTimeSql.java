package dev.hindsight.store.duckdb;

import dev.hindsight.query.LocalTimes;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.LongFunction;

/** SQL of a {@link LocalTimes}: a UTC timestamp shifted to the zone's wall clock by a CASE over its transitions. */
final class LocalTimeSql {
    private static final DateTimeFormatter SQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private LocalTimeSql() {
    }

    /** The local wall-clock time of {@code column} (a UTC timestamp) as a timestamp. */
    static String local(LocalTimes t, Dialect d, String column) {
        return perOffset(t, d, column, offset -> plus(d, column, offset));
    }

    /**
     * The SQL expression of the bucket key of {@code column}: for hours the bucket's start in UTC epoch ms (a local
     * hour may occur twice), for days, weeks and months its local start in wall-clock ms (see {@link LocalTimes#bucketStart}).
     */
    static String bucketKey(LocalTimes t, Dialect d, String interval, String column) {
        if (interval.equals("hour")) {
            return perOffset(t, d, column, offset -> d.epochMs(plus(d, d.truncate("hour", plus(d, column, offset)), -offset)));
        }
        return d.epochMs(d.truncate(interval, local(t, d, column)));
    }

    private static String plus(Dialect d, String timestamp, long ms) {
        return ms == 0 ? timestamp : d.plusMs(timestamp, ms);
    }

    /** {@code expr} of the offset in force at {@code column}: a CASE over the changes when there are any. */
    private static String perOffset(LocalTimes t, Dialect d, String column, LongFunction<String> expr) {
        if (t.changes().isEmpty()) {
            return expr.apply(t.offsets().get(0));
        }
        StringBuilder sb = new StringBuilder("CASE");
        for (int i = 0; i < t.changes().size(); i++) {
            String at = LocalDateTime.ofInstant(Instant.ofEpochMilli(t.changes().get(i)), ZoneOffset.UTC).format(SQL_TIME);
            sb.append(" WHEN ").append(column).append(" < ").append(d.timestamp(at)).append(" THEN ")
                    .append(expr.apply(t.offsets().get(i)));
        }
        return sb.append(" ELSE ").append(expr.apply(t.offsets().get(t.changes().size()))).append(" END").toString();
    }
}
