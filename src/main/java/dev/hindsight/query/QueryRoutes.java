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
import dev.hindsight.store.SqlRunner;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
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
            case "graph" -> GraphQuery.parse(body, scope, field -> event(env, body.at(field), field));
            case "funnel" -> FunnelQuery.parse(body, scope, field -> event(env, body.at(field), field));
            case "retention" -> RetentionQuery.parse(body, scope, field -> event(env, body.at(field), field));
            case "paths" -> PathsQuery.parse(body, scope, (node, field) -> event(env, node, field));
            case "users" -> UsersQuery.parse(body, scope, field -> event(env, body.at(field), field));
            case "sessions" -> SessionsQuery.parse(body, scope);
            default -> throw HindsightException.field("kind", "must be one of " + KINDS + ", not '" + kind + "'");
        };
        ctx.json(run(analysis));
    }

    /** The analysis kinds {@code POST /api/query} answers. */
    public static final List<String> KINDS = List.of("graph", "funnel", "retention", "paths", "users", "sessions");

    /** Runs an analysis: each kind has a class that parses its request and shapes its answer. */
    public Map<String, Object> run(Analysis a) {
        return switch (a) {
            case Graph g -> GraphQuery.run(g, sql, runner);
            case Analysis.Funnel f -> FunnelQuery.run(f, sql.dialect(), runner);
            case Analysis.Retention r -> RetentionQuery.run(r, sql.dialect(), runner);
            case Analysis.Paths p -> PathsQuery.run(p, sql.dialect(), runner);
            case Analysis.Users u -> UsersQuery.run(u, sql.dialect(), runner);
            case Analysis.Sessions x -> SessionsQuery.run(x, sql.dialect(), runner);
        };
    }

    /**
     * An event of a request: a saved definition or a raw kind, each with optional property filters. {@code field}
     * is the JSON pointer of the node (such as {@code /series/0/event}); errors name it in dotted form.
     */
    EventSpec event(Environment env, JsonNode node, String pointer) {
        String field = pointer.substring(1).replaceAll("/(\\d+)", "[$1]").replace('/', '.');
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
