package dev.hindsight.query;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;

/**
 * A time zone's wall clock over a query's range, for SQL (rendered by the engine, e.g. {@code store.duckdb.LocalTimeSql}): the zone's offset is constant between its transitions,
 * so a CASE over the few transitions inside the range shifts a UTC timestamp to local time exactly, in any engine,
 * with Java's tz database as the one source of truth (the engine's own, if it has one, may be older or newer).
 * Truncating the shifted timestamp gives local days, weeks and months, which {@link #bucketStart} maps back to
 * instants as {@link Buckets} lists them. In a zone without transitions in the range the shift is a constant, and
 * in UTC nothing at all, so the SQL stays as it was.
 */
public record LocalTimes(ZoneId zone, List<Long> changes, List<Long> offsets) {
    /** The offsets of {@code zone} in [fromMs, toMs): {@code offsets[i]} holds from {@code changes[i-1]} on. */
    public static LocalTimes of(ZoneId zone, long fromMs, long toMs) {
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

    /** The UTC start of the bucket with the key {@code key} of {@link #bucketKey}. */
    public long bucketStart(String interval, long key) {
        return interval.equals("hour") ? key : Buckets.utcOfLocal(key, zone);
    }

}
