package dev.hindsight.collect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.hindsight.http.ErrorCode;
import dev.hindsight.http.FieldError;
import dev.hindsight.http.HindsightException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an ingest body with Jackson's streaming parser into {@link Fields}, flattening nested property objects
 * into dotted keys and dropping nulls. Malformed JSON becomes a 400 naming the line, column and byte offset.
 */
public final class BodyReader {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build();
    private static final int MAX_DEPTH = 8;

    private BodyReader() {
    }

    public static Fields read(byte[] body) {
        if (body.length == 0) {
            throw new HindsightException(ErrorCode.MALFORMED_JSON, "The request body is empty; send a JSON object");
        }
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(p.currentLocation(), "the body must be a JSON object");
            }
            Fields top = readObject(p, "", true);
            if (p.nextToken() != null) {
                throw malformed(p.currentLocation(), "unexpected content after the JSON object");
            }
            return top;
        } catch (JsonProcessingException e) {
            throw malformed(e.getLocation(), e.getOriginalMessage());
        } catch (IOException e) {
            throw new HindsightException(ErrorCode.MALFORMED_JSON, "Unreadable body: " + e.getMessage());
        }
    }

    private static HindsightException malformed(JsonLocation at, String why) {
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()
                + " (byte " + at.getByteOffset() + ")";
        return new HindsightException(ErrorCode.MALFORMED_JSON, "Malformed JSON" + where + ": " + why, List.of(),
                at == null ? Map.of() : Map.of("line", at.getLineNr(), "column", at.getColumnNr(),
                        "offset", at.getByteOffset()), null);
    }

    private static Fields readObject(JsonParser p, String path, boolean top) throws IOException {
        Map<String, Object> values = new HashMap<>();
        Map<String, Object> properties = null;
        List<String> flattened = null;
        List<Fields> events = null;
        List<FieldError> errors = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if ((name.equals("properties") || name.equals("traits")) && t == JsonToken.START_OBJECT) {
                properties = new LinkedHashMap<>();
                flattened = new ArrayList<>();
                errors = new ArrayList<>();
                readProperties(p, "", path + name, properties, flattened, errors, 0);
            } else if (top && (name.equals("events") || name.equals("users")) && t == JsonToken.START_ARRAY) {
                values.put(name, Fields.NOT_SCALAR);
                events = new ArrayList<>();
                int i = 0;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == JsonToken.START_OBJECT) {
                        events.add(readObject(p, name + "[" + i + "].", false));
                    } else {
                        p.skipChildren();
                        events.add(new Fields(Map.of(), null, List.of(), null,
                                List.of(new FieldError(name + "[" + i + "]", i, "must be a JSON object"))));
                    }
                    i++;
                }
            } else if (t == JsonToken.VALUE_NULL) {
                values.remove(name);
            } else if (t.isScalarValue()) {
                values.put(name, scalar(p, t));
            } else {
                p.skipChildren();
                values.put(name, Fields.NOT_SCALAR);
            }
        }
        return new Fields(values, properties, flattened == null ? List.of() : flattened, events,
                errors == null ? List.of() : errors);
    }

    private static void readProperties(JsonParser p, String prefix, String path, Map<String, Object> out,
            List<String> flattened, List<FieldError> errors, int depth) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = prefix + p.currentName();
            JsonToken t = p.nextToken();
            switch (t) {
                case VALUE_NULL -> out.remove(key);
                case START_OBJECT -> {
                    if (depth + 1 >= MAX_DEPTH) {
                        errors.add(FieldError.of(path + "." + key, "nested deeper than " + MAX_DEPTH + " levels"));
                        p.skipChildren();
                    } else {
                        int before = out.size();
                        readProperties(p, key + ".", path, out, flattened, errors, depth + 1);
                        if (out.size() > before) {
                            flattened.add(key);
                        }
                    }
                }
                case START_ARRAY -> {
                    p.skipChildren();
                    errors.add(FieldError.of(path + "." + key,
                            "arrays are not supported: send a string, number or boolean"));
                }
                default -> out.put(key, scalar(p, t));
            }
        }
    }

    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            // Not a ternary: that would promote every long to double.
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    yield p.getDoubleValue();
                }
                yield p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            default -> p.getText();
        };
    }
}
