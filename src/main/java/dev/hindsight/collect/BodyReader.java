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
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ingest body with Jackson's streaming parser into {@link Fields}, flattening nested property objects
 * into dotted keys and dropping nulls. Malformed JSON becomes a 400 naming the line, column and byte offset;
 * what is wrong inside one object (invalid Unicode, a member given twice, a key that collides after flattening)
 * is recorded in that object's {@link Fields#errors()}, so that only its item fails.
 */
public final class BodyReader {
    /** How deep property objects may nest (the outermost property object is level 1). */
    public static final int MAX_DEPTH = 8;
    /**
     * How many flattened property keys one object may carry while it is read: the largest per-item limit of any
     * endpoint. Past it the rest of the object is skipped, not stored, so that a huge map costs no memory.
     */
    public static final int MAX_PROPERTIES = 1000;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build();
    // Malformed UTF-8 (overlong forms such as C0 AF, encoded surrogates, stray bytes) decodes to this unpaired
    // surrogate, so that the one check below refuses it together with escaped unpaired surrogates ("\ud800"),
    // per string and so per item, rather than failing the whole body.
    private static final String MALFORMED = "\uDFFF";

    private BodyReader() {
    }

    public static Fields read(byte[] body) {
        if (body.length == 0) {
            throw new HindsightException(ErrorCode.MALFORMED_JSON, "The request body is empty; send a JSON object");
        }
        try (JsonParser p = parser(body)) {
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

    /**
     * A parser over the body. Pure ASCII, what trackers and most servers send, is parsed from the bytes; anything
     * else is first decoded by the JDK's strict UTF-8 decoder, which Jackson's byte parser is not (it reads the
     * overlong C0 AF as '/').
     */
    private static JsonParser parser(byte[] body) throws IOException {
        if (isAscii(body)) {
            return FACTORY.createParser(body);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE).replaceWith(MALFORMED);
        try {
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(body));
            return FACTORY.createParser(chars.array(), chars.arrayOffset() + chars.position(), chars.remaining());
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
    }

    private static boolean isAscii(byte[] body) {
        for (byte b : body) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** Why {@code s} cannot be stored as text (an unpaired surrogate, malformed UTF-8, a NUL), or null. */
    static String unicodeProblem(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return "must not contain the NUL character (U+0000)";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return "is not valid Unicode: malformed UTF-8 or an unpaired surrogate such as \\ud800 at "
                            + "character " + i;
                }
            }
        }
        return null;
    }

    private static HindsightException malformed(JsonLocation at, String why) {
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()
                + " (byte " + at.getByteOffset() + ")";
        return new HindsightException(ErrorCode.MALFORMED_JSON, "Malformed JSON" + where + ": " + why, List.of(),
                at == null ? Map.of() : Map.of("line", at.getLineNr(), "column", at.getColumnNr(),
                        "offset", at.getByteOffset()), null);
    }

    /** A member name safe to put into an error message's field path. */
    private static String printable(String name) {
        return unicodeProblem(name) == null ? name : name.replace("\u0000", "\\u0000").chars()
                .mapToObj(c -> Character.isSurrogate((char) c) ? String.format("\\u%04x", c) : String.valueOf((char) c))
                .reduce("", String::concat);
    }

