package dev.hindsight.query.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hindsight.define.BuiltIns;
import dev.hindsight.define.EventFilter;
import dev.hindsight.query.Analysis;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.query.Analysis.Retention;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Series;
import dev.hindsight.query.Analysis.Sessions;
import dev.hindsight.query.Analysis.Users;
import dev.hindsight.query.Engine;
import dev.hindsight.query.Membership;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Link;
import dev.hindsight.query.reference.Dataset.Resolved;
import dev.hindsight.store.SqlRunner;
import java.lang.reflect.RecordComponent;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The brute-force engine: the {@link Engine} port over an in-memory {@link Dataset} per environment, written as
 * plainly as possible (a loop over every event for every question), so that the analyses can run on it and the
 * engine contract suite can hold each real engine to it. It reuses the references' rules: users as
 * {@link Dataset#userKey} resolves them, sessions as {@link Dataset#sessions} builds them, raw labels as
 * {@link Dataset#rawLabel} writes them, numbers as {@link GraphReference#number} reads them. Cohort membership is
 * {@link Membership}'s definition evaluated user by user (a static list's from {@link Dataset#listings}), and a
 * cohort filter or breakdown keeps or groups each event by its resolved user's membership.
 *
 * <p>Keys are its own: identities and devices get integer keys from 1 (one space for both, as the port says),
 * raw labels and session ids too. Each event's seq is its position in the dataset (the dataset's times are distinct,
 * so it never decides an order). It has no rollup of sessions' steps: its paths layout says {@code rolled = -1} and
 * {@link #rolledUpSteps} serves nothing. Users' properties are the dataset's ({@link Dataset#properties}: an
 * anonymous user's are its device's), and events have no {@code href}. A request field it was not written for (see
 * {@link #known}), a built-in {@code $} property, or an {@code href} condition is refused with an
 * {@link UnsupportedOperationException} naming it, never ignored: the lead extends this one file as the port grows.
 */
public final class ReferenceEngine implements Engine {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The datasets of the environments, by id. */
    private final Map<Long, Dataset> environments;
    /** Integer keys of identities ("i:" + identity) and devices ("d:" + device), and back. */
    private final Map<String, Integer> keys = new LinkedHashMap<>();
    private final Map<Integer, String> labelOfKey = new HashMap<>();
    /** Raw labels' ids, and back. */
    private final Map<String, Integer> labelIds = new LinkedHashMap<>();
    private final Map<Integer, String> labels = new HashMap<>();
    /**
     * The dataset of each event (by identity), for the built-ins computed from more than the event: filters and
     * values are static, and an event alone says which dataset holds it.
     */
    private static final Map<Ev, Dataset> DATASETS = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    /** Each event's seq: its position in the dataset. */
    private final Map<Ev, Integer> seqs = new HashMap<>();

    /** The engine over {@code data}, the events of the environment {@code envId}. */
    public ReferenceEngine(long envId, Dataset data) {
        this(Map.of(envId, data));
    }

    /** The engine over the dataset of each environment (keys and labels are shared, as a store's are). */
    public ReferenceEngine(Map<Long, Dataset> environments) {
        this.environments = new TreeMap<>(environments);
        for (Dataset data : this.environments.values()) {
            index(data);
        }
    }

    private void index(Dataset data) {
        for (Ev e : data.events()) {
            DATASETS.put(e, data);
            seqs.putIfAbsent(e, seqs.size() + 1);
            if (e.identity() != null) {
                key("i:" + e.identity());
            }
            if (e.device() != null) {
                key("d:" + e.device());
            }
            String label = Dataset.rawLabel(e);
            if (label != null && !labelIds.containsKey(label)) {
                labelIds.put(label, labelIds.size() + 1);
                labels.put(labelIds.size(), label);
            }
        }
        for (Link l : data.links()) {
            key("d:" + l.device());
            key("i:" + l.identity());
        }
    }

    private int key(String name) {
        Integer k = keys.get(name);
        if (k == null) {
            k = keys.size() + 1;
            keys.put(name, k);
            labelOfKey.put(k, name.startsWith("d:") ? "device:" + name.substring(2) : name.substring(2));
        }
        return k;
    }

    /** The dataset of the scope's environment, once the scope has no field this engine does not know. */
    private Dataset check(Scope scope) {
        known(scope, "envId", "fromMs", "toMs", "zone", "cohort");
        Dataset data = environments.get(scope.envId());
        if (data == null) {
            throw new IllegalArgumentException("the reference engine holds environments " + environments.keySet()
                    + ", not " + scope.envId());
        }
        return data;
    }

    /**
     * Refuses a request that sets a field this engine was not written for: {@code r}'s record components other than
     * {@code names} must be empty (null, false, or an empty collection). Fields that the port's requests gain later
     * (say a top-level filter, or a cohort) are thus refused by name until the reference engine answers them, rather
     * than silently ignored, which would make every engine "agree" on a wrong answer.
     */
    private static void known(Record r, String... names) {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            if (List.of(names).contains(c.getName())) {
                continue;
            }
            Object v;
            try {
                v = c.getAccessor().invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            boolean empty = v == null || Boolean.FALSE.equals(v) || v instanceof Collection<?> x && x.isEmpty()
                    || v instanceof Map<?, ?> m && m.isEmpty() || v instanceof dev.hindsight.define.EventFilter.Always || v instanceof Long n && n == 0L;
            if (!empty) {
                throw unsupported(r.getClass().getSimpleName() + "." + c.getName());
            }
        }
    }

    /** Refuses an event of a request with fields this engine does not know (see {@link #known}). */
    private static void known(Analysis.EventSpec e) {
        if (e != null) {
            known(e, "label", "filter");
        }
    }

    // ---- Cohorts -------------------------------------------------------------------------------------------

    @Override
    public int[] cohortMembers(long envId, Membership m, long nowMs) {
        Dataset data = check(new Scope(envId, 0, 0));
        return members(data, m, nowMs).stream().mapToInt(this::keyOf).sorted().toArray();
    }

    /** The integer key of a user of the dataset (an identity, or {@code device:} and a device id). */
    private int keyOf(String userKey) {
        String identity = Dataset.identityOf(userKey);
        return identity != null ? key("i:" + identity) : key("d:" + userKey.substring("device:".length()));
    }

    /**
     * The members of {@code m} at {@code now}, as {@link Membership} defines them, by the dataset's user keys: for a
     * static list, its identities listed at {@code now} that the store has seen (in an event or a link); else every
     * user with an event before {@code now} for whom the rule holds, over their events before {@code now}.
     */
    private Set<String> members(Dataset data, Membership m, long now) {
        Set<String> out = new TreeSet<>();
        if (m instanceof Membership.Listed l) {
            for (Dataset.Listing x : data.listings()) {
                if (x.cohortId() == l.cohortId() && x.addedAt() <= now && (x.removedAt() == null || x.removedAt() > now)
                        && keys.containsKey("i:" + x.identity())) {
                    out.add(x.identity());
                }
            }
            return out;
        }
        Map<String, List<Ev>> byUser = new LinkedHashMap<>();
        for (Resolved r : data.resolved(0, now)) {
            byUser.computeIfAbsent(r.userKey(), k -> new ArrayList<>()).add(r.ev());
        }
        byUser.forEach((user, events) -> {
            if (holds(data, m, user, events, now)) {
                out.add(user);
            }
        });
        return out;
    }

    /** Whether the rule holds for {@code user}, whose events before {@code now} are {@code events}, in time order. */
    private static boolean holds(Dataset data, Membership m, String user, List<Ev> events, long now) {
        return switch (m) {
            case Membership.Did d -> {
                long from = Math.max(0, now - d.withinMs());
                long n = events.stream().filter(e -> e.time() >= from && matches(d.event(), e)).count();
                yield n >= d.atLeast() && (d.atMost() == null || n <= d.atMost());
            }
            case Membership.DidThenNot t -> {
                long from = t.inLastMs() == null ? 0 : Math.max(0, now - t.inLastMs());
                yield events.stream().anyMatch(a -> a.time() >= from && matches(t.first(), a)
                        && events.stream().noneMatch(b -> b.time() >= a.time() && b.time() <= a.time() + t.withinMs()
                                && matches(t.then(), b)));
            }
            case Membership.HasProperty p -> property(p.match(), data.properties(user));
            case Membership.All a -> a.of().stream().allMatch(x -> holds(data, x, user, events, now));
            case Membership.Any a -> a.of().stream().anyMatch(x -> holds(data, x, user, events, now));
            case Membership.Not n -> !holds(data, n.of(), user, events, now);
            case Membership.Listed l -> throw new IllegalArgumentException("a static list inside a dynamic rule");
        };
    }

    /** Whether the scope's cohort filter keeps the user (every user without one). */
    private Predicate<String> kept(Dataset data, Scope scope) {
        Analysis.CohortFilter c = scope.cohort();
        if (c == null) {
            return u -> true;
        }
        Set<String> in = members(data, c.cohort().definition(), c.nowMs());
        return u -> in.contains(u) != c.not();
    }

    /**
     * The groups of a breakdown by cohorts each user is in: the names of the cohorts it is a member of at the
     * breakdown's now (none for a user in none).
     */
    private Map<String, List<String>> cohortGroups(Dataset data, Analysis.Breakdown b) {
        Map<String, List<String>> out = new HashMap<>();
        for (Analysis.CohortSpec c : b.cohorts()) {
            for (String u : members(data, c.definition(), b.nowMs())) {
                out.computeIfAbsent(u, x -> new ArrayList<>()).add(c.name());
            }
        }
        return out;
    }

    /** The refusal of a field this engine does not answer, naming it. */
    static UnsupportedOperationException unsupported(String field) {
        return new UnsupportedOperationException("the reference engine does not support " + field);
    }

    @Override
    public Engine watched(SqlRunner.StatementWatch watch) {
        // It runs no statements, and answers at once.
        return this;
    }

    // ---- Event filters -------------------------------------------------------------------------------------

    /** Whether {@code e} satisfies {@code f}, as the engines' SQL does (a comparison with a missing value is false). */
    static boolean matches(EventFilter f, Ev e) {
        return switch (f) {
            case EventFilter.Always a -> true;
            case EventFilter.Never n -> false;
            case EventFilter.All all -> all.of().stream().allMatch(x -> matches(x, e));
            case EventFilter.Any any -> any.of().stream().anyMatch(x -> matches(x, e));
            case EventFilter.KindIs k -> k.kind().equals(e.kind());
            case EventFilter.NameIs n -> n.name().equals(e.name());
            case EventFilter.HierarchyMatches h -> e.hierarchy() != null
                    && Pattern.compile(h.regex()).matcher(e.hierarchy()).matches();
            case EventFilter.TextMatches t -> text(t, column(t.column(), e));
            case EventFilter.PropertyMatches p -> BuiltIns.userPropertyAtEvent(p.key()) != null
                    ? test(p, value(e, p.key())) : property(p, e.props() == null ? Map.of() : e.props());
        };
    }

    private static String column(EventFilter.Column c, Ev e) {
        return switch (c) {
            case TEXT -> e.text();
            case PATH -> e.path();
            case URL -> e.url();
            case HREF -> throw unsupported("the column href (the dataset keeps no links)");
        };
    }

    private static boolean text(EventFilter.TextMatches t, String v) {
        if (v == null) {
            return false;
        }
        return switch (t.op()) {
            case EQUALS -> v.equals(t.value());
            case CONTAINS -> v.contains(t.value());
            case WILDCARD -> {
                // Each * is any characters; everything else is literal.
                List<String> parts = new ArrayList<>();
                for (String part : t.value().split("\\*", -1)) {
                    parts.add(Pattern.quote(part));
                }
                yield Pattern.compile(String.join(".*", parts), Pattern.DOTALL).matcher(v).matches();
            }
            case REGEX -> Pattern.compile(t.value()).matcher(v).find();
        };
    }

    /** An event's (or user's) property condition: the value's text, or its number for numeric comparisons. */
    static boolean property(EventFilter.PropertyMatches p, Map<String, Object> props) {
        own(p.key());
        return test(p, props.get(p.key()));
    }

    /** A property condition on the value {@code v} (null: none). */
    private static boolean test(EventFilter.PropertyMatches p, Object v) {
        String text = v == null ? null : String.valueOf(v);
        return switch (p.op()) {
            case "is_set" -> v != null;
            case "is_not_set" -> v == null;
            case "contains" -> text != null && text.contains(String.valueOf(p.value()));
            case ">", "<", ">=", "<=" -> {
                Double x = toDouble(text);
                double y = ((Number) p.value()).doubleValue();
                yield x != null && switch (p.op()) {
                    case ">" -> x > y;
                    case "<" -> x < y;
                    case ">=" -> x >= y;
                    default -> x <= y;
                };
            }
            case "=" -> equal(text, p.value());
            case "!=" -> !equal(text, p.value());
            default -> throw unsupported("the property operator " + p.op());
        };
    }

    private static boolean equal(String text, Object value) {
        if (value instanceof Number n) {
            Double x = toDouble(text);
            return x != null && x == n.doubleValue();
        }
        return text != null && text.equals(String.valueOf(value));
    }

    /** Text as a number, as a cast that yields nothing for text that is not one. */
    private static Double toDouble(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A property as the dataset holds it: the event's (or user's) own, or {@code $user_at_event.<name>} (computed by
     * {@link BuiltInsReference} from the dataset's history of sets). Other built-in properties (named with a leading
     * {@code $}) are computed by the store, not by this engine, so it refuses them by name.
     */
    private static String own(String key) {
        if (key != null && key.startsWith("$") && BuiltIns.userPropertyAtEvent(key) == null) {
            throw unsupported("the built-in property " + key);
        }
        return key;
    }

    private static String value(Ev e, String property) {
        own(property);
        if (BuiltIns.userPropertyAtEvent(property) != null) {
            return BuiltInsReference.value(DATASETS.get(e), e, property);
        }
        Object v = e.props() == null ? null : e.props().get(property);
        return v == null ? null : String.valueOf(v);
    }

    /** The events of [from, to) matching {@code f}, with their users, in time order. */
    private static List<Resolved> events(Dataset data, long from, long to, EventFilter f) {
        List<Resolved> out = new ArrayList<>();
        for (Resolved r : data.resolved(from, to)) {
            if (matches(f, r.ev())) {
                out.add(r);
            }
        }
        return out;
    }

    // ---- Local time ----------------------------------------------------------------------------------------

    /** The local wall-clock time of {@code ms} in {@code zone}, as epoch milliseconds of that local time in UTC. */
    private static long localMs(long ms, java.time.ZoneId zone) {
        return ms + zone.getRules().getOffset(Instant.ofEpochMilli(ms)).getTotalSeconds() * 1000L;
    }

    /**
     * The bucket key of {@code ms}: for hours the UTC start of its local hour, else the local start of its day, week
     * (from Monday) or month in wall-clock milliseconds (see {@code LocalTimes#bucketStart}).
     */
    private static long bucketKey(long ms, String interval, java.time.ZoneId zone) {
        ZonedDateTime t = Instant.ofEpochMilli(ms).atZone(zone);
        if (interval.equals("hour")) {
            return t.truncatedTo(ChronoUnit.HOURS).toInstant().toEpochMilli();
        }
        LocalDate d = t.toLocalDate();
        LocalDate start = switch (interval) {
            case "day" -> d;
            case "week" -> d.minusDays(d.getDayOfWeek().getValue() - DayOfWeek.MONDAY.getValue());
            case "month" -> d.withDayOfMonth(1);
            default -> throw unsupported("the interval " + interval);
        };
        return start.atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    // ---- Graph ---------------------------------------------------------------------------------------------

    @Override
    public List<GraphRow> graphSeries(Graph g, Series s) {
        Dataset data = check(g.scope());
        known(g, "scope", "interval", "series", "breakdown", "formulas");
        known(s, "event", "measure", "property", "aggregate");
        known(s.event());
        if (s.property() != null && s.property().startsWith("$")) {
            // A measure reads the event's own numbers (GraphReference.number), never a built-in's.
            throw unsupported("a measure of the built-in property " + s.property());
        }
        boolean byCohort = g.breakdown() != null && g.breakdown().byCohort();
        if (byCohort) {
            known(g.breakdown(), "cohorts", "nowMs", "limit");
        } else if (g.breakdown() != null) {
            known(g.breakdown(), "property", "limit");
            own(g.breakdown().property());
        }
        Predicate<String> keep = kept(data, g.scope());
        List<Resolved> matching = new ArrayList<>(events(data, g.scope().fromMs(), g.scope().toMs(), s.event().filter()));
        matching.removeIf(r -> !keep.test(r.userKey()));
        Map<String, List<String>> cohorts = byCohort ? cohortGroups(data, g.breakdown()) : Map.of();
        // The breakdown's top values, by events (all matching events, numeric or not), ties by value.
        Set<String> top = new HashSet<>();
        if (g.breakdown() != null && !byCohort) {
            Map<String, Long> counts = new HashMap<>();
            for (Resolved r : matching) {
                String v = value(r.ev(), g.breakdown().property());
                if (v != null) {
                    counts.merge(v, 1L, Long::sum);
                }
            }
            counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                    .thenComparing(Map.Entry.comparingByKey())).limit(g.breakdown().limit())
                    .forEach(e -> top.add(e.getKey()));
        }
        // Per bucket key, per line: the events measured (with a property, those with a numeric value of it).
        Map<Long, Map<String, List<Resolved>>> groups = new TreeMap<>();
        for (Resolved r : matching) {
            if (s.property() != null && GraphReference.number(r, s.property()) == null) {
                continue;
            }
            // The event's lines: none, its value's, or (by cohorts) one per cohort of its user, maybe none.
            List<String> lines = new ArrayList<>();
            if (byCohort) {
                lines.addAll(cohorts.getOrDefault(r.userKey(), List.of()));
            } else if (g.breakdown() != null) {
                String v = value(r.ev(), g.breakdown().property());
                lines.add(v == null ? "(none)" : top.contains(v) ? v : "(other)");
            } else {
                lines.add(null);
            }
            for (String line : lines) {
                groups.computeIfAbsent(bucketKey(r.ev().time(), g.interval(), g.scope().zone()), k -> new TreeMap<>(
                        Comparator.nullsLast(Comparator.naturalOrder()))).computeIfAbsent(line, k -> new ArrayList<>()).add(r);
            }
        }
        List<GraphRow> out = new ArrayList<>();
        groups.forEach((bucket, lines) -> lines.forEach((line, events) ->
                out.add(new GraphRow(bucket, line, measure(s, events)))));
        return out;
    }

    private static double measure(Series s, List<Resolved> events) {
        List<Double> values = new ArrayList<>();
        switch (s.measure()) {
            case "count":
                return events.size();
            case "users":
                return events.stream().map(Resolved::userKey).distinct().count();
            case "sessions":
                return events.stream().map(r -> r.ev().session()).filter(Objects::nonNull).distinct().count();
            case "per_user": {
                Map<String, Double> perUser = new LinkedHashMap<>();
                for (Resolved r : events) {
                    perUser.merge(r.userKey(), s.property() == null ? 1.0 : GraphReference.number(r, s.property()),
                            Double::sum);
                }
                return aggregate(new ArrayList<>(perUser.values()), s.aggregate());
            }
            case "sum", "avg", "min", "max", "median", "p90": {
                for (Resolved r : events) {
                    values.add(GraphReference.number(r, s.property()));
                }
                return aggregate(values, s.measure());
            }
            default:
                throw unsupported("the measure " + s.measure());
        }
    }

    private static double aggregate(List<Double> values, String aggregate) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return switch (aggregate) {
            case "sum" -> sum;
            case "avg" -> sum / values.size();
            case "min" -> sorted.get(0);
            case "max" -> sorted.get(sorted.size() - 1);
            case "median" -> quantile(sorted, 0.5);
            case "p90" -> quantile(sorted, 0.9);
            default -> throw unsupported("the aggregate " + aggregate);
        };
    }

    /** The quantile {@code q}, interpolating linearly at position q (n - 1) of the sorted values. */
    private static double quantile(List<Double> sorted, double q) {
        double pos = q * (sorted.size() - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted.get(lo) + (pos - lo) * (sorted.get(hi) - sorted.get(lo));
    }

    // ---- Rows for the kernels, identity links, labels ------------------------------------------------------

    @Override
    public void partRows(long envId, List<Part> parts, PartRow row) {
        Dataset data = check(new Scope(envId, 0, 0));
        for (int k = 1; k <= parts.size(); k++) {
            Part p = parts.get(k - 1);
            known(p, "fromMs", "toMs", "filter", "property");
            own(p.property());
            for (Ev e : data.events()) {
                if (e.time() >= p.fromMs() && e.time() < p.toMs() && matches(p.filter(), e)) {
                    int actor = e.identity() != null ? key("i:" + e.identity()) : -1 - key("d:" + e.device());
                    row.accept(e.time() * 1000 * PART_SPAN + k, actor, p.property() == null ? null : value(e, p.property()));
                }
            }
        }
    }

    @Override
    public void identityLinks(long envId, LinkRow row) {
        Dataset data = check(new Scope(envId, 0, 0));
        List<Link> sorted = new ArrayList<>(data.links());
        // By device, then valid_from, then as they were made (the list's order; the sort is stable).
        sorted.sort(Comparator.comparingInt((Link l) -> key("d:" + l.device())).thenComparingLong(Link::validFrom));
        for (Link l : sorted) {
            row.accept(key("d:" + l.device()), key("i:" + l.identity()), l.undone(), l.validFrom() * 1000);
        }
    }

    @Override
    public Map<Long, String> userLabels(Collection<Long> userKeys) {
        Map<Long, String> out = new HashMap<>();
        for (long k : userKeys) {
            String label = labelOfKey.get((int) k);
            if (label != null) {
                out.put(k, label);
            }
        }
        return out;
    }

    @Override
    public Map<Integer, String> eventLabels(Collection<Integer> ids) {
        Map<Integer, String> out = new HashMap<>();
        for (int id : ids) {
            if (labels.containsKey(id)) {
                out.put(id, labels.get(id));
            }
        }
        return out;
    }

    // ---- Retention -----------------------------------------------------------------------------------------

    @Override
    public List<RetentionRow> retention(Retention r) {
        Dataset data = check(r.scope());
        known(r, "scope", "start", "returning", "period", "periods", "breakdown");
        known(r.start());
        known(r.returning());
        boolean byCohort = r.breakdown() != null && r.breakdown().byCohort();
        if (byCohort) {
            known(r.breakdown(), "cohorts", "nowMs", "limit");
        } else if (r.breakdown() != null) {
            known(r.breakdown(), "property", "limit");
            own(r.breakdown().property());
        }
        java.time.ZoneId zone = r.scope().zone();
        long from = r.scope().fromMs();
        long to = r.scope().toMs();
        Predicate<String> keep = kept(data, r.scope());
        // Each user's first start event, and the breakdown value on it (of several at that time, a value before
        // none, then the smallest).
        Map<String, Long> first = new LinkedHashMap<>();
        Map<String, String> valueOf = new HashMap<>();
        for (Resolved e : events(data, from, to, r.start().filter())) {
            if (!keep.test(e.userKey())) {
                continue;
            }
            first.putIfAbsent(e.userKey(), e.ev().time());
            if (r.breakdown() != null && !byCohort && first.get(e.userKey()) == e.ev().time()) {
                String v = value(e.ev(), r.breakdown().property());
                String had = valueOf.get(e.userKey());
                if (v != null && (had == null || v.compareTo(had) < 0)) {
                    valueOf.put(e.userKey(), v);
                }
            }
        }
        // The breakdown's top values, by users, ties by value; each user's groups (by cohorts, maybe none).
        Map<String, List<String>> groupsOf = byCohort ? cohortGroups(data, r.breakdown())
                : new HashMap<>();
        if (r.breakdown() != null && !byCohort) {
            Map<String, Long> counts = new HashMap<>();
            valueOf.values().forEach(v -> counts.merge(v, 1L, Long::sum));
            Set<String> top = new HashSet<>();
            counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                    .thenComparing(Map.Entry.comparingByKey())).limit(r.breakdown().limit())
                    .forEach(e -> top.add(e.getKey()));
            for (String u : first.keySet()) {
                String v = valueOf.get(u);
                groupsOf.put(u, List.of(v == null ? "(none)" : top.contains(v) ? v : "(other)"));
            }
        }
        List<Resolved> returns = events(data, from, to, r.returning().filter());
        // Per group (null: every user), per cohort: the size, and per period the users retained.
        Map<String, Map<Long, Long>> sizes = new HashMap<>();
        Map<String, Map<Long, Map<Integer, Set<String>>>> retained = new HashMap<>();
        for (Map.Entry<String, Long> u : first.entrySet()) {
            long cohort = bucketKey(u.getValue(), r.period(), zone);
            List<String> groups = new ArrayList<>();
            groups.add(null);
            groups.addAll(groupsOf.getOrDefault(u.getKey(), List.of()));
            for (String g : groups) {
                sizes.computeIfAbsent(g, x -> new TreeMap<>()).merge(cohort, 1L, Long::sum);
            }
            for (Resolved e : returns) {
                if (e.userKey().equals(u.getKey()) && e.ev().time() >= u.getValue()) {
                    // Periods on the local wall clock, where every day has 24 hours.
                    int k = r.periodOf(cohort, localMs(e.ev().time(), zone));
                    if (k <= r.periods()) {
                        for (String g : groups) {
                            retained.computeIfAbsent(g, x -> new TreeMap<>()).computeIfAbsent(cohort, c -> new TreeMap<>())
                                    .computeIfAbsent(k, x -> new HashSet<>()).add(u.getKey());
                        }
                    }
                }
            }
        }
        List<RetentionRow> out = new ArrayList<>();
        sizes.forEach((g, byStart) -> byStart.forEach((cohort, n) -> out.add(new RetentionRow(cohort, -1, n, g))));
        retained.forEach((g, byStart) -> byStart.forEach((cohort, byK) -> byK.forEach((k, users) ->
                out.add(new RetentionRow(cohort, k, users.size(), g)))));
        return out;
    }

    // ---- Users ---------------------------------------------------------------------------------------------

    @Override
    public List<UserRow> users(Users u) {
        Dataset data = check(u.scope());
        known(u, "scope", "event", "didNot", "properties", "limit");
        known(u.event());
        Predicate<String> inScope = kept(data, u.scope());
        Map<String, List<Resolved>> byUser = new LinkedHashMap<>();
        for (Resolved r : data.resolved(u.scope().fromMs(), u.scope().toMs())) {
            if (inScope.test(r.userKey())) {
                byUser.computeIfAbsent(r.userKey(), k -> new ArrayList<>()).add(r);
            }
        }
        record Qualified(String user, Map<String, Object> props, List<Resolved> events) {
            long last() {
                return events.get(events.size() - 1).ev().time();
            }
        }
        List<Qualified> all = new ArrayList<>();
        for (Map.Entry<String, List<Resolved>> e : byUser.entrySet()) {
            boolean did = false;
            for (Resolved r : e.getValue()) {
                did |= u.event() == null || matches(u.event().filter(), r.ev());
            }
            Map<String, Object> props = data.properties(e.getKey());
            boolean keep = did != u.didNot();
            for (EventFilter.PropertyMatches p : u.properties()) {
                keep &= property(p, props);
            }
            if (keep) {
                all.add(new Qualified(e.getKey(), props, e.getValue()));
            }
        }
        all.sort(Comparator.comparingLong(Qualified::last).reversed().thenComparing(Qualified::user));
        List<UserRow> out = new ArrayList<>();
        for (Qualified q : all.subList(0, Math.min(u.limit(), all.size()))) {
            out.add(new UserRow(Dataset.identityOf(q.user()), q.user(), json(q.props()), q.events().size(),
                    q.events().get(0).ev().time(), q.last(), all.size()));
        }
        return out;
    }

    private static String json(Map<String, Object> props) {
        try {
            return JSON.writeValueAsString(props);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- Sessions ------------------------------------------------------------------------------------------

    @Override
    public List<SessionRow> sessions(Sessions s) {
        Dataset data = check(s.scope());
        known(s, "scope", "identity", "limit");
        List<List<Resolved>> all = new ArrayList<>();
        for (List<Resolved> session : data.sessions(s.scope().fromMs(), s.scope().toMs(), kept(data, s.scope()))) {
            if (s.identity() == null || s.identity().equals(session.get(0).userKey())) {
                all.add(session);
            }
        }
        all.sort(Comparator.comparingLong((List<Resolved> x) -> x.get(0).ev().time()).reversed());
        List<SessionRow> out = new ArrayList<>();
        for (int i = 0; i < Math.min(s.limit(), all.size()); i++) {
            List<Resolved> session = all.get(i);
            Ev first = session.get(0).ev();
            Ev landing = null;
            for (Resolved r : session) {
                if (landing == null && r.ev().kind().equals("pageview")) {
                    landing = r.ev();
                }
            }
            String user = session.get(0).userKey();
            for (Resolved r : session) {
                Ev e = r.ev();
                out.add(new SessionRow("session " + i, first.session(), user, Dataset.identityOf(user), first.time(),
                        session.get(session.size() - 1).ev().time(), landing == null ? null : landing.url(),
                        landing == null ? null : landing.path(), first.referrer(), session.size(), all.size(), e.kind(),
                        e.name(), e.path(), e.text(), e.time()));
            }
        }
        return out;
    }

    // ---- Paths ---------------------------------------------------------------------------------------------

    @Override
    public PathsLayout pathsLayout(Paths p, int packedBits) {
        Dataset data = check(p.scope());
        known(p, "scope", "start", "before", "depth", "labelWith");
        known(p.start());
        p.labelWith().forEach(ReferenceEngine::known);
        boolean sessionless = false;
        for (Resolved r : data.resolved(p.scope().fromMs(), p.scope().toMs())) {
            sessionless |= r.ev().session() == null;
        }
        // Orders are never packed (time in µs and seq come as two numbers), and there is no rollup.
        return new PathsLayout(sessionless, false, 0, Long.MAX_VALUE, 0, -1);
    }

    @Override
    public void pathRows(Paths p, PathsLayout layout, long unjoinedTail, PathRow row) {
        Dataset data = check(p.scope());
        // With a cohort filter, only the starts of the cohort's users count (a session without a start is left out).
        Predicate<String> keep = kept(data, p.scope());
        Map<String, Integer> sessionIds = new HashMap<>();
        int gapSessions = 0;
        for (List<Resolved> session : data.sessions(p.scope().fromMs(), p.scope().toMs())) {
            String id = session.get(0).ev().session();
            long number = id != null ? sessionIds.computeIfAbsent(id, x -> sessionIds.size() + 1) : -(++gapSessions);
            // The bound of the session's events: its first start (after), or its last (before).
            Long bound = null;
            for (Resolved r : session) {
                if (isStart(p, r, keep) && (bound == null || p.before())) {
                    bound = r.ev().time();
                }
            }
            if (bound == null) {
                continue;
            }
            for (Resolved r : session) {
                Ev e = r.ev();
                long us = e.time() * 1000;
                long seq = seqs.get(e);
                if (isStart(p, r, keep)) {
                    row.accept(number * 4294967296L, us, seq);
                }
                if (p.before() ? e.time() > bound : e.time() < bound) {
                    continue;
                }
                Integer label = label(p, e);
                if (label != null) {
                    row.accept(number * 4294967296L + label, us, seq);
                }
            }
        }
    }

    /** Whether an event is a start of the paths: it matches the start event and its user is one the scope keeps. */
    private static boolean isStart(Paths p, Resolved r, Predicate<String> keep) {
        return matches(p.start().filter(), r.ev()) && keep.test(r.userKey());
    }

    /** An event's label in a paths analysis: its raw label's id, or the position of the first listed event it matches. */
    private Integer label(Paths p, Ev e) {
        if (p.labelWith().isEmpty()) {
            String raw = Dataset.rawLabel(e);
            return raw == null ? null : labelIds.get(raw);
        }
        for (int i = 0; i < p.labelWith().size(); i++) {
            if (matches(p.labelWith().get(i).filter(), e)) {
                return i + 1;
            }
        }
        return matches(p.start().filter(), e) ? p.labelWith().size() + 1 : null;
    }

    @Override
    public void rolledUpSteps(long envId, int minBlock, int maxBlock, long fromMs, long toMs, StepsBlock block) {
        // No rollup: pathsLayout never points here (rolled = -1), so there is nothing to serve.
    }
}
