package dev.hindsight.query.reference;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

    /**
     * One event, already resolved to its user: whether it matches the start and the return event, and its value of
     * the breakdown's property (null: none, or no breakdown).
     */
    public record Event(String user, long time, boolean start, boolean returned, String value) {
        /** An event without a breakdown value. */
        public Event(String user, long time, boolean start, boolean returned) {
            this(user, time, start, returned, null);
        }
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

    /**
     * The grids of a breakdown by property, by group in the answer's order (users, most first, then value): each
     * user's group is the value on their first start event in the range (of several at that time, a value before
     * none, then the smallest), kept when it is one of the {@code limit} values with most users (ties by value),
     * else "(other)", or "(none)" without a value; a group's grid is {@link #run} over its users' events alone.
     */
    public static Map<String, List<Cohort>> breakdown(List<Event> events, long from, long to, String period,
            int periods, ZoneId zone, int limit) {
        Map<String, Long> firstStart = new TreeMap<>();
        for (Event e : events) {
            if (e.start() && e.time() >= from && e.time() < to) {
                firstStart.merge(e.user(), e.time(), Math::min);
            }
        }
        Map<String, String> value = new HashMap<>();
        for (Map.Entry<String, Long> u : firstStart.entrySet()) {
            events.stream().filter(e -> e.start() && e.user().equals(u.getKey()) && e.time() == u.getValue()
                    && e.value() != null).map(Event::value).min(String::compareTo)
                    .ifPresent(v -> value.put(u.getKey(), v));
        }
        Map<String, Long> users = new HashMap<>();
        value.values().forEach(v -> users.merge(v, 1L, Long::sum));
        List<String> top = users.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).limit(limit).map(Map.Entry::getKey).toList();
        Map<String, List<String>> members = new HashMap<>();
        for (String u : firstStart.keySet()) {
            String v = value.get(u);
            members.computeIfAbsent(v == null ? "(none)" : top.contains(v) ? v : "(other)", g -> new ArrayList<>()).add(u);
        }
        Map<String, List<Cohort>> out = new LinkedHashMap<>();
        members.entrySet().stream().sorted(Comparator.comparingInt((Map.Entry<String, List<String>> g)
                -> -g.getValue().size()).thenComparing(Map.Entry::getKey)).forEach(g -> out.put(g.getKey(),
                run(events.stream().filter(e -> g.getValue().contains(e.user())).toList(), from, to, period, periods,
                        zone)));
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
