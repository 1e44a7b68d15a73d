package dev.hindsight.activate.destination;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.account.Access;
import dev.hindsight.activate.CanonicalEvent;
import dev.hindsight.activate.Capture;
import dev.hindsight.activate.DeliveryReports;
import dev.hindsight.activate.DeliveryStore;
import dev.hindsight.activate.Promoter;
import dev.hindsight.activate.RegistryStore;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.project.Environment;
import dev.hindsight.store.RawEvent;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What the destinations screens read beyond the set-up: each destination's health over a period, its
 * reconciliation (reference 004, "Why might Heap and ad platform counts still differ?": captured, passed the
 * registry, queued, consented, delivered, accepted, with the reasons of every drop), and a canonical event's trace
 * (reference 004, "Validation path": its origin, the event, the registry's verdict and each destination, with the
 * user id, order id and event id each step carried).
 *
 * <p>Periods are of the canonical event's received time: when Hindsight stored it (the capture request, or the
 * promotion of a raw event), which is also when its outbox rows were written. Not the event's own timestamp: a late
 * event would otherwise change a period already reconciled, and the outbox knows no other time.
 */
public final class DestinationReports {
    static final Duration HEALTH_DEFAULT = Duration.ofHours(24);
    static final Duration RECONCILIATION_DEFAULT = Duration.ofDays(7);
    /** Distinct counting answers read for one reconciliation (one per request to Meta). */
    static final int MAX_ANSWERS = 100_000;
    static final int MAX_REASONS = 20;

    private final Destinations destinations;
    private final DeliveryStore store;
    private final DeliveryReports reports;
    private final RegistryStore registry;
    private final Access access;
    private final Clock clock;

    public DestinationReports(Destinations destinations, DeliveryStore store, DeliveryReports reports,
            RegistryStore registry, Access access, Clock clock) {
        this.destinations = destinations;
        this.store = store;
        this.reports = reports;
        this.registry = registry;
        this.access = access;
        this.clock = clock;
    }

    public void register(Javalin app) {
        app.get(DestinationRoutes.BASE + "/{id}/health", this::health);
        app.get(DestinationRoutes.BASE + "/{id}/reconciliation", this::reconciliation);
        app.get("/api/environments/{appId}/canonical/{eventId}/trace", this::trace);
    }

    /** The last 24 hours' health of every destination of an environment, for the list. */
    Map<Long, Map<String, Object>> recentHealth(long envId, List<Long> ids) {
        long now = clock.millis();
        Map<Long, Map<String, Object>> out = new LinkedHashMap<>();
        Period p = new Period(now + 1 - HEALTH_DEFAULT.toMillis(), now + 1);
        reports.health(envId, ids, p.fromMs(), p.toMs()).forEach((id, h) -> out.put(id, health(h, p)));
        return out;
    }

    private void health(Context ctx) {
        Destinations.Configured c = destinations.get(env(ctx).id(), DestinationRoutes.id(ctx));
        Period p = Period.of(ctx, HEALTH_DEFAULT, clock);
        DeliveryReports.Health h = reports.health(c.envId(), List.of(c.id()), p.fromMs(), p.toMs()).get(c.id());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("destination_id", c.id());
        out.putAll(health(h, p));
        ctx.json(out);
    }

    static Map<String, Object> health(DeliveryReports.Health h, Period p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", p.fromIso());
        m.put("to", p.toIso());
        m.put("delivered", h.delivered());
        m.put("pending", h.pending());
        m.put("retrying", h.retrying());
        m.put("dead_lettered", h.dead());
        m.put("skipped", h.skipped());
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50", h.p50Ms());
        latency.put("p95", h.p95Ms());
        m.put("latency_ms", latency);
        return m;
    }

    private void reconciliation(Context ctx) {
        Destinations.Configured c = destinations.get(env(ctx).id(), DestinationRoutes.id(ctx));
        Period p = Period.of(ctx, RECONCILIATION_DEFAULT, clock);
        ctx.json(reconcile(c, p));
    }

