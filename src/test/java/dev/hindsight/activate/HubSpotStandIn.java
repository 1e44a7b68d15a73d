package dev.hindsight.activate;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.Clock;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands in for HubSpot's contacts batch upsert and custom behavioural events. Rules checked: a private
 * app's bearer token (401 otherwise); upsert inputs 1 to 100, {@code idProperty: email}, a valid email as
 * {@code id}; events with a defined {@code eventName} ({@code pe<hubId>_<name>}), {@code email} or
 * {@code objectId}, {@code occurredAt} ISO-8601, and only properties defined on the event. Errors as HubSpot
 * answers them: {@code {"status":"error","message","category","correlationId"}}.
 *
 * <p>Also stands in for list memberships ({@code PUT /crm/v3/lists/{listId}/memberships/add} and {@code .../remove})
 * on the lists registered with {@link #list}: the bearer token; the body a JSON array whose every item is a record id
 * (digits), as HubSpot's v3 API documents them (an email is refused); ids of no contact made by the upsert are
 * answered in {@code recordIdsMissing} and not added. Accepted changes are recorded in {@link #listChanges} and
 * applied to {@link #listMembers}.
 */
final class HubSpotStandIn extends StandIn {
    final String token;
    final Map<String, Set<String>> definedEvents;
    final Map<String, String> contacts = new ConcurrentHashMap<>();
    final List<JsonNode> occurrences = Collections.synchronizedList(new ArrayList<>());
    /** One accepted membership change: "add" or "remove", the list, the records (ids or emails) as sent. */
    record ListChange(String action, String listId, List<String> records) {
    }

    static final String EMAIL = "[^@\\s]+@[^@\\s]+\\.[^@\\s]+";
    final List<ListChange> listChanges = Collections.synchronizedList(new ArrayList<>());
    /** List id -> its members (record ids or emails). */
    final Map<String, Set<String>> listMembers = new ConcurrentHashMap<>();

    /** @param definedEvents event name -> the properties defined on it */
    HubSpotStandIn(Clock clock, String token, Map<String, Set<String>> definedEvents) {
        super(clock);
        this.token = token;
        this.definedEvents = definedEvents;
    }

    @Override
    protected void routes(Javalin app) {
        app.post("/crm/v3/objects/contacts/batch/upsert", this::upsert);
        app.post("/events/v3/send", this::send);
        app.put("/crm/v3/lists/{listId}/memberships/{action}", this::memberships);
    }

    /** Makes a (manual) list exist, empty. */
    HubSpotStandIn list(String id) {
        listMembers.putIfAbsent(id, ConcurrentHashMap.newKeySet());
        return this;
    }

    /** The records sent by accepted changes of {@code action} ("add" or "remove"), in order. */
    List<String> sent(String action) {
        synchronized (listChanges) {
            return listChanges.stream().filter(c -> c.action().equals(action)).flatMap(c -> c.records().stream())
                    .toList();
        }
    }

    private void memberships(Context ctx) {
        String action = ctx.pathParam("action");
        if (!action.equals("add") && !action.equals("remove")) {
            error(ctx, 404, "Unknown path: memberships/" + action, "OBJECT_NOT_FOUND");
            return;
        }
        if (!authorised(ctx)) return;
        String listId = ctx.pathParam("listId");
        Set<String> members = listMembers.get(listId);
        if (members == null) {
            error(ctx, 404, "List " + listId + " does not exist", "OBJECT_NOT_FOUND");
            return;
        }
        JsonNode b = parse(ctx);
        if (b == null || !b.isArray()) {
            error(ctx, 400, "Invalid input JSON: the body must be an array of record ids", "VALIDATION_ERROR");
            return;
        }
        List<String> records = new ArrayList<>();
        for (int i = 0; i < b.size(); i++) {
            JsonNode r = b.get(i);
            String v = r.isTextual() || r.isIntegralNumber() ? r.asText() : null;
            if (v == null || !v.matches("\\d{1,20}")) {
                error(ctx, 400, "Invalid input JSON: [" + i + "] " + r + " is not a record id", "VALIDATION_ERROR");
                return;
            }
            records.add(v);
        }
        listChanges.add(new ListChange(action, listId, List.copyOf(records)));
        List<String> changed = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String r : records) {
            if (!contacts.containsValue(r)) missing.add(r);
            else if (action.equals("add") ? members.add(r) : members.remove(r)) changed.add(r);
        }
        ctx.json(Map.of(action.equals("add") ? "recordIdsAdded" : "recordIdsRemoved", changed,
                "recordIdsMissing", missing));
    }

    private boolean authorised(Context ctx) {
        if (("Bearer " + token).equals(ctx.header("Authorization"))) return true;
        error(ctx, 401, "Authentication credentials not found.", "INVALID_AUTHENTICATION");
        return false;
    }

    private void upsert(Context ctx) {
        if (!authorised(ctx)) return;
        JsonNode inputs = parse(ctx) == null ? null : parse(ctx).path("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty() || inputs.size() > 100) {
            error(ctx, 400, "inputs must hold between 1 and 100 items", "VALIDATION_ERROR");
            return;
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (JsonNode in : inputs) {
            if (!"email".equals(in.path("idProperty").asText())) {
                error(ctx, 400, "idProperty must be a unique property such as email", "VALIDATION_ERROR");
                return;
            }
            String email = in.path("id").asText("");
            if (!email.matches(EMAIL)) {
                error(ctx, 400, "Property values were not valid: email " + email, "VALIDATION_ERROR");
                return;
            }
            boolean created = !contacts.containsKey(email);
            String id = contacts.computeIfAbsent(email, e -> String.valueOf(1000 + contacts.size()));
            results.add(Map.of("id", id, "new", created, "properties", JSON.convertValue(in.path("properties"), Map.class)));
        }
        ctx.json(Map.of("status", "COMPLETE", "results", results));
    }

    private void send(Context ctx) {
        if (!authorised(ctx)) return;
        JsonNode b = parse(ctx);
        if (b == null) {
            error(ctx, 400, "Invalid input JSON", "VALIDATION_ERROR");
            return;
        }
        String name = b.path("eventName").asText("");
        if (!name.matches("pe\\d+_[a-z0-9_]+") || !definedEvents.containsKey(name)) {
            error(ctx, 400, "Event definition not found: " + name, "VALIDATION_ERROR");
            return;
        }
        if (!b.hasNonNull("email") && !b.hasNonNull("objectId") && !b.hasNonNull("utk")) {
            error(ctx, 400, "One of email, objectId or utk is required", "VALIDATION_ERROR");
            return;
        }
        if (b.hasNonNull("occurredAt")) {
            try {
                Instant.parse(b.get("occurredAt").asText());
            } catch (DateTimeParseException e) {
                error(ctx, 400, "occurredAt is not an ISO-8601 timestamp", "VALIDATION_ERROR");
                return;
            }
        }
        var undefined = new ArrayList<String>();
        b.path("properties").fieldNames().forEachRemaining(p -> {
            if (!definedEvents.get(name).contains(p)) undefined.add(p);
        });
        if (!undefined.isEmpty()) {
            error(ctx, 400, "Properties not defined on " + name + ": " + undefined, "VALIDATION_ERROR");
            return;
        }
        occurrences.add(b);
        ctx.status(204);
    }

    private static void error(Context ctx, int status, String message, String category) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "error");
        m.put("message", message);
        m.put("category", category);
        m.put("correlationId", "b7d1c1f0-0000-4000-8000-000000000000");
        ctx.status(status).json(m);
    }
}
