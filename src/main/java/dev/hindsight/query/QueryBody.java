package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.http.Bodies;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of {@code POST /api/query}, read strictly: a duplicate key, nesting deeper than {@value Json#MAX_DEPTH}
 * levels, or a key the request's kind does not know is a 400 naming it, so that a typo never quietly answers an
 * unfiltered question.
 */
final class QueryBody {

    private static final Set<String> COMMON = Set.of("app_id", "kind", "from", "to", "time_zone", "cohort", "filters");
    private static final Map<String, Set<String>> TOP = Map.of(
            "graph", Set.of("interval", "series", "breakdown", "formulas"),
            "funnel", Set.of("steps", "window", "breakdown", "users"),
            "retention", Set.of("start", "return", "period", "periods", "breakdown"),
            "paths", Set.of("start", "direction", "depth", "label_with"),
            "users", Set.of("event", "did_not", "properties", "limit"),
            "sessions", Set.of("identity", "limit"));
    private static final Set<String> EVENT = Set.of("definition", "kind", "event", "properties");
    private static final Set<String> FILTER = Set.of("key", "op", "value");
    private static final Set<String> SERIES = Set.of("event", "measure", "property", "aggregate");
    private static final Set<String> FORMULA = Set.of("expression", "name");
    private static final Set<String> BREAKDOWN = Set.of("property", "limit", "cohorts");
    private static final Set<String> FUNNEL_USERS = Set.of("step", "status", "offset", "limit");

    private QueryBody() {
    }

    static JsonNode read(io.javalin.http.Context ctx) {
        return Json.object(Bodies.read(ctx, Bodies.MIB));
    }

    /**
     * Refuses keys that a request of {@code kind} does not know, naming each with its path. Only objects are
     * walked: a value of the wrong type is left to the kind's own parser, which names it.
     */
    static void checkKeys(String kind, JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> top = new java.util.HashSet<>(COMMON);
        top.addAll(TOP.getOrDefault(kind, Set.of()));
        keys(body, "", top, errors);
        filters(body.get("filters"), "filters", errors);
        switch (kind) {
            case "graph" -> {
                each(body.get("series"), "series", (s, path) -> {
                    keys(s, path, SERIES, errors);
                    event(s.get("event"), path + ".event", errors);
                });
                breakdown(body, errors);
                each(body.get("formulas"), "formulas", (f, path) -> keys(f, path, FORMULA, errors));
            }
            case "funnel" -> {
                each(body.get("steps"), "steps", (s, path) -> event(s, path, errors));
                breakdown(body, errors);
                keys(body.get("users"), "users", FUNNEL_USERS, errors);
            }
            case "retention" -> {
                event(body.get("start"), "start", errors);
                event(body.get("return"), "return", errors);
                breakdown(body, errors);
            }
            case "paths" -> {
                event(body.get("start"), "start", errors);
                each(body.get("label_with"), "label_with", (s, path) -> event(s, path, errors));
            }
            case "users" -> {
                event(body.get("event"), "event", errors);
                filters(body.get("properties"), "properties", errors);
            }
            default -> {
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation("Unknown field" + (errors.size() > 1 ? "s " : " ")
                    + String.join(", ", errors.stream().map(FieldError::field).toList()) + " in a " + kind + " query",
                    errors);
        }
    }

    private static void event(JsonNode node, String path, List<FieldError> errors) {
        if (keys(node, path, EVENT, errors)) {
            filters(node.get("properties"), path + ".properties", errors);
        }
    }

    private static void filters(JsonNode node, String path, List<FieldError> errors) {
        each(node, path, (f, p) -> keys(f, p, FILTER, errors));
    }

    private static void breakdown(JsonNode body, List<FieldError> errors) {
        keys(body.get("breakdown"), "breakdown", BREAKDOWN, errors);
    }

    private static void each(JsonNode array, String path, java.util.function.BiConsumer<JsonNode, String> item) {
        if (array != null && array.isArray()) {
            for (int i = 0; i < array.size(); i++) {
                item.accept(array.get(i), path + "[" + i + "]");
            }
        }
    }

    /** Adds an error per unknown key of {@code node} when it is an object; whether it is one. */
    private static boolean keys(JsonNode node, String path, Set<String> known, List<FieldError> errors) {
        if (node == null || !node.isObject()) {
            return false;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                String field = path.isEmpty() ? key : path + "." + key;
                errors.add(FieldError.of(field, "is not a field here; expected one of " + new java.util.TreeSet<>(known)));
            }
        }
        return true;
    }
}
