package dev.hindsight.define;

import java.util.List;

/**
 * A parsed CSS selector of the supported subset: a comma list of complex selectors, each a chain of compound
 * selectors joined by descendant or child combinators. See {@link SelectorParser} for the grammar.
 */
public record Selector(List<Complex> alternatives) {

    /** Compounds from the leftmost ancestor to the subject (the element itself, last). */
    public record Complex(List<Compound> compounds, List<Combinator> combinators) {
    }

    public enum Combinator {
        DESCENDANT, CHILD
    }

    /**
     * One element's conditions: tag (null for any), id, classes, attribute conditions, position conditions
     * ({@code :first-child}, {@code :nth-last-of-type(2n+1)}, ...), {@code :root}, and the compounds of its
     * {@code :not(...)} arguments (each a compound without a {@code :not} of its own).
     */
    public record Compound(String tag, String id, List<String> classes, List<Attribute> attributes, List<Nth> positions,
            boolean root, List<Compound> negations) {

        /** Whether the compound has nothing but a tag (or none): {@code *}, {@code div}. */
        boolean isBare() {
            return id == null && classes.isEmpty() && attributes.isEmpty() && positions.isEmpty() && !root
                    && negations.isEmpty();
        }
    }

    /** {@code [name]}, {@code [name=v]}, {@code [name^=v]}, {@code [name$=v]}, {@code [name*=v]}, {@code [name~=v]}, {@code [name|=v]}. */
    public record Attribute(String name, Op op, String value) {

        /** Whether a value satisfies the condition, as the browser compares (case-sensitively). */
        boolean test(String v) {
            return switch (op) {
                case EXISTS -> true;
                case EQUALS -> v.equals(value);
                case PREFIX -> !value.isEmpty() && v.startsWith(value);
                case SUFFIX -> !value.isEmpty() && v.endsWith(value);
                case CONTAINS -> !value.isEmpty() && v.contains(value);
                case WORD -> !value.isEmpty() && value.chars().noneMatch(Selector::isCssWhitespace)
                        && List.of(v.split("[ \t\n\r\f]+")).contains(value);
                case DASH -> v.equals(value) || v.startsWith(value + "-");
            };
        }
    }

    public enum Op {
        EXISTS, EQUALS, PREFIX, SUFFIX, CONTAINS, WORD, DASH
    }

    /** Which position of the element an {@link Nth} condition is on (the order of the hierarchy's fields). */
    public enum Position {
        CHILD(":nth-child"), OF_TYPE(":nth-of-type"), LAST_CHILD(":nth-last-child"), LAST_OF_TYPE(":nth-last-of-type");

        final String pseudo;

        Position(String pseudo) {
            this.pseudo = pseudo;
        }
    }

    /** A position condition {@code an+b}: the 1-based position is {@code a*k + b} for some integer {@code k >= 0}. */
    public record Nth(Position position, int a, int b) {

        /** Whether the 1-based position n satisfies the condition. */
        public boolean test(long n) {
            if (a == 0) {
                return n == b;
            }
            long d = n - b;
            return d % a == 0 && d / a >= 0;
        }
    }

    static boolean isCssWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }
}
