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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /api/dashboards}: named, ordered lists of an environment's saved reports; create, list, get (with the
 * reports' answers on {@code ?results=true}), update, delete, and add, remove or reorder their reports.
 */
final class DashboardRoutes {
    private static final Set<String> CREATE = Set.of("app_id", "name", "description", "report_ids");
    private static final Set<String> ADD = Set.of("app_id", "report_id", "position");

    private final ReportCatalog catalog;
    private final Reports reports;
    private final ReportRoutes reportRoutes;
    private final Access access;
    private final Clock clock;
    private final long timeoutNanos;
    private final long maxAnswerBytes;

    /**
     * Routes whose dashboard answers stop computing reports after {@code timeoutMs} (a query's own time limit) and
     * hold at most {@code maxAnswerBytes} of results, so that one request costs at most about two queries' time.
     */
    DashboardRoutes(ReportCatalog catalog, Reports reports, ReportRoutes reportRoutes, Access access, Clock clock,
            long timeoutMs, long maxAnswerBytes) {
        this.catalog = catalog;
        this.reports = reports;
        this.reportRoutes = reportRoutes;
        this.access = access;
        this.clock = clock;
        this.timeoutNanos = timeoutMs * 1_000_000L;
        this.maxAnswerBytes = maxAnswerBytes;
    }

    void register(Javalin app) {
        app.get("/api/dashboards", this::list);
        app.post("/api/dashboards", ctx -> {
            JsonNode b = Json.tree(ctx, CREATE);
            Environment env = access.environment(ctx, Fields.appId(b));
            ctx.status(201).json(view(env, create(env, b, reportRoutes.owner(ctx)), false));
        });
        app.get("/api/dashboards/{id}", ctx -> {
            Environment env = access.environment(ctx, Fields.param(ctx, "app_id"));
            ctx.json(view(env, find(env, Fields.pathId(ctx, "id")), results(ctx)));
        });
        app.put("/api/dashboards/{id}", ctx -> {
            JsonNode b = Json.tree(ctx, CREATE);
            Environment env = access.environment(ctx, Fields.appId(b));
            ctx.json(view(env, update(env, owned(ctx, env), b, true), false));
        });
        app.patch("/api/dashboards/{id}", ctx -> {
            JsonNode b = Json.tree(ctx, CREATE);
            Environment env = access.environment(ctx, Fields.appId(b));
            ctx.json(view(env, update(env, owned(ctx, env), b, false), false));
        });
        app.delete("/api/dashboards/{id}", ctx -> {
            Environment env = access.environment(ctx, Fields.param(ctx, "app_id"));
            long id = owned(ctx, env);
            if (!catalog.deleteDashboard(env.id(), id)) {
                throw notFound(id);
            }
            ctx.status(204);
        });
        app.post("/api/dashboards/{id}/reports", ctx -> {
            JsonNode b = Json.tree(ctx, ADD);
            Environment env = access.environment(ctx, Fields.appId(b));
            ctx.json(view(env, add(env, owned(ctx, env), b), false));
        });
        app.delete("/api/dashboards/{id}/reports/{report_id}", ctx -> {
            Environment env = access.environment(ctx, Fields.param(ctx, "app_id"));
            ctx.json(view(env, remove(env, owned(ctx, env), Fields.pathId(ctx, "report_id")), false));
        });
    }

    /** The id of the dashboard a request changes, once the caller may change it (analysts only their own). */
    private long owned(Context ctx, Environment env) {
        long id = Fields.pathId(ctx, "id");
        access.mayChange(ctx, find(env, id).owner(), "dashboard");
        return id;
    }

    private void list(Context ctx) {
        Environment env = access.environment(ctx, Fields.param(ctx, "app_id"));
        Fields.Page page = Fields.Page.of(ctx);
        List<Dashboard> found = catalog.dashboards(env.id(), page.after(), page.limit());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dashboards", found.stream().map(DashboardRoutes::summary).toList());
        out.put("total", catalog.countDashboards(env.id()));
        out.put("next_cursor", page.next(found.stream().map(Dashboard::id).toList()));
        ctx.json(out);
    }

