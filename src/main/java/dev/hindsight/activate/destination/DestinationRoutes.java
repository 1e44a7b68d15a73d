package dev.hindsight.activate.destination;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.activate.CanonicalEvent;
import dev.hindsight.activate.DeliveryStore;
import dev.hindsight.account.Access;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.http.Params;
import dev.hindsight.project.Environment;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Destinations per environment ({@code /api/environments/{appId}/destinations}): their set-up (secrets masked in
 * every answer), test sends, the delivery log and dead letters with replay, and each canonical event's trace.
 */
public final class DestinationRoutes {
    static final String BASE = "/api/environments/{appId}/destinations";
    static final Set<String> STATES = Set.of(DeliveryStore.PENDING, DeliveryStore.SENDING, DeliveryStore.RETRYING,
            DeliveryStore.DELIVERED, DeliveryStore.DEAD, DeliveryStore.SKIPPED);

    private final Destinations destinations;
    private final DeliveryStore store;
    private final Delivery delivery;
    private final TestSend testSend;
    private final Access access;
    private final Clock clock;
    private final DestinationReports reports;

    public DestinationRoutes(Destinations destinations, DeliveryStore store, Delivery delivery, TestSend testSend,
            Access access, Clock clock, DestinationReports reports) {
        this.reports = reports;
        this.destinations = destinations;
        this.store = store;
        this.delivery = delivery;
        this.testSend = testSend;
        this.access = access;
        this.clock = clock;
    }

    public void register(Javalin app) {
        app.get(BASE, this::list);
        app.post(BASE, ctx -> ctx.status(201).json(Destinations.view(destinations.create(env(ctx).id(),
                Json.tree(ctx)))));
        app.get(BASE + "/{id}", ctx -> {
            Destinations.Configured c = destinations.get(env(ctx).id(), id(ctx));
            Map<String, Object> view = new LinkedHashMap<>(Destinations.view(c));
            view.put("health", reports.recentHealth(c.envId(), List.of(c.id())).get(c.id()));
            ctx.json(view);
        });
        app.put(BASE + "/{id}", ctx -> ctx.json(Destinations.view(destinations.update(env(ctx).id(), id(ctx),
                Json.tree(ctx)))));
        app.delete(BASE + "/{id}", ctx -> {
            destinations.delete(env(ctx).id(), id(ctx));
            ctx.status(204);
        });
        app.post(BASE + "/{id}/enable", ctx -> ctx.json(Destinations.view(destinations.setEnabled(env(ctx).id(),
                id(ctx), true))));
        app.post(BASE + "/{id}/disable", ctx -> ctx.json(Destinations.view(destinations.setEnabled(env(ctx).id(),
                id(ctx), false))));
        app.post(BASE + "/{id}/test", this::test);
        app.get(BASE + "/{id}/deliveries", this::deliveries);
        app.post(BASE + "/{id}/replay", this::replay);
        reports.register(app);
    }