    Map<String, Object> reconcile(Destinations.Configured c, Period p) {
        List<String> events = new ArrayList<>(new TreeSet<>(c.destination().mapping().rules().keySet()));
        DeliveryReports.Captured cap = reports.captured(c.envId(), events, p.fromMs(), p.toMs());
        List<DeliveryReports.Outcome> outcomes = reports.outcomes(c.envId(), c.id(), events, p.fromMs(), p.toMs());
        long queued = outcomes.stream().mapToLong(DeliveryReports.Outcome::count).sum();
        long noConsent = 0;
        long delivered = 0;
        List<Map<String, Object>> consentReasons = new ArrayList<>();
        List<Map<String, Object>> deliveryReasons = new ArrayList<>();
        for (DeliveryReports.Outcome o : outcomes) {
            if (o.state().equals(DeliveryStore.SKIPPED) && o.reason().equals("no-consent")) {
                noConsent += o.count();
                consentReasons.add(reason("no-consent", o.state(), o.example(), o.count()));
            } else if (o.state().equals(DeliveryStore.DELIVERED)) {
                delivered += o.count();
            } else if (deliveryReasons.size() < MAX_REASONS) {
                String why = switch (o.state()) {
                    case DeliveryStore.PENDING -> "pending";
                    case DeliveryStore.RETRYING -> "retrying";
                    case DeliveryStore.DEAD -> "dead_lettered";
                    default -> o.reason().isEmpty() ? "skipped" : o.reason();
                };
                deliveryReasons.add(reason(why, o.state(), o.example(), o.count()));
            } else {
                // Past the listed reasons: summed into one line so every drop is still counted.
                Map<String, Object> last = deliveryReasons.get(deliveryReasons.size() - 1);
                if (!"other".equals(last.get("reason"))) {
                    deliveryReasons.add(reason("other", null, "further reasons", 0));
                    last = deliveryReasons.get(deliveryReasons.size() - 1);
                }
                last.put("count", (long) last.get("count") + o.count());
            }
        }
        long consented = queued - noConsent;
        // Meta answers each request once, with events_received and its own fbtrace_id; the answer is kept on each of
        // its events' rows, so each distinct answer counts once, and at most for its rows of this period.
        Map<String, Long> answers = reports.countingAnswers(c.envId(), c.id(), p.fromMs(), p.toMs(), MAX_ANSWERS);
        boolean reported = c.destination() instanceof Destination.Meta || !answers.isEmpty();
        long accepted = delivered;
        if (reported) {
            accepted = 0;
            for (Map.Entry<String, Long> a : answers.entrySet()) {
                JsonNode n = Json.readOrNull(a.getKey());
                long received = n == null ? 0 : n.path("events_received").asLong(0);
                accepted += Math.min(received, a.getValue());
            }
        }
        List<Map<String, Object>> stages = new ArrayList<>();
        stages.add(stage("captured", "Captured canonical events", cap.captured(), null, List.of()));
        List<Map<String, Object>> registryReasons = new ArrayList<>();
        cap.violationTypes().forEach((t, n) -> registryReasons.add(reason(t, null, null, n)));
        stages.add(stage("passed_registry", "Passed the registry", cap.deliverable(), cap.captured(),
                registryReasons));
        long notQueued = cap.deliverable() - queued;
        stages.add(stage("queued", "Queued for this destination", queued, cap.deliverable(), notQueued <= 0
                ? List.of() : List.of(reason("not_queued", null, "the destination was disabled, not set up yet or did"
                + " not map the event when it was captured", notQueued))));
        stages.add(stage("consented", "Consented", consented, queued, consentReasons));
        stages.add(stage("delivered", "Delivered", delivered, consented, deliveryReasons));
        List<Map<String, Object>> acceptReasons = accepted < delivered ? List.of(reason("not_counted", null,
                "delivered, but not counted in the destination's events_received", delivered - accepted)) : List.of();
        Map<String, Object> acc = stage("accepted", "Accepted by the destination", accepted, delivered, acceptReasons);
        acc.put("reported_by_destination", reported);
        if (!reported) {
            acc.put("note", c.destination().kind() + " does not count what it accepted: this is the delivered count");
        }
        stages.add(acc);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("destination_id", c.id());
        out.put("destination", c.destination().name());
        out.put("kind", c.destination().kind());
        out.put("from", p.fromIso());
        out.put("to", p.toIso());
        out.put("period_of", "received_at");
        out.put("events", events);
        out.put("required_consent", c.destination().requiredConsent());
        out.put("stages", stages);
        return out;
    }

