package dev.hindsight.collect;

import dev.hindsight.error.FieldError;
import java.util.List;
import java.util.Map;

/**
 * One JSON object of an ingest body as read by {@link BodyReader}: its scalar members, its property map
 * ({@code properties} or {@code traits}) flattened to dotted keys, and, at the top level, its {@code events}.
 *
 * @param values     scalar members (String, Boolean, Long, or {@link SentNumber} for any other number); a member
 *                   that is an object or array (properties included) maps to {@link #NOT_SCALAR}; a JSON null is
 *                   absent
 * @param properties the flattened property map, or null when the object has none
 * @param flattened  property keys that came from nested objects
 * @param events     the members of a top-level {@code events} or {@code users} array, or null when there is none
 * @param errors     what cannot be stored (arrays, invalid Unicode, duplicate or conflicting members), with paths
 * @param names      every member name of the object, in order, null-valued ones included
 * @param keptAsText property keys whose number a double cannot hold exactly, stored as the number's text
 * @param overflow   whether the property map was cut at {@link BodyReader#MAX_PROPERTIES} keys while reading
 */
public record Fields(Map<String, Object> values, Map<String, Object> properties, List<String> flattened,
        List<Fields> events, List<FieldError> errors, List<String> names, List<String> keptAsText, boolean overflow) {

    /** Stands for a member whose value is an object or an array where a scalar was expected. */
    public static final Object NOT_SCALAR = new Object() {
        @Override
        public String toString() {
            return "an object or array";
        }
    };

    /** An object read without names or notes (as a non-object batch item is). */
    public Fields(Map<String, Object> values, Map<String, Object> properties, List<String> flattened,
            List<Fields> events, List<FieldError> errors) {
        this(values, properties, flattened, events, errors, List.copyOf(values.keySet()), List.of(), false);
    }

    public Object get(String key) {
        return values.get(key);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }
}
