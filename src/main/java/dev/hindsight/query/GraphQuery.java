package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.http.HindsightException;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Series;
import dev.hindsight.store.SqlRunner;
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
    private GraphQuery() {
    }

    /** Parses a graph request; {@code events} resolves the event at a JSON pointer of the body. */
    static Graph parse(JsonNode body, Scope scope, Function<String, EventSpec> events) {
        String interval = body.path("interval").asText("day");
        if (!Buckets.INTERVALS.contains(interval)) {
            throw HindsightException.field("interval", "must be one of " + Buckets.INTERVALS);
        }
        JsonNode series = body.get("series");
        if (series == null || !series.isArray() || series.isEmpty()) {
            throw HindsightException.field("series", "is required: an array of {event, measure}");
        }
        List<Series> out = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            JsonNode s = series.get(i);
            String measure = s.path("measure").asText("count");
            if (!AnalysisSql.measures().contains(measure)) {
                throw HindsightException.field("series[" + i + "].measure", "must be one of " + AnalysisSql.measures());
            }
            out.add(new Series(events.apply("/series/" + i + "/event"), measure));
        }
        Analysis.Breakdown breakdown = null;
        JsonNode b = body.get("breakdown");
        if (b != null && !b.isNull()) {
            String property = b.isTextual() ? b.asText() : b.path("property").asText(null);
            if (property == null || property.isBlank()) {
                throw HindsightException.field("breakdown.property", "is required: the event property to split by");
            }
            int limit = b.path("limit").asInt(10);
            if (limit < 1 || limit > 100) {
                throw HindsightException.field("breakdown.limit", "must be from 1 to 100");
            }
            breakdown = new Analysis.Breakdown(property, limit);
        }
        return new Graph(scope, interval, out, breakdown);
    }

    static Map<String, Object> run(Graph g, AnalysisSql sql, SqlRunner runner) {
        List<Long> buckets = Buckets.between(g.scope().fromMs(), g.scope().toMs(), g.interval());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Series s : g.series()) {
            Sql q = sql.graphSeries(g, s);
            Map<String, Map<Long, Long>> byBreakdown = new LinkedHashMap<>();
            runner.query(q.text(), q.params(), rs -> {
                byBreakdown.computeIfAbsent(rs.getString(2), k -> new LinkedHashMap<>()).put(rs.getLong(1), rs.getLong(3));
                return null;
            });
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
