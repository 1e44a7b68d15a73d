package dev.hindsight.collect;

import dev.hindsight.error.FieldError;
import dev.hindsight.identity.Identities;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and checks the members of one item of a request (an event, a user), collecting every problem with
 * its full JSON path and batch index rather than stopping at the first.
 */
public final class ItemCheck {
    static final int MAX_NAME = 1024;
    static final int MAX_PROPERTY_VALUE = 1023;
    static final int MAX_PROPERTY_KEY = 1024;
    static final int MAX_TEXT_FIELD = 8192;
    /** Properties one event may carry, counted after nested objects are flattened. */
    static final int MAX_EVENT_PROPERTIES = 500;
    /** User properties one write (an identify, a user_properties event, one user of add_user_properties) may set. */
    static final int MAX_USER_PROPERTIES = BodyReader.MAX_PROPERTIES;

    private final Fields item;
    private final String prefix;
    private final Integer index;
    final List<FieldError> errors = new ArrayList<>();

    public ItemCheck(Fields item, String prefix, Integer index) {
        this.item = item;
        this.prefix = prefix;
        this.index = index;
        errors.addAll(item.errors().stream().map(e -> new FieldError(e.field(), index, e.message())).toList());
    }

    /** The item's JSON path ({@code events[3]}), or {@code whole} when the request body is the item. */
    public String path(String whole) {
        return prefix.isEmpty() ? whole : prefix.substring(0, prefix.length() - 1);
    }

    public Integer index() {
        return index;
    }

    /** What is wrong with the item so far, each with its path and batch index. */
    public List<FieldError> errors() {
        return List.copyOf(errors);
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    public void fail(String field, String message) {
        String path = prefix + field;
        // One reason per field: a string already refused as invalid Unicode is not also "required" or "too long".
        if (errors.stream().noneMatch(e -> e.field().equals(path))) {
            errors.add(new FieldError(path, index, message));
        }
    }

    /** Fails every member of the item that is not in {@code known} (see {@link KnownFields}). */
    public void onlyKnown(Set<String> known) {
        for (String name : item.names()) {
            if (!known.contains(name)) {
                fail(name, "is not a known field here; known fields are " + new TreeSet<>(known));
            }
        }
    }

    public String string(String field, int max, boolean required) {
        Object v = item.get(field);
        if (v == null) {
            if (required) {
                fail(field, "is required");
            }
            return null;
        }
        if (!(v instanceof String s)) {
            fail(field, "must be a string, not " + describe(v));
            return null;
        }
        if (s.length() > max) {
            fail(field, "must be at most " + max + " characters, got " + s.length());
            return null;
        }
        return s;
    }

    /** A string that is cut, not refused, when too long (such as captured text). */
    String truncated(String field, int max) {
        String s = string(field, Integer.MAX_VALUE, false);
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    Long number(String field) {
        Object v = item.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            fail(field, "must be a number, not " + describe(v));
            return null;
        }
        return n.longValue();
    }

    Integer smallInt(String field) {
        Long n = number(field);
        if (n != null && (n < 0 || n > 100_000)) {
            fail(field, "must be between 0 and 100000");
            return null;
        }
        return n == null ? null : n.intValue();
    }

    public String identity(String field, boolean required) {
        Object v = item.get(field);
        if (v == null && !required) {
            return null;
        }
        if (v instanceof Number n) {
            // Heap accepts numeric identities: the user is the number's decimal text as sent (SentNumber keeps
            // it), never a rounded double, which would merge 30-digit ids that differ in their last digit.
            v = n.toString();
        }
        if (v != null && !(v instanceof String)) {
            fail(field, "must be a string, not " + describe(v));
            return null;
        }
        String problem = Identities.problem((String) v);
        if (problem != null) {
            fail(field, problem);
            return null;
        }
        return (String) v;
    }

    /**
     * An ISO-8601 instant (a zone-less one is taken as UTC) or epoch milliseconds, from 2000-01-01 to 24 hours
     * after {@code now}; checked before any conversion, so that no value wraps.
     */
    public Long timestamp(String field, long now) {
        Object v = item.get(field);
        if (v == null) {
            return null;
        }
        long max = now + Times.MAX_AHEAD;
        Long ms;
        if (v instanceof Number n) {
            ms = Times.within(n, Times.EARLIEST, max);
        } else if (v instanceof String s) {
            Instant t;
            try {
                t = OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException e) {
                try {
                    t = LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
                } catch (DateTimeParseException e2) {
                    fail(field, "must be an ISO-8601 time such as 2024-01-15T10:30:00Z, not '" + s + "'");
                    return null;
                }
            }
            ms = Times.within(t, Times.EARLIEST, max);
        } else {
            fail(field, "must be an ISO-8601 string, not " + describe(v));
            return null;
        }
        if (ms == null) {
            fail(field, "must be a time from 2000-01-01 to 24 hours ahead, " + Times.range(Times.EARLIEST, max)
                    + ", as ISO-8601 text or epoch milliseconds; got " + v);
        }
        return ms;
    }

    /** A whole number of milliseconds within {@code [min, max]} (a clock reading or a duration), checked as sent. */
    Long millis(String field, long min, long max) {
        Object v = item.get(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            fail(field, "must be a number of milliseconds, not " + describe(v));
            return null;
        }
        Long ms = Times.within(n, min, max);
        if (ms == null) {
            fail(field, "must be milliseconds from " + min + " to " + max + "; got " + v);
        }
        return ms;
    }

    /** An event's properties after the limits: at most 500, values shorter than 1024 characters, keys not empty. */
    public Map<String, Object> properties() {
        return properties("properties", MAX_EVENT_PROPERTIES, "event");
    }

    /** As {@link #properties()}, for user properties in a map the request names {@code field} (such as {@code traits}). */
    Map<String, Object> userProperties(String field) {
        return properties(field, MAX_USER_PROPERTIES, "user write");
    }

    private Map<String, Object> properties(String field, int max, String per) {
        Map<String, Object> props = item.properties();
        if (props == null) {
            if (item.has(field)) {
                fail(field, "must be a JSON object");
            }
            return Map.of();
        }
        if (item.overflow() || props.size() > max) {
            fail(field, "has " + (item.overflow() ? "more than " + BodyReader.MAX_PROPERTIES : props.size())
                    + " properties after nested objects are flattened; the limit is " + max + " per " + per);
            return Map.of();
        }
        for (Map.Entry<String, Object> p : props.entrySet()) {
            String key = p.getKey();
            if (key.isEmpty() || key.length() > MAX_PROPERTY_KEY) {
                fail(field + "." + key, "property names must be 1 to " + MAX_PROPERTY_KEY + " characters");
            } else if (p.getValue() instanceof String s && s.length() > MAX_PROPERTY_VALUE) {
                fail(field + "." + key, "must be shorter than 1024 characters, got " + s.length());
            } else if (p.getValue() instanceof Double d && (d.isNaN() || d.isInfinite())) {
                fail(field + "." + key, "must be a finite number");
            }
        }
        return props;
    }

    public List<String> flattened() {
        return item.flattened();
    }

    /** Property keys whose numbers were stored as their exact text. */
    public List<String> keptAsText() {
        return item.keptAsText();
    }

    private static String describe(Object v) {
        if (v == Fields.NOT_SCALAR) {
            return "an object or array";
        }
        return v instanceof String ? "a string" : v instanceof Boolean ? "a boolean" : "a number";
    }
}
