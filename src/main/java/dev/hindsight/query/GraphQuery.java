package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Series;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The graph analysis: request {@code {interval, series: [{event, measure, property?, aggregate?}], breakdown?:
 * {property, limit}, formulas?: [{expression, name?}]}}, answer {@code {series: [{label, measure, property?,
 * aggregate?, breakdown?, points: [{t, value}]}], formulas?: [{name, expression, breakdown?, points}]}} with a point
 * for every interval of the range. A counting measure's value is a whole number, zero when nothing happened; any
 * other measure's value is a number, null where the interval has no numeric value (or no user) to measure.
 */
final class GraphQuery {
    /** The measures that count: events, distinct users, distinct sessions. */
    static final List<String> MEASURES = List.of("count", "users", "sessions");
    /** The measures of a numeric event property's values. */
    static final List<String> PROPERTY_MEASURES = List.of("sum", "avg", "min", "max", "median", "p90");
    /** The measure of a figure per user, aggregated over the users with {@link #AGGREGATES}. */
    static final String PER_USER = "per_user";
    /** How per-user figures are aggregated over the users. */
    static final List<String> AGGREGATES = List.of("avg", "min", "max", "median", "p90");
    /** Every measure a series takes. */
    static final List<String> ALL_MEASURES = java.util.stream.Stream.of(MEASURES, PROPERTY_MEASURES, List.of(PER_USER))
            .flatMap(List::stream).toList();
    /** Formulas of one graph. */
    static final int MAX_FORMULAS = 10;
    /** Longest formula name. */
    static final int MAX_NAME = 255;

    private GraphQuery() {
    }

