package dev.hindsight.activate.sync;

import dev.hindsight.account.Access;
import dev.hindsight.http.Json;
import dev.hindsight.http.Params;
import dev.hindsight.project.Environment;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/environments/{appId}/cohort-syncs}: create, list, get and delete cohort syncs, run one now, and
 * read its run log.
 */
public final class CohortSyncRoutes {
    static final String BASE = "/api/environments/{appId}/cohort-syncs";
    private final CohortSyncs syncs;
    private final Access access;

    public CohortSyncRoutes(CohortSyncs syncs, Access access) {
        this.syncs = syncs;
        this.access = access;
    }

    public void register(Javalin app) {
        app.get(BASE, ctx -> {
            Environment env = env(ctx);
            ctx.json(Map.of("cohort_syncs", syncs.list(env).stream().map(s -> withLastRun(env, s)).toList()));
        });
        app.post(BASE, ctx -> ctx.status(201).json(CohortSyncs.view(syncs.create(env(ctx), Json.tree(ctx)))));
        app.get(BASE + "/{id}", ctx -> {
            Environment env = env(ctx);
            ctx.json(withLastRun(env, syncs.get(env, id(ctx))));
        });
        app.delete(BASE + "/{id}", ctx -> {
            syncs.delete(env(ctx), id(ctx));
            ctx.status(204);
        });
        app.post(BASE + "/{id}/run", ctx -> ctx.json(CohortSyncs.view(syncs.run(env(ctx), id(ctx)))));
        app.get(BASE + "/{id}/runs", ctx -> {
            int limit = (int) Params.whole(ctx, "limit", 50, 1, 1000);
            ctx.json(Map.of("runs", syncs.runs(env(ctx), id(ctx), limit).stream().map(CohortSyncs::view).toList()));
        });
    }

    /** A sync as answered, with its latest run (null before the first), so a list shows how each last went. */
    private Map<String, Object> withLastRun(Environment env, CohortSyncStore.SyncRow s) {
        Map<String, Object> out = CohortSyncs.view(s);
        List<CohortSyncStore.RunRow> last = syncs.runs(env, s.id(), 1);
        out.put("last_run", last.isEmpty() ? null : CohortSyncs.view(last.get(0)));
        return out;
    }

    private Environment env(Context ctx) {
        return access.environment(ctx, ctx.pathParam("appId"));
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw dev.hindsight.error.HindsightException.field("id", "must be a whole number");
        }
    }
}
