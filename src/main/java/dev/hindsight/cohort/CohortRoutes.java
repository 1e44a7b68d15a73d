package dev.hindsight.cohort;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.account.Access;
import dev.hindsight.http.Bodies;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import dev.hindsight.query.Analysis;
import dev.hindsight.query.CohortRef;
import dev.hindsight.query.UserPage;
import dev.hindsight.query.QueryRoutes;
import io.javalin.Javalin;
import dev.hindsight.http.Params;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code /api/cohorts}: create, list, get, replace and delete cohorts, upload a static cohort's identities (JSON or
 * CSV), and read a cohort's members, size over time and changes since a moment; per environment, with the admin
 * token or the environment's secret key.
 */
final class CohortRoutes {
    /** Most identities one upload (or one static definition) lists. */
    static final int MAX_UPLOAD = 100_000;
    /** Most bytes of an upload: 100,000 identities of 80 characters. */
    static final int MAX_UPLOAD_BYTES = 8 * Bodies.MIB;
    static final int MAX_IDENTITY_CHARS = 255;
    static final int COHORTS_PER_ENVIRONMENT = 1000;
    static final int NAME_CHARS = 200;
    static final int DESCRIPTION_CHARS = 2000;
    private static final Set<String> CREATE = Set.of("app_id", "name", "description", "definition");

    /** Held by every change: counts are read, then written. */
    private final Object writes = new Object();
    private final CohortCatalog catalog;
    private final QueryRoutes queries;
    private final Access access;
    private final Clock clock;

    /** A page of a cohort's members: the cohort, then the page's members. */
    private record Members(CohortRef cohort, @JsonUnwrapped UserPage page) {
    }

    CohortRoutes(CohortCatalog catalog, QueryRoutes queries, Access access, Clock clock) {
        this.catalog = catalog;
        this.queries = queries;
        this.access = access;
        this.clock = clock;
    }

    void register(Javalin app) {
        app.get("/api/cohorts", this::list);
        app.post("/api/cohorts", ctx -> {
            JsonNode b = body(ctx);
            Environment env = access.environment(ctx, appId(b));
            ctx.status(201).json(view(save(env, null, b)));
        });
        app.get("/api/cohorts/{id}", ctx -> {
            Environment env = env(ctx, Set.of("app_id"));
            ctx.json(view(find(env, pathId(ctx))));
        });
        app.put("/api/cohorts/{id}", ctx -> {
            JsonNode b = body(ctx);
            Environment env = access.environment(ctx, appId(b));
            ctx.json(view(save(env, pathId(ctx), b)));
        });
        app.delete("/api/cohorts/{id}", ctx -> {
            Environment env = env(ctx, Set.of("app_id"));
            long id = pathId(ctx);
            synchronized (writes) {
                if (!catalog.delete(env.id(), id)) {
                    throw notFound(id);
                }
            }
            ctx.status(204);
        });
        app.post("/api/cohorts/{id}/members", this::upload);
        app.get("/api/cohorts/{id}/members", ctx -> {
            Environment env = env(ctx, Set.of("app_id", "limit", "cursor"));
            Analysis.CohortSpec c = spec(env, pathId(ctx));
            ctx.json(new Members(CohortRef.of(c), queries.users(env, null,
                    new Analysis.CohortFilter(c, false, clock.millis()), limit(ctx), ctx.queryParam("cursor"))));
        });
        app.get("/api/cohorts/{id}/size", ctx -> {
            Environment env = env(ctx, Set.of("app_id", "from", "to", "interval"));
            ctx.json(queries.cohortSizes(env, spec(env, pathId(ctx)), ctx.queryParam("from"), ctx.queryParam("to"),
                    ctx.queryParam("interval")));
        });
        app.get("/api/cohorts/{id}/changes", ctx -> {
            Environment env = env(ctx, Set.of("app_id", "since"));
            ctx.json(queries.cohortChanges(env, spec(env, pathId(ctx)), ctx.queryParam("since")));
        });
    }

