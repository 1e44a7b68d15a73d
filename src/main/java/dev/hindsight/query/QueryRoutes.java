package dev.hindsight.query;

import dev.hindsight.define.EventFilter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.define.Definition;
import dev.hindsight.define.DefinitionCatalog;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.PropertyFilter;
import dev.hindsight.define.Rule;
import dev.hindsight.account.Access;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.store.StoreUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hindsight.config.Settings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /api/query}: parses the request into an {@link Analysis}, runs it on the {@link Engine}, and shapes
 * the answer.
 * Events in a request are {@code {"definition": id}} or a raw kind ({@code {"kind": "pageview"}}), each with
 * optional {@code properties} filters.
 */
public final class QueryRoutes implements AutoCloseable {
    private final DefinitionCatalog definitions;
    private final CohortLookup cohorts;
    private final Engine engine;
    private final QueryTuning tuning;
    private final AnalysisPool pool;
    private final Access access;
    private final Clock clock;
    private final Settings.QueryBounds bounds;
    private final long memoryBytes;
    private final QueryGate gate;
    // One thread that only ends queries at their deadline; the work stays on the request's thread.
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("hindsight-query-deadlines").unstarted(r));

    /** Routes with the default bounds and no metrics: for benchmarks that call {@link #run(Analysis)}. */
    public QueryRoutes(DefinitionCatalog definitions, Engine engine, Access access) {
        this(definitions, engine, access, Clock.systemUTC(), Settings.from(new String[0], Map.of()).queries(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    public QueryRoutes(DefinitionCatalog definitions, Engine engine, Access access, Clock clock,
            Settings.QueryBounds bounds, MeterRegistry metrics) {
        this(definitions, engine, access, clock, bounds, metrics, QueryTuning.DEFAULT);
    }

    public QueryRoutes(DefinitionCatalog definitions, Engine engine, Access access, Clock clock,
            Settings.QueryBounds bounds, MeterRegistry metrics, QueryTuning tuning) {
        this(definitions, engine, access, clock, bounds, metrics, tuning, CohortLookup.NONE);
    }

    /** Routes whose requests may name the saved cohorts {@code cohorts} finds. */
    public QueryRoutes(DefinitionCatalog definitions, Engine engine, Access access, Clock clock,
            Settings.QueryBounds bounds, MeterRegistry metrics, QueryTuning tuning, CohortLookup cohorts) {
        this.cohorts = cohorts;
        this.definitions = definitions;
        this.engine = engine;
        this.tuning = tuning;
        // An analysis holds its thread while the engine runs its statements: every query the gate admits gets one.
        this.pool = new AnalysisPool(Math.max(tuning.parallelism(), bounds.maxConcurrent()));
        this.access = access;
        this.clock = clock;
        this.bounds = bounds;
        this.memoryBytes = bounds.memoryMb() > 0 ? (long) bounds.memoryMb() << 20
                : Runtime.getRuntime().maxMemory() / (2L * bounds.maxConcurrent());
        this.gate = new QueryGate(bounds.maxConcurrent(), bounds.waitMs(), metrics);
    }

    public void register(Javalin app) {
        app.post("/api/query", this::query);
        app.get("/api/users", this::userList);
    }

    /** {@code GET /api/users?app_id=&search=&cohort=&limit=&cursor=}: a page of the users list (see {@link UserList}). */
    private void userList(Context ctx) {
        for (String key : ctx.queryParamMap().keySet()) {
            if (!Set.of("app_id", "search", "cohort", "limit", "cursor").contains(key)) {
                throw HindsightException.field(key, "is not a parameter here; expected one of [app_id, cohort, cursor,"
                        + " limit, search]");
            }
        }
        String appId = ctx.queryParam("app_id");
        if (appId == null || appId.isBlank()) {
            throw HindsightException.field("app_id", "is required");
        }
        Environment env = access.environment(ctx, appId);
        Analysis.CohortFilter cohort = null;
        String c = ctx.queryParam("cohort");
        if (c != null) {
            JsonNode id;
            try {
                id = Json.MAPPER.readTree(c);
            } catch (JsonProcessingException e) {
                id = null;
            }
            cohort = new Analysis.CohortFilter(cohort(env, id, "cohort"), false, clock.millis());
        }
        ctx.json(users(env, ctx.queryParam("search"), cohort, wholeParam(ctx, "limit", 100), ctx.queryParam("cursor")));
    }

    private static int wholeParam(Context ctx, String name, int fallback) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw HindsightException.field(name, "must be a whole number from 1 to " + UserList.MAX_LIMIT);
        }
    }

    /**
     * The saved cohort {@code id} (a JSON whole number) of {@code env} as analyses use it; a 400 naming
     * {@code field} when there is none.
     */
    public Analysis.CohortSpec cohort(Environment env, JsonNode id, String field) {
        com.fasterxml.jackson.databind.node.ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("cohort", id == null ? Json.MAPPER.nullNode() : id);
        if (id == null || id.isNull()) {
            throw HindsightException.field(field, "must be a cohort's id (a whole number)");
        }
        try {
            return CohortArgs.filter(body, env, cohorts, (node, f) -> event(env, node, f), 0).cohort();
        } catch (HindsightException e) {
            throw HindsightException.field(field, e.errors().isEmpty() ? e.getMessage() : e.errors().get(0).message());
        }
    }

    /** A page of the users list of {@code env} (see {@link UserList}), within the query bounds. */
    public UserPage users(Environment env, String search, Analysis.CohortFilter cohort, int limit,
            String cursor) {
        Analysis.Users u = UserList.analysis(env.id(), search, cohort, limit, cursor);
        return onEngine(e -> UserList.page(u, e));
    }

    /**
     * A cohort's size at the end of each day or week of [from, to) (as {@code POST /api/query} reads a range, in
     * the environment's zone), within the query bounds.
     */
    public CohortSizes cohortSizes(Environment env, Analysis.CohortSpec c, String from, String to,
            String interval) {
        if (from == null || from.isBlank()) {
            throw HindsightException.field("from", "is required");
        }
        DateRange range = DateRange.resolve(from, to, env.settings().zone(), clock);
        return onEngine(e -> UserList.sizes(e, env.id(), c, range, interval == null ? "day" : interval, clock));
    }

    /** Who joined and left a cohort since an instant, within the query bounds. */
    public CohortChanges cohortChanges(Environment env, Analysis.CohortSpec c, String since) {
        return onEngine(e -> UserList.changes(e, env.id(), c, since, clock));
    }

    /** Runs work on the engine as an analysis runs: through the gate, on the pool, within the time and memory bounds. */
    private <T> T onEngine(java.util.function.Function<Engine, T> work) {
        return gate.run(() -> bounded(budget -> work.apply(engine.watched(budget))));
    }

    /** Stops the deadline timer and the analysis pool (after the server has stopped taking requests). */
    @Override
    public void close() {
        timers.shutdownNow();
        pool.close();
    }

    private void query(Context ctx) {
        JsonNode body = QueryBody.read(ctx);
        Environment env = access.environment(ctx, text(body, "app_id"));
        ctx.contentType("application/json").result(answer(parse(env, body)));
    }

    /**
     * A query body of {@code env} parsed into its analysis exactly as {@code POST /api/query} parses it (its
     * {@code app_id} is not read here): bad input is a 4xx naming the field. The analysis holds everything its
     * answer depends on besides the stored data (the definitions it uses, compiled; the resolved range), and is
     * a value: saved reports key their cache on it.
     */
    public Analysis parse(Environment env, JsonNode body) {
        String kind = text(body, "kind");
        if (!KINDS.contains(kind)) {
            throw HindsightException.field("kind", "must be one of " + KINDS + ", not '" + kind + "'");
        }
        QueryBody.checkKeys(kind, body);
        DateRange range = DateRange.resolve(text(body, "from"), optionalText(body, "to"), zone(body, env), clock);
        long now = clock.millis();
        CohortLookup.EventParser events = (node, field) -> event(env, node, field);
        Scope scope = new Scope(env.id(), range.fromMs(), range.toMs(), range.zone(), TopFilters.parse(body), null)
                .withCohort(CohortArgs.filter(body, env, cohorts, events, now));
        if (CohortArgs.byCohorts(body) && (kind.equals("graph") || kind.equals("funnel") || kind.equals("retention"))) {
            // The kind parses the rest as without a breakdown; the cohorts' lines bound the graph's points too.
            Analysis.Breakdown b = CohortArgs.breakdown(body, env, cohorts, events, now);
            com.fasterxml.jackson.databind.node.ObjectNode rest = body.deepCopy();
            rest.remove("breakdown");
            return switch (parse(kind, env, rest, scope)) {
                case Graph g -> {
                    long points = (long) g.series().size() * b.cohorts().size()
                            * Buckets.count(scope.fromMs(), scope.toMs(), g.interval(), scope.zone());
                    if (points > QueryLimits.MAX_POINTS) {
                        throw QueryLimits.exceeded("breakdown.cohorts", "the answer could have " + points
                                + " points; a graph has at most " + QueryLimits.MAX_POINTS);
                    }
                    yield new Graph(g.scope(), g.interval(), g.series(), b);
                }
                case Analysis.Funnel f -> new Analysis.Funnel(f.scope(), f.steps(), f.windowMs(), b);
                case Analysis.Retention r -> {
                    RetentionQuery.checkCells(b.cohorts().size(),
                            Buckets.count(scope.fromMs(), scope.toMs(), r.period(), scope.zone()), r.periods(),
                            "breakdown.cohorts");
                    yield new Analysis.Retention(r.scope(), r.start(), r.returning(), r.period(), r.periods(), b);
                }
                default -> throw new IllegalStateException(kind);
            };
        }
        return parse(kind, env, body, scope);
    }

    private Analysis parse(String kind, Environment env, JsonNode body, Scope scope) {
        EventFilter filters = scope.filter();
        // The top-level filters restrict each event the analysis counts (for paths: its start event).
        java.util.function.Function<String, EventSpec> counted =
                field -> TopFilters.and(event(env, body.at(field), field), filters);
        Analysis analysis = switch (kind) {
            case "graph" -> GraphQuery.parse(body, scope, counted);
            case "funnel" -> FunnelQuery.parse(body, scope, counted);
            case "retention" -> RetentionQuery.parse(body, scope, counted);
            case "paths" -> PathsQuery.parse(body, scope, (node, field) -> field.equals("/start")
                    ? TopFilters.and(event(env, node, field), filters) : event(env, node, field));
            case "users" -> UsersQuery.parse(body, scope, field -> event(env, body.at(field), field));
            case "sessions" -> SessionsQuery.parse(body, scope);
            default -> throw HindsightException.field("kind", "must be one of " + KINDS + ", not '" + kind + "'");
        };
        return analysis;
    }

    /** What {@code POST /api/query} writes: the answer's members, then the query's {@code range}. */
    private record Answered(@com.fasterxml.jackson.annotation.JsonUnwrapped Answer answer, Answer.Range range) {
    }

    /** The answer to an analysis as JSON, run within the query bounds (time, memory, concurrency, answer size). */
    public byte[] answer(Analysis analysis) {
        Scope scope = analysis.scope();
        Answered answer = new Answered(gate.run(() -> bounded(analysis)),
                new DateRange(scope.fromMs(), scope.toMs(), scope.zone()).echo());
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write the answer: " + e.getMessage(), e);
        }
        if (json.length > (long) bounds.maxResultMb() << 20) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "The answer would be " + json.length
                    + " bytes; answers are at most " + bounds.maxResultMb() + " MiB (HINDSIGHT_QUERY_MAX_RESULT_MB):"
                    + " narrow the range or ask for fewer rows");
        }
        return json;
    }

    /** Runs an analysis within its time and memory limits, and translates the engine's refusals. */
    private Answer bounded(Analysis analysis) {
        return bounded(budget -> run(analysis, budget));
    }

    private <T> T bounded(java.util.function.Function<QueryBudget, T> work) {
        QueryBudget budget = new QueryBudget(bounds.timeoutMs(), memoryBytes);
        // Again and again after the deadline: a cancel that reaches a statement just before it starts is lost.
        ScheduledFuture<?> deadline = timers.scheduleWithFixedDelay(budget::expire, bounds.timeoutMs(), 50,
                TimeUnit.MILLISECONDS);
        try {
            return pool.run(() -> work.apply(budget));
        } catch (RuntimeException e) {
            if (budget.expired()) {
                gate.timedOut();
                throw QueryBudget.timeout(bounds.timeoutMs());
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof HindsightException h) {
                    throw h;
                }
                if (t instanceof StoreUnavailableException) {
                    throw HindsightException.overloaded("The engine could not answer: it ran out of the memory it may"
                            + " use (HINDSIGHT_DUCKDB_MEMORY_LIMIT) with the other queries running, or failed; narrow the"
                            + " range or the events, or retry later", 5);
                }
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    /** The analysis kinds {@code POST /api/query} answers. */
    public static final List<String> KINDS = List.of("graph", "funnel", "retention", "paths", "users", "sessions");

    /** Runs an analysis: each kind has a class that parses its request and shapes its answer. */
    public Answer run(Analysis a) {
        return pool.run(() -> run(a, QueryBudget.unlimited()));
    }

    Answer run(Analysis a, QueryBudget budget) {
        return run(a, engine.watched(budget), budget, tuning);
    }

    /**
     * Runs an analysis on {@code engine} rather than this server's: the analyses are written once against the
     * port, and the engine contract tests run them on every engine.
     */
    public Answer run(Analysis a, Engine engine) {
        return pool.run(() -> run(a, engine, QueryBudget.unlimited(), tuning));
    }

    /** The engine this server's analyses read. */
    public Engine engine() {
        return engine;
    }

    private static Answer run(Analysis a, Engine e, QueryBudget budget, QueryTuning tuning) {
        return switch (a) {
            case Graph g -> GraphQuery.run(g, e);
            case Analysis.Funnel f -> FunnelQuery.run(f, e, budget);
            case Analysis.Retention x -> RetentionQuery.run(x, e);
            case Analysis.Paths p -> PathsQuery.run(p, e, budget, tuning);
            case Analysis.Users u -> UsersQuery.run(u, e);
            case Analysis.Sessions x -> SessionsQuery.run(x, e);
        };
    }

    /**
     * An event of a request: a saved definition or a raw kind, each with optional property filters. {@code field}
     * is the JSON pointer of the node (such as {@code /series/0/event}); errors name it in dotted form.
     */
    public EventSpec event(Environment env, JsonNode node, String pointer) {
        String field = Json.dotted(pointer);
        if (node == null || !node.isObject()) {
            throw HindsightException.field(field, "is required: {\"definition\": id} or {\"kind\": \"pageview\"}");
        }
        if (node.hasNonNull("definition") && node.hasNonNull("kind")) {
            throw HindsightException.field(field, "give either 'definition' or 'kind', not both");
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
        if (node.hasNonNull("definition")) {
            JsonNode idNode = node.get("definition");
            if (!idNode.isIntegralNumber() || !idNode.canConvertToLong()) {
                throw HindsightException.field(field + ".definition", "must be a definition's id (a whole number)");
            }
            long id = idNode.asLong();
            Definition d = definitions.get(env.id(), id).orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND,
                    field + ": no definition " + id + " in this environment", List.of(dev.hindsight.error.FieldError
                            .of(field + ".definition", "no definition " + id + " in this environment")), Map.of(), null));
            filter = Definitions.compile(d.rules());
            label = d.name();
        } else if (node.hasNonNull("kind")) {
            String kind = QueryLimits.text(node, "kind", field + ".kind", null);
            String name = QueryLimits.text(node, "event", field + ".event", null);
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

    /** The optional text field {@code field}: null when absent or null. */
    private static String optionalText(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n != null && !n.isNull() && !n.isTextual()) {
            throw HindsightException.field(field, "must be a string");
        }
        return n == null || n.isNull() ? null : text(body, field);
    }

    /** The query's time zone: its {@code time_zone}, else the environment's. */
    private static java.time.ZoneId zone(JsonNode body, Environment env) {
        String name = optionalText(body, "time_zone");
        if (name == null) {
            return env.settings().zone();
        }
        java.time.ZoneId zone = dev.hindsight.project.EnvironmentSettings.zoneOf(name);
        if (zone == null) {
            throw HindsightException.field("time_zone", "must be an IANA time zone such as \"Europe/Berlin\","
                    + " \"America/New_York\" or \"UTC\", not '" + (name.length() > 60 ? name.substring(0, 60) + "..." : name)
                    + "'");
        }
        return zone;
    }
}
