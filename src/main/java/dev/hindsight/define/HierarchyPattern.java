package dev.hindsight.define;

import dev.hindsight.define.Selector.Attribute;
import dev.hindsight.define.Selector.Combinator;
import dev.hindsight.define.Selector.Complex;
import dev.hindsight.define.Selector.Compound;
import dev.hindsight.define.Selector.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Compiles a {@link Selector} to a regular expression over the tracker's hierarchy encoding (documented in
 * {@code src/main/tracker/hierarchy.js}) that matches exactly the hierarchies whose last element satisfies
 * {@code element.matches(selector)} in the browser. The expression uses only what RE2 (DuckDB's and
 * ClickHouse's regex engine) and {@code java.util.regex} share: no lookaround, no back-references.
 *
 * <p>Why it is exact: each level lists classes sorted, then the tracker's fixed attributes in a fixed order,
 * then {@code data-*} attributes sorted by name, so "has these classes/attributes" is a subsequence test; and
 * escaped values are sequences of units (a safe character or {@code %XX}) that the expression walks unit by
 * unit, so a prefix, suffix or substring can only match on unit boundaries, exactly as on the raw text.
 *
 * <p>Limits, refused with a {@link SelectorException}: attributes the tracker does not capture, two conditions
 * on one attribute, conditions on {@code <html>} other than its tag and position. The root {@code <html>}, which the
 * tracker does not record, is an ancestor of every level: a leftmost compound such as {@code *} or
 * {@code :nth-child(1)} may stand for it, and it is taken to have no id, class or captured attribute. Values of
 * {@code type} compare ASCII case-insensitively, as HTML specifies. Not exact beyond the capture itself:
 * attribute values longer than 200 characters are cut by the tracker, and a hierarchy continues through a
 * shadow host where {@code matches} would stop.
 */
public final class HierarchyPattern {
    /** The attributes the tracker records besides id, class and data-*, in its fixed order. */
    public static final List<String> CAPTURED_ATTRIBUTES = List.of("name", "type", "role", "aria-label", "href",
            "title", "alt", "for", "placeholder");

    /**
     * Captured attributes whose values selectors compare ASCII case-insensitively in HTML documents (the HTML
     * standard's list, "Case-sensitivity of selectors", of which the tracker records only type).
     */
    static final Set<String> CASELESS_VALUES = Set.of("type");

    /**
     * The longest expression a selector may compile to. RE2's DFA runs out of its memory budget on much larger ones
     * and falls back to a far slower search (a 94,000-character expression took minutes over 3,000 hierarchies
     * where 48,000 took 0.3 s).
     */
    public static final int MAX_EXPRESSION = 24_000;

    private static final String UNITS = "(?:[A-Za-z0-9_-]|%[0-9A-F]{2})*";
    private static final String UNITS1 = "(?:[A-Za-z0-9_-]|%[0-9A-F]{2})+";
    private static final String ANY_CLASSES = "(?:\\." + UNITS1 + ")*";
    private static final String ANY_ATTRIBUTES = "(?:\\[" + UNITS1 + "=" + UNITS + "\\])*";
    private static final String WHITESPACE = "(?:%20|%09|%0A|%0C|%0D)";
    private static final String ANY_LEVELS = "(?:[^|]*\\|)*";

    private final String regex;
    private final List<List<String>> literals;

    private HierarchyPattern(String regex, List<List<String>> literals) {
        this.regex = regex;
        this.literals = literals;
    }

    public static HierarchyPattern compile(String selector) {
        return compile(SelectorParser.parse(selector));
    }

    public static HierarchyPattern compile(Selector selector) {
        List<String> alternatives = new ArrayList<>();
        List<List<String>> literals = new ArrayList<>();
        for (Complex c : selector.alternatives()) {
            String r = complex(c);
            if (r != null && !alternatives.contains(r)) {
                alternatives.add(r);
                literals.add(literals(c));
            }
        }
        // A selector no element can match (such as [a^=""]) compiles to an expression matching no hierarchy.
        String regex = alternatives.isEmpty() ? "^\\b\\B$" : alternatives.size() == 1 ? alternatives.get(0)
                : "(?:" + String.join(")|(?:", alternatives) + ")";
        if (regex.length() > MAX_EXPRESSION) {
            throw new SelectorException("the selector compiles to an expression of " + regex.length() + " characters, "
                    + "more than the limit of " + MAX_EXPRESSION + ": use fewer elements or comma alternatives");
        }
        return new HierarchyPattern(regex, literals);
    }

    /** The expression, anchored at both ends. */
    public String regex() {
        return regex;
    }

    /**
     * Substrings a matching hierarchy must contain, per alternative (the selector matches only if, for some
     * alternative, all of its literals occur): a cheap prefilter to run before the expression.
     */
    public List<List<String>> literals() {
        return literals;
    }

    /** Whether the hierarchy matches (java.util.regex; SQL uses the same expression through RE2). */
    public boolean matches(String hierarchy) {
        return hierarchy != null && Pattern.compile(regex).matcher(hierarchy).matches();
    }

    private static String complex(Complex c) {
        List<Compound> compounds = c.compounds();
        List<Combinator> combinators = c.combinators();
        for (int i = 0; i < compounds.size(); i++) {
            Compound k = compounds.get(i);
            if ("html".equals(k.tag())) {
                if (i > 0 || k.id() != null || !k.classes().isEmpty() || !k.attributes().isEmpty()) {
                    throw new SelectorException("only 'html' at the start, with at most :nth-child/:nth-of-type, is "
                            + "supported: the tracker does not record the <html> element");
                }
            }
        }
        // The tracker records levels from <body> down, but the document's root <html> is an ancestor too: the
        // leftmost compound may stand for it when it asks nothing the root of a page lacks (the tracker does not
        // record <html>, so it is taken to have no id, class or attributes).
        List<String> alternatives = new ArrayList<>();
        if (!"html".equals(compounds.get(0).tag())) {
            String chain = chain(compounds, combinators, false);
            if (chain != null) {
                alternatives.add(chain);
            }
        }
        if (compounds.size() > 1 && mayBeRoot(compounds.get(0))) {
            String chain = chain(compounds.subList(1, compounds.size()), combinators.subList(1, combinators.size()),
                    combinators.get(0) == Combinator.CHILD);
            if (chain != null) {
                alternatives.add(chain);
            }
        }
        return alternatives.isEmpty() ? null : alternatives.size() == 1 ? alternatives.get(0)
                : "(?:" + String.join(")|(?:", alternatives) + ")";
    }

    /** Whether the compound matches the root element, an <html> with no recorded id, classes or attributes. */
    private static boolean mayBeRoot(Compound k) {
        return (k.tag() == null || k.tag().equals("html")) && k.id() == null && k.classes().isEmpty()
                && k.attributes().isEmpty() && (k.nthChild() == null || k.nthChild() == 1)
                && (k.nthOfType() == null || k.nthOfType() == 1);
    }

    /** The compounds matched by stored levels, the first at level 0 when anchored; null when nothing can match. */
    private static String chain(List<Compound> compounds, List<Combinator> combinators, boolean anchored) {
        StringBuilder sb = new StringBuilder(anchored ? "^" : "^" + ANY_LEVELS);
        boolean possible = true;
        for (int i = 0; i < compounds.size(); i++) {
            if (i > 0) {
                sb.append(combinators.get(i - 1) == Combinator.CHILD ? "\\|" : "\\|" + ANY_LEVELS);
            }
            // Every compound is compiled (and so checked) even after one that nothing can match.
            String level = level(compounds.get(i));
            possible &= level != null;
            sb.append(level);
        }
        return possible ? sb.append('$').toString() : null;
    }

    /** The expression for one level, or null when no element can satisfy the compound. */
    private static String level(Compound k) {
        if (k.tag() != null && !k.tag().matches("[a-z][a-z0-9-]*")) {
            throw new SelectorException("tag '" + k.tag() + "' is not supported: tags are letters, digits and '-'");
        }
        // Escaped text is only A-Z a-z 0-9 _ - %, none of them special in a regex: no quoting needed, and none
        // wanted, since \Q…\E is not portable across regex engines.
        StringBuilder sb = new StringBuilder(k.tag() == null ? "[a-z][a-z0-9-]*" : k.tag());
        Attribute idCondition = k.id() == null ? null : new Attribute("id", Op.EQUALS, k.id());
        Set<String> classes = new TreeSet<>();
        k.classes().forEach(cl -> classes.add(escape(cl)));
        List<Attribute> attributes = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Attribute a : k.attributes()) {
            if (a.name().equals("id")) {
                if (idCondition != null) {
                    throw new SelectorException("two conditions on the id of one element are not supported");
                }
                idCondition = a;
            } else if (a.name().equals("class")) {
                if (a.op() != Op.WORD) {
                    throw new SelectorException("[class" + opText(a.op()) + "…] is not supported: use .name or [class~=name]");
                }
                if (a.value().isEmpty() || a.value().chars().anyMatch(HierarchyPattern::isCssWhitespace)) {
                    return null;
                }
                classes.add(escape(a.value()));
            } else {
                if (!(CAPTURED_ATTRIBUTES.contains(a.name()) || a.name().startsWith("data-"))
                        || (a.name().startsWith("data-hs-") && !a.name().equals("data-hs-id"))) {
                    throw new SelectorException("attribute '" + a.name() + "' is not captured by the tracker (it records "
                            + "id, class, " + String.join(", ", CAPTURED_ATTRIBUTES) + " and data-* except the tracker's own data-hs-* controls)");
                }
                if (!seen.add(a.name())) {
                    throw new SelectorException("two conditions on attribute '" + a.name() + "' of one element are not supported");
                }
                attributes.add(a);
            }
        }
        if (idCondition == null) {
            sb.append("(?:#").append(UNITS).append(")?");
        } else {
            String v = value(idCondition);
            if (v == null) {
                return null;
            }
            sb.append('#').append(v);
        }
        sb.append(ANY_CLASSES);
        for (String cl : classes) {
            sb.append("\\.").append(cl).append(ANY_CLASSES);
        }
        attributes.sort(Comparator.comparing(HierarchyPattern::attributeOrder));
        sb.append(ANY_ATTRIBUTES);
        for (Attribute a : attributes) {
            String v = value(a);
            if (v == null) {
                return null;
            }
            sb.append("\\[").append(escape(a.name())).append('=').append(v).append("\\]").append(ANY_ATTRIBUTES);
        }
        sb.append(':').append(k.nthChild() == null ? "[0-9]+" : k.nthChild().toString());
        sb.append(':').append(k.nthOfType() == null ? "[0-9]+" : k.nthOfType().toString());
        return sb.toString();
    }

    /** Sorts conditions as the tracker orders attributes: the fixed list first, then data-* by escaped name. */
    private static String attributeOrder(Attribute a) {
        int fixed = CAPTURED_ATTRIBUTES.indexOf(a.name());
        return fixed >= 0 ? String.format("0%02d", fixed) : "1" + escape(a.name());
    }

    /** The expression for an escaped value under the operator, or null when nothing can match (per CSS). */
    private static String value(Attribute a) {
        String v = a.value() == null ? null : CASELESS_VALUES.contains(a.name()) ? caseless(escape(a.value()))
                : escape(a.value());
        return switch (a.op()) {
            case EXISTS -> UNITS;
            case EQUALS -> v;
            case PREFIX -> v.isEmpty() ? null : v + UNITS;
            case SUFFIX -> v.isEmpty() ? null : UNITS + v;
            case CONTAINS -> v.isEmpty() ? null : UNITS + v + UNITS;
            case WORD -> a.value().isEmpty() || a.value().chars().anyMatch(HierarchyPattern::isCssWhitespace) ? null
                    : "(?:" + UNITS + WHITESPACE + ")?" + v + "(?:" + WHITESPACE + UNITS + ")?";
        };
    }

    /** An escaped value whose ASCII letters match either case ({@code %XX} hex digits stay as they are). */
    private static String caseless(String escaped) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c == '%') {
                sb.append(escaped, i, i + 3);
                i += 2;
            } else if (Character.isLetter(c)) {
                sb.append('[').append(Character.toLowerCase(c)).append(Character.toUpperCase(c)).append(']');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isCssWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }

    private static String opText(Op op) {
        return switch (op) {
            case EXISTS -> "";
            case EQUALS -> "=";
            case PREFIX -> "^=";
            case SUFFIX -> "$=";
            case CONTAINS -> "*=";
            case WORD -> "~=";
        };
    }

    /** Literal pieces every match of the alternative contains. */
    private static List<String> literals(Complex c) {
        List<String> out = new ArrayList<>();
        for (Compound k : c.compounds()) {
            if (k.id() != null) {
                out.add("#" + escape(k.id()));
            }
            for (String cl : k.classes()) {
                out.add("." + escape(cl));
            }
            for (Attribute a : k.attributes()) {
                if (CASELESS_VALUES.contains(a.name())) {
                    continue;
                }
                if (a.op() == Op.EQUALS && !a.name().equals("id") && !a.name().equals("class")) {
                    out.add("[" + escape(a.name()) + "=" + escape(a.value()) + "]");
                } else if (a.op() != Op.EXISTS && a.value() != null && !a.value().isEmpty()) {
                    out.add(escape(a.value()));
                }
            }
        }
        return out;
    }

    /**
     * The tracker's escaping: every character other than A-Z a-z 0-9 - _ becomes its UTF-8 bytes as %XX
     * (upper-case hex), exactly as hierarchy.js's {@code esc} does.
     */
    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
