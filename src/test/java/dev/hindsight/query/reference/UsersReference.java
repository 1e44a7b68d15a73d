package dev.hindsight.query.reference;

import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.Dataset.Resolved;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The users analysis by brute force: every user seen in the range, tested one by one. */
public final class UsersReference {
    private UsersReference() {
    }

    /** A user property condition, with the operators of the API. */
    public record Condition(String key, String op, Object value) {
        public boolean test(Map<String, Object> props) {
            Object v = props.get(key);
            return switch (op) {
                case "is_set" -> v != null;
                case "is_not_set" -> v == null;
                case "contains" -> v != null && String.valueOf(v).contains(String.valueOf(value));
                case ">" -> number(v) != null && number(v) > ((Number) value).doubleValue();
                case "<" -> number(v) != null && number(v) < ((Number) value).doubleValue();
                case "=" -> equal(v);
                case "!=" -> !equal(v);
                default -> throw new IllegalArgumentException(op);
            };
        }

        private boolean equal(Object v) {
            if (value instanceof Number n) {
                return number(v) != null && number(v) == n.doubleValue();
            }
            return v != null && String.valueOf(v).equals(String.valueOf(value));
        }

        private static Double number(Object v) {
            try {
                return v == null ? null : Double.parseDouble(String.valueOf(v));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** One user of the answer. */
    public record User(String userKey, String identity, Map<String, Object> properties, long eventCount,
            long firstSeen, long lastSeen) {
    }

    /** All qualifying users in the answer's order (the caller applies the limit). */
    public static List<User> users(Dataset data, long from, long to, Named event, boolean didNot,
            List<Condition> conditions) {
        Map<String, List<Resolved>> byUser = new LinkedHashMap<>();
        for (Resolved r : data.resolved(from, to)) {
            byUser.computeIfAbsent(r.userKey(), k -> new ArrayList<>()).add(r);
        }
        List<User> out = new ArrayList<>();
        byUser.forEach((key, events) -> {
            boolean did = event == null || events.stream().anyMatch(r -> event.test().test(r.ev()));
            String identity = Dataset.identityOf(key);
            Map<String, Object> props = data.properties(key);
            if (did == didNot || !conditions.stream().allMatch(c -> c.test(props))) {
                return;
            }
            out.add(new User(key, identity, props, events.size(), events.get(0).ev().time(),
                    events.get(events.size() - 1).ev().time()));
        });
        out.sort(Comparator.comparingLong(User::lastSeen).reversed().thenComparing(User::userKey));
        return out;
    }
}
