package dev.hindsight.query.reference;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A brute-force retention grid in plain Java, written from the semantics in {@code RetentionQuery}'s
 * documentation: for every cohort, user and period, look for a qualifying return among all events. Periods are
 * local days, or weeks from Monday, of a zone (UTC unless given), each from the first instant of its first day.
 */
public final class RetentionReference {
    private RetentionReference() {
    }

    /** One event, already resolved to its user: whether it matches the start and the return event. */
    public record Event(String user, long time, boolean start, boolean returned) {
    }

    /** A cohort: its period's start, its users, and per period 0..N the users retained (null if not begun). */
    public record Cohort(long start, long users, List<Long> retained) {
    }

    public static List<Cohort> run(List<Event> events, long from, long to, String period, int periods) {
        return run(events, from, to, period, periods, ZoneOffset.UTC);
    }

    public static List<Cohort> run(List<Event> events, long from, long to, String period, int periods, ZoneId zone) {
        Map<String, Long> firstStart = new TreeMap<>();
        for (Event e : events) {
            if (e.start() && e.time() >= from && e.time() < to) {
                firstStart.merge(e.user(), e.time(), Math::min);
            }
        }
        List<Cohort> out = new ArrayList<>();
        for (LocalDate c = first(from, period, zone); start(c, zone) < to; c = plus(c, period, 1)) {
            final LocalDate cohort = c;
            List<String> users = firstStart.entrySet().stream().filter(f -> first(f.getValue(), period, zone)
                    .equals(cohort)).map(Map.Entry::getKey).toList();
            List<Long> retained = new ArrayList<>();
            for (int k = 0; k <= periods; k++) {
                long lo = start(plus(cohort, period, k), zone);
                long hi = start(plus(cohort, period, k + 1), zone);
                if (lo >= to) {
                    retained.add(null);
                    continue;
                }
                long n = users.stream().filter(u -> events.stream().anyMatch(e -> e.user().equals(u) && e.returned()
                        && e.time() >= from && e.time() < to && e.time() >= firstStart.get(u)
                        && e.time() >= lo && e.time() < hi)).count();
                retained.add(n);
            }
            out.add(new Cohort(start(cohort, zone), users.size(), retained));
        }
        return out;
    }

    /** The first day of the local period holding {@code ms}. */
    private static LocalDate first(long ms, String period, ZoneId zone) {
        LocalDate d = Instant.ofEpochMilli(ms).atZone(zone).toLocalDate();
        return period.equals("day") ? d : d.minusDays(d.getDayOfWeek().getValue() - 1);
    }

    private static LocalDate plus(LocalDate d, String period, int k) {
        return period.equals("day") ? d.plusDays(k) : d.plusWeeks(k);
    }

    private static long start(LocalDate d, ZoneId zone) {
        return d.atStartOfDay(zone).toInstant().toEpochMilli();
    }
}