    private void list(Context ctx) {
        Environment env = env(ctx, Set.of("app_id", "limit", "cursor"));
        long after = Params.whole(ctx, "cursor", 0, 0, Long.MAX_VALUE);
        int limit = limit(ctx);
        List<Cohort> found = catalog.cohorts(env.id(), after, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cohorts", found.stream().map(this::view).toList());
        out.put("total", catalog.count(env.id()));
        out.put("next_cursor", found.size() < limit ? null : String.valueOf(found.get(found.size() - 1).id()));
        ctx.json(out);
    }

    /** Creates ({@code id} null) or replaces a cohort from a request body. */
    private Cohort save(Environment env, Long id, JsonNode b) {
        String name = text(b, "name", NAME_CHARS, true);
        String description = text(b, "description", DESCRIPTION_CHARS, false);
        JsonNode def = b.get("definition");
        if (def == null || !def.isObject()) {
            throw HindsightException.field("definition", "is required: a condition, or {\"type\": \"static\","
                    + " \"identities\": [...]}");
        }
        List<String> identities = null;
        String stored;
        if (def.has("type")) {
            for (Iterator<String> it = def.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!key.equals("type") && !key.equals("identities")) {
                    throw HindsightException.field("definition." + key, "is not a field of a static cohort; expected"
                            + " one of [identities, type]");
                }
            }
            if (!def.get("type").isTextual() || !def.get("type").asText().equals("static")) {
                throw HindsightException.field("definition.type", "must be \"static\" (a dynamic cohort has no type)");
            }
            identities = def.has("identities") ? identities(def.get("identities"), "definition.identities") : null;
            stored = CohortDefinitions.STATIC;
        } else {
            CohortDefinitions.parse(def, "definition", (node, field) -> queries.event(env, node, field));
            try {
                stored = Json.MAPPER.writeValueAsString(def);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        synchronized (writes) {
            long now = clock.millis();
            Cohort c;
            if (id == null) {
                if (catalog.count(env.id()) >= COHORTS_PER_ENVIRONMENT) {
                    throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "An environment holds at most "
                            + COHORTS_PER_ENVIRONMENT + " cohorts; delete some first");
                }
                c = catalog.insert(new Cohort(0, env.id(), name, description, stored, now, now));
            } else {
                Cohort old = find(env, id);
                c = new Cohort(id, env.id(), name, description, stored, old.createdAt(), now);
                catalog.update(c);
            }
            if (identities != null || id != null && !c.isStatic()) {
                // A new list replaces the old one; a cohort made dynamic lists nobody from now on.
                catalog.replaceMembers(c.id(), identities == null ? List.of() : identities, now);
            }
            return c;
        }
    }

    /** {@code POST /api/cohorts/{id}/members}: adds identities to a static cohort, as a JSON array or CSV. */
    private void upload(Context ctx) {
        Environment env = env(ctx, Set.of("app_id"));
        long id = pathId(ctx);
        byte[] body = Bodies.read(ctx, MAX_UPLOAD_BYTES);
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(java.util.Locale.ROOT);
        List<String> identities;
        if (type.startsWith("text/csv")) {
            identities = csv(new String(body, StandardCharsets.UTF_8));
        } else if (type.startsWith("application/json")) {
            JsonNode tree;
            try {
                tree = Json.MAPPER.readTree(body);
            } catch (java.io.IOException e) {
                throw new HindsightException(ErrorCode.MALFORMED_JSON, "The body is not JSON: " + e.getMessage());
            }
            identities = identities(tree, "body");
        } else {
            throw HindsightException.field("Content-Type", "must be application/json (an array of identities) or"
                    + " text/csv (one identity per line)");
        }
        synchronized (writes) {
            Cohort c = find(env, id);
            if (!c.isStatic()) {
                throw new HindsightException(ErrorCode.CONFLICT, "Cohort " + id + " is dynamic: its members follow its"
                        + " definition; only a static cohort takes identities");
            }
            long now = clock.millis();
            int added = catalog.addMembers(id, identities, now);
            if (added > 0) {
                // A new version of the list: saved reports' cached answers over it are stale.
                catalog.update(new Cohort(id, env.id(), c.name(), c.description(), c.definition(), c.createdAt(), now));
            }
            ctx.json(Map.of("added", added, "identities", catalog.countMembers(id)));
        }
    }

    /** A JSON array of identities: text of 1 to 255 characters each, at most {@value #MAX_UPLOAD}; duplicates count once. */
    static List<String> identities(JsonNode n, String field) {
        if (n == null || !n.isArray()) {
            throw HindsightException.field(field, "must be an array of identities");
        }
        if (n.size() > MAX_UPLOAD) {
            throw tooMany(field, n.size());
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode v = n.get(i);
            if (!v.isTextual()) {
                throw HindsightException.field(field + "[" + i + "]", "must be an identity (text)");
            }
            out.add(identity(v.asText(), field + "[" + i + "]"));
        }
        return new ArrayList<>(out);
    }

    /**
     * CSV of one column: one identity per line, an optional first line {@code identity} (a header), blank lines
     * skipped; a field in double quotes may hold commas and doubled quotes.
     */
    static List<String> csv(String text) {
        Set<String> out = new LinkedHashSet<>();
        // A spreadsheet's export may start with a byte order mark.
        String[] lines = (text.startsWith("\uFEFF") ? text.substring(1) : text).split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            String field = "line " + (i + 1);
            if (line.isEmpty() || i == 0 && line.replace("\"", "").equalsIgnoreCase("identity")) {
                continue;
            }
            String value;
            if (line.startsWith("\"")) {
                if (line.length() < 2 || !line.endsWith("\"")) {
                    throw HindsightException.field(field, "has an unclosed quote");
                }
                String inner = line.substring(1, line.length() - 1);
                if (inner.replace("\"\"", "").contains("\"")) {
                    throw HindsightException.field(field, "has a lone quote inside a quoted identity (double it)");
                }
                value = inner.replace("\"\"", "\"");
            } else {
                if (line.contains(",") || line.contains("\"")) {
                    throw HindsightException.field(field, "has more than one column (or a stray quote); put one"
                            + " identity per line, in double quotes if it holds a comma");
                }
                value = line;
            }
            out.add(identity(value, field));
            if (out.size() > MAX_UPLOAD) {
                throw tooMany("body", out.size());
            }
        }
        return new ArrayList<>(out);
    }