    /** Parses a graph request; {@code events} resolves the event at a JSON pointer of the body. */
    static Graph parse(JsonNode body, Scope scope, Function<String, EventSpec> events) {
        String interval = QueryLimits.text(body, "interval", "interval", "day");
        if (!Buckets.INTERVALS.contains(interval)) {
            throw HindsightException.field("interval", "must be one of " + Buckets.INTERVALS);
        }
        long buckets = Buckets.count(scope.fromMs(), scope.toMs(), interval, scope.zone());
        if (buckets > QueryLimits.MAX_BUCKETS) {
            throw QueryLimits.exceeded("interval", "the range has " + buckets + " " + interval + "s; a graph has at most "
                    + QueryLimits.MAX_BUCKETS + " buckets: narrow the range or take a longer interval");
        }
        JsonNode series = body.get("series");
        if (series == null || !series.isArray() || series.isEmpty()) {
            throw HindsightException.field("series", "is required: an array of {event, measure}");
        }
        if (series.size() > QueryLimits.MAX_SERIES) {
            throw QueryLimits.exceeded("series", "has " + series.size() + " entries; a graph has at most "
                    + QueryLimits.MAX_SERIES + " series");
        }
        List<Series> out = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            JsonNode s = series.get(i);
            if (!s.isObject()) {
                throw HindsightException.field("series[" + i + "]", "must be an object {event, measure}");
            }
            out.add(series(s, "series[" + i + "]", events.apply("/series/" + i + "/event")));
        }
        Analysis.Breakdown breakdown = FunnelQuery.breakdown(body);
        List<Formula> formulas = formulas(body.get("formulas"), out.size());
        // Each series and formula has up to limit values, "(other)" and "(none)".
        long lines = (long) (out.size() + formulas.size()) * (breakdown == null ? 1 : breakdown.limit() + 2);
        if (lines * buckets > QueryLimits.MAX_POINTS) {
            throw QueryLimits.exceeded("series", "the answer could have " + lines * buckets + " points (" + lines
                    + " lines of " + buckets + " buckets); a graph has at most " + QueryLimits.MAX_POINTS
                    + ": fewer series, a smaller breakdown limit, a narrower range or a longer interval");
        }
        return new Graph(scope, interval, out, breakdown, formulas);
    }

    /** A series's measure, with its {@code property} and {@code aggregate} where it takes them. */
    private static Series series(JsonNode s, String path, EventSpec event) {
        String measure = QueryLimits.text(s, "measure", path + ".measure", "count");
        if (!ALL_MEASURES.contains(measure)) {
            throw HindsightException.field(path + ".measure", "must be one of " + ALL_MEASURES);
        }
        String property = QueryLimits.text(s, "property", path + ".property", null);
        if (property != null && property.isBlank()) {
            throw HindsightException.field(path + ".property", "must name an event property");
        }
        if (MEASURES.contains(measure) && property != null) {
            throw HindsightException.field(path + ".property", "is not taken by the measure " + measure
                    + ": only by " + PROPERTY_MEASURES + " and " + PER_USER);
        }
        if (PROPERTY_MEASURES.contains(measure) && property == null) {
            throw HindsightException.field(path + ".property", "is required by the measure " + measure
                    + ": the numeric event property to measure (such as revenue)");
        }
        String aggregate = QueryLimits.text(s, "aggregate", path + ".aggregate", null);
        if (!measure.equals(PER_USER) && aggregate != null) {
            throw HindsightException.field(path + ".aggregate", "is only taken by the measure " + PER_USER);
        }
        if (measure.equals(PER_USER)) {
            aggregate = aggregate == null ? "avg" : aggregate;
            if (!AGGREGATES.contains(aggregate)) {
                throw HindsightException.field(path + ".aggregate", "must be one of " + AGGREGATES);
            }
        }
        return new Series(event, measure, property, aggregate);
    }

    /** The optional {@code formulas}: at most {@value #MAX_FORMULAS} of {@code {expression, name?}}. */
    private static List<Formula> formulas(JsonNode node, int series) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw HindsightException.field("formulas", "must be an array of {expression, name?}");
        }
        if (node.size() > MAX_FORMULAS) {
            throw QueryLimits.exceeded("formulas", "has " + node.size() + " entries; a graph has at most "
                    + MAX_FORMULAS + " formulas");
        }
        List<Formula> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "formulas[" + i + "]";
            JsonNode f = node.get(i);
            if (!f.isObject()) {
                throw HindsightException.field(path, "must be an object {expression, name?}");
            }
            String expression = QueryLimits.text(f, "expression", path + ".expression", null);
            if (expression == null) {
                throw HindsightException.field(path + ".expression", "is required: arithmetic over the series"
                        + " A, B, C ... such as \"A / B * 100\"");
            }
            String name = QueryLimits.text(f, "name", path + ".name", expression);
            if (name.isBlank() || name.length() > MAX_NAME) {
                throw HindsightException.field(path + ".name", "must hold from 1 to " + MAX_NAME + " characters");
            }
            Formula.Expr root;
            try {
                root = FormulaParser.parse(expression, series);
            } catch (FormulaParser.SyntaxError e) {
                throw HindsightException.field(path + ".expression", e.getMessage());
            }
            out.add(new Formula(name, expression, root));
        }
        return out;
    }

    static Answer.Graph run(Graph g, Engine engine) {
        List<Long> buckets = Buckets.between(g.scope().fromMs(), g.scope().toMs(), g.interval(), g.scope().zone());
        LocalTimes local = LocalTimes.of(g.scope().zone(), g.scope().fromMs(), g.scope().toMs());
        List<Answer.Line> out = new ArrayList<>();
        // Per series, per breakdown value (null without a breakdown), per bucket start: the value.
        List<Map<String, Map<Long, Double>>> values = new ArrayList<>();
        for (Series s : g.series()) {
            Map<String, Map<Long, Double>> byBreakdown = new LinkedHashMap<>();
            if (g.breakdown() != null && g.breakdown().byCohort()) {
                // Every cohort has its line, in the request's order, zeros included.
                g.breakdown().cohorts().forEach(c -> byBreakdown.put(c.name(), new LinkedHashMap<>()));
            }
            for (Engine.GraphRow row : engine.graphSeries(g, s)) {
                byBreakdown.computeIfAbsent(row.breakdown(), k -> new LinkedHashMap<>())
                        .put(local.bucketStart(g.interval(), row.bucketMs()), row.value());
            }
            if (byBreakdown.isEmpty() && g.breakdown() == null) {
                byBreakdown.put(null, Map.of());
            }
            values.add(byBreakdown);
            for (Map.Entry<String, Map<Long, Double>> e : byBreakdown.entrySet()) {
                // Without a breakdown the key is null and the line has no breakdown member; with one, every
                // value is named ("(none)" for no value).
                out.add(new Answer.Line(s.event().label(), s.measure(), s.property(), s.aggregate(),
                        g.breakdown() != null ? e.getKey() : null, points(buckets, t -> value(s, e.getValue(), t))));
            }
        }
        return new Answer.Graph(out, g.formulas().isEmpty() ? null : formulas(g, buckets, values));
    }

    /**
     * Each formula's lines: one without a breakdown; with one, a line per breakdown value of the series it reads
     * (of every series when it reads none), pairing the series' values by breakdown value and bucket. A series
     * without a line for a value counts zero there, or, for a measure that is not a count, has no value.
     */
    private static List<Answer.FormulaLine> formulas(Graph g, List<Long> buckets,
            List<Map<String, Map<Long, Double>>> values) {
        List<Answer.FormulaLine> out = new ArrayList<>();
        for (Formula f : g.formulas()) {
            List<Integer> refs = f.refs().isEmpty()
                    ? java.util.stream.IntStream.range(0, g.series().size()).boxed().toList() : f.refs();
            java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>();
            refs.forEach(i -> keys.addAll(values.get(i).keySet()));
            if (g.breakdown() == null) {
                keys.clear();
                keys.add(null);
            }
            for (String key : keys) {
                out.add(new Answer.FormulaLine(f.name(), f.expression(), key, points(buckets, t -> f.eval(i -> {
                    Series s = g.series().get(i);
                    Number v = value(s, values.get(i).getOrDefault(key, Map.of()), t);
                    return v == null ? null : v.doubleValue();
                }))));
            }
        }
        return out;
    }

    /** A line's value at bucket {@code t}: a whole number for a count (0 when none), else a number or null. */
    private static Number value(Series s, Map<Long, Double> line, long t) {
        Double v = line.get(t);
        if (s.counts()) {
            return v == null ? 0L : Math.round(v);
        }
        return v;
    }

    private static List<Answer.Point> points(List<Long> buckets, java.util.function.LongFunction<Number> value) {
        List<Answer.Point> points = new ArrayList<>();
        for (long t : buckets) {
            points.add(new Answer.Point(Instant.ofEpochMilli(t).toString(), value.apply(t)));
        }
        return points;
    }
}
