package dev.hindsight.define;

/**
 * A condition on an event property: {@code op} is one of {@link #OPS}; {@code value} is a string, number or
 * boolean (absent for {@code is_set} and {@code is_not_set}).
 */
public record PropertyFilter(String key, String op, Object value) {
    public static final java.util.List<String> OPS = java.util.List.of("=", "!=", "contains", ">", "<", ">=", "<=",
            "is_set", "is_not_set");
}
