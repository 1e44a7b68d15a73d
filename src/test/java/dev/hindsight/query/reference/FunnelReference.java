package dev.hindsight.query.reference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A brute-force funnel in plain Java, written from the semantics in {@code FunnelQuery}'s documentation rather
 * than from its SQL: every attempt of every user is walked step by step over all of the user's events.
 */
public final class FunnelReference {
    private FunnelReference() {
    }

    /** One event, already resolved to its user: which steps it matches, and its breakdown property (or null). */
    public record Event(String user, long time, boolean[] steps, String breakdown) {
    }

    /**
     * A funnel's answer for a group of users: users reaching each step; median seconds from the previous step
     * (null for step 1 and for steps nobody reached); for each step k &lt; n all the users whose furthest step is k,
     * sorted.
     */
    public record Group(List<Long> counts, List<Double> medians, List<List<String>> dropped) {
    }

    /** The total and, with a breakdown, the group per value ("(none)" for missing, "(other)" past the limit). */
    public record Result(Group total, Map<String, Group> breakdowns) {
    }

    /** One attempt's walk: the time reached at each step (as many as were reached). */
    private record Attempt(List<Long> times, String breakdown) {
    }

    /** The funnel of {@code n} steps over [from, to) with the window; {@code limit} null means no breakdown. */
    public static Result run(List<Event> events, int n, long from, long to, long window, Integer limit) {
        Map<String, List<Event>> byUser = new TreeMap<>();
        for (Event e : events) {
            byUser.computeIfAbsent(e.user(), u -> new ArrayList<>()).add(e);
        }
        Map<String, Attempt> chosen = new TreeMap<>();
        for (Map.Entry<String, List<Event>> u : byUser.entrySet()) {
            Attempt best = null;
            for (Event start : u.getValue()) {
                if (!start.steps()[0] || start.time() < from || start.time() >= to) {
                    continue;
                }
                Attempt a = walk(u.getValue(), start, n, window);
                if (best == null || better(a, best)) {
                    best = a;
                }
            }
            if (best != null) {
                chosen.put(u.getKey(), best);
            }
        }
        Group total = group(chosen, n);
        Map<String, Group> breakdowns = null;
        if (limit != null) {
            Map<String, Integer> sizes = new HashMap<>();
            chosen.values().stream().filter(a -> a.breakdown() != null).forEach(a -> sizes.merge(a.breakdown(), 1, Integer::sum));
            List<String> top = sizes.keySet().stream()
                    .sorted(Comparator.comparing((String v) -> -sizes.get(v)).thenComparing(Comparator.naturalOrder()))
                    .limit(limit).toList();
            Map<String, Map<String, Attempt>> split = new TreeMap<>();
            chosen.forEach((user, a) -> {
                String value = a.breakdown() == null ? "(none)" : top.contains(a.breakdown()) ? a.breakdown() : "(other)";
                split.computeIfAbsent(value, v -> new TreeMap<>()).put(user, a);
            });
            breakdowns = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, Attempt>> e : split.entrySet()) {
                breakdowns.put(e.getKey(), group(e.getValue(), n));
            }
        }
        return new Result(total, breakdowns);
    }

    private static Attempt walk(List<Event> userEvents, Event start, int n, long window) {
        List<Long> times = new ArrayList<>(List.of(start.time()));
        for (int k = 1; k < n; k++) {
            long previous = times.get(k - 1);
            Long next = null;
            for (Event e : userEvents) {
                if (e.steps()[k] && e.time() > previous && e.time() - start.time() <= window
                        && (next == null || e.time() < next)) {
                    next = e.time();
                }
            }
            if (next == null) {
                break;
            }
            times.add(next);
        }
        return new Attempt(times, start.breakdown());
    }

    /** Further first, then earlier, then the smaller breakdown value (a missing one last). */
    private static boolean better(Attempt a, Attempt b) {
        if (a.times().size() != b.times().size()) {
            return a.times().size() > b.times().size();
        }
        if (!a.times().get(0).equals(b.times().get(0))) {
            return a.times().get(0) < b.times().get(0);
        }
        if (a.breakdown() == null || b.breakdown() == null) {
            return b.breakdown() == null && a.breakdown() != null;
        }
        return a.breakdown().compareTo(b.breakdown()) < 0;
    }

    private static Group group(Map<String, Attempt> users, int n) {
        List<Long> counts = new ArrayList<>();
        List<Double> medians = new ArrayList<>();
        List<List<String>> dropped = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            final int step = k;
            counts.add(users.values().stream().filter(a -> a.times().size() > step).count());
            if (k == 0) {
                medians.add(null);
            } else {
                List<Long> gaps = users.values().stream().filter(a -> a.times().size() > step)
                        .map(a -> a.times().get(step) - a.times().get(step - 1)).sorted().toList();
                medians.add(median(gaps));
            }
            if (k < n - 1) {
                // TreeMap keys are in String order, which is the database's order for the ASCII keys tests use.
                dropped.add(users.entrySet().stream().filter(e -> e.getValue().times().size() == step + 1)
                        .map(Map.Entry::getKey).toList());
            }
        }
        return new Group(counts, medians, dropped);
    }

    private static Double median(List<Long> sorted) {
        if (sorted.isEmpty()) {
            return null;
        }
        int mid = sorted.size() / 2;
        double ms = sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2.0;
        return ms / 1000.0;
    }
}
