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
 * The graph analysis: request {@code {interval, series: [{event, measure}], breakdown?: {property, limit}}},
 * answer {@code {series: [{label, measure, breakdown?, points: [{t, value}]}]}} with a point for every interval
 * of the range (zero when nothing happened).
 */
final class GraphQuery {
    /** What a series measures: its events, its distinct users, or its distinct sessions. */
    static final List<String> MEASURES = List.of("count", "users", "sessions");

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
            String measure = QueryLimits.text(s, "measure", "series[" + i + "].measure", "count");
            if (!MEASURES.contains(measure)) {
                throw HindsightException.field("series[" + i + "].measure", "must be one of " + MEASURES);
            }
            out.add(new Series(events.apply("/series/" + i + "/event"), measure));
        }
        Analysis.Breakdown breakdown = FunnelQuery.breakdown(body);
        // Each series has up to limit values, "(other)" and "(none)".
        long lines = (long) out.size() * (breakdown == null ? 1 : breakdown.limit() + 2);
        if (lines * buckets > QueryLimits.MAX_POINTS) {
            throw QueryLimits.exceeded("series", "the answer could have " + lines * buckets + " points (" + lines
                    + " lines of " + buckets + " buckets); a graph has at most " + QueryLimits.MAX_POINTS
                    + ": fewer series, a smaller breakdown limit, a narrower range or a longer interval");
        }
        return new Graph(scope, interval, out, breakdown);
    }

    static Map<String, Object> run(Graph g, Engine engine) {
        List<Long> buckets = Buckets.between(g.scope().fromMs(), g.scope().toMs(), g.interval(), g.scope().zone());
        LocalTimes local = LocalTimes.of(g.scope().zone(), g.scope().fromMs(), g.scope().toMs());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Series s : g.series()) {
            Map<String, Map<Long, Long>> byBreakdown = new LinkedHashMap<>();
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
            for (Map.Entry<String, Map<Long, Long>> e : byBreakdown.entrySet()) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("label", s.event().label());
                line.put("measure", s.measure());
                if (g.breakdown() != null) {
                    line.put("breakdown", e.getKey());
                }
                List<Map<String, Object>> points = new ArrayList<>();
                for (long t : buckets) {
                    points.add(Map.of("t", Instant.ofEpochMilli(t).toString(), "value", e.getValue().getOrDefault(t, 0L)));
                }
                line.put("points", points);
                out.add(line);
            }
        }
        return Map.of("series", out);
    }

}
