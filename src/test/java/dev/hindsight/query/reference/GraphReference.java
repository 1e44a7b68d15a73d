package dev.hindsight.query.reference;

import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.Dataset.Resolved;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The graph analysis by brute force: every event of the range that matches, put in its interval (UTC unless a zone is
 * given: days, weeks from Monday and months from local midnight, hours from a whole local hour) and its breakdown value, then measured. {@code count} counts events, {@code users} distinct resolved
 * users, {@code sessions} distinct session ids (an event without a session id counts in no session). A breakdown
 * keeps the {@code limit} values with most matching events (ties by value), the rest as "(other)", events
 * without the property as "(none)". Lines come in the order of their first interval with events, then by value;
 * without a breakdown there is always one line, with one there are none when nothing matched.
 */
public final class GraphReference {
    private GraphReference() {
    }

    /** One line of a series: the breakdown value (null without a breakdown) and a value per interval start. */
    public record Line(String breakdown, Map<Long, Long> points) {
    }

    public static List<Line> series(Dataset data, long from, long to, String interval, Named event, String measure,
            String breakdown, int limit) {
        return series(data, from, to, interval, event, measure, breakdown, limit, ZoneOffset.UTC);
    }

    public static List<Line> series(Dataset data, long from, long to, String interval, Named event, String measure,
            String breakdown, int limit, ZoneId zone) {
        List<Resolved> matching = data.resolved(from, to).stream().filter(r -> event.test().test(r.ev())).toList();
        Set<String> top = new HashSet<>();
        if (breakdown != null) {
            Map<String, Long> counts = new HashMap<>();
            matching.forEach(r -> {
                String v = value(data, r, breakdown);
                if (v != null) {
                    counts.merge(v, 1L, Long::sum);
                }
            });
            counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                    .thenComparing(Map.Entry.comparingByKey())).limit(limit).forEach(e -> top.add(e.getKey()));
        }
        // Per line, per interval: the events.
        Map<String, Map<Long, List<Resolved>>> groups = new HashMap<>();
        for (Resolved r : matching) {
            String line = null;
            if (breakdown != null) {
                String v = value(data, r, breakdown);
                line = v == null ? "(none)" : top.contains(v) ? v : "(other)";
            }
            groups.computeIfAbsent(line, k -> new TreeMap<>()).computeIfAbsent(bucket(r.ev().time(), interval, zone),
                    k -> new ArrayList<>()).add(r);
        }
        if (groups.isEmpty() && breakdown == null) {
            groups.put(null, new TreeMap<>());
        }
        List<Long> buckets = buckets(from, to, interval, zone);
        List<Line> out = new ArrayList<>();
        groups.entrySet().stream().sorted(Comparator.<Map.Entry<String, Map<Long, List<Resolved>>>>comparingLong(
                e -> e.getValue().isEmpty() ? 0 : ((TreeMap<Long, ?>) e.getValue()).firstKey())
                .thenComparing(e -> e.getKey() == null ? "" : e.getKey())).forEach(e -> {
                    Map<Long, Long> points = new LinkedHashMap<>();
                    for (long b : buckets) {
                        points.put(b, measure(e.getValue().getOrDefault(b, List.of()), measure));
                    }
                    out.add(new Line(e.getKey(), points));
                });
        return out;
    }

    private static long measure(List<Resolved> events, String measure) {
        return switch (measure) {
            case "count" -> events.size();
            case "users" -> events.stream().map(Resolved::userKey).distinct().count();
            case "sessions" -> events.stream().map(r -> r.ev().session()).filter(s -> s != null).distinct().count();
            default -> throw new IllegalArgumentException(measure);
        };
    }

    private static String value(Dataset data, Resolved r, String property) {
        if (dev.hindsight.define.BuiltIns.isBuiltIn(property)) {
            return BuiltInsReference.value(data, r.ev(), property);
        }
        Object v = r.ev().props() == null ? null : r.ev().props().get(property);
        return v == null ? null : String.valueOf(v);
    }

    /** The start of the UTC interval holding {@code ms}. */
    public static long bucket(long ms, String interval) {
        return bucket(ms, interval, ZoneOffset.UTC);
    }

    /**
     * The start of the interval of {@code zone} holding {@code ms}: the local hour (truncated on the local time line,
     * keeping the offset, so a repeated hour is two), or the first instant of the local day, week or month.
     */
    public static long bucket(long ms, String interval, ZoneId zone) {
        ZonedDateTime t = Instant.ofEpochMilli(ms).atZone(zone);
        LocalDate d = t.toLocalDate();
        ZonedDateTime start = switch (interval) {
            case "hour" -> t.truncatedTo(ChronoUnit.HOURS);
            case "day" -> d.atStartOfDay(zone);
            case "week" -> d.minusDays(t.getDayOfWeek().getValue() - DayOfWeek.MONDAY.getValue()).atStartOfDay(zone);
            case "month" -> d.withDayOfMonth(1).atStartOfDay(zone);
            default -> throw new IllegalArgumentException(interval);
        };
        return start.toInstant().toEpochMilli();
    }

    /** Every UTC interval start from the one holding {@code from} while before {@code to}. */
    public static List<Long> buckets(long from, long to, String interval) {
        return buckets(from, to, interval, ZoneOffset.UTC);
    }

    /** Every interval start from the one holding {@code from} while before {@code to}, found half hour by half hour. */
    public static List<Long> buckets(long from, long to, String interval, ZoneId zone) {
        List<Long> out = new ArrayList<>();
        long first = bucket(from, interval, zone);
        for (long h = Math.floorDiv(first, 1_800_000L) * 1_800_000L; h < to; h += 1_800_000L) {
            long b = bucket(h, interval, zone);
            if (b >= first && b < to && (out.isEmpty() || out.get(out.size() - 1) != b)) {
                out.add(b);
            }
        }
        return out;
    }
}