    private static Map<String, Object> stage(String key, String label, long count, Long before,
            List<Map<String, Object>> reasons) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", key);
        m.put("label", label);
        m.put("count", count);
        if (before != null) {
            m.put("dropped", before - count);
        }
        m.put("reasons", reasons);
        return m;
    }

    private static Map<String, Object> reason(String reason, String state, String detail, long count) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", reason);
        if (state != null) {
            m.put("state", state);
        }
        m.put("detail", detail);
        m.put("count", count);
        return m;
    }

    private void trace(Context ctx) {
        Environment env = env(ctx);
        String eventId = ctx.pathParam("eventId");
        DeliveryReports.Canonical canonical = reports.canonical(env.id(), eventId);
        List<DeliveryStore.Item> items = store.trace(env.id(), eventId);
        if (canonical == null && items.isEmpty()) {
            throw new HindsightException(ErrorCode.NOT_FOUND, "No canonical event '" + eventId + "' in this"
                    + " environment");
        }
        CanonicalEvent e = canonical == null ? null : Capture.fromPayload(env.id(), canonical.payloadJson());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event_id", eventId);
        if (canonical != null) {
            body.put("origin", origin(env.id(), e, canonical));
            body.put("canonical", canonical(e, canonical));
            Map<String, Object> reg = new LinkedHashMap<>();
            boolean passed = "deliverable".equals(canonical.status());
            reg.put("passed", passed);
            reg.put("violations", passed ? List.of() : Json.readOrNull(canonical.violationsJson()));
            body.put("registry", reg);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (DeliveryStore.Item i : items) {
            Map<String, Object> m = DestinationRoutes.item(i);
            Destinations.Configured c = destinations.byId(i.destinationId());
            m.put("destination", c == null ? null : c.destination().name());
            m.put("kind", c == null ? null : c.destination().kind());
            List<DeliveryStore.Attempt> log = store.log(i.destinationId(), eventId, 1000);
            m.put("attempts_log", log.stream().map(DestinationRoutes::attempt).toList());
            if (c != null && e != null) {
                m.put("sent", sent(c, e, log.isEmpty() ? clock.millis() : log.get(log.size() - 1).at()));
            }
            out.add(m);
        }
        body.put("destinations", out);
        ctx.json(body);
    }

    private Map<String, Object> origin(long envId, CanonicalEvent e, DeliveryReports.Canonical c) {
        Map<String, Object> m = new LinkedHashMap<>();
        Long mappingId = Promoter.SOURCE.equals(e.source()) ? Promoter.mappingId(e.eventId()) : null;
        if (mappingId == null) {
            m.put("type", "capture");
            m.put("endpoint", "/api/capture");
            m.put("source", e.source());
            return m;
        }
        m.put("type", "promotion");
        m.put("source", e.source());
        m.put("mapping_id", mappingId);
        // The version that produced it: the last approved one before the event was received.
        JsonNode producing = null;
        Integer version = null;
        for (RegistryStore.Version v : registry.versions(envId, "definition_mapping", String.valueOf(mappingId))) {
            JsonNode b = v.bodyJson() == null ? null : Json.readOrNull(v.bodyJson());
            if (v.changedAt() <= c.receivedAt() && b != null && "approved".equals(b.path("status").asText())
                    && b.hasNonNull("pinned")) {
                producing = b;
                version = v.version();
            }
        }
        m.put("mapping_version", version);
        if (producing != null) {
            m.put("definition_id", producing.path("definition_id").asLong());
            m.put("definition_name", producing.path("pinned").path("definition_name").asText(null));
        }
        RawEvent raw = null;
        if (e.timestamp() != null) {
            for (RawEvent r : reports.rawAt(envId, e.timestamp().toEpochMilli(), e.anonymousId(), e.userId(), 200)) {
                if (Promoter.eventId(envId, mappingId, r.eventId().toString()).equals(e.eventId())) {
                    raw = r;
                    break;
                }
            }
        }
        if (raw != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("event_id", raw.eventId().toString());
            r.put("kind", raw.kind());
            r.put("name", raw.name());
            r.put("time", Instant.ofEpochMilli(raw.time()).toString());
            r.put("url", raw.url());
            r.put("path", raw.path());
            r.put("text", raw.targetText());
            r.put("user_id", raw.identity());
            r.put("anonymous_id", raw.deviceId());
            m.put("raw_event", r);
        } else {
            m.put("raw_event", null);
        }
        return m;
    }


    private static Map<String, Object> canonical(CanonicalEvent e, DeliveryReports.Canonical c) {
        Map<String, Object> m = new LinkedHashMap<>(Capture.fields(e));
        Map<String, Object> p = e.properties() == null ? Map.of() : e.properties();
        m.put("order_id", p.get("order_id"));
        m.put("value", p.get("value"));
        m.put("currency", p.get("currency"));
        m.put("received_at", Instant.ofEpochMilli(c.receivedAt()).toString());
        return m;
    }

    /**
     * The ids a destination's request carried for an event: the request rebuilt from the kept payload with the
     * destination's set-up, at the time of its last attempt (the builders are deterministic, so this is the request
     * that was sent unless the set-up changed since, which {@code setup_changed_since} says).
     */
    static Map<String, Object> sent(Destinations.Configured c, CanonicalEvent e, long at) {
        Destination d = c.destination();
        Build b = new RequestBuilder(Clock.fixed(Instant.ofEpochMilli(at), ZoneOffset.UTC))
                .build(d, List.of(new Outgoing(e, Delivery.userData(e))));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rebuilt_at", Instant.ofEpochMilli(at).toString());
        m.put("setup_changed_since", c.updatedAt() > at);
        for (Build.Skipped s : b.skipped()) {
            m.put("not_sent", s.reason() + ": " + s.detail());
            return m;
        }
        String orderField = "order_id";
        var rule = d.mapping().rule(e.event());
        if (rule.isPresent()) {
            for (Map.Entry<String, String> f : rule.get().fields().entrySet()) {
                if (f.getValue().equals("order_id")) {
                    orderField = f.getKey();
                }
            }
        }
        for (BuiltRequest r : b.requests()) {
            JsonNode body = Json.readOrNull(r.body());
            if (body == null || !r.eventIds().contains(e.eventId())) {
                continue;
            }
            URI u = r.uri();
            String where = r.method() + " " + u.getScheme() + "://" + u.getAuthority() + u.getPath();
            switch (d) {
                case Destination.Meta meta -> {
                    for (JsonNode item : body.path("data")) {
                        if (item.path("event_id").asText().equals(e.eventId())) {
                            m.put("request", where);
                            m.put("event_name", item.path("event_name").asText());
                            m.put("event_id", item.path("event_id").asText());
                            m.put("user_id", text(item.path("user_data").path("external_id").path(0)));
                            m.put("user_id_field", "user_data.external_id (SHA-256)");
                            m.put("user_id_matches", Objects.equals(m.get("user_id"), Pii.hashId(e.userId())));
                            m.put("order_id", text(item.path("custom_data").path(orderField)));
                            m.put("value", number(item.path("custom_data").path("value")));
                        }
                    }
                }
                case Destination.Ga4 g -> {
                    JsonNode item = body.path("events").path(0);
                    m.put("request", where);
                    m.put("event_name", item.path("name").asText());
                    m.put("event_id", null);
                    m.put("event_id_note", "GA4's Measurement Protocol has no event id field");
                    m.put("user_id", text(body.path("user_id")));
                    m.put("user_id_field", "user_id");
                    m.put("user_id_matches", Objects.equals(m.get("user_id"), e.userId()));
                    m.put("client_id", text(body.path("client_id")));
                    m.put("order_id", text(item.path("params").path(orderField)));
                    m.put("value", number(item.path("params").path("value")));
                }
                case Destination.HubSpot h -> {
                    if (!r.purpose().equals("event")) {
                        continue;
                    }
                    m.put("request", where);
                    m.put("event_name", body.path("eventName").asText());
                    m.put("event_id", text(body.path("uuid")));
                    m.put("event_id_note", "the occurrence's uuid, derived from the canonical event id");
                    m.put("user_id", text(body.has("email") ? body.path("email") : body.path("objectId")));
                    m.put("user_id_field", body.has("email") ? "email" : "objectId");
                    m.put("user_id_matches", null);
                    m.put("order_id", text(body.path("properties").path(orderField)));
                    m.put("value", number(body.path("properties").path("value")));
                }
                case Destination.Webhook w -> {
                    JsonNode data = body.path("data");
                    m.put("request", where);
                    m.put("event_name", body.path("type").asText());
                    m.put("event_id", text(body.path("id")));
                    m.put("user_id", text(data.path("user_id")));
                    m.put("user_id_field", "data.user_id");
                    m.put("user_id_matches", Objects.equals(m.get("user_id"), e.userId()));
                    m.put("order_id", text(data.path("properties").path(orderField)));
                    m.put("value", number(data.path("properties").path("value")));
                }
                case Destination.GoogleAds g -> {
                    // Audiences only: its builder skips every event, answered above as not sent.
                }
            }
        }
        return m;
    }

    private static String text(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() ? null : n.asText();
    }

    private static Object number(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull() ? null : n.isNumber() ? n.numberValue() : n.asText();
    }

    private Environment env(Context ctx) {
        return access.environment(ctx, ctx.pathParam("appId"));
    }
}
