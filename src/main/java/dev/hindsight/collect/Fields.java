package dev.hindsight.collect;

import dev.hindsight.http.FieldError;
import java.util.List;
import java.util.Map;

/**
 * One JSON object of an ingest body as read by {@link BodyReader}: its scalar members, its property map
 * ({@code properties} or {@code traits}) flattened to dotted keys, and, at the top level, its {@code events}.
 *
 * @param values     scalar members (String, Number, Boolean); a member that is an object or array maps to
 *                   {@link #NOT_SCALAR}; a JSON null is absent
 * @param properties the flattened property map, or null when the object has none
 * @param flattened  property keys that came from nested objects
 * @param events     the members of a top-level {@code events} or {@code users} array, or null when there is none
 * @param errors     property values that cannot be stored (arrays), with their JSON paths
 */
public record Fields(Map<String, Object> values, Map<String, Object> properties, List<String> flattened,
        List<Fields> events, List<FieldError> errors) {

    /** Stands for a member whose value is an object or an array where a scalar was expected. */
    public static final Object NOT_SCALAR = new Object() {
        @Override
        public String toString() {
            return "an object or array";
        }
    };

    public Object get(String key) {
        return values.get(key);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }
}
