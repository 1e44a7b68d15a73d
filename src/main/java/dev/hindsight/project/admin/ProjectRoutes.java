package dev.hindsight.project.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.account.Access;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.privacy.QueryBlocklist;
import dev.hindsight.project.Projects;
import dev.hindsight.project.SettingsPatch;
import io.javalin.Javalin;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The admin API for projects and environments (bearer admin token). */
public final class ProjectRoutes {
    // The members each body accepts; anything else is a 400 naming it.
    private static final Set<String> NAME = Set.of("name");
    private static final Set<String> BLOCKLIST = Set.of("query_blocklist");
    private static final Set<String> ORIGINS = Set.of("allowed_origins", "allow_any_origin");

    private final Projects projects;
    private final Access access;

    public ProjectRoutes(Projects projects, Access access) {
        this.projects = projects;
        this.access = access;
    }

    public void register(Javalin app) {
        app.get("/api/projects", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            ctx.json(projects.all());
        });
        app.post("/api/projects", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            ctx.status(201).json(projects.createProject(text(Json.tree(ctx, NAME), "name")));
        });
        app.post("/api/projects/{id}/environments", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            long id = parseId(ctx.pathParam("id"));
            ctx.status(201).json(projects.createEnvironment(id, text(Json.tree(ctx, NAME), "name")));
        });
        app.post("/api/environments/{appId}/rotate-key", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            ctx.json(projects.rotateKey(ctx.pathParam("appId")));
        });
        app.get("/api/environments/{appId}", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            ctx.json(projects.byAppId(ctx.pathParam("appId")));
        });
        app.patch("/api/environments/{appId}", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            ctx.json(projects.updateSettings(ctx.pathParam("appId"), SettingsPatch.parse(Json.tree(ctx))));
        });
        app.put("/api/environments/{appId}/query-blocklist", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            List<String> names = textList(Json.tree(ctx, BLOCKLIST), "query_blocklist");
            List<FieldError> errors = QueryBlocklist.check("query_blocklist", names);
            if (!errors.isEmpty()) {
                throw HindsightException.validation(errors.size() + " problem(s) in query_blocklist", errors);
            }
            ctx.json(projects.setQueryBlocklist(ctx.pathParam("appId"), names));
        });
        app.put("/api/environments/{appId}/origins", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            JsonNode body = Json.tree(ctx, ORIGINS);
            JsonNode list = body.get("allowed_origins");
            if (list == null || !list.isArray()) {
                throw HindsightException.field("allowed_origins", "is required: an array of origins such as "
                        + "[\"https://shop.example.com\"]");
            }
            List<String> origins = new ArrayList<>();
            list.forEach(n -> origins.add(n.isTextual() ? n.asText() : null));
            JsonNode any = body.get("allow_any_origin");
            if (any != null && !any.isBoolean()) {
                throw HindsightException.field("allow_any_origin", "must be true or false");
            }
            ctx.json(projects.setOrigins(ctx.pathParam("appId"), any != null && any.asBoolean(), origins));
        });
    }

    private static List<String> textList(JsonNode body, String field) {
        JsonNode list = body.get(field);
        if (list == null || !list.isArray()) {
            throw HindsightException.field(field, "is required: an array of strings");
        }
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.isTextual() ? n.asText() : null));
        return out;
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual()) {
            throw HindsightException.field(field, "is required: a string");
        }
        return n.asText();
    }

    private static long parseId(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw HindsightException.field("id", "must be a project id (a number), not '" + s + "'");
        }
    }
}
