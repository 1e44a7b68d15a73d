package dev.hindsight.cohort;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.EventFilter;
import dev.hindsight.define.PropertyFilter;
import dev.hindsight.define.Rule;
import dev.hindsight.error.HindsightException;
import dev.hindsight.query.CohortLookup;
import dev.hindsight.query.Membership;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dynamic cohort's definition, read strictly into a {@link Membership} rule (semantics there). A condition is one
 * object of one of these shapes:
 * <pre>
 * {"all": [condition, ...]}    {"any": [condition, ...]}    {"not": condition}
 * {"did": event, "at_least"?: n, "at_most"?: n, "within": "30d"}
 * {"did_not": event, "within": "30d"}
 * {"did": event, "then_not": event, "within": "1d", "in_last"?: "30d"}
 * {"property": "plan", "op": "eq", "value": "pro"}
 * </pre>
 * An event is as in {@code POST /api/query} ({@code {"definition": id}} or {@code {"kind": ..., "event": ...,
 * "properties": [...]}}). Durations are a whole number and a unit: {@code m} (minutes), {@code h}, {@code d}, {@code w},
 * up to 3660 days. Operators: {@code eq}, {@code neq}, {@code gt}, {@code gte}, {@code lt}, {@code lte},
 * {@code contains}, {@code is_set}, {@code is_not_set} (or their symbols {@code =}, {@code !=}, ...). At most
 * {@value #MAX_CONDITIONS} conditions, nested at most {@value #MAX_DEPTH} deep. A static cohort's definition is
 * {@code {"type": "static"}} (its identities are kept apart).
 */
public final class CohortDefinitions {
    /** The stored definition of every static cohort. */
    public static final String STATIC = "{\"type\":\"static\"}";
    static final int MAX_CONDITIONS = 20;
    static final int MAX_DEPTH = 6;
    static final long MAX_DURATION_MS = 3660L * 86_400_000L;
    private static final Pattern DURATION = Pattern.compile("([1-9][0-9]{0,6})([mhdw])");
    private static final Map<String, String> OPS = Map.ofEntries(Map.entry("eq", "="), Map.entry("neq", "!="),
            Map.entry("gt", ">"), Map.entry("gte", ">="), Map.entry("lt", "<"), Map.entry("lte", "<="),
            Map.entry("contains", "contains"), Map.entry("is_set", "is_set"), Map.entry("is_not_set", "is_not_set"),
            Map.entry("=", "="), Map.entry("!=", "!="), Map.entry(">", ">"), Map.entry(">=", ">="),
            Map.entry("<", "<"), Map.entry("<=", "<="));

    private static final Set<String> EVENT = Set.of("definition", "kind", "event", "properties");
    private static final Set<String> FILTER = Set.of("key", "op", "value");

    private final CohortLookup.EventParser events;
    private int conditions;

    private CohortDefinitions(CohortLookup.EventParser events) {
        this.events = events;
    }

    /**
     * The rule of a dynamic definition; {@code field} is where it sits in the request (errors name the path below
     * it); {@code events} reads its events.
     */
    public static Membership parse(JsonNode definition, String field, CohortLookup.EventParser events) {
        return new CohortDefinitions(events).condition(definition, field, "/" + field.replace('.', '/'), 0);
    }

    private Membership condition(JsonNode n, String field, String pointer, int depth) {
        if (n == null || !n.isObject()) {
            throw HindsightException.field(field, "must be a condition: an object with one of all, any, not, did,"
                    + " did_not, property");
        }
        if (depth >= MAX_DEPTH) {
            throw HindsightException.field(field, "nests too deep: conditions nest at most " + MAX_DEPTH + " levels");
        }
        if (++conditions > MAX_CONDITIONS) {
            throw HindsightException.field(field, "is one condition too many: a cohort has at most "
                    + MAX_CONDITIONS + " conditions");
        }
        if (n.has("all") || n.has("any")) {
            String op = n.has("all") ? "all" : "any";
            keys(n, field, Set.of(op));
            JsonNode list = n.get(op);
            if (!list.isArray() || list.isEmpty()) {
                throw HindsightException.field(field + "." + op, "must be a non-empty array of conditions");
            }
            List<Membership> of = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                of.add(condition(list.get(i), field + "." + op + "[" + i + "]", pointer + "/" + op + "/" + i, depth + 1));
            }
            return op.equals("all") ? new Membership.All(of) : new Membership.Any(of);
        }
        if (n.has("not")) {
            keys(n, field, Set.of("not"));
            return new Membership.Not(condition(n.get("not"), field + ".not", pointer + "/not", depth + 1));
        }
        if (n.has("did_not")) {
            keys(n, field, Set.of("did_not", "within"));
            EventFilter e = event(n, "did_not", field, pointer);
            return new Membership.Not(new Membership.Did(e, 1, null, duration(n, "within", field, true)));
        }
        if (n.has("did") && n.has("then_not")) {
            keys(n, field, Set.of("did", "then_not", "within", "in_last"));
            EventFilter first = event(n, "did", field, pointer);
            EventFilter then = event(n, "then_not", field, pointer);
            Long inLast = n.has("in_last") ? duration(n, "in_last", field, true) : null;
            return new Membership.DidThenNot(first, then, duration(n, "within", field, true), inLast);
        }
        if (n.has("did")) {
            keys(n, field, Set.of("did", "at_least", "at_most", "within"));
            EventFilter e = event(n, "did", field, pointer);
            int atLeast = count(n, "at_least", field, 1);
            Integer atMost = n.has("at_most") ? count(n, "at_most", field, 0) : null;
            if (atMost != null && atMost < atLeast) {
                throw HindsightException.field(field + ".at_most", "must be at least at_least (" + atLeast + ")");
            }
            return new Membership.Did(e, atLeast, atMost, duration(n, "within", field, true));
        }
        if (n.has("property")) {
            keys(n, field, Set.of("property", "op", "value"));
            return property(n, field);
        }
        Iterator<String> names = n.fieldNames();
        String first = names.hasNext() ? names.next() : null;
        throw HindsightException.field(first == null ? field : field + "." + first, "is not a condition; expected one of"
                + " [all, any, not, did, did_not, property]");
    }

    private EventFilter event(JsonNode n, String key, String field, String pointer) {
        JsonNode e = n.get(key);
        // As strictly as a query's events: a misspelt member must not widen the event.
        if (e != null && e.isObject()) {
            keys(e, field + "." + key, EVENT);
            JsonNode props = e.get("properties");
            if (props != null && props.isArray()) {
                for (int i = 0; i < props.size(); i++) {
                    if (props.get(i).isObject()) {
                        keys(props.get(i), field + "." + key + ".properties[" + i + "]", FILTER);
                    }
                }
            }
        }
        return events.parse(e, pointer + "/" + key).filter();
    }

    private static Membership property(JsonNode n, String field) {
        JsonNode key = n.get("property");
        if (!key.isTextual() || key.asText().isBlank()) {
            throw HindsightException.field(field + ".property", "must be a user property's name");
        }
        JsonNode opNode = n.get("op");
        String op = opNode == null ? null : OPS.get(opNode.asText());
        if (opNode == null || !opNode.isTextual() || op == null) {
            throw HindsightException.field(field + ".op", "must be one of " + new TreeSet<>(OPS.keySet()));
        }
        JsonNode v = n.get("value");
        Object value = v == null || v.isNull() ? null : v.isNumber() ? v.numberValue() : v.isBoolean() ? v.asBoolean()
                : v.isTextual() ? v.asText() : v;
        if (value instanceof JsonNode) {
            throw HindsightException.field(field + ".value", "must be a string, number or boolean");
        }
        PropertyFilter f = new PropertyFilter(key.asText(), op, value);
        // The definition rules check keys, operators and values the same way for user properties.
        try {
            Definitions.check(List.of(new Rule("pageview", null, null, null, null, null, null, null, null, null, null,
                    List.of(f))));
        } catch (HindsightException e) {
            throw HindsightException.field(field, e.errors().isEmpty() ? e.getMessage() : e.errors().get(0).message());
        }
        return new Membership.HasProperty(new EventFilter.PropertyMatches(f.key(), f.op(), f.value()));
    }

    private static int count(JsonNode n, String key, String field, int fallback) {
        JsonNode v = n.get(key);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0 || v.asInt() > 1_000_000) {
            throw HindsightException.field(field + "." + key, "must be a whole number from 0 to 1000000");
        }
        return v.asInt();
    }

    /** A duration such as {@code 30d}: a whole number and a unit (m, h, d, w). */
    static long duration(JsonNode n, String key, String field, boolean required) {
        JsonNode v = n.get(key);
        if (v == null && required) {
            throw HindsightException.field(field + "." + key, "is required: a duration such as \"30d\", \"12h\" or \"2w\"");
        }
        Matcher m = v != null && v.isTextual() ? DURATION.matcher(v.asText()) : null;
        if (m == null || !m.matches()) {
            throw HindsightException.field(field + "." + key, "must be a duration such as \"30d\", \"12h\", \"2w\" or"
                    + " \"90m\"");
        }
        long unit = switch (m.group(2)) {
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            default -> 7 * 86_400_000L;
        };
        long ms = Long.parseLong(m.group(1)) * unit;
        if (ms > MAX_DURATION_MS) {
            throw HindsightException.field(field + "." + key, "must be at most 3660 days");
        }
        return ms;
    }

    private static void keys(JsonNode n, String field, Set<String> known) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw HindsightException.field(field + "." + key, "is not a field of this condition; expected one of "
                        + new TreeSet<>(known));
            }
        }
    }
}
