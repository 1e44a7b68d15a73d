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
        // Per line, per interval: the events.
        Map<String, Map<Long, List<Resolved>>> groups = groups(data, matching, interval, zone, breakdown, limit);
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

    /** One line of a measured series: the breakdown value (null without one) and a value or null per interval start. */
    public record MeasuredLine(String breakdown, Map<Long, Double> points) {
    }

    /**
     * A series of any measure (see {@code Analysis.Series}): {@code count}, {@code users} and {@code sessions} as
     * {@link #series}, zero where nothing happened; {@code sum}, {@code avg}, {@code min}, {@code max},
     * {@code median}, {@code p90} of the numeric values of {@code property} ({@link #number}), null where there are
     * none; {@code per_user}: {@code aggregate} over the users with an event (and with {@code property}, a numeric
     * value) of each user's event count (or sum of values), null where there are none. Quantiles interpolate
     * linearly: position q (n - 1) of the sorted values. Lines are grouped as {@link #series} groups them, without
     * the lines that have no value at all when there is a breakdown, ordered by their first interval with a value,
     * then by breakdown value.
     */
    public static List<MeasuredLine> measured(Dataset data, long from, long to, String interval, Named event,
            String measure, String property, String aggregate, String breakdown, int limit, ZoneId zone) {
        List<Resolved> matching = data.resolved(from, to).stream().filter(r -> event.test().test(r.ev())).toList();
        Map<String, Map<Long, List<Resolved>>> groups = groups(data, matching, interval, zone, breakdown, limit);
        List<Long> buckets = buckets(from, to, interval, zone);
        List<MeasuredLine> out = new ArrayList<>();
        for (Map.Entry<String, Map<Long, List<Resolved>>> e : groups.entrySet()) {
            Map<Long, Double> points = new LinkedHashMap<>();
            for (long b : buckets) {
                List<Resolved> events = e.getValue().getOrDefault(b, List.of());
                points.put(b, switch (measure) {
                    case "count", "users", "sessions" -> (double) measure(events, measure);
                    case "per_user" -> perUser(events, property, aggregate);
                    default -> aggregate(events.stream().map(r -> number(r, property)).filter(v -> v != null).toList(),
                            measure);
                });
            }
            if (breakdown == null || points.values().stream().anyMatch(v -> v != null)) {
                out.add(new MeasuredLine(e.getKey(), points));
            }
        }
        out.sort(Comparator.<MeasuredLine>comparingLong(l -> l.points().entrySet().stream()
                .filter(p -> p.getValue() != null).mapToLong(Map.Entry::getKey).min().orElse(0))
                .thenComparing(l -> l.breakdown() == null ? "" : l.breakdown()));
        return out;
    }

    private static Map<String, Map<Long, List<Resolved>>> groups(Dataset data, List<Resolved> matching, String interval, ZoneId zone,
            String breakdown, int limit) {
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
        return groups;
    }

    private static Double perUser(List<Resolved> events, String property, String aggregate) {
        Map<String, Double> perUser = new HashMap<>();
        for (Resolved r : events) {
            if (property == null) {
                perUser.merge(r.userKey(), 1.0, Double::sum);
            } else {
                Double v = number(r, property);
                if (v != null) {
                    perUser.merge(r.userKey(), v, Double::sum);
                }
            }
        }
        return aggregate(new ArrayList<>(perUser.values()), aggregate);
    }

    /** The aggregate of {@code values}, null when there are none. */
    private static Double aggregate(List<Double> values, String aggregate) {
        if (values.isEmpty()) {
            return null;
        }
        List<Double> sorted = values.stream().sorted().toList();
        return switch (aggregate) {
            case "sum" -> values.stream().mapToDouble(Double::doubleValue).sum();
            case "avg" -> values.stream().mapToDouble(Double::doubleValue).sum() / values.size();
            case "min" -> sorted.get(0);
            case "max" -> sorted.get(sorted.size() - 1);
            case "median" -> quantile(sorted, 0.5);
            case "p90" -> quantile(sorted, 0.9);
            default -> throw new IllegalArgumentException(aggregate);
        };
    }

    private static double quantile(List<Double> sorted, double q) {
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted.get(lo) + (pos - lo) * (sorted.get(hi) - sorted.get(lo));
    }

    private static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    /**
     * An event's numeric value of {@code property}: a number (as Java holds a JSON number, BigInteger and BigDecimal
     * included), or text in JSON's number syntax, when finite as a double; null otherwise.
     */
    public static Double number(Resolved r, String property) {
        Object v = r.ev().props() == null ? null : r.ev().props().get(property);
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else if (v instanceof String text && NUMBER.matcher(text).matches()) {
            d = Double.parseDouble(text);
        } else {
            return null;
        }
        return Double.isFinite(d) ? d : null;
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
