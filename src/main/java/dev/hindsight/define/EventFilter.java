package dev.hindsight.define;

import java.util.List;

/**
 * A condition on one raw event: what a definition compiles to and what analyses filter with. Each engine
 * renders it with an exhaustive switch over its cases.
 */
public sealed interface EventFilter {

    /** Every event. */
    record Always() implements EventFilter {
    }

    /** No event. */
    record Never() implements EventFilter {
    }

    /** All of the conditions. */
    record All(List<EventFilter> of) implements EventFilter {
    }

    /** Any of the conditions. */
    record Any(List<EventFilter> of) implements EventFilter {

        /**
         * The same condition with the conditions every alternative has taken out of the OR: (a AND b) OR (a AND c)
         * is a AND (b OR c) (in SQL's three-valued logic too). A definition's rules often share their kind and path,
         * and an engine can push a plain conjunct into its scan, where it cannot push one inside an OR.
         */
        public EventFilter factored() {
            List<List<EventFilter>> terms = of.stream()
                    .map(f -> f instanceof All all ? all.of() : List.of(f)).toList();
            if (terms.size() < 2) {
                return this;
            }
            List<EventFilter> common = terms.get(0).stream().distinct()
                    .filter(f -> terms.stream().allMatch(t -> t.contains(f))).toList();
            if (common.isEmpty()) {
                return this;
            }
            List<EventFilter> rest = new java.util.ArrayList<>();
            for (List<EventFilter> t : terms) {
                List<EventFilter> left = t.stream().filter(f -> !common.contains(f)).toList();
                if (left.isEmpty()) {
                    // One alternative is the common part alone, so the OR adds nothing to it.
                    return new All(common);
                }
                rest.add(left.size() == 1 ? left.get(0) : new All(left));
            }
            List<EventFilter> all = new java.util.ArrayList<>(common);
            all.add(new Any(rest));
            return new All(all);
        }
    }

    /** The event's kind: pageview, click, submit, change or custom. */
    record KindIs(String kind) implements EventFilter {
    }

    /** The custom event's name. */
    record NameIs(String name) implements EventFilter {
    }

    /**
     * The element hierarchy matches an anchored regular expression; {@code literals} are substrings every match
     * contains (per alternative), checked first because a substring test is far cheaper than a regex.
     */
    record HierarchyMatches(String regex, List<List<String>> literals) implements EventFilter {
    }

    /** A text column compared with a value. */
    record TextMatches(Column column, TextOp op, String value) implements EventFilter {
    }

    /** An event property compared with a value (see {@link PropertyFilter#OPS}). */
    record PropertyMatches(String key, String op, Object value) implements EventFilter {
    }

    /** The text fields of an event that conditions can name: the target's text, its link, the page's path and url. */
    enum Column {
        TEXT, HREF, PATH, URL
    }

    /** Equals, contains, wildcard ({@code *} for any characters), or regular expression. */
    enum TextOp {
        EQUALS, CONTAINS, WILDCARD, REGEX
    }
}
