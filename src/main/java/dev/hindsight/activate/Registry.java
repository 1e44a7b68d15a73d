package dev.hindsight.activate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The schema registry of each environment (reference 004, "Virtual events and schema control"): canonical event
 * schemas and source mappings, every change a new version with who made it, when and what changed. Capture validates
 * against a cached snapshot of the current entries, dropped at each change.
 */
public final class Registry {
    static final String SCHEMA = "schema";
    static final String MAPPING = "mapping";
    /** A canonical event name: lower snake case, as ad platforms and warehouses expect. */
    static final Pattern EVENT_NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    static final int MAX_PROPERTIES = 200;
    static final int MAX_ALLOWED_VALUES = 500;
    static final int MAX_ENTRIES = 1000;
    static final int MAX_TEXT = 1024;
    private static final Set<String> SCHEMA_FIELDS = Set.of("event", "description", "properties");
    private static final Set<String> PROPERTY_FIELDS = Set.of("type", "required", "allowed_values", "pii");
    private static final Set<String> MAPPING_FIELDS = Set.of("source", "source_event", "canonical_event",
            "required_properties", "status");

    /** The current entries of an environment, as capture validates against them. */
    public record Snapshot(Map<String, EventSchema> schemas, List<Mapping> mappings) {
        /** The approved mappings from {@code source} to {@code event}. */
        List<Mapping> approved(String source, String event) {
            return mappings.stream().filter(m -> m.status().equals(Mapping.APPROVED)
                    && m.canonicalEvent().equals(event) && Objects.equals(m.source(), source)).toList();
        }
    }

    /** An entry as the API shows it: its body, its version and who last changed it when. */
    public record Entry(Object body, int version, String updatedBy, long updatedAt) {
    }

    private final RegistryStore store;
    private final Clock clock;
    private final ConcurrentHashMap<Long, Snapshot> snapshots = new ConcurrentHashMap<>();
    private final Object writes = new Object();

