package dev.hindsight.activate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.account.Access;
import dev.hindsight.account.Caller;
import dev.hindsight.account.Role;
import dev.hindsight.collect.BodyReader;
import dev.hindsight.collect.Fields;
import dev.hindsight.collect.IngestRoutes;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Auth;
import dev.hindsight.http.Bodies;
import dev.hindsight.http.Json;
import dev.hindsight.http.Params;
import dev.hindsight.http.RateLimits;
import dev.hindsight.project.Environment;
import dev.hindsight.store.CanonicalRow;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.WriteQueue;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The activation API: {@code POST /api/capture} (secret key) and, per environment, the schema registry
 * ({@code /api/environments/{appId}/registry/...}: schemas, mappings, their versions, violations and reprocessing).
 */
public final class ActivateRoutes {
    private static final int CAPTURE_LIMIT = 5 * Bodies.MIB;
    private static final String BASE = "/api/environments/{appId}/registry";
    static final int MAX_PAGE = 1000;
    /** Kept events one reprocess re-validates at most; the answer says when more are left. */
    static final int MAX_REPROCESS = 100_000;
    private static final int REPROCESS_CHUNK = 500;

    private final Capture capture;
    private final Registry registry;
    private final CanonicalStore canonical;
    private final WriteQueue queue;
    private final Auth auth;
    private final Access access;
    private final RateLimits limits;
    private final MeterRegistry metrics;
    private final Clock clock;
    private final Outboxes outboxes;

