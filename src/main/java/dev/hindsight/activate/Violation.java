package dev.hindsight.activate;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Why a canonical event is not deliverable, with the type names of RudderStack's tracking plans
 * ({@code unplanned_event}, {@code required_missing}, {@code type_mismatch}, {@code additional_property}) and
 * Hindsight's own ({@code pii_not_hashed}, {@code value_not_allowed}, and {@code event_id_conflict} for a replay
 * of an event id with another payload).
 *
 * @param property the property at fault, or null when the event as a whole is
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Violation(String type, String property, String message) {
    public static final String UNPLANNED_EVENT = "unplanned_event";
    public static final String REQUIRED_MISSING = "required_missing";
    public static final String TYPE_MISMATCH = "type_mismatch";
    public static final String ADDITIONAL_PROPERTY = "additional_property";
    public static final String PII_NOT_HASHED = "pii_not_hashed";
    public static final String VALUE_NOT_ALLOWED = "value_not_allowed";
    public static final String EVENT_ID_CONFLICT = "event_id_conflict";

    /** Every type, in the order the README lists them. */
    public static final List<String> TYPES = List.of(UNPLANNED_EVENT, REQUIRED_MISSING, TYPE_MISMATCH,
            ADDITIONAL_PROPERTY, PII_NOT_HASHED, VALUE_NOT_ALLOWED, EVENT_ID_CONFLICT);
}