    public Registry(RegistryStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The environment's current schemas and mappings. */
    public Snapshot snapshot(long envId) {
        return snapshots.computeIfAbsent(envId, this::load);
    }

    private Snapshot load(long envId) {
        Map<String, EventSchema> schemas = new LinkedHashMap<>();
        for (RegistryStore.Version v : store.latest(envId, SCHEMA)) {
            if (!v.deleted()) {
                schemas.put(v.key(), read(v.bodyJson(), EventSchema.class));
            }
        }
        List<Mapping> mappings = new ArrayList<>();
        for (RegistryStore.Version v : store.latest(envId, MAPPING)) {
            if (!v.deleted()) {
                mappings.add(read(v.bodyJson(), Mapping.class));
            }
        }
        return new Snapshot(Map.copyOf(schemas), List.copyOf(mappings));
    }

    public List<Entry> list(long envId, String kind) {
        return store.latest(envId, kind).stream().filter(v -> !v.deleted()).map(Registry::entry).toList();
    }

    public Entry get(long envId, String kind, String key) {
        List<RegistryStore.Version> all = store.versions(envId, kind, key);
        if (all.isEmpty() || all.get(all.size() - 1).deleted()) {
            throw notFound(kind, key);
        }
        return entry(all.get(all.size() - 1));
    }

    /** Every version of an entry, oldest first, deletions included. */
    public List<Map<String, Object>> history(long envId, String kind, String key) {
        List<RegistryStore.Version> all = store.versions(envId, kind, key);
        if (all.isEmpty()) {
            throw notFound(kind, key);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (RegistryStore.Version v : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", v.version());
            m.put("changed_by", v.changedBy());
            m.put("changed_at", java.time.Instant.ofEpochMilli(v.changedAt()).toString());
            m.put("change", v.change());
            m.put("deleted", v.deleted());
            m.put(kind, v.bodyJson() == null ? null : parse(v.bodyJson()));
            out.add(m);
        }
        return out;
    }

    /** Creates ({@code create}) or replaces a schema; a new version either way. */
    public Entry saveSchema(long envId, String pathEvent, JsonNode body, String by, boolean create) {
        EventSchema schema = schema(body, pathEvent);
        synchronized (writes) {
            RegistryStore.Version last = last(envId, SCHEMA, schema.event());
            if (create && last != null && !last.deleted()) {
                throw new HindsightException(ErrorCode.CONFLICT, "A schema of '" + schema.event() + "' exists already; "
                        + "change it with PUT .../registry/schemas/" + schema.event());
            }
            if (!create && (last == null || last.deleted())) {
                throw notFound(SCHEMA, schema.event());
            }
            if (last == null || last.deleted()) {
                limitEntries(envId, SCHEMA);
            }
            EventSchema before = last == null || last.deleted() ? null : read(last.bodyJson(), EventSchema.class);
            return append(envId, SCHEMA, schema.event(), last, schema, by, schemaChange(before, schema));
        }
    }

    /** Creates a mapping (a new id) or replaces one; {@code status} null keeps it (draft for a new one). */
    public Entry saveMapping(long envId, Long id, JsonNode body, String by) {
        synchronized (writes) {
            RegistryStore.Version last = id == null ? null : last(envId, MAPPING, String.valueOf(id));
            if (id != null && (last == null || last.deleted())) {
                throw notFound(MAPPING, String.valueOf(id));
            }
            Mapping before = last == null ? null : read(last.bodyJson(), Mapping.class);
            if (id == null) {
                limitEntries(envId, MAPPING);
            }
            long newId = id != null ? id : store.nextMappingId();
            Mapping m = mapping(body, newId, before == null ? Mapping.DRAFT : before.status());
            return append(envId, MAPPING, String.valueOf(newId), last, m, by, mappingChange(before, m));
        }
    }

    /** Sets a mapping's status (approval, deprecation): a new version. */
    public Entry setStatus(long envId, long id, String status, String by) {
        synchronized (writes) {
            RegistryStore.Version last = last(envId, MAPPING, String.valueOf(id));
            if (last == null || last.deleted()) {
                throw notFound(MAPPING, String.valueOf(id));
            }
            Mapping before = read(last.bodyJson(), Mapping.class);
            Mapping m = new Mapping(before.id(), before.source(), before.sourceEvent(), before.canonicalEvent(),
                    before.requiredProperties(), status);
            return append(envId, MAPPING, String.valueOf(id), last, m, by, mappingChange(before, m));
        }
    }

    /** The current status of a mapping. */
    public String status(long envId, long id) {
        return ((Mapping) get(envId, MAPPING, String.valueOf(id)).body()).status();
    }

    public void delete(long envId, String kind, String key, String by) {
        synchronized (writes) {
            RegistryStore.Version last = last(envId, kind, key);
            if (last == null || last.deleted()) {
                throw notFound(kind, key);
            }
            store.append(envId, new RegistryStore.Version(kind, key, last.version() + 1, null, true, by,
                    clock.millis(), "deleted"));
            snapshots.remove(envId);
        }
    }

    private Entry append(long envId, String kind, String key, RegistryStore.Version last, Object body, String by,
            String change) {
        int version = last == null ? 1 : last.version() + 1;
        RegistryStore.Version v = new RegistryStore.Version(kind, key, version, Json.write(body), false, by, clock.millis(),
                change);
        if (!store.append(envId, v)) {
            throw new HindsightException(ErrorCode.CONFLICT, "The " + kind + " '" + key + "' was changed at the same "
                    + "time; read it again and retry");
        }
        snapshots.remove(envId);
        return entry(v);
    }

    private void limitEntries(long envId, String kind) {
        if (list(envId, kind).size() >= MAX_ENTRIES) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "An environment holds at most " + MAX_ENTRIES + " "
                    + kind + "s; delete one first", List.of(), Map.of("limit", MAX_ENTRIES), null);
        }
    }

