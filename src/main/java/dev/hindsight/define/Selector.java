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
     * One element's conditions: tag (null for any), id, classes, attribute conditions, and 1-based
     * {@code :nth-child} / {@code :nth-of-type} positions (null when absent).
     */
    public record Compound(String tag, String id, List<String> classes, List<Attribute> attributes, Integer nthChild,
            Integer nthOfType) {
    }

    /** {@code [name]}, {@code [name=v]}, {@code [name^=v]}, {@code [name$=v]}, {@code [name*=v]}, {@code [name~=v]}. */
    public record Attribute(String name, Op op, String value) {
    }

    public enum Op {
        EXISTS, EQUALS, PREFIX, SUFFIX, CONTAINS, WORD
    }
}
