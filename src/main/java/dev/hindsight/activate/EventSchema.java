package dev.hindsight.activate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * A canonical event's schema in the registry: its properties, each with a type, whether it is required, the
 * values it may take (none: any) and whether it is PII that must arrive hashed (64 lowercase hex characters, a
 * SHA-256). A property not in the schema is an {@code additional_property} violation.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventSchema(String event, String description, Map<String, Property> properties) {

    /** One property of a schema. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Property(String type, boolean required, @JsonProperty("allowed_values") List<Object> allowedValues,
            boolean pii) {
    }

    public static final List<String> TYPES = List.of("string", "number", "boolean");
}
