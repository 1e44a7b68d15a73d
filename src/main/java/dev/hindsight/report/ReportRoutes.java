package dev.hindsight.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.account.Access;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /api/reports}: save a query with a name and description, list, get, update, delete, and run it ({@code
 * POST /api/reports/{id}/run}), per environment, with the admin token or the environment's secret key.
 */
final class ReportRoutes {
    private static final Set<String> CREATE = Set.of("app_id", "name", "description", "query");

    /**
     * Held by every change to reports and dashboards: counts and dashboards' report lists are read, then written, and
     * a report's deletion must not race a dashboard's change that still lists it.
     */
    final Object writes = new Object();
    private final ReportCatalog catalog;
    private final Reports reports;
    private final Access access;
    private final Clock clock;

    ReportRoutes(ReportCatalog catalog, Reports reports, Access access, Clock clock) {
        this.catalog = catalog;
        this.reports = reports;
        this.access = access;
        this.clock = clock;
    }

    void register(Javalin app) {
        app.get("/api/reports", this::list);
        app.post("/api/reports", ctx -> {
            JsonNode b = Json.tree(ctx, CREATE);
            Environment env = access.environment(ctx, Fields.appId(b));
            ctx.status(201).json(Reports.view(create(env, b, owner(ctx))));
        });
        app.get("/api/reports/{id}", ctx -> {
            Environment env = access.environment(ctx, Fields.param(ctx, "app_id"));
            ctx.json(Reports.view(find(env, Fields.pathId(ctx, "id"))));
        });
        app.put("/api/reports/{id}", ctx -> {
            JsonNode b = Json.tree(ctx, CREATE);
            Environment env = access.environment(ctx, Fields.appId(b));
            ctx.json(Reports.view(update(ctx, env, Fields.pathId(ctx, "id"), b, true)));
        });
        app.patch("/api/reports/{id}", ctx -> {
            JsonNode b = Json.tree(ctx, CREATE);
            Environment env = access.environment(ctx, Fields.appId(b));
            ctx.json(Reports.view(update(ctx, env, Fields.pathId(ctx, "id"), b, false)));
        });
        app.delete("/api/reports/{id}", ctx -> {
            Environment env = access.environment(ctx, Fields.param(ctx, "app_id"));
            long id = Fields.pathId(ctx, "id");
            synchronized (writes) {
                access.mayChange(ctx, find(env, id).owner(), "report");
                if (!catalog.deleteReport(env.id(), id)) {
                    throw notFound(id);
                }
            }
            ctx.status(204);
        });
        app.post("/api/reports/{id}/run", ctx -> {
            Environment env = access.environment(ctx, Fields.param(ctx, "app_id"));
            Fields.noBody(ctx);
            Report r = find(env, Fields.pathId(ctx, "id"));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("report", Map.of("id", r.id(), "name", r.name(), "updated_at",
                    java.time.Instant.ofEpochMilli(r.updatedAt()).toString()));
            out.putAll(Reports.answered(reports.run(env, r)));
            ctx.json(out);
        });
    }

    private void list(Context ctx) {
        Environment env = access.environment(ctx, Fields.param(ctx, "app_id"));
        Fields.Page page = Fields.Page.of(ctx);
        List<Report> found = catalog.reports(env.id(), page.after(), page.limit());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("reports", found.stream().map(Reports::view).toList());
        out.put("total", catalog.countReports(env.id()));
        out.put("next_cursor", page.next(found.stream().map(Report::id).toList()));
        ctx.json(out);
    }

    private Report create(Environment env, JsonNode b, String owner) {
        synchronized (writes) {
            String name = Fields.name(b);
            String description = Fields.description(b);
            String query = reports.check(env, b);
            if (catalog.countReports(env.id()) >= ReportLimits.REPORTS_PER_ENVIRONMENT) {
                throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "An environment holds at most "
                        + ReportLimits.REPORTS_PER_ENVIRONMENT + " saved reports; delete some first");
            }
            long now = clock.millis();
            return catalog.insert(new Report(0, env.id(), name, description, query, owner, now, now));
        }
    }

    /** Replaces a report ({@code whole}: PUT, name and query required) or changes the members given (PATCH). */
    private Report update(Context ctx, Environment env, long id, JsonNode b, boolean whole) {
        synchronized (writes) {
            Report old = find(env, id);
            access.mayChange(ctx, old.owner(), "report");
            String name = whole || b.has("name") ? Fields.name(b) : old.name();
            String description = whole || b.has("description") ? Fields.description(b) : old.description();
            String query = whole || b.has("query") ? reports.check(env, b) : old.query();
            Report r = new Report(id, env.id(), name, description, query, old.owner(), old.createdAt(), clock.millis());
            catalog.update(r);
            return r;
        }
    }

    private Report find(Environment env, long id) {
        return catalog.report(env.id(), id).orElseThrow(() -> notFound(id));
    }

    static HindsightException notFound(long id) {
        return new HindsightException(ErrorCode.NOT_FOUND, "No report " + id + " in this environment");
    }

    static HindsightException noReport(String field, long id) {
        return new HindsightException(ErrorCode.VALIDATION, field + ": no report " + id + " in this environment",
                List.of(FieldError.of(field, "no report " + id + " in this environment")), Map.of(), null);
    }

    /** Who saves: {@code account:<id>} for a member, {@code admin} for the admin token, {@code secret-key} for a key. */
    String owner(Context ctx) {
        return access.caller(ctx).owner();
    }
}
