package dev.hindsight.activate.destination;

import dev.hindsight.activate.CanonicalEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An environment's mapping from canonical events to one destination's event names and fields.
 * A canonical event without a rule is not sent to that destination (skipped as {@code not-mapped}).
 *
 * @param rules canonical event name -> rule
 */
public record EventMapping(Map<String, Rule> rules) {
    public EventMapping {
        rules = Map.copyOf(rules);
    }

    /**
     * @param name   the destination's event name (Meta "Purchase", GA4 "purchase", HubSpot "pe123_purchase")
     * @param fields destination field -> canonical property, or one of {@link #EVENT_SOURCES} (the event's own id,
     *               user id or anonymous id); empty means every property under its own name
     */
    public record Rule(String name, Map<String, String> fields) {
        public Rule {
            fields = fields == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(fields));
        }

        public static Rule of(String name) {
            return new Rule(name, Map.of());
        }
    }

    /**
     * Sources of a field that are the canonical event's own identifiers rather than properties: a platform without
     * an event id of its own (GA4's parameters, a HubSpot event's properties) can carry the same stable id and user
     * id as the others this way.
     */
    public static final Set<String> EVENT_SOURCES = Set.of("$event_id", "$user_id", "$anonymous_id");

    public Optional<Rule> rule(String canonicalEvent) {
        return Optional.ofNullable(rules.get(canonicalEvent));
    }

    public static EventMapping of(Map<String, Rule> rules) {
        return new EventMapping(rules);
    }

    /** The mapped fields of an event, in the rule's order, {@link #EVENT_SOURCES} included; nulls are left out. */
    public static Map<String, Object> fields(Rule rule, CanonicalEvent e) {
        if (rule.fields().values().stream().noneMatch(EVENT_SOURCES::contains)) {
            return fields(rule, e.properties());
        }
        Map<String, Object> props = new LinkedHashMap<>(e.properties() == null ? Map.of() : e.properties());
        props.put("$event_id", e.eventId());
        props.put("$user_id", e.userId());
        props.put("$anonymous_id", e.anonymousId());
        return fields(rule, props);
    }

    /** The mapped fields of an event's properties, in the rule's order; nulls are left out. */
    public static Map<String, Object> fields(Rule rule, Map<String, Object> properties) {
        Map<String, Object> props = properties == null ? Map.of() : properties;
        Map<String, Object> out = new LinkedHashMap<>();
        if (rule.fields().isEmpty()) {
            props.forEach((k, v) -> {
                if (v != null) out.put(k, v);
            });
        } else {
            rule.fields().forEach((dest, canonical) -> {
                Object v = props.get(canonical);
                if (v != null) out.put(dest, v);
            });
        }
        return out;
    }
}
