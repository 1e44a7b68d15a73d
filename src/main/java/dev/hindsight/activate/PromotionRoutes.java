package dev.hindsight.activate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.account.Access;
import dev.hindsight.account.Caller;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Definition mappings: {@code /api/environments/{appId}/registry/definition-mappings} (list, create as a draft, read,
 * a new draft version, versions, approve, deprecate, delete, backfill, what each produced) and {@code .../run}, which
 * runs the promoter now until it has caught up (automation and tests; the promoter also runs every second).
 */
public final class PromotionRoutes {
    private static final String BASE = "/api/environments/{appId}/registry/definition-mappings";
    private static final Set<String> BACKFILL_FIELDS = Set.of("from", "to");
    /** The latest canonical events the produced view shows. */
    private static final int LATEST = 20;

    private final DefinitionMappings mappings;
    private final Promoter promoter;
    private final PromotionStore store;
    private final Access access;
    private final Clock clock;

    public PromotionRoutes(DefinitionMappings mappings, Promoter promoter, PromotionStore store, Access access,
            Clock clock) {
        this.mappings = mappings;
        this.promoter = promoter;
        this.store = store;
        this.access = access;
        this.clock = clock;
    }

    public void register(Javalin app) {
        app.get(BASE, ctx -> ctx.json(Map.of("mappings", mappings.list(env(ctx).id()))));
        app.post(BASE, ctx -> ctx.status(201).json(mappings.create(env(ctx).id(), Json.tree(ctx), who(ctx))));
        app.post(BASE + "/run", ctx -> {
            env(ctx);
            ctx.json(promoter.catchUp().json());
        });
        app.get(BASE + "/{id}", ctx -> ctx.json(mappings.get(env(ctx).id(), id(ctx))));
        app.put(BASE + "/{id}", ctx -> ctx.json(mappings.update(env(ctx).id(), id(ctx), Json.tree(ctx), who(ctx))));
        app.delete(BASE + "/{id}", ctx -> {
            mappings.delete(env(ctx).id(), id(ctx), who(ctx));
            ctx.status(204);
        });
        app.get(BASE + "/{id}/versions", ctx -> ctx.json(Map.of("versions", mappings.history(env(ctx).id(), id(ctx)))));
        app.post(BASE + "/{id}/approve", ctx -> ctx.json(mappings.approve(env(ctx).id(), id(ctx), who(ctx))));
        app.post(BASE + "/{id}/deprecate", ctx -> ctx.json(mappings.deprecate(env(ctx).id(), id(ctx), who(ctx))));
        app.get(BASE + "/{id}/produced", this::produced);
        app.post(BASE + "/{id}/backfill", this::backfill);
    }

    private void produced(Context ctx) {
        Environment env = env(ctx);
        long id = id(ctx);
        mappings.get(env.id(), id);
        PromotionStore.Produced p = store.produced(env.id(), Promoter.prefix(id), LATEST);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mapping_id", id);
        out.put("count", p.count());
        out.put("last_produced_at", p.lastAt() == null ? null : Instant.ofEpochMilli(p.lastAt()).toString());
        out.put("latest", p.latest().stream().map(json -> Capture.fields(Capture.fromPayload(env.id(), json)))
                .toList());
        ctx.json(out);
    }

    private void backfill(Context ctx) {
        Environment env = env(ctx);
        long id = id(ctx);
        JsonNode body = Json.tree(ctx, BACKFILL_FIELDS);
        List<FieldError> errors = new ArrayList<>();
        Instant from = instant(body, "from", errors);
        Instant to = instant(body, "to", errors);
        if (!errors.isEmpty()) {
            throw HindsightException.validation("The backfill window is invalid", errors);
        }
        Instant now = clock.instant();
        if (!from.isBefore(to)) {
            throw HindsightException.field("to", "must be after from");
        }
        if (to.isAfter(now)) {
            throw HindsightException.field("to", "must not be in the future (now is " + now + ")");
        }
        if (from.isBefore(now.minus(Promoter.MAX_BACKFILL_AGE))) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "A backfill reaches back at most "
                    + Promoter.MAX_BACKFILL_AGE.toDays() + " days: ad platforms refuse older events",
                    List.of(FieldError.of("from", "must be at most " + Promoter.MAX_BACKFILL_AGE.toDays()
                            + " days ago (not before " + now.minus(Promoter.MAX_BACKFILL_AGE) + ")")),
                    Map.of("limit_days", Promoter.MAX_BACKFILL_AGE.toDays()), null);
        }
        if (java.time.Duration.between(from, to).compareTo(Promoter.MAX_BACKFILL_WINDOW) > 0) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "A backfill window spans at most "
                    + Promoter.MAX_BACKFILL_WINDOW.toHours() + " hours",
                    List.of(FieldError.of("to", "must be at most " + Promoter.MAX_BACKFILL_WINDOW.toHours()
                            + " hours after from")), Map.of("limit_hours", Promoter.MAX_BACKFILL_WINDOW.toHours()), null);
        }
        DefinitionMappings.Producing p = mappings.producing(env.id(), id).orElseThrow(() -> {
            mappings.get(env.id(), id);
            return new HindsightException(ErrorCode.CONFLICT, "Definition mapping " + id + " has no approved version "
                    + "that produces: approve it first", List.of(FieldError.of("id", "has no approved version")),
                    Map.of(), null);
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mapping_id", id);
        out.put("version", p.version());
        out.put("from", from.toString());
        out.put("to", to.toString());
        out.putAll(promoter.backfill(env.id(), p, from.toEpochMilli(), to.toEpochMilli()).json());
        ctx.json(out);
    }

    private static Instant instant(JsonNode body, String field, List<FieldError> errors) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual()) {
            errors.add(FieldError.of(field, "is required: an ISO-8601 instant such as 2026-03-10T00:00:00Z"));
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (DateTimeParseException e) {
            errors.add(FieldError.of(field, "must be an ISO-8601 instant such as 2026-03-10T00:00:00Z"));
            return null;
        }
    }

    private Environment env(Context ctx) {
        return access.environment(ctx, ctx.pathParam("appId"));
    }

    private String who(Context ctx) {
        Caller c = access.caller(ctx);
        return c.account() != null ? c.account().email() : c.owner();
    }

    private static long id(Context ctx) {
        try {
            long id = Long.parseLong(ctx.pathParam("id"));
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new HindsightException(ErrorCode.NOT_FOUND, "No definition mapping '" + ctx.pathParam("id") + "'",
                List.of(new FieldError("id", null, "must be a definition mapping id")), Map.of(), null);
    }
}
