package dev.hindsight.activate;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a canonical event against its environment's registry: the schema of its event (none: unplanned), the
 * properties the schema and the approved mappings from its source require, each property's type, allowed values
 * and PII hashing, and properties the schema does not name. An event with no violation is deliverable.
 */
final class Validator {
    /** A SHA-256 as hex, lower case: how a PII property must arrive. */
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private Validator() {
    }

    static List<Violation> validate(CanonicalEvent e, Registry.Snapshot registry) {
        List<Violation> out = new ArrayList<>();
        EventSchema schema = registry.schemas().get(e.event());
        if (schema == null) {
            out.add(new Violation(Violation.UNPLANNED_EVENT, null, "no schema of '" + e.event()
                    + "' in the registry: add one, then reprocess"));
            return out;
        }
        Map<String, Object> props = e.properties();
        Set<String> required = new LinkedHashSet<>();
        schema.properties().forEach((name, p) -> {
            if (p.required()) {
                required.add(name);
            }
        });
        for (Mapping m : registry.approved(e.source(), e.event())) {
            required.addAll(m.requiredProperties());
        }
        for (String name : required) {
            if (!props.containsKey(name)) {
                out.add(new Violation(Violation.REQUIRED_MISSING, name, "is required by the schema of '" + e.event()
                        + "'" + (schema.properties().containsKey(name) && schema.properties().get(name).required()
                                ? "" : " (through an approved mapping from source '" + e.source() + "')")));
            }
        }
        for (Map.Entry<String, Object> p : props.entrySet()) {
            EventSchema.Property spec = schema.properties().get(p.getKey());
            Object v = p.getValue();
            if (spec == null) {
                out.add(new Violation(Violation.ADDITIONAL_PROPERTY, p.getKey(), "is not in the schema of '" + e.event()
                        + "'"));
            } else if (!typeMatches(spec.type(), v)) {
                out.add(new Violation(Violation.TYPE_MISMATCH, p.getKey(), "must be a " + spec.type() + ", got "
                        + typeOf(v)));
            } else if (spec.pii() && !SHA256.matcher((String) v).matches()) {
                out.add(new Violation(Violation.PII_NOT_HASHED, p.getKey(), "is PII: it must arrive as the SHA-256 of "
                        + "the normalised value, 64 lowercase hex characters (the value was not kept in this message)"));
            } else if (spec.allowedValues() != null && spec.allowedValues().stream().noneMatch(a -> same(a, v))) {
                out.add(new Violation(Violation.VALUE_NOT_ALLOWED, p.getKey(), "must be one of "
                        + spec.allowedValues() + ", got " + v));
            }
        }
        return out;
    }

    static boolean typeMatches(String type, Object v) {
        return switch (type) {
            case "string" -> v instanceof String;
            case "number" -> v instanceof Number;
            case "boolean" -> v instanceof Boolean;
            default -> false;
        };
    }

    private static boolean same(Object allowed, Object v) {
        if (allowed instanceof Number a && v instanceof Number b) {
            try {
                return new BigDecimal(a.toString()).compareTo(new BigDecimal(b.toString())) == 0;
            } catch (NumberFormatException e) {
                return a.doubleValue() == b.doubleValue();
            }
        }
        return allowed.equals(v);
    }

    private static String typeOf(Object v) {
        return v instanceof String ? "a string" : v instanceof Boolean ? "a boolean" : v instanceof Number
                ? "a number" : "a " + v.getClass().getSimpleName();
    }
}
