package dev.hindsight.query.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A brute-force retention grid in plain Java, written from the semantics in {@code RetentionQuery}'s
 * documentation: for every cohort, user and period, look for a qualifying return among all events.
 */
public final class RetentionReference {
    private static final long DAY = 86_400_000L;
    private static final long WEEK = 7 * DAY;
    /** 1970-01-05, the first Monday of the epoch: weeks start on Mondays. */
    private static final long FIRST_MONDAY = 4 * DAY;

    private RetentionReference() {
    }

    /** One event, already resolved to its user: whether it matches the start and the return event. */
    public record Event(String user, long time, boolean start, boolean returned) {
    }

    /** A cohort: its period's start, its users, and per period 0..N the users retained (null if not begun). */
    public record Cohort(long start, long users, List<Long> retained) {
    }

    public static List<Cohort> run(List<Event> events, long from, long to, String period, int periods) {
        long length = period.equals("day") ? DAY : WEEK;
        Map<String, Long> firstStart = new TreeMap<>();
        for (Event e : events) {
            if (e.start() && e.time() >= from && e.time() < to) {
                firstStart.merge(e.user(), e.time(), Math::min);
            }
        }
        List<Cohort> out = new ArrayList<>();
        for (long c = truncate(from, length); c < to; c += length) {
            final long cohort = c;
            List<String> users = firstStart.entrySet().stream().filter(f -> truncate(f.getValue(), length) == cohort)
                    .map(Map.Entry::getKey).toList();
            List<Long> retained = new ArrayList<>();
            for (int k = 0; k <= periods; k++) {
                long lo = cohort + k * length;
                long hi = lo + length;
                if (lo >= to) {
                    retained.add(null);
                    continue;
                }
                long n = users.stream().filter(u -> events.stream().anyMatch(e -> e.user().equals(u) && e.returned()
                        && e.time() >= from && e.time() < to && e.time() >= firstStart.get(u)
                        && e.time() >= lo && e.time() < hi)).count();
                retained.add(n);
            }
            out.add(new Cohort(cohort, users.size(), retained));
        }
        return out;
    }

    private static long truncate(long ms, long length) {
        long origin = length == WEEK ? FIRST_MONDAY : 0;
        return Math.floorDiv(ms - origin, length) * length + origin;
    }
}
