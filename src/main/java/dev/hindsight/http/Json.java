package dev.hindsight.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The one Jackson configuration of the HTTP API (snake_case members), and small-body parsing. Parsing is strict:
 * a member given twice in one object is malformed JSON (Jackson would keep the last one), and records read
 * through this mapper refuse unknown members.
 */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Json() {
    }

    /**
     * The body of an admin request as a JSON object with no members but {@code known}: any other member is a 400
     * naming it, so that a typo is not silently ignored.
     */
    public static JsonNode tree(Context ctx, Set<String> known) {
        JsonNode node = tree(ctx);
        List<FieldError> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                unknown.add(FieldError.of(name, "is not a known field here; known fields are " + new TreeSet<>(known)));
            }
        });
        if (!unknown.isEmpty()) {
            throw HindsightException.validation("Unknown field" + (unknown.size() > 1 ? "s " : " ") + unknown.stream()
                    .map(e -> "'" + e.field() + "'").collect(Collectors.joining(", ")) + "; known fields are "
                    + new TreeSet<>(known), unknown);
        }
        return node;
    }

    /** The body of an admin request as a JSON object (at most 1 MiB). */
    public static JsonNode tree(Context ctx) {
        byte[] body = Bodies.read(ctx, Bodies.MIB);
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw new HindsightException(ErrorCode.MALFORMED_JSON, "The body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new HindsightException(ErrorCode.MALFORMED_JSON, "Malformed JSON at line " + at.getLineNr()
                    + ", column " + at.getColumnNr() + ": " + e.getOriginalMessage(), List.of(),
                    Map.of("line", at.getLineNr(), "column", at.getColumnNr()), null);
        } catch (java.io.IOException e) {
            throw new HindsightException(ErrorCode.MALFORMED_JSON, "Unreadable body: " + e.getMessage());
        }
    }
}
