package dev.hindsight.collect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
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
    private static final int WELL_FORMED = 0;
    private static final int ESCAPES = 1;
    private static final int MALFORMED_UTF8 = 2;

    private BodyReader() {
    }

    public static Fields read(byte[] body) {
        if (body.length == 0) {
            throw new HindsightException(ErrorCode.MALFORMED_JSON, "The request body is empty; send a JSON object");
        }
        int scan = scan(body);
        try (JsonParser p = parser(body, scan)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed(p.currentLocation(), "the body must be a JSON object");
            }
            Fields top = readObject(p, "", true, scan != WELL_FORMED);
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
     * A parser over the body. Well-formed UTF-8, what nearly every client sends, is parsed from the bytes (Jackson's
     * fastest path) after one validating scan, since Jackson's byte parser is lenient: it reads the overlong C0 AF
     * as '/'. A body that is not well-formed is decoded by the JDK's strict decoder instead, marking each bad
     * sequence for the per-string check.
     */
    private static JsonParser parser(byte[] body, int scan) throws IOException {
        if (scan != MALFORMED_UTF8) {
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

    /**
     * Whether the bytes are well-formed UTF-8 as Unicode defines it (its table 3-7: no overlong forms, no encoded
     * surrogates, nothing past U+10FFFF, no stray or missing continuation bytes), and whether they hold a
     * backslash-u escape. Well-formed UTF-8 without escapes cannot yield an unpaired surrogate or a NUL (JSON
     * forbids raw control characters), so the per-string check is skipped for such bodies, the usual case.
     */
    private static int scan(byte[] b) {
        int i = 0;
        int n = b.length;
        boolean escapes = false;
        while (i < n) {
            int c = b[i];
            if (c >= 0) {
                if (c == '\\' && i + 1 < n && b[i + 1] == 'u') {
                    escapes = true;
                }
                i++;
                continue;
            }
            c &= 0xFF;
            if (c < 0xC2 || c > 0xF4) {
                return MALFORMED_UTF8;
            }
            int len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
            if (i + len > n) {
                return MALFORMED_UTF8;
            }
            int c1 = b[i + 1] & 0xFF;
            // The second byte's range depends on the lead: E0 and F0 would be overlong, ED a surrogate, F4 too big.
            int lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
            int hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
            if (c1 < lo || c1 > hi) {
                return MALFORMED_UTF8;
            }
            for (int k = 2; k < len; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return MALFORMED_UTF8;
                }
            }
            i += len;
        }
        return escapes ? ESCAPES : WELL_FORMED;
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

    private static Fields readObject(JsonParser p, String path, boolean top, boolean check) throws IOException {
        Map<String, Object> values = new HashMap<>();
        List<String> names = new ArrayList<>();
        // Members given as null, which values leaves out: only to find one given twice.
        Set<String> nulls = null;
        List<FieldError> errors = new ArrayList<>();
        Props props = null;
        List<Fields> events = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            String bad = check ? unicodeProblem(name) : null;
            if (bad != null) {
                errors.add(FieldError.of(path + printable(name), "member name " + bad));
                p.skipChildren();
                continue;
            }
            // Every member but a null one is in values, so that this one lookup finds a member given twice.
            if (values.containsKey(name) || nulls != null && nulls.contains(name)) {
                errors.add(FieldError.of(path + name, "is given more than once in the same object; send it once"));
                p.skipChildren();
                continue;
            }
            names.add(name);
            if ((name.equals("properties") || name.equals("traits")) && t == JsonToken.START_OBJECT) {
                values.put(name, Fields.NOT_SCALAR);
                if (props == null) {
                    props = new Props(path + name, check);
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
                        events.add(readObject(p, name + "[" + i + "].", false, check));
                    } else {
                        p.skipChildren();
                        events.add(new Fields(Map.of(), null, List.of(), null,
                                List.of(new FieldError(name + "[" + i + "]", i, "must be a JSON object"))));
                    }
                    i++;
                }
            } else if (t == JsonToken.VALUE_NULL) {
                nulls = nulls == null ? new HashSet<>() : nulls;
                nulls.add(name);
            } else if (t == JsonToken.VALUE_STRING) {
                String s = p.getText();
                String problem = check ? unicodeProblem(s) : null;
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
            if (values.containsKey(pair.get(0)) && values.containsKey(pair.get(1))) {
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
        final boolean check;
        final Map<String, Object> out = new LinkedHashMap<>();
        // Keys given so far (null-valued ones included) with the length of the prefix they were given under, to
        // tell a member given twice (same prefix) from a collision after flattening ("a.b" next to {"a": {"b"}}).
        // An object member is entered as its key and a NUL, which no accepted key holds.
        final Map<String, Integer> seen = new HashMap<>();
        boolean objects;
        final List<String> flattened = new ArrayList<>();
        final List<String> keptAsText = new ArrayList<>();
        final List<FieldError> errors = new ArrayList<>();
        boolean overflow;

        Props(String path, boolean check) {
            this.path = path;
            this.check = check;
        }

        void fail(String key, String message) {
            errors.add(FieldError.of(path + "." + key, message));
        }

        /** Why the member {@code key} (an object member when {@code object}) cannot be taken, or null. */
        String clash(String key, int prefix, boolean object) {
            Integer before = seen.putIfAbsent(object ? key + "\u0000" : key, prefix);
            if (before == null) {
                // A scalar and an object of the same name in one object.
                String other = object ? key : objects ? key + "\u0000" : null;
                before = other == null ? null : seen.get(other);
                objects |= object;
                if (before == null || before != prefix) {
                    return null;
                }
            }
            if (before == prefix) {
                return "is given more than once in the same object; send it once";
            }
            // Two objects may share a flattened prefix as long as their own keys do not collide.
            return object ? null : "collides with another key after flattening (nested objects become dotted keys, "
                    + "so {\"a\": {\"b\": 1}} and \"a.b\" are the same key); send it once";
        }
    }

    private static void readProperties(JsonParser p, String prefix, Props props, int depth) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if (props.overflow) {
                p.skipChildren();
                continue;
            }
            String key = prefix + name;
            String bad = props.check ? unicodeProblem(name) : null;
            if (bad != null) {
                props.fail(printable(key), "property name " + bad);
                p.skipChildren();
                continue;
            }
            String clash = props.clash(key, prefix.length(), t == JsonToken.START_OBJECT);
            if (clash != null) {
                props.fail(key, clash);
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
                    String problem = props.check ? unicodeProblem(s) : null;
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