    public ActivateRoutes(WriteQueue queue, RegistryStore registryStore, CanonicalStore canonical, Auth auth,
            Access access, RateLimits limits, MeterRegistry metrics, Clock clock, Outboxes outboxes) {
        this.registry = new Registry(registryStore, clock);
        this.outboxes = outboxes;
        this.capture = new Capture(queue, registry, outboxes);
        this.canonical = canonical;
        this.queue = queue;
        this.auth = auth;
        this.access = access;
        this.limits = limits;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The registry these routes change, which promoted events are validated against too. */
    public Registry registry() {
        return registry;
    }

    public void register(Javalin app) {
        app.post("/api/capture", this::capture);
        app.get(BASE + "/schemas", ctx -> {
            Environment env = env(ctx);
            ctx.json(Map.of("schemas", registry.list(env.id(), Registry.SCHEMA).stream().map(e -> view(e)).toList()));
        });
        app.post(BASE + "/schemas", ctx -> {
            Environment env = env(ctx);
            ctx.status(201).json(view(registry.saveSchema(env.id(), null, Json.tree(ctx), who(ctx), true)));
        });
        app.get(BASE + "/schemas/{event}", ctx -> ctx.json(view(registry.get(env(ctx).id(), Registry.SCHEMA,
                ctx.pathParam("event")))));
        app.put(BASE + "/schemas/{event}", ctx -> {
            Environment env = env(ctx);
            ctx.json(view(registry.saveSchema(env.id(), ctx.pathParam("event"), Json.tree(ctx), who(ctx), false)));
        });
        app.delete(BASE + "/schemas/{event}", ctx -> {
            registry.delete(env(ctx).id(), Registry.SCHEMA, ctx.pathParam("event"), who(ctx));
            ctx.status(204);
        });
        app.get(BASE + "/schemas/{event}/versions", ctx -> ctx.json(Map.of("versions",
                registry.history(env(ctx).id(), Registry.SCHEMA, ctx.pathParam("event")))));
        app.get(BASE + "/mappings", ctx -> {
            Environment env = env(ctx);
            ctx.json(Map.of("mappings", registry.list(env.id(), Registry.MAPPING).stream().map(e -> view(e)).toList()));
        });
        app.post(BASE + "/mappings", ctx -> {
            Environment env = env(ctx);
            JsonNode body = Json.tree(ctx);
            draftsOnly(ctx, body, null);
            ctx.status(201).json(view(registry.saveMapping(env.id(), null, body, who(ctx))));
        });
        app.get(BASE + "/mappings/{id}", ctx -> ctx.json(view(registry.get(env(ctx).id(), Registry.MAPPING,
                String.valueOf(mappingId(ctx))))));
        app.put(BASE + "/mappings/{id}", ctx -> {
            Environment env = env(ctx);
            long id = mappingId(ctx);
            JsonNode body = Json.tree(ctx);
            draftsOnly(ctx, body, registry.status(env.id(), id));
            ctx.json(view(registry.saveMapping(env.id(), id, body, who(ctx))));
        });
        app.delete(BASE + "/mappings/{id}", ctx -> {
            registry.delete(env(ctx).id(), Registry.MAPPING, String.valueOf(mappingId(ctx)), who(ctx));
            ctx.status(204);
        });
        app.post(BASE + "/mappings/{id}/approve", ctx -> {
            Environment env = env(ctx);
            ctx.json(view(registry.setStatus(env.id(), mappingId(ctx), Mapping.APPROVED, who(ctx))));
        });
        app.get(BASE + "/mappings/{id}/versions", ctx -> ctx.json(Map.of("versions",
                registry.history(env(ctx).id(), Registry.MAPPING, String.valueOf(mappingId(ctx))))));
        app.get(BASE + "/violations", this::violations);
        app.post(BASE + "/violations/reprocess", this::reprocess);
    }

    // The key is in a header: checked (and its rate limit counted) before a byte of the body is read.
    private void capture(Context ctx) {
        long receivedAt = clock.millis();
        Environment env = auth.serverKey(ctx);
        limits.byKey(env);
        IngestRoutes.requireJson(ctx, false);
        ctx.future(() -> Bodies.readAsync(ctx, CAPTURE_LIMIT).thenAccept(bytes -> {
            Fields body = BodyReader.read(bytes);
            Object appId = body.get("app_id");
            if (appId != null && !(appId instanceof String)) {
                throw HindsightException.field("app_id", "must be a string");
            }
            auth.sameEnvironment(env, (String) appId);
            try {
                Map<String, Object> out = capture.capture(env, body, receivedAt);
                count(out);
                ctx.json(out);
            } catch (HindsightException e) {
                count(e.extra());
                throw e;
            }
        }));
    }

    private void count(Map<String, Object> out) {
        for (String outcome : List.of("accepted", "duplicates", "rejected", "conflicts")) {
            if (out.get(outcome) instanceof Integer n && n > 0) {
                Counter.builder("hindsight.capture." + outcome).description("Canonical events by outcome: accepted "
                        + "(stored), duplicates (replays, not stored again), rejected (invalid), conflicts (event id "
                        + "taken by another payload)").register(metrics).increment(n);
            }
        }
    }

    private void violations(Context ctx) {
        Environment env = env(ctx);
        Set<String> known = Set.of("app_id", "type", "event", "limit", "cursor");
        for (String q : ctx.queryParamMap().keySet()) {
            if (!known.contains(q)) {
                throw HindsightException.field(q, "is not a known parameter here; known parameters are "
                        + new TreeSet<>(known));
            }
        }
        String type = ctx.queryParam("type");
        if (type != null && !Violation.TYPES.contains(type)) {
            throw HindsightException.field("type", "must be one of " + Violation.TYPES);
        }
        String event = ctx.queryParam("event");
        int limit = (int) Params.whole(ctx, "limit", 100, 1, MAX_PAGE);
        long offset = Params.whole(ctx, "cursor", 0, 0, Long.MAX_VALUE);
        List<CanonicalStore.Row> rows = canonical.violations(env.id(), type, event, offset, limit);
        List<Map<String, Object>> out = new ArrayList<>();
        for (CanonicalStore.Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("event_id", r.eventId());
            m.put("event", r.event());
            m.put("source", r.source());
            m.put("received_at", Instant.ofEpochMilli(r.receivedAt()).toString());
            if (r.conflictId() != null) {
                m.put("conflict_id", r.conflictId());
                m.put("violations", List.of(new Violation(Violation.EVENT_ID_CONFLICT, "event_id", "event_id '"
                        + r.eventId() + "' was captured before with another payload; this one was not stored")));
            } else {
                m.put("violations", tree(r.violationsJson()));
            }
            m.put("payload", tree(r.payloadJson()));
            out.add(m);
        }
        Map<String, Long> counts = canonical.counts(env.id(), event);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("violations", out);
        body.put("counts", counts);
        body.put("next_cursor", rows.size() < limit ? null : String.valueOf(offset + rows.size()));
        ctx.json(body);
    }

    /**
     * Re-validates the kept events that are not deliverable against the registry as it is now: those now valid
     * become deliverable (and leave the violations), the others keep their new reasons. Conflicts stay listed.
     */
    private void reprocess(Context ctx) {
        Environment env = env(ctx);
        Registry.Snapshot snapshot = registry.snapshot(env.id());
        int checked = 0;
        int deliverable = 0;
        String after = null;
        boolean more = false;
        boolean enqueued = false;
        while (true) {
            List<CanonicalStore.Row> rows = canonical.violating(env.id(), after, REPROCESS_CHUNK);
            if (rows.isEmpty()) {
                break;
            }
            if (checked >= MAX_REPROCESS) {
                more = true;
                break;
            }
            List<WriteOp> ops = new ArrayList<>();
            for (CanonicalStore.Row r : rows) {
                CanonicalEvent e = Capture.fromPayload(env.id(), r.payloadJson());
                List<Violation> now = Validator.validate(e, snapshot);
                String json = Capture.json(now);
                if (now.isEmpty()) {
                    deliverable++;
                    ops.add(new WriteOp.SetCanonicalStatus(env.id(), r.eventId(), CanonicalRow.DELIVERABLE, json));
                    // Deliverable from now: its outbox rows join the same commit.
                    List<WriteOp> outbox = outboxes.enqueue(env.id(), e.event(), r.eventId(),
                            Outboxes.userKey(e.userId(), e.anonymousId()), clock.millis());
                    enqueued |= !outbox.isEmpty();
                    ops.addAll(outbox);
                } else if (!json.equals(r.violationsJson())) {
                    ops.add(new WriteOp.SetCanonicalStatus(env.id(), r.eventId(), CanonicalRow.VIOLATING, json));
                }
                checked++;
                after = r.eventId();
            }
            if (!ops.isEmpty()) {
                queue.submitAndWait(ops);
            }
        }
        if (enqueued) {
            outboxes.committed();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checked", checked);
        out.put("now_deliverable", deliverable);
        out.put("still_violating", checked - deliverable);
        out.put("more", more);
        ctx.json(out);
    }

    /** An analyst may propose mappings as drafts; only an architect or admin sets another status or changes one. */
    private void draftsOnly(Context ctx, JsonNode body, String current) {
        JsonNode s = body.get("status");
        boolean changesStatus = s != null && !s.isNull() && !Mapping.DRAFT.equals(s.asText());
        if (changesStatus || (current != null && !current.equals(Mapping.DRAFT))) {
            access.require(ctx, Role.ARCHITECT);
        }
    }

    private Environment env(Context ctx) {
        return access.environment(ctx, ctx.pathParam("appId"));
    }

    private String who(Context ctx) {
        Caller c = access.caller(ctx);
        return c.account() != null ? c.account().email() : c.owner();
    }

    private static long mappingId(Context ctx) {
        try {
            long id = Long.parseLong(ctx.pathParam("id"));
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw new HindsightException(ErrorCode.NOT_FOUND, "No mapping '" + ctx.pathParam("id") + "'",
                List.of(new FieldError("id", null, "must be a mapping id")), Map.of(), null);
    }

    private static Map<String, Object> view(Registry.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>(Json.MAPPER.convertValue(e.body(), Map.class));
        m.put("version", e.version());
        m.put("updated_by", e.updatedBy());
        m.put("updated_at", Instant.ofEpochMilli(e.updatedAt()).toString());
        return m;
    }

    private static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
