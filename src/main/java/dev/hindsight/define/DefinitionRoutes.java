package dev.hindsight.define;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hindsight.account.Access;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/definitions}: create, list, get, update and delete definitions per environment, and preview an
 * unsaved one ({@code POST /api/definitions/preview}: per-day counts and sample raw events).
 */
public final class DefinitionRoutes {
    private static final ObjectMapper STRICT = Json.MAPPER.copy()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The body of a create or update. */
    record Body(String appId, String name, String description, String category, String owner, String status,
            List<Rule> rules, String from, String to) {
    }

    private final DefinitionCatalog catalog;
    private final MatchingEvents queries;
    private final Access access;
    private final Clock clock;

    public DefinitionRoutes(DefinitionCatalog catalog, MatchingEvents queries, Access access, Clock clock) {
        this.catalog = catalog;
        this.queries = queries;
        this.access = access;
        this.clock = clock;
    }

    public void register(Javalin app) {
        app.get("/api/definitions", ctx -> {
            Environment env = access.environment(ctx, required(ctx.queryParam("app_id"), "app_id"));
            ctx.json(Map.of("definitions", catalog.list(env.id()).stream().map(DefinitionRoutes::view).toList()));
        });
        app.post("/api/definitions/preview", this::preview);
        app.get("/api/environments/{appId}/live", this::live);
        app.post("/api/definitions", ctx -> {
            Body b = body(ctx);
            Environment env = access.environment(ctx, required(b.appId(), "app_id"));
            ctx.status(201).json(view(create(env, b)));
        });
        app.get("/api/definitions/{id}", ctx -> {
            Environment env = access.environment(ctx, required(ctx.queryParam("app_id"), "app_id"));
            ctx.json(view(find(env, id(ctx))));
        });
        app.put("/api/definitions/{id}", ctx -> {
            Body b = body(ctx);
            Environment env = access.environment(ctx, required(b.appId(), "app_id"));
            ctx.json(view(update(env, id(ctx), b)));
        });
        app.delete("/api/definitions/{id}", ctx -> {
            Environment env = access.environment(ctx, required(ctx.queryParam("app_id"), "app_id"));
            long id = id(ctx);
            if (!catalog.delete(env.id(), id)) {
                throw notFound(id);
            }
            ctx.status(204);
        });
    }

    synchronized Definition create(Environment env, Body b) {
        check(b);
        unique(env, b.name().strip(), -1);
        long now = clock.millis();
        return catalog.insert(new Definition(0, env.id(), b.name().strip(), b.description(), b.category(), b.owner(),
                b.status() == null ? "draft" : b.status(), b.rules(), now, now));
    }

    private synchronized Definition update(Environment env, long id, Body b) {
        Definition old = find(env, id);
        check(b);
        unique(env, b.name().strip(), id);
        Definition d = new Definition(id, env.id(), b.name().strip(), b.description(), b.category(), b.owner(),
                b.status() == null ? old.status() : b.status(), b.rules(), old.createdAt(), clock.millis());
        catalog.update(d);
        return d;
    }