    private RegistryStore.Version last(long envId, String kind, String key) {
        List<RegistryStore.Version> all = store.versions(envId, kind, key);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    private static Entry entry(RegistryStore.Version v) {
        Object body = v.kind().equals(SCHEMA) ? read(v.bodyJson(), EventSchema.class) : read(v.bodyJson(), Mapping.class);
        return new Entry(body, v.version(), v.changedBy(), v.changedAt());
    }

    /** A schema from a request body, checked strictly; every problem is named. */
    static EventSchema schema(JsonNode body, String pathEvent) {
        List<FieldError> errors = new ArrayList<>();
        unknown(body, SCHEMA_FIELDS, "", errors);
        String event = pathEvent;
        JsonNode e = body.get("event");
        if (e != null && !e.isNull()) {
            if (!e.isTextual()) {
                errors.add(FieldError.of("event", "must be a string"));
            } else if (pathEvent != null && !e.asText().equals(pathEvent)) {
                errors.add(FieldError.of("event", "must be the event of the path, '" + pathEvent + "' (a schema is not "
                        + "renamed: create the new one and delete this one)"));
            } else {
                event = e.asText();
            }
        }
        if (event == null) {
            errors.add(FieldError.of("event", "is required: the canonical event's name"));
        } else if (!EVENT_NAME.matcher(event).matches()) {
            errors.add(FieldError.of("event", "must match [a-z][a-z0-9_]{0,63} (such as purchase, sign_up), not '"
                    + event + "'"));
        }
        String description = text(body, "description", MAX_TEXT, false, errors);
        Map<String, EventSchema.Property> props = new LinkedHashMap<>();
        JsonNode p = body.get("properties");
        if (p == null || p.isNull()) {
            p = Json.MAPPER.createObjectNode();
        }
        if (!p.isObject()) {
            errors.add(FieldError.of("properties", "must be an object of property name to {type, required, "
                    + "allowed_values, pii}"));
        } else if (p.size() > MAX_PROPERTIES) {
            errors.add(FieldError.of("properties", "has " + p.size() + " properties; at most " + MAX_PROPERTIES));
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String at = "properties." + f.getKey();
                if (f.getKey().isEmpty() || f.getKey().length() > MAX_TEXT) {
                    errors.add(FieldError.of(at, "property names must be 1 to " + MAX_TEXT + " characters"));
                    continue;
                }
                props.put(f.getKey(), property(f.getValue(), at, errors));
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation("The schema is invalid", errors);
        }
        return new EventSchema(event, description, props);
    }

    private static EventSchema.Property property(JsonNode n, String at, List<FieldError> errors) {
        if (!n.isObject()) {
            errors.add(FieldError.of(at, "must be an object {type, required, allowed_values, pii}"));
            return null;
        }
        unknown(n, PROPERTY_FIELDS, at + ".", errors);
        JsonNode t = n.get("type");
        String type = t != null && t.isTextual() ? t.asText() : null;
        if (type == null || !EventSchema.TYPES.contains(type)) {
            errors.add(FieldError.of(at + ".type", "is required: one of " + EventSchema.TYPES));
        }
        boolean required = bool(n, "required", at, errors);
        boolean pii = bool(n, "pii", at, errors);
        if (pii && type != null && !type.equals("string")) {
            errors.add(FieldError.of(at + ".pii", "applies to strings only: a PII property arrives as the 64 hex "
                    + "characters of its SHA-256"));
        }
        List<Object> allowed = null;
        JsonNode a = n.get("allowed_values");
        if (a != null && !a.isNull()) {
            if (!a.isArray() || a.isEmpty() || a.size() > MAX_ALLOWED_VALUES) {
                errors.add(FieldError.of(at + ".allowed_values", "must be an array of 1 to " + MAX_ALLOWED_VALUES
                        + " values of the property's type"));
            } else {
                allowed = new ArrayList<>();
                for (int i = 0; i < a.size(); i++) {
                    JsonNode v = a.get(i);
                    Object value = v.isTextual() ? v.asText() : v.isBoolean() ? v.asBoolean() : v.isNumber()
                            ? v.numberValue() : null;
                    if (value == null || (type != null && !Validator.typeMatches(type, value))) {
                        errors.add(FieldError.of(at + ".allowed_values[" + i + "]", "must be a " + type));
                    } else {
                        allowed.add(value);
                    }
                }
            }
        }
        return new EventSchema.Property(type, required, allowed, pii);
    }

    /** A mapping from a request body; {@code status} is the one kept when the body names none. */
    static Mapping mapping(JsonNode body, long id, String status) {
        List<FieldError> errors = new ArrayList<>();
        unknown(body, MAPPING_FIELDS, "", errors);
        String source = text(body, "source", 255, true, errors);
        String sourceEvent = text(body, "source_event", MAX_TEXT, true, errors);
        String canonical = text(body, "canonical_event", 64, true, errors);
        if (canonical != null && !EVENT_NAME.matcher(canonical).matches()) {
            errors.add(FieldError.of("canonical_event", "must match [a-z][a-z0-9_]{0,63}, not '" + canonical + "'"));
        }
        String s = text(body, "status", 32, false, errors);
        if (s != null && !Mapping.STATUSES.contains(s)) {
            errors.add(FieldError.of("status", "must be one of " + Mapping.STATUSES));
        }
        Set<String> required = new LinkedHashSet<>();
        JsonNode r = body.get("required_properties");
        if (r != null && !r.isNull()) {
            if (!r.isArray() || r.size() > MAX_PROPERTIES) {
                errors.add(FieldError.of("required_properties", "must be an array of at most " + MAX_PROPERTIES
                        + " property names"));
            } else {
                for (int i = 0; i < r.size(); i++) {
                    if (!r.get(i).isTextual() || r.get(i).asText().isEmpty() || r.get(i).asText().length() > MAX_TEXT) {
                        errors.add(FieldError.of("required_properties[" + i + "]", "must be a property name"));
                    } else {
                        required.add(r.get(i).asText());
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation("The mapping is invalid", errors);
        }
        return new Mapping(id, source, sourceEvent, canonical, List.copyOf(required), s == null ? status : s);
    }

    private static void unknown(JsonNode n, Set<String> known, String prefix, List<FieldError> errors) {
        n.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                errors.add(FieldError.of(prefix + name, "is not a known field here; known fields are "
                        + new TreeSet<>(known)));
            }
        });
    }

    private static String text(JsonNode n, String field, int max, boolean required, List<FieldError> errors) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                errors.add(FieldError.of(field, "is required"));
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > max) {
            errors.add(FieldError.of(field, "must be a non-blank string of at most " + max + " characters"));
            return null;
        }
        return v.asText();
    }

    private static boolean bool(JsonNode n, String field, String at, List<FieldError> errors) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            errors.add(FieldError.of(at + "." + field, "must be true or false"));
            return false;
        }
        return v.asBoolean();
    }

    private static String schemaChange(EventSchema before, EventSchema after) {
        if (before == null) {
            return "created with " + after.properties().size() + " properties";
        }
        List<String> parts = new ArrayList<>();
        Set<String> added = new TreeSet<>(after.properties().keySet());
        added.removeAll(before.properties().keySet());
        Set<String> removed = new TreeSet<>(before.properties().keySet());
        removed.removeAll(after.properties().keySet());
        Set<String> changed = new TreeSet<>();
        for (String k : after.properties().keySet()) {
            if (before.properties().containsKey(k) && !before.properties().get(k).equals(after.properties().get(k))) {
                changed.add(k);
            }
        }
        if (!added.isEmpty()) {
            parts.add("added " + String.join(", ", added));
        }
        if (!removed.isEmpty()) {
            parts.add("removed " + String.join(", ", removed));
        }
        if (!changed.isEmpty()) {
            parts.add("changed " + String.join(", ", changed));
        }
        if (!Objects.equals(before.description(), after.description())) {
            parts.add("description changed");
        }
        return parts.isEmpty() ? "saved unchanged" : String.join("; ", parts);
    }

    private static String mappingChange(Mapping before, Mapping after) {
        if (before == null) {
            return "created as " + after.status();
        }
        List<String> parts = new ArrayList<>();
        if (!before.status().equals(after.status())) {
            parts.add("status " + before.status() + " -> " + after.status());
        }
        if (!before.source().equals(after.source()) || !before.sourceEvent().equals(after.sourceEvent())) {
            parts.add("source " + before.source() + "/" + before.sourceEvent() + " -> " + after.source() + "/"
                    + after.sourceEvent());
        }
        if (!before.canonicalEvent().equals(after.canonicalEvent())) {
            parts.add("canonical_event " + before.canonicalEvent() + " -> " + after.canonicalEvent());
        }
        if (!before.requiredProperties().equals(after.requiredProperties())) {
            parts.add("required_properties " + before.requiredProperties() + " -> " + after.requiredProperties());
        }
        return parts.isEmpty() ? "saved unchanged" : String.join("; ", parts);
    }

    private static HindsightException notFound(String kind, String key) {
        return new HindsightException(ErrorCode.NOT_FOUND, "No " + kind + " '" + key + "' in this environment's registry");
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unreadable registry entry: " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
