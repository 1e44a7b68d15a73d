package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.define.Definition;
import dev.hindsight.define.DefinitionCatalog;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.PropertyFilter;
import dev.hindsight.define.Rule;
import dev.hindsight.http.Auth;
import dev.hindsight.http.ErrorCode;
import dev.hindsight.http.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Series;
import dev.hindsight.store.SqlRunner;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/query}: parses the request into an {@link Analysis}, runs its SQL, and shapes the answer.
 * Events in a request are {@code {"definition": id}} or a raw kind ({@code {"kind": "pageview"}}), each with
 * optional {@code properties} filters.
 */
public final class QueryRoutes {
    private final DefinitionCatalog definitions;
    private final SqlRunner runner;
    private final AnalysisSql sql;
    private final Auth auth;

    public QueryRoutes(DefinitionCatalog definitions, SqlRunner runner, Dialect dialect, Auth auth) {
        this.definitions = definitions;
        this.runner = runner;
        this.sql = new AnalysisSql(dialect);
        this.auth = auth;
    }

    public void register(Javalin app) {
        app.post("/api/query", this::query);
    }

    private void query(Context ctx) {
        JsonNode body = Json.tree(ctx);
        Environment env = auth.adminOrKey(ctx, text(body, "app_id"));
        String kind = text(body, "kind");
        long from = instant(body, "from");
        long to = instant(body, "to");
        if (from >= to) {
            throw HindsightException.field("from", "must be before 'to'");
        }
        Scope scope = new Scope(env.id(), from, to);
        Analysis analysis = switch (kind) {
            case "graph" -> graph(env, scope, body);
            default -> throw HindsightException.field("kind", "must be one of [graph], not '" + kind + "'");
        };
        ctx.json(run(analysis));
    }

    Map<String, Object> run(Analysis a) {
        return switch (a) {
            case Graph g -> runGraph(g);
        };
    }

    private Graph graph(Environment env, Scope scope, JsonNode body) {
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
            out.add(new Series(event(env, s.get("event"), "series[" + i + "].event"), measure));
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

    private Map<String, Object> runGraph(Graph g) {
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

    /** An event of a request: a saved definition or a raw kind, each with optional property filters. */
    EventSpec event(Environment env, JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            throw HindsightException.field(field, "is required: {\"definition\": id} or {\"kind\": \"pageview\"}");
        }
        List<PropertyFilter> props = new ArrayList<>();
        JsonNode p = node.get("properties");
        if (p != null) {
            try {
                props = List.of(Json.MAPPER.treeToValue(p, PropertyFilter[].class));
            } catch (Exception e) {
                throw HindsightException.field(field + ".properties", "must be an array of {key, op, value}");
            }
        }
        EventFilter filter;
        String label;
        if (node.has("definition")) {
            long id = node.get("definition").asLong();
            Definition d = definitions.get(env.id(), id).orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND,
                    field + ": no definition " + id + " in this environment"));
            filter = Definitions.compile(d.rules());
            label = d.name();
        } else if (node.has("kind")) {
            String kind = node.get("kind").asText();
            String name = node.path("event").asText(null);
            Rule r = new Rule(kind, null, null, null, null, null, null, null, null, null, name, null);
            try {
                Definitions.check(List.of(r));
            } catch (HindsightException e) {
                throw HindsightException.field(field, e.errors().isEmpty() ? e.getMessage() : e.errors().get(0).message());
            }
            filter = Definitions.compile(List.of(r));
            label = name != null ? name : kind;
        } else {
            throw HindsightException.field(field, "needs 'definition' (an id) or 'kind'");
        }
        if (!props.isEmpty()) {
            Rule check = new Rule("pageview", null, null, null, null, null, null, null, null, null, null, props);
            Definitions.check(List.of(check));
            List<EventFilter> all = new ArrayList<>(List.of(filter));
            props.forEach(pf -> all.add(new EventFilter.PropertyMatches(pf.key(), pf.op(), pf.value())));
            filter = new EventFilter.All(all);
        }
        return new EventSpec(label, filter);
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw HindsightException.field(field, "is required");
        }
        return n.asText();
    }

    private static long instant(JsonNode body, String field) {
        String s = text(body, field);
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw HindsightException.field(field, "must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
    }
}
