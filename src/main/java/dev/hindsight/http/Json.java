package dev.hindsight.http;

import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.error.ErrorCode;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
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
    /** Nesting a request body may have; real ones have at most 6 levels. */
    public static final int MAX_DEPTH = 32;

    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Json() {
    }

    /** A value as JSON text, through {@link #MAPPER}; a value it cannot write is a bug, not bad input. */
    public static String write(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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
        return object(Bodies.read(ctx, Bodies.MIB));
    }

    /**
     * A request body as a JSON object, read strictly: malformed JSON, nesting deeper than {@value #MAX_DEPTH}
     * levels, or a member given twice in one object is a 400 (the last names the member by its path).
     */
    public static JsonNode object(byte[] body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw new HindsightException(ErrorCode.MALFORMED_JSON, "The body must be a JSON object");
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "The body nests deeper than " + MAX_DEPTH
                    + " levels");
        } catch (JsonParseException e) {
            String message = e.getOriginalMessage();
            if (message != null && message.startsWith("Duplicate field") && e.getProcessor() instanceof JsonParser p) {
                String field = dotted(p.getParsingContext().pathAsPointer().toString());
                throw HindsightException.validation("'" + field + "' appears twice in its object",
                        List.of(FieldError.of(field, "appears twice in its object; give each key once")));
            }
            throw malformed(e);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (java.io.IOException e) {
            throw new HindsightException(ErrorCode.MALFORMED_JSON, "Unreadable body: " + e.getMessage());
        }
    }

    /** A JSON pointer ({@code /series/0/event}) as the dotted path errors name ({@code series[0].event}). */
    public static String dotted(String pointer) {
        String p = pointer.startsWith("/") ? pointer.substring(1) : pointer;
        return p.replaceAll("/(\\d+)(?=/|$)", "[$1]").replace('/', '.');
    }

    private static HindsightException malformed(JsonProcessingException e) {
        var at = e.getLocation();
        if (at == null) {
            return new HindsightException(ErrorCode.MALFORMED_JSON, "Malformed JSON: " + e.getOriginalMessage());
        }
        return new HindsightException(ErrorCode.MALFORMED_JSON, "Malformed JSON at line " + at.getLineNr()
                + ", column " + at.getColumnNr() + ": " + e.getOriginalMessage(), List.of(),
                Map.of("line", at.getLineNr(), "column", at.getColumnNr()), null);
    }
}
