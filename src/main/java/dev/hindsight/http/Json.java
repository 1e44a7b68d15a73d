package dev.hindsight.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** The one Jackson configuration of the HTTP API (snake_case members), and small-body parsing. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
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
