package dev.hindsight.activate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hindsight.collect.Fields;
import dev.hindsight.collect.Ingest;
import dev.hindsight.collect.ItemCheck;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.project.Environment;
import dev.hindsight.store.CanonicalRow;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.WriteQueue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * {@code POST /api/capture} (reference 004): canonical events, one at the top level or up to 1000 in {@code events},
 * each checked on its own. A valid one is validated against the registry, then stored in one commit as a canonical
 * row (its {@code event_id} deduplicates for as long as it is kept), as an ordinary custom event of every analysis
 * (name = {@code event}, identity = {@code user_id}, device = {@code anonymous_id}) and, with both ids, as the link of
 * the device to the user. Unknown or invalid events are accepted for analytics, flagged with their violations and not
 * deliverable.
 */
public final class Capture {
    public static final int MAX_EVENT_ID = 255;
    public static final int MAX_SOURCE = 64;
    static final Set<String> EVENT_FIELDS = Set.of("event", "event_id", "user_id", "anonymous_id", "properties",
            "source", "timestamp");
    private static final Set<String> SINGLE_FIELDS;
    private static final Set<String> BATCH_FIELDS = Set.of("app_id", "events");
    static final ObjectMapper JSON = new ObjectMapper();

    static {
        Set<String> s = new TreeSet<>(EVENT_FIELDS);
        s.add("app_id");
        SINGLE_FIELDS = Set.copyOf(s);
    }

    /** One item's answer: {@code accepted}, {@code duplicate}, {@code conflict} or {@code rejected}. */
    private static final class Answer {
        final Integer index;
        final String eventId;
        String status;
        List<Violation> violations = List.of();
        CanonicalRow.Result result;
        String path;

        Answer(Integer index, String eventId) {
            this.index = index;
            this.eventId = eventId;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            if (index != null) {
                m.put("index", index);
            }
            m.put("event_id", eventId);
            m.put("status", status);
            if (status.equals("accepted") || status.equals("duplicate")) {
                m.put("deliverable", violations.isEmpty());
                if (!violations.isEmpty()) {
                    m.put("violations", violations);
                }
            }
            if (status.equals("conflict")) {
                m.put("code", ErrorCode.EVENT_ID_CONFLICT.slug());
            }
            return m;
        }
    }

    private final WriteQueue queue;
    private final Registry registry;
    private final Outboxes outboxes;

    /**
     * @param outboxes gives a new deliverable event its outbox rows, in the event's commit, and is told after
     */
    public Capture(WriteQueue queue, Registry registry, Outboxes outboxes) {
        this.queue = queue;
        this.registry = registry;
        this.outboxes = outboxes;
    }

