package dev.hindsight.identity;

import dev.hindsight.account.Access;
import dev.hindsight.define.DefinitionMatches;
import dev.hindsight.define.EventView;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.project.Environment;
import dev.hindsight.store.EventPage;
import dev.hindsight.store.EventStore;
import dev.hindsight.store.IdentityLink;
import dev.hindsight.store.UserProfile;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.WriteQueue;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Users over the API: profile, merged event stream (the live view), merges, and undoing a merge. */
public final class UserRoutes {
    private final EventStore store;
    private final WriteQueue queue;
    private final Access access;
    private final Clock clock;
    private final DefinitionMatches definitions;

    public UserRoutes(EventStore store, WriteQueue queue, Access access, Clock clock, DefinitionMatches definitions) {
        this.store = store;
        this.queue = queue;
        this.access = access;
        this.clock = clock;
        this.definitions = definitions;
    }

    public void register(Javalin app) {
        app.get("/api/users/{identity}", ctx -> {
            Environment env = access.environment(ctx, appId(ctx));
            UserProfile u = profile(env, ctx.pathParam("identity"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("identity", u.identity());
            body.put("properties", u.properties());
            body.put("first_seen", iso(u.firstSeen()));
            body.put("last_seen", iso(u.lastSeen()));
            body.put("devices", u.devices());
            body.put("merges", u.merges().stream().map(UserRoutes::merge).toList());
            ctx.json(body);
        });
        app.get("/api/users/{identity}/events", ctx -> {
            Environment env = access.environment(ctx, appId(ctx));
            String identity = ctx.pathParam("identity");
            int limit = limit(ctx);
            EventPage page;
            try {
                page = store.userEvents(env.id(), identity, ctx.queryParam("cursor"), limit);
            } catch (IllegalArgumentException e) {
                throw HindsightException.field("cursor", e.getMessage());
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("identity", identity);
            // Each event with the definitions it matches, by their rules (as the live view shows them).
            List<List<Map<String, Object>>> matched = definitions.of(env.id(), page.events());
            List<Map<String, Object>> events = new java.util.ArrayList<>();
            for (int i = 0; i < page.events().size(); i++) {
                Map<String, Object> e = EventView.of(page.events().get(i));
                e.put("definitions", matched.get(i));
                events.add(e);
            }
            body.put("events", events);
            body.put("next_cursor", page.nextCursor());
            ctx.json(body);
        });
        app.get("/api/users/{identity}/merges", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            Environment env = access.environment(ctx, appId(ctx));
            ctx.json(Map.of("merges", profile(env, ctx.pathParam("identity")).merges().stream()
                    .map(UserRoutes::merge).toList()));
        });
        app.post("/api/users/{identity}/merges/{mergeId}/undo", ctx -> {
            access.require(ctx, dev.hindsight.account.Role.ADMIN);
            Environment env = access.environment(ctx, appId(ctx));
            long id = mergeId(ctx);
            IdentityLink link = store.link(env.id(), id)
                    .filter(l -> l.identity().equals(ctx.pathParam("identity")))
                    .orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND, "User '" + ctx.pathParam("identity")
                            + "' has no merge " + id + " in this environment"));
            if (link.undoneAt() == null) {
                queue.submitAndWait(List.of(new WriteOp.UndoLink(env.id(), id, clock.millis())));
            }
            ctx.json(merge(store.link(env.id(), id).orElseThrow()));
        });
    }

    private UserProfile profile(Environment env, String identity) {
        return store.user(env.id(), identity).orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND,
                "No user '" + identity + "' in environment '" + env.name() + "'"));
    }

    private static Map<String, Object> merge(IdentityLink l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", l.id());
        m.put("device_id", l.deviceId());
        m.put("identity", l.identity());
        m.put("valid_from", iso(l.validFrom()));
        m.put("created_at", iso(l.createdAt()));
        m.put("undone_at", iso(l.undoneAt()));
        m.put("source", l.source());
        return m;
    }

    private static String appId(Context ctx) {
        String appId = ctx.queryParam("app_id");
        if (appId == null || appId.isBlank()) {
            throw HindsightException.field("app_id", "is required as a query parameter: ?app_id=<app id>");
        }
        return appId;
    }

    private static int limit(Context ctx) {
        String raw = ctx.queryParam("limit");
        if (raw == null) {
            return 100;
        }
        try {
            int n = Integer.parseInt(raw);
            if (n >= 1 && n <= 1000) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw HindsightException.field("limit", "must be a whole number from 1 to 1000");
    }

    private static long mergeId(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("mergeId"));
        } catch (NumberFormatException e) {
            throw HindsightException.field("mergeId", "must be a merge id (a number)");
        }
    }

    private static String iso(Long ms) {
        return ms == null ? null : Instant.ofEpochMilli(ms).toString();
    }
}
