package dev.hindsight.activate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.define.Definition;
import dev.hindsight.define.DefinitionCatalog;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.EventFilter;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Definition mappings in the registry (kind {@code definition_mapping}, versions kept as the registry keeps every
 * entry's): proposed as drafts, approved by an architect or admin. Approval pins the definition's rules into the new
 * version; the mapping then produces by its last approved version (unless a later version deprecates or deletes it),
 * whatever later drafts or definition edits say, and its view says when the definition changed since.
 */
public final class DefinitionMappings {
    static final String KIND = "definition_mapping";
    static final int MAX_PROPERTIES = 200;
    private static final Set<String> FIELDS = Set.of("definition_id", "canonical_event", "properties");
    /** The built-ins a property can come from, each a field of the raw event. */
    static final Set<String> BUILT_INS = Set.of("$path", "$url", "$title", "$referrer", "$text", "$href", "$hash",
            "$query", "$browser", "$os", "$device_type", "$session_id", "$device_id", "$identity", "$kind", "$name");
    /**
     * The built-ins a property can come from that are its session's (those of the session's first event, as the
     * analyses have them): the channel, the UTM tags, the landing page, the referring domain.
     */
    static final Set<String> SESSION_BUILT_INS = Set.of("$channel", "$utm_source", "$utm_medium", "$utm_campaign",
            "$utm_term", "$utm_content", "$landing_page", "$landing_path", "$referring_domain");
    static final String USER_PREFIX = "$user.";

    /** An approved version that produces: the mapping's id, the version and its pinned filter. */
    public record Producing(long id, int version, DefinitionMapping mapping, EventFilter filter) {
    }

    private final RegistryStore store;
    private final DefinitionCatalog definitions;
    private final Clock clock;
    private final Object writes = new Object();
    private final ConcurrentHashMap<Long, List<Producing>> producing = new ConcurrentHashMap<>();

    public DefinitionMappings(RegistryStore store, DefinitionCatalog definitions, Clock clock) {
        this.store = store;
        this.definitions = definitions;
        this.clock = clock;
    }

    /** The mappings of an environment that produce, by their approved versions (cached until a change). */
    public List<Producing> producing(long envId) {
        return producing.computeIfAbsent(envId, e -> {
            List<Producing> out = new ArrayList<>();
            for (RegistryStore.Version last : store.latest(e, KIND)) {
                producingVersion(store.versions(e, KIND, last.key())).ifPresent(out::add);
            }
            return List.copyOf(out);
        });
    }

    private static Optional<Producing> producingVersion(List<RegistryStore.Version> all) {
        if (all.isEmpty()) {
            return Optional.empty();
        }
        RegistryStore.Version last = all.get(all.size() - 1);
        if (last.deleted() || read(last.bodyJson()).status().equals(Mapping.DEPRECATED)) {
            return Optional.empty();
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            DefinitionMapping m = read(all.get(i).bodyJson());
            if (m.status().equals(Mapping.APPROVED) && m.pinned() != null) {
                EventFilter filter;
                try {
                    filter = Definitions.compile(m.pinned().rules());
                } catch (HindsightException ex) {
                    return Optional.empty(); // rules that no longer compile match nothing
                }
                return Optional.of(new Producing(m.id(), all.get(i).version(), m, filter));
            }
        }
        return Optional.empty();
    }

    /** The version that produces for one mapping, or empty. */
    public Optional<Producing> producing(long envId, long id) {
        return producingVersion(store.versions(envId, KIND, String.valueOf(id)));
    }

    public List<Map<String, Object>> list(long envId) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (RegistryStore.Version v : store.latest(envId, KIND)) {
            if (!v.deleted()) {
                out.add(view(envId, store.versions(envId, KIND, v.key())));
            }
        }
        return out;
    }

    public Map<String, Object> get(long envId, long id) {
        return view(envId, existing(envId, id));
    }

    public List<Map<String, Object>> history(long envId, long id) {
        List<RegistryStore.Version> all = store.versions(envId, KIND, String.valueOf(id));
        if (all.isEmpty()) {
            throw notFound(id);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (RegistryStore.Version v : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", v.version());
            m.put("changed_by", v.changedBy());
            m.put("changed_at", Instant.ofEpochMilli(v.changedAt()).toString());
            m.put("change", v.change());
            m.put("deleted", v.deleted());
            m.put("mapping", v.bodyJson() == null ? null : read(v.bodyJson()));
            out.add(m);
        }
        return out;
    }

    /** A new mapping, as a draft. */
    public Map<String, Object> create(long envId, JsonNode body, String by) {
        synchronized (writes) {
            if (list(envId).size() >= Registry.MAX_ENTRIES) {
                throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "An environment holds at most "
                        + Registry.MAX_ENTRIES + " definition mappings; delete one first", List.of(),
                        Map.of("limit", Registry.MAX_ENTRIES), null);
            }
            long id = store.nextMappingId();
            DefinitionMapping m = parse(envId, body, id);
            append(envId, null, m, by, "created as draft");
            return get(envId, id);
        }
    }

    /** A new draft version; the approved version, if any, goes on producing until this one is approved. */
    public Map<String, Object> update(long envId, long id, JsonNode body, String by) {
        synchronized (writes) {
            List<RegistryStore.Version> all = existing(envId, id);
            DefinitionMapping m = parse(envId, body, id);
            append(envId, all.get(all.size() - 1), m, by, "new draft");
            return get(envId, id);
        }
    }

    /** Approves the latest version, pinning the definition's rules as they are now. */
    public Map<String, Object> approve(long envId, long id, String by) {
        synchronized (writes) {
            List<RegistryStore.Version> all = existing(envId, id);
            DefinitionMapping last = read(all.get(all.size() - 1).bodyJson());
            Definition d = definitions.get(envId, last.definitionId()).orElseThrow(() -> new HindsightException(
                    ErrorCode.CONFLICT, "Definition " + last.definitionId() + " no longer exists; map another one",
                    List.of(FieldError.of("definition_id", "names no definition of this environment")), Map.of(),
                    null));
            Definitions.compile(d.rules());
            DefinitionMapping.Pinned pinned = new DefinitionMapping.Pinned(d.name(), d.rules(), rulesHash(d), by,
                    clock.millis());
            append(envId, all.get(all.size() - 1), last.with(Mapping.APPROVED, pinned), by,
                    "approved, pinning definition '" + d.name() + "' (rules " + pinned.rulesHash().substring(0, 12)
                            + ")");
            return get(envId, id);
        }
    }

    /** Deprecates the mapping: it produces no more. */
    public Map<String, Object> deprecate(long envId, long id, String by) {
        synchronized (writes) {
            List<RegistryStore.Version> all = existing(envId, id);
            DefinitionMapping last = read(all.get(all.size() - 1).bodyJson());
            append(envId, all.get(all.size() - 1), last.with(Mapping.DEPRECATED, last.pinned()), by, "deprecated");
            return get(envId, id);
        }
    }

    public void delete(long envId, long id, String by) {
        synchronized (writes) {
            List<RegistryStore.Version> all = existing(envId, id);
            store.append(envId, new RegistryStore.Version(KIND, String.valueOf(id), all.get(all.size() - 1).version() + 1,
                    null, true, by, clock.millis(), "deleted"));
            producing.remove(envId);
        }
    }

    private void append(long envId, RegistryStore.Version last, DefinitionMapping m, String by, String change) {
        int version = last == null ? 1 : last.version() + 1;
        if (!store.append(envId, new RegistryStore.Version(KIND, String.valueOf(m.id()), version, Json.write(m), false, by,
                clock.millis(), change))) {
            throw new HindsightException(ErrorCode.CONFLICT, "The definition mapping " + m.id() + " was changed at the "
                    + "same time; read it again and retry");
        }
        producing.remove(envId);
    }

    private List<RegistryStore.Version> existing(long envId, long id) {
        List<RegistryStore.Version> all = store.versions(envId, KIND, String.valueOf(id));
        if (all.isEmpty() || all.get(all.size() - 1).deleted()) {
            throw notFound(id);
        }
        return all;
    }

    /** The latest version, with what produces and whether the definition changed since its approval. */
    private Map<String, Object> view(long envId, List<RegistryStore.Version> all) {
        RegistryStore.Version last = all.get(all.size() - 1);
        DefinitionMapping m = read(last.bodyJson());
        Map<String, Object> out = new LinkedHashMap<>(Json.MAPPER.convertValue(m, Map.class));
        out.put("version", last.version());
        out.put("updated_by", last.changedBy());
        out.put("updated_at", Instant.ofEpochMilli(last.changedAt()).toString());
        Optional<Producing> p = producingVersion(all);
        out.put("producing_version", p.map(Producing::version).orElse(null));
        if (p.isPresent()) {
            Optional<Definition> d = definitions.get(envId, p.get().mapping().definitionId());
            boolean changed = d.isEmpty() || !rulesHash(d.get()).equals(p.get().mapping().pinned().rulesHash());
            out.put("definition_changed", changed);
            if (changed) {
                out.put("definition_note", d.isEmpty()
                        ? "The definition was deleted since approval; the mapping still produces by the approved rules"
                        : "Definition changed since approval: the mapping still produces by the rules approved in "
                                + "version " + p.get().version() + "; approve a new version to produce by the new rules");
            }
        } else {
            out.put("definition_changed", false);
        }
        return out;
    }

    static String rulesHash(Definition d) {
        return Capture.sha256(Json.write(d.rules()));
    }

    private DefinitionMapping parse(long envId, JsonNode body, long id) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            throw HindsightException.validation("The definition mapping is invalid",
                    List.of(FieldError.of("body", "must be a JSON object")));
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                errors.add(FieldError.of(f, "is not a field of a definition mapping; known fields are "
                        + new TreeSet<>(FIELDS) + " (status changes through /approve and /deprecate)"));
            }
        }
        JsonNode d = body.get("definition_id");
        long definitionId = 0;
        if (d == null || !d.canConvertToLong() || !d.isIntegralNumber()) {
            errors.add(FieldError.of("definition_id", "is required: the id of a definition of this environment"));
        } else {
            definitionId = d.asLong();
            if (definitions.get(envId, definitionId).isEmpty()) {
                errors.add(FieldError.of("definition_id", "names no definition of this environment"));
            }
        }
        JsonNode c = body.get("canonical_event");
        String canonical = c != null && c.isTextual() ? c.asText() : null;
        if (canonical == null || !Registry.EVENT_NAME.matcher(canonical).matches()) {
            errors.add(FieldError.of("canonical_event", "is required: a canonical event name matching "
                    + "[a-z][a-z0-9_]{0,63} (such as purchase)"));
        }
        Map<String, DefinitionMapping.Source> props = new LinkedHashMap<>();
        JsonNode p = body.get("properties");
        if (p != null && !p.isNull()) {
            if (!p.isObject() || p.size() > MAX_PROPERTIES) {
                errors.add(FieldError.of("properties", "must be an object of at most " + MAX_PROPERTIES
                        + " canonical property names to {\"from\": ...} or {\"value\": ...}"));
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    DefinitionMapping.Source s = source(f.getValue(), "properties." + f.getKey(), errors);
                    if (f.getKey().isEmpty() || f.getKey().length() > Registry.MAX_TEXT) {
                        errors.add(FieldError.of("properties." + f.getKey(), "names must be 1 to " + Registry.MAX_TEXT
                                + " characters"));
                    }
                    props.put(f.getKey(), s);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation("The definition mapping is invalid", errors);
        }
        return new DefinitionMapping(id, definitionId, canonical, props, Mapping.DRAFT, null);
    }

    private static DefinitionMapping.Source source(JsonNode n, String at, List<FieldError> errors) {
        boolean hasFrom = n != null && n.has("from");
        boolean hasValue = n != null && n.has("value");
        if (n == null || !n.isObject() || n.size() != 1 || hasFrom == hasValue) {
            errors.add(FieldError.of(at, "must be {\"from\": an event property, a built-in or $user.<name>} or "
                    + "{\"value\": a constant string, number or boolean}"));
            return null;
        }
        if (hasValue) {
            JsonNode v = n.get("value");
            Object value = v.isTextual() ? v.asText() : v.isBoolean() ? v.asBoolean() : v.isNumber() ? v.numberValue()
                    : null;
            if (value == null) {
                errors.add(FieldError.of(at + ".value", "must be a string, number or boolean"));
            }
            return new DefinitionMapping.Source(null, value);
        }
        JsonNode f = n.get("from");
        String from = f.isTextual() ? f.asText() : null;
        if (from == null || from.isEmpty() || from.length() > Registry.MAX_TEXT) {
            errors.add(FieldError.of(at + ".from", "must be a property name, a built-in or $user.<name>"));
        } else if (from.startsWith("$") && !BUILT_INS.contains(from) && !SESSION_BUILT_INS.contains(from)
                && !(from.startsWith(USER_PREFIX) && from.length() > USER_PREFIX.length())) {
            errors.add(FieldError.of(at + ".from", "'" + from + "' is not a built-in; built-ins are "
                    + new TreeSet<>(BUILT_INS) + ", of the session " + new TreeSet<>(SESSION_BUILT_INS)
                    + ", user properties are $user.<name>"));
        }
        return new DefinitionMapping.Source(from, null);
    }

    private static HindsightException notFound(long id) {
        return new HindsightException(ErrorCode.NOT_FOUND, "No definition mapping '" + id + "' in this environment");
    }

    static DefinitionMapping read(String json) {
        try {
            return Json.MAPPER.readValue(json, DefinitionMapping.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unreadable definition mapping: " + e.getMessage(), e);
        }
    }
}