    /** Checks, stores and answers one request; throws a problem (with the same answer inside) when an item failed. */
    public Map<String, Object> capture(Environment env, Fields body, long receivedAt) {
        boolean bulk = body.events() != null || body.has("events");
        List<FieldError> errors = new ArrayList<>();
        List<Fields> items;
        if (bulk) {
            topLevel(body);
            items = body.events();
        } else {
            items = List.of(body);
        }
        Registry.Snapshot snapshot = registry.snapshot(env.id());
        List<Answer> answers = new ArrayList<>();
        List<WriteOp> ops = new ArrayList<>();
        List<WriteQueue.Item> opItems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        boolean enqueued = false;
        for (int i = 0; i < items.size(); i++) {
            Fields f = items.get(i);
            String prefix = bulk ? "events[" + i + "]." : "";
            ItemCheck c = new ItemCheck(f, prefix, bulk ? i : null);
            c.onlyKnown(bulk ? EVENT_FIELDS : SINGLE_FIELDS);
            String event = c.string("event", 64, true);
            if (event != null && !Registry.EVENT_NAME.matcher(event).matches()) {
                c.fail("event", "must be a canonical event name matching [a-z][a-z0-9_]{0,63} (such as purchase, "
                        + "sign_up), not '" + event + "'");
            }
            String eventId = c.string("event_id", MAX_EVENT_ID, true);
            if (eventId != null && eventId.isBlank()) {
                c.fail("event_id", "must not be blank");
            }
            String userId = c.identity("user_id", false);
            String anonymousId = c.string("anonymous_id", 255, false);
            if (anonymousId != null && anonymousId.isBlank()) {
                c.fail("anonymous_id", "must not be blank");
            }
            if (!f.has("user_id") && !f.has("anonymous_id")) {
                c.fail("user_id", "is required unless anonymous_id is given: send at least one of user_id and "
                        + "anonymous_id");
            }
            String source = c.string("source", MAX_SOURCE, false);
            Long timestamp = c.timestamp("timestamp", receivedAt);
            Map<String, Object> props = c.properties();
            for (String nested : c.flattened()) {
                c.fail("properties." + nested, "must be a string, number or boolean: canonical properties are flat");
            }
            for (String key : c.keptAsText()) {
                warnings.add(path(bulk, i) + ": property '" + key + "' is a number that a double cannot hold "
                        + "exactly; it was kept as its exact text (a string)");
            }
            Answer a = new Answer(bulk ? i : null, eventId);
            a.path = prefix;
            answers.add(a);
            if (!c.ok()) {
                a.status = "rejected";
                errors.addAll(c.errors());
                continue;
            }
            CanonicalEvent ce = new CanonicalEvent(env.id(), event, eventId, userId, anonymousId, props, source,
                    timestamp == null ? null : Instant.ofEpochMilli(timestamp));
            a.violations = Validator.validate(ce, snapshot);
            a.result = new CanonicalRow.Result();
            WriteOp.Capture op = op(ce, a.violations, receivedAt, a.result, outboxes);
            enqueued |= op.with().stream().anyMatch(w -> w instanceof WriteOp.Enqueue);
            ops.add(op);
            opItems.add(new WriteQueue.Item(bulk ? "events[" + i + "]" : "body", bulk ? i : null));
        }
        WriteQueue.Result result = queue.submitAndWait(ops, opItems);
        if (enqueued) {
            outboxes.committed();
        }
        for (WriteQueue.Rejected r : result.rejected()) {
            errors.add(new FieldError(r.field(), r.index(), r.reason()));
        }
        int accepted = 0;
        int duplicates = 0;
        int rejected = 0;
        int conflicts = 0;
        for (Answer a : answers) {
            if (a.status == null) {
                CanonicalRow.Outcome o = a.result.get();
                a.status = o == null ? "rejected" : switch (o) {
                    case STORED -> "accepted";
                    case DUPLICATE -> "duplicate";
                    case CONFLICT -> "conflict";
                };
                if (o == CanonicalRow.Outcome.CONFLICT) {
                    errors.add(new FieldError(a.path + "event_id", a.index, ErrorCode.EVENT_ID_CONFLICT.slug()
                            + ": event_id '" + a.eventId + "' was captured before with another payload; the first is "
                            + "kept, this one was not stored and is listed in the violations (GET /api/environments/"
                            + env.appId() + "/registry/violations?type=" + Violation.EVENT_ID_CONFLICT + ")"));
                }
            }
            switch (a.status) {
                case "accepted" -> accepted++;
                case "duplicate" -> duplicates++;
                case "conflict" -> conflicts++;
                default -> rejected++;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accepted", accepted);
        out.put("duplicates", duplicates);
        out.put("rejected", rejected);
        out.put("conflicts", conflicts);
        out.put("items", answers.stream().map(Answer::json).toList());
        if (!warnings.isEmpty()) {
            out.put("warnings", warnings);
        }
        if (!errors.isEmpty()) {
            String detail = (rejected + conflicts) + " of " + items.size() + " items were not stored (see errors; "
                    + rejected + " rejected, " + conflicts + " event id conflicts); " + (accepted + duplicates)
                    + " valid items were stored";
            ErrorCode code = rejected == 0 ? ErrorCode.EVENT_ID_CONFLICT : ErrorCode.VALIDATION;
            throw new HindsightException(code, detail, errors, out, null);
        }
        return out;
    }

    /**
     * The write of one checked canonical event: its canonical row, its raw event (an ordinary custom event of every
     * analysis), with both ids the link of the device to the user, and, when it is deliverable, its outbox rows (one
     * per enabled destination mapping it); the same for a captured and a promoted event.
     */
    static WriteOp.Capture op(CanonicalEvent ce, List<Violation> violations, long receivedAt,
            CanonicalRow.Result result, Outboxes outboxes) {
        Long timestamp = ce.timestamp() == null ? null : ce.timestamp().toEpochMilli();
        long time = timestamp == null ? receivedAt : timestamp;
        String payload = payload(ce);
        CanonicalRow row = new CanonicalRow(ce.envId(), ce.eventId(), ce.event(), ce.source(), sha256(payload), payload,
                receivedAt, violations.isEmpty() ? CanonicalRow.DELIVERABLE : CanonicalRow.VIOLATING, json(violations));
        RawEvent raw = new RawEvent(ce.envId(), rawId(ce.envId(), ce.eventId()), "custom", ce.event(),
                ce.anonymousId(), ce.userId(), null, time, timestamp, receivedAt, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, "capture", null, "server", null,
                json(ce.properties()));
        List<WriteOp> with = new ArrayList<>();
        if (ce.userId() != null && ce.anonymousId() != null) {
            // The identity rule of the spine, as /api/identify's canonical form: the device becomes the user's.
            with.add(new WriteOp.Identify(ce.envId(), ce.anonymousId(), ce.userId(), time, "server"));
        }
        if (violations.isEmpty()) {
            // The delivery outbox, in the event's commit.
            with.addAll(outboxes.enqueue(ce.envId(), ce.event(), ce.eventId(),
                    Outboxes.userKey(ce.userId(), ce.anonymousId()), receivedAt));
        }
        return new WriteOp.Capture(row, raw, with, result);
    }

    private static String path(boolean bulk, int i) {
        return bulk ? "events[" + i + "]" : "event";
    }

    /** Refuses a bulk body whose top level is wrong; an item's problems fail only that item. */
    private static void topLevel(Fields body) {
        List<FieldError> errors = new ArrayList<>(body.errors());
        if (body.events() == null || !body.has("events")) {
            errors.add(FieldError.of("events", "is required: a JSON array of objects"));
        }
        for (String name : body.names()) {
            if (!BATCH_FIELDS.contains(name)) {
                errors.add(FieldError.of(name, "is not a known field of a bulk capture; known fields are "
                        + new TreeSet<>(BATCH_FIELDS) + " (each event's fields go inside events[])"));
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation("The request's top level is invalid", errors);
        }
        if (body.events().size() > Ingest.MAX_BATCH) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "events holds " + body.events().size()
                    + " items; at most " + Ingest.MAX_BATCH + " per request, split the batch",
                    List.of(FieldError.of("events", "at most " + Ingest.MAX_BATCH + " items")),
                    Map.of("limit", Ingest.MAX_BATCH), null);
        }
    }

    /** The raw event's id: derived from the event id, so that it is the same on every replay. */
    static UUID rawId(long envId, String eventId) {
        return UUID.nameUUIDFromBytes(("capture:" + envId + ":" + eventId).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The payload as kept and hashed: every member the sender controls, in a fixed order, properties sorted by
     * name, the timestamp as sent (null when none: the receive time of a replay differs, and is not the payload).
     */
    static String payload(CanonicalEvent e) {
        return json(fields(e));
    }

    /** A canonical event as its payload reads, and as answers show it: properties sorted by name. */
    public static Map<String, Object> fields(CanonicalEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", e.event());
        m.put("event_id", e.eventId());
        m.put("user_id", e.userId());
        m.put("anonymous_id", e.anonymousId());
        m.put("source", e.source());
        m.put("timestamp", e.timestamp() == null ? null : e.timestamp().toString());
        m.put("properties", new TreeMap<>(e.properties() == null ? Map.of() : e.properties()));
        return m;
    }

    /** A kept payload read back as the event it was. */
    public static CanonicalEvent fromPayload(long envId, String json) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(json, Map.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> props = (Map<String, Object>) m.get("properties");
            String ts = (String) m.get("timestamp");
            return new CanonicalEvent(envId, (String) m.get("event"), (String) m.get("event_id"),
                    (String) m.get("user_id"), (String) m.get("anonymous_id"), props, (String) m.get("source"),
                    ts == null ? null : Instant.parse(ts));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unreadable kept payload: " + e.getMessage(), e);
        }
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