    private static String identity(String s, String field) {
        if (s.isBlank() || s.length() > MAX_IDENTITY_CHARS) {
            throw HindsightException.field(field, "must be an identity of 1 to " + MAX_IDENTITY_CHARS + " characters");
        }
        return s;
    }

    private static HindsightException tooMany(String field, int n) {
        return new HindsightException(ErrorCode.LIMIT_EXCEEDED, field + ": an upload lists at most " + MAX_UPLOAD
                + " identities, not " + n + "; send them in several uploads", List.of(FieldError.of(field,
                        "lists at most " + MAX_UPLOAD + " identities")), Map.of(), null);
    }

    private Map<String, Object> view(Cohort c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", c.id());
        out.put("name", c.name());
        out.put("description", c.description());
        out.put("type", c.isStatic() ? "static" : "dynamic");
        try {
            out.put("definition", Json.MAPPER.readTree(c.definition()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (c.isStatic()) {
            out.put("identities", catalog.countMembers(c.id()));
        }
        out.put("created_at", Instant.ofEpochMilli(c.createdAt()).toString());
        out.put("updated_at", Instant.ofEpochMilli(c.updatedAt()).toString());
        return out;
    }

    private Cohort find(Environment env, long id) {
        return catalog.cohort(env.id(), id).orElseThrow(() -> notFound(id));
    }

    /** The cohort as analyses use it: a 404 when the environment has none of this id. */
    private Analysis.CohortSpec spec(Environment env, long id) {
        Cohort c = find(env, id);
        return new Analysis.CohortSpec(c.id(), c.name(),
                SavedCohorts.membership(c, (node, field) -> queries.event(env, node, field)));
    }

    private static HindsightException notFound(long id) {
        return new HindsightException(ErrorCode.NOT_FOUND, "No cohort " + id + " in this environment");
    }

    /** The environment of a request whose parameters are all in {@code known} ({@code app_id} required). */
    private Environment env(Context ctx, Set<String> known) {
        for (String key : ctx.queryParamMap().keySet()) {
            if (!known.contains(key)) {
                throw HindsightException.field(key, "is not a parameter here; expected one of " + new TreeSet<>(known));
            }
        }
        String appId = ctx.queryParam("app_id");
        if (appId == null || appId.isBlank()) {
            throw HindsightException.field("app_id", "is required");
        }
        return access.environment(ctx, appId);
    }

    private static JsonNode body(Context ctx) {
        JsonNode b = Json.object(Bodies.read(ctx, MAX_UPLOAD_BYTES));
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!CREATE.contains(key)) {
                throw HindsightException.field(key, "is not a known field here; known fields are " + new TreeSet<>(CREATE));
            }
        }
        return b;
    }

    private static String appId(JsonNode b) {
        JsonNode n = b.get("app_id");
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw HindsightException.field("app_id", "is required");
        }
        return n.asText();
    }

    private static String text(JsonNode b, String field, int max, boolean required) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw HindsightException.field(field, "is required: a text of 1 to " + max + " characters");
            }
            return null;
        }
        if (!n.isTextual() || required && n.asText().isBlank() || n.asText().length() > max) {
            throw HindsightException.field(field, "must be a text of " + (required ? 1 : 0) + " to " + max + " characters");
        }
        return required ? n.asText().strip() : n.asText();
    }

    private static long pathId(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw HindsightException.field("id", "must be a whole number, not '" + ctx.pathParam("id") + "'");
        }
    }

    private static int limit(Context ctx) {
        return (int) Params.whole(ctx, "limit", 100, 1, 1000);
    }

}