    private Dashboard create(Environment env, JsonNode b, String owner) {
        synchronized (reportRoutes.writes) {
            String name = Fields.name(b);
            String description = Fields.description(b);
            List<Long> ids = b.has("report_ids") ? reportIds(env, b.get("report_ids")) : List.of();
            if (catalog.countDashboards(env.id()) >= ReportLimits.DASHBOARDS_PER_ENVIRONMENT) {
                throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "An environment holds at most "
                        + ReportLimits.DASHBOARDS_PER_ENVIRONMENT + " dashboards; delete some first");
            }
            long now = clock.millis();
            return catalog.insert(new Dashboard(0, env.id(), name, description, ids, owner, now, now));
        }
    }

    /** Replaces a dashboard ({@code whole}: PUT, name required) or changes the members given (PATCH). */
    private Dashboard update(Environment env, long id, JsonNode b, boolean whole) {
        synchronized (reportRoutes.writes) {
            Dashboard old = find(env, id);
            String name = whole || b.has("name") ? Fields.name(b) : old.name();
            String description = whole || b.has("description") ? Fields.description(b) : old.description();
            List<Long> ids = b.has("report_ids") ? reportIds(env, b.get("report_ids"))
                    : whole ? List.of() : old.reportIds();
            return save(old, name, description, ids);
        }
    }

    private Dashboard add(Environment env, long id, JsonNode b) {
        synchronized (reportRoutes.writes) {
            Dashboard old = find(env, id);
            long report = Fields.id(b.get("report_id"), "report_id");
            if (catalog.report(env.id(), report).isEmpty()) {
                throw ReportRoutes.noReport("report_id", report);
            }
            if (old.reportIds().contains(report)) {
                throw HindsightException.field("report_id", "report " + report + " is already on this dashboard");
            }
            if (old.reportIds().size() >= ReportLimits.REPORTS_PER_DASHBOARD) {
                throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "A dashboard holds at most "
                        + ReportLimits.REPORTS_PER_DASHBOARD + " reports", List.of(FieldError.of("report_id",
                                "the dashboard is full")), Map.of(), null);
            }
            List<Long> ids = new ArrayList<>(old.reportIds());
            JsonNode p = b.get("position");
            int at = ids.size();
            if (p != null && !p.isNull()) {
                if (!p.isInt() || p.asInt() < 0 || p.asInt() > ids.size()) {
                    throw HindsightException.field("position", "must be a whole number from 0 (first) to " + ids.size()
                            + " (last)");
                }
                at = p.asInt();
            }
            ids.add(at, report);
            return save(old, old.name(), old.description(), ids);
        }
    }

    private Dashboard remove(Environment env, long id, long report) {
        synchronized (reportRoutes.writes) {
            Dashboard old = find(env, id);
            if (!old.reportIds().contains(report)) {
                throw new HindsightException(ErrorCode.NOT_FOUND, "Report " + report + " is not on dashboard " + id);
            }
            List<Long> ids = new ArrayList<>(old.reportIds());
            ids.remove(Long.valueOf(report));
            return save(old, old.name(), old.description(), ids);
        }
    }

    private Dashboard save(Dashboard old, String name, String description, List<Long> ids) {
        Dashboard d = new Dashboard(old.id(), old.envId(), name, description, ids, old.owner(), old.createdAt(),
                clock.millis());
        catalog.update(d);
        return d;
    }

    /** Report ids of a body: each a report of the environment, at most {@link ReportLimits#REPORTS_PER_DASHBOARD}. */
    private List<Long> reportIds(Environment env, JsonNode n) {
        List<Long> ids = Fields.ids(n, "report_ids", ReportLimits.REPORTS_PER_DASHBOARD);
        for (int i = 0; i < ids.size(); i++) {
            if (catalog.report(env.id(), ids.get(i)).isEmpty()) {
                throw ReportRoutes.noReport("report_ids[" + i + "]", ids.get(i));
            }
        }
        return ids;
    }

    private Dashboard find(Environment env, long id) {
        return catalog.dashboard(env.id(), id).orElseThrow(() -> notFound(id));
    }

    private static HindsightException notFound(long id) {
        return new HindsightException(ErrorCode.NOT_FOUND, "No dashboard " + id + " in this environment");
    }

    private static boolean results(Context ctx) {
        String v = ctx.queryParam("results");
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.equals("true")) {
            return true;
        }
        throw HindsightException.field("results", "must be true or false");
    }

    private static Map<String, Object> summary(Dashboard d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("name", d.name());
        m.put("description", d.description());
        m.put("report_ids", d.reportIds());
        m.put("owner", d.owner());
        m.put("created_at", Instant.ofEpochMilli(d.createdAt()).toString());
        m.put("updated_at", Instant.ofEpochMilli(d.updatedAt()).toString());
        return m;
    }

    /**
     * A dashboard with its reports in order, and with {@code results} each report's answer or, for a report that
     * could not be answered, its problem as {@code error}: one failing report does not fail the dashboard.
     */
    private Map<String, Object> view(Environment env, Dashboard d, boolean results) {
        Map<String, Object> m = summary(d);
        List<Map<String, Object>> items = new ArrayList<>();
        long started = System.nanoTime();
        long bytes = 0;
        for (long id : d.reportIds()) {
            Optional<Report> r = catalog.report(env.id(), id);
            if (r.isEmpty()) {
                // Deleted since it was read: a report's deletion takes it off its dashboards.
                continue;
            }
            Map<String, Object> item = Reports.view(r.get());
            if (results) {
                try {
                    if (System.nanoTime() - started > timeoutNanos) {
                        throw new HindsightException(ErrorCode.QUERY_TIMEOUT, "Not run: this dashboard's reports "
                                + "already took the time one query may take; run this report alone");
                    }
                    AnswerCache.Answer a = reports.run(env, r.get());
                    if (bytes + a.json().length > maxAnswerBytes) {
                        throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "Left out: with it, this dashboard's "
                                + "answers would exceed " + (maxAnswerBytes >> 20) + " MiB; run this report alone");
                    }
                    bytes += a.json().length;
                    item.putAll(Reports.answered(a));
                } catch (HindsightException e) {
                    item.put("error", Reports.problem(e));
                }
            }
            items.add(item);
        }
        m.put("reports", items);
        return m;
    }
}
