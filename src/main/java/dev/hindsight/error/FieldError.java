package dev.hindsight.error;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One offending input field: its JSON path (such as {@code events[3].properties.plan}), the index of its
 * event inside a batch when there is one, and why it was refused.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FieldError(String field, Integer index, String message) {
    public static FieldError of(String field, String message) {
        return new FieldError(field, null, message);
    }
}