    /** Every destination of the environment, each with its health over the last 24 hours. */
    private void list(Context ctx) {
        List<Destinations.Configured> all = destinations.list(env(ctx).id());
        Map<Long, Map<String, Object>> health = reports.recentHealth(env(ctx).id(),
                all.stream().map(Destinations.Configured::id).toList());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Destinations.Configured c : all) {
            Map<String, Object> view = new LinkedHashMap<>(Destinations.view(c));
            view.put("health", health.get(c.id()));
            out.add(view);
        }
        ctx.json(Map.of("destinations", out));
    }

    private void test(Context ctx) {
        Destinations.Configured c = destinations.get(env(ctx).id(), id(ctx));
        byte[] raw = ctx.bodyAsBytes();
        JsonNode body = raw.length == 0 ? Json.MAPPER.createObjectNode() : Json.object(raw);
        String event = body.path("event").asText(c.destination().mapping().rules().keySet().stream().sorted()
                .findFirst().orElse("test"));
        @SuppressWarnings("unchecked")
        Map<String, Object> props = body.has("properties") ? Json.MAPPER.convertValue(body.get("properties"), Map.class)
                : Map.of();
        CanonicalEvent e = new CanonicalEvent(c.envId(), event, body.path("event_id").asText("test-" + UUID.randomUUID()),
                body.path("user_id").asText("hindsight-test-user"), body.path("anonymous_id").asText(null), props,
                "test", Instant.now(clock));
        var user = Delivery.userData(e);
        if (!body.has("properties") || !props.containsKey("consents")) {
            // A test send is not about consent: the sample user carries the required flag.
            String flag = c.destination().requiredConsent();
            if (flag != null && !flag.isBlank()) {
                user = user.withConsents(Set.of(flag));
            }
        }
        TestSend.Result r = testSend.send(c.destination(), new Outgoing(e, user));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", r.ok());
        out.put("event_id", e.eventId());
        List<Map<String, Object>> answers = new ArrayList<>();
        for (Outcome o : r.outcomes()) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("outcome", switch (o) {
                case Outcome.Delivered d -> "delivered";
                case Outcome.Retryable t -> "retryable";
                case Outcome.Permanent p -> "refused";
            });
            a.put("status", o.status());
            a.put("body", Delivery.excerpt(o.body()));
            answers.add(a);
        }
        out.put("answers", answers);
        out.put("messages", r.messages());
        List<Map<String, Object>> skipped = new ArrayList<>();
        for (Build.Skipped s : r.build().skipped()) {
            skipped.add(Map.of("reason", s.reason(), "detail", s.detail()));
        }
        out.put("skipped", skipped);
        ctx.json(out);
    }

    private void deliveries(Context ctx) {
        Destinations.Configured c = destinations.get(env(ctx).id(), id(ctx));
        String eventId = ctx.queryParam("event_id");
        String state = ctx.queryParam("state");
        if (state != null && !STATES.contains(state)) {
            throw HindsightException.field("state", "must be one of " + new java.util.TreeSet<>(STATES));
        }
        int limit = (int) Params.whole(ctx, "limit", 100, 1, 1000);
        List<Map<String, Object>> items = new ArrayList<>();
        for (DeliveryStore.Item i : store.items(c.id(), eventId, state, limit)) {
            Map<String, Object> m = item(i);
            if (eventId != null) {
                m.put("attempts_log", store.log(c.id(), i.eventId(), 1000).stream().map(DestinationRoutes::attempt)
                        .toList());
            }
            items.add(m);
        }
        ctx.json(Map.of("deliveries", items));
    }

    private void replay(Context ctx) {
        Destinations.Configured c = destinations.get(env(ctx).id(), id(ctx));
        List<String> ids = new ArrayList<>();
        byte[] raw = ctx.bodyAsBytes();
        if (raw.length > 0) {
            Json.object(raw).path("event_ids").forEach(n -> ids.add(n.asText()));
        }
        int n = store.replay(c.id(), ids, clock.millis());
        delivery.wake(c.id());
        ctx.json(Map.of("replayed", n));
    }

    static Map<String, Object> item(DeliveryStore.Item i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination_id", i.destinationId());
        m.put("event_id", i.eventId());
        m.put("state", i.state());
        m.put("attempts", i.attempts());
        m.put("created_at", Instant.ofEpochMilli(i.createdAt()).toString());
        m.put("next_attempt_at", i.state().equals(DeliveryStore.RETRYING) || i.state().equals(DeliveryStore.PENDING)
                ? Instant.ofEpochMilli(i.dueAt()).toString() : null);
        m.put("last_status", i.lastStatus());
        m.put("last_answer", i.lastBody());
        m.put("reason", i.lastReason());
        m.put("done_at", i.doneAt() == null ? null : Instant.ofEpochMilli(i.doneAt()).toString());
        return m;
    }

    static Map<String, Object> attempt(DeliveryStore.Attempt a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attempt", a.attempt());
        m.put("at", Instant.ofEpochMilli(a.at()).toString());
        m.put("outcome", a.outcome());
        m.put("status", a.status());
        m.put("answer", a.body());
        m.put("reason", a.reason());
        m.put("took_ms", a.latencyMs());
        return m;
    }

    private Environment env(Context ctx) {
        return access.environment(ctx, ctx.pathParam("appId"));
    }

    static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new HindsightException(ErrorCode.NOT_FOUND, "No destination '" + ctx.pathParam("id") + "'");
        }
    }
}