    /**
     * The live view's feed: the newest events received after {@code after} (an arrival cursor from the last answer;
     * none: the newest), newest first, at most {@code limit} (1 to 500, 100), each with the definitions it matches
     * (by id; by their compiled rules, as the preview and the analyses match them). {@code cursor} is passed back as
     * {@code after} next time; it stays as sent when nothing new arrived.
     */
    private void live(Context ctx) {
        Environment env = access.environment(ctx, ctx.pathParam("appId"));
        for (String name : ctx.queryParamMap().keySet()) {
            if (!name.equals("after") && !name.equals("limit")) {
                throw HindsightException.field(name, "is not a parameter of the live view (after, limit)");
            }
        }
        int limit = 100;
        String rawLimit = ctx.queryParam("limit");
        if (rawLimit != null) {
            try {
                limit = Integer.parseInt(rawLimit);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 500) {
                throw HindsightException.field("limit", "must be a whole number from 1 to 500");
            }
        }
        long after = -1;
        String rawAfter = ctx.queryParam("after");
        if (rawAfter != null && !rawAfter.isEmpty()) {
            try {
                after = Long.parseLong(rawAfter);
            } catch (NumberFormatException e) {
                after = -2;
            }
            if (after < -1) {
                throw HindsightException.field("after", "must be the cursor of an earlier answer");
            }
        }
        DefinitionMatches.Compiled defs = new DefinitionMatches(catalog, queries).compiled(env.id());
        List<MatchingEvents.Arrival> arrivals = queries.arrivals(env.id(), after, limit, defs.filters());
        List<Map<String, Object>> events = new java.util.ArrayList<>();
        for (MatchingEvents.Arrival a : arrivals) {
            Map<String, Object> e = EventView.of(a.event());
            e.put("definitions", defs.named(a.matches()));
            events.add(e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events", events);
        out.put("cursor", String.valueOf(arrivals.isEmpty() ? after : arrivals.get(0).seq()));
        ctx.json(out);
    }

    private void preview(Context ctx) {
        Body b = body(ctx);
        Environment env = access.environment(ctx, required(b.appId(), "app_id"));
        Definitions.check(b.rules());
        long to = b.to() == null ? clock.millis() : instant(b.to(), "to");
        long from = b.from() == null ? to - Duration.ofDays(30).toMillis() : instant(b.from(), "from");
        if (from >= to) {
            throw HindsightException.field("from", "must be before 'to'");
        }
        EventFilter filter = Definitions.compile(b.rules());
        Map<String, Object> out = new LinkedHashMap<>();
        List<MatchingEvents.DayCount> days = queries.dailyCounts(env.id(), filter, from, to);
        out.put("total", total(days));
        out.put("days", days.stream().map(d -> Map.of("day", d.day().toString(), "count", d.count())).toList());
        out.put("samples", queries.samples(env.id(), filter, from, to, 10).stream()
                .map(EventView::of).toList());
        ctx.json(out);
    }

    /** The events the rules match in [from, to), counted as the preview (and so every analysis) counts them. */
    long count(Environment env, List<Rule> rules, long from, long to) {
        return total(queries.dailyCounts(env.id(), Definitions.compile(rules), from, to));
    }

    private static long total(List<MatchingEvents.DayCount> days) {
        return days.stream().mapToLong(MatchingEvents.DayCount::count).sum();
    }

    private static void check(Body b) {
        if (b.name() == null || b.name().isBlank() || b.name().length() > 200) {
            throw HindsightException.field("name", "is required, at most 200 characters");
        }
        if (b.status() != null && !Definition.STATUSES.contains(b.status())) {
            throw HindsightException.field("status", "must be one of " + Definition.STATUSES);
        }
        Definitions.check(b.rules());
    }

    private void unique(Environment env, String name, long self) {
        if (catalog.list(env.id()).stream().anyMatch(d -> d.name().equalsIgnoreCase(name) && d.id() != self)) {
            throw new HindsightException(ErrorCode.CONFLICT, "A definition named '" + name
                    + "' already exists in this environment", List.of(FieldError.of("name", "must be unique")), Map.of(), null);
        }
    }

    private Definition find(Environment env, long id) {
        return catalog.get(env.id(), id).orElseThrow(() -> notFound(id));
    }

    private static HindsightException notFound(long id) {
        return new HindsightException(ErrorCode.NOT_FOUND, "No definition " + id + " in this environment");
    }

    static Map<String, Object> view(Definition d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("name", d.name());
        m.put("description", d.description());
        m.put("category", d.category());
        m.put("owner", d.owner());
        m.put("status", d.status());
        m.put("rules", d.rules());
        m.put("created_at", Instant.ofEpochMilli(d.createdAt()).toString());
        m.put("updated_at", Instant.ofEpochMilli(d.updatedAt()).toString());
        return m;
    }

    private static Body body(Context ctx) {
        JsonNode tree = Json.tree(ctx);
        try {
            return STRICT.treeToValue(tree, Body.class);
        } catch (JsonMappingException e) {
            String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce("", (a, c) -> a.isEmpty() || c.startsWith("[") ? a + c : a + "." + c);
            throw HindsightException.field(field.isEmpty() ? "body" : field, e.getOriginalMessage());
        } catch (Exception e) {
            throw HindsightException.field("body", e.getMessage());
        }
    }

    private static long instant(String s, String field) {
        try {
            return Instant.parse(s).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw HindsightException.field(field, "must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
    }

    private static String required(String v, String field) {
        if (v == null || v.isBlank()) {
            throw HindsightException.field(field, "is required");
        }
        return v;
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw HindsightException.field("id", "must be a definition id (a number)");
        }
    }
}