    private static Fields readObject(JsonParser p, String path, boolean top) throws IOException {
        Map<String, Object> values = new HashMap<>();
        Set<String> names = new LinkedHashSet<>();
        List<FieldError> errors = new ArrayList<>();
        Props props = null;
        List<Fields> events = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            String bad = unicodeProblem(name);
            if (bad != null) {
                errors.add(FieldError.of(path + printable(name), "member name " + bad));
                p.skipChildren();
                continue;
            }
            if (!names.add(name)) {
                errors.add(FieldError.of(path + name, "is given more than once in the same object; send it once"));
                p.skipChildren();
                continue;
            }
            if ((name.equals("properties") || name.equals("traits")) && t == JsonToken.START_OBJECT) {
                if (props == null) {
                    props = new Props(path + name);
                    readProperties(p, "", props, 1);
                } else {
                    p.skipChildren();
                }
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
            } else if (t == JsonToken.VALUE_STRING) {
                String s = p.getText();
                String problem = unicodeProblem(s);
                if (problem != null) {
                    errors.add(FieldError.of(path + name, problem));
                }
                values.put(name, s);
            } else if (t.isScalarValue()) {
                values.put(name, member(p, t));
            } else {
                p.skipChildren();
                values.put(name, Fields.NOT_SCALAR);
            }
        }
        for (List<String> pair : KnownFields.CONFLICTS) {
            if (names.contains(pair.get(0)) && names.contains(pair.get(1))) {
                errors.add(FieldError.of(path + pair.get(1), "conflicts with '" + pair.get(0) + "', which means the "
                        + "same; send one of them"));
            }
        }
        if (props == null) {
            return new Fields(values, null, List.of(), events, errors, names, List.of(), false);
        }
        errors.addAll(props.errors);
        return new Fields(values, props.out, props.flattened, events, errors, names, props.keptAsText, props.overflow);
    }

    /** The flattened property map of one object while it is read. */
    private static final class Props {
        final String path;
        final Map<String, Object> out = new LinkedHashMap<>();
        // Keys given so far, null-valued ones included, to find a key given twice or colliding after flattening.
        final Set<String> seen = new HashSet<>();
        final List<String> flattened = new ArrayList<>();
        final List<String> keptAsText = new ArrayList<>();
        final List<FieldError> errors = new ArrayList<>();
        boolean overflow;

        Props(String path) {
            this.path = path;
        }

        void fail(String key, String message) {
            errors.add(FieldError.of(path + "." + key, message));
        }
    }

    private static void readProperties(JsonParser p, String prefix, Props props, int depth) throws IOException {
        Set<String> members = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (props.overflow) {
                p.skipChildren();
                continue;
            }
            String key = prefix + name;
            String bad = unicodeProblem(name);
            if (bad != null) {
                props.fail(printable(key), "property name " + bad);
                p.skipChildren();
                continue;
            }
            if (!members.add(name)) {
                props.fail(key, "is given more than once in the same object; send it once");
                p.skipChildren();
                continue;
            }
            if (t != JsonToken.START_OBJECT && !props.seen.add(key)) {
                props.fail(key, "collides with another key after flattening (nested objects become dotted keys, so "
                        + "{\"a\": {\"b\": 1}} and \"a.b\" are the same key); send it once");
                p.skipChildren();
                continue;
            }
            switch (t) {
                case VALUE_NULL -> { }
                case START_OBJECT -> {
                    if (depth >= MAX_DEPTH) {
                        props.fail(key, "is nested deeper than " + MAX_DEPTH + " levels; flatten it");
                        p.skipChildren();
                    } else {
                        int before = props.out.size();
                        readProperties(p, key + ".", props, depth + 1);
                        if (props.out.size() > before) {
                            props.flattened.add(key);
                        }
                    }
                }
                case START_ARRAY -> {
                    p.skipChildren();
                    props.fail(key, "arrays are not supported: send a string, number or boolean");
                }
                case VALUE_STRING -> {
                    String s = p.getText();
                    String problem = unicodeProblem(s);
                    if (problem != null) {
                        props.fail(key, problem);
                    }
                    props.out.put(key, s);
                }
                case VALUE_TRUE -> props.out.put(key, Boolean.TRUE);
                case VALUE_FALSE -> props.out.put(key, Boolean.FALSE);
                default -> {
                    Object n = propertyNumber(p, t);
                    if (n instanceof SentNumber sent) {
                        props.keptAsText.add(key);
                        n = sent.text();
                    }
                    props.out.put(key, n);
                }
            }
            if (props.out.size() > MAX_PROPERTIES) {
                props.overflow = true;
            }
        }
    }

    /** A scalar member: a string, a boolean, a long, or the exact text of any other number. */
    private static Object member(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? new SentNumber(p.getText()) : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> new SentNumber(p.getText());
            default -> p.getText();
        };
    }

    /** A property number: a long, a double that reads back as the number sent, or else the sent text. */
    private static Object propertyNumber(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? new SentNumber(p.getText())
                    : (Object) p.getLongValue();
        }
        String text = p.getText();
        double d = p.getDoubleValue();
        // 0.1 is kept as a double because it prints back as 0.1; 1e400 (infinite) and 1.00000000000000000001 are not.
        if (Double.isFinite(d) && new BigDecimal(text).compareTo(new BigDecimal(Double.toString(d))) == 0) {
            return d;
        }
        return new SentNumber(text);
    }
}
