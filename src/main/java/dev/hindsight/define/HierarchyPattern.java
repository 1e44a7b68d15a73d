package dev.hindsight.define;

import dev.hindsight.define.Selector.Attribute;
import dev.hindsight.define.Selector.Combinator;
import dev.hindsight.define.Selector.Complex;
import dev.hindsight.define.Selector.Compound;
import dev.hindsight.define.Selector.Nth;
import dev.hindsight.define.Selector.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * <p>{@code :not()} has no regex operator: the compound becomes a disjunction of conjunctions of simple conditions
 * and their negations, and a negated condition compiles to a complement written out ({@link Complement} for tags,
 * classes and values, {@link NumberPattern} for positions). A {@code [class*=v]} places one class containing v
 * among the required ones, in every order. Positions from the end need the four-field levels of newer events.
 *
 * <p>Limits, refused with a {@link SelectorException}: attributes the tracker does not capture, two conditions
 * on one attribute (besides one with {@code :not()}), conditions on an ancestor {@code <html>} other than its tag
 * and position, and the forms whose complement or position pattern has no short expression. The root
 * {@code <html>} is recorded only when it is itself clicked (a one-level hierarchy); in every other hierarchy it is
 * an unrecorded ancestor of level 0: a leftmost compound such as {@code *} or {@code :nth-child(1)} may stand for
 * it, and it is taken to have no id, class or captured attribute. Values of {@code type} compare ASCII
 * case-insensitively, as HTML specifies. Not exact beyond the capture itself: attribute values longer than 200
 * characters are cut by the tracker, and a hierarchy continues through a shadow host where {@code matches} would
 * stop.
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
    /** Any positions: two fields (older events) or four. */
    private static final String ANY_POSITIONS = "(?::[0-9]+)+";
    /** The most cases one compound's :not() arguments may expand to ({@code :not(.a.b):not(.c.d)} makes four). */
    static final int MAX_CASES = 16;

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
        List<List<List<Term>>> cases = new ArrayList<>();
        for (Compound k : compounds) {
            cases.add(conjunctions(k));
        }
        List<String> alternatives = new ArrayList<>();
        if (compounds.size() == 1 && compounds.get(0).root()) {
            // The root is recorded only when it is itself the target: its hierarchy is that one level.
            String level = level(cases.get(0), List.of(new Term(new Lit.Tag("html"), false)));
            if (level != null) {
                alternatives.add("^" + level + "$");
            }
        } else {
            String chain = chain(cases, combinators, false);
            if (chain != null) {
                alternatives.add(chain);
            }
        }
        // In every other hierarchy the root <html>, unrecorded, is above level 0: the leftmost compound may stand for
        // it when it asks nothing the root of a page lacks (it is taken to have no id, class or attributes).
        if (compounds.size() > 1) {
            Compound first = compounds.get(0);
            if (("html".equals(first.tag()) || first.root()) && cases.get(0).stream().flatMap(List::stream)
                    .anyMatch(t -> !(t.lit() instanceof Lit.Tag || t.lit() instanceof Lit.Pos || t.lit() instanceof Lit.Root))) {
                throw new SelectorException("conditions on <html> other than its tag, :root and positions are not "
                        + "supported when it is an ancestor: the tracker records the <html> element's id, classes and "
                        + "attributes only when <html> itself is clicked");
            }
            if (cases.get(0).stream().anyMatch(HierarchyPattern::holdsForRoot)) {
                List<List<List<Term>>> rest = cases.subList(1, cases.size());
                List<Combinator> restCombinators = combinators.subList(1, combinators.size());
                boolean anchored = combinators.get(0) == Combinator.CHILD;
                String chain;
                if (rest.size() == 1) {
                    // A lone <html> level is the root itself, no one's child or descendant: level 0 is not it here.
                    List<List<Term>> recorded = recorded(rest.get(0));
                    String notRoot = level(recorded, List.of(new Term(new Lit.Tag("html"), true)));
                    String below = level(recorded, List.of());
                    if (anchored) {
                        chain = notRoot == null ? null : "^" + notRoot + "$";
                    } else if (below == null) {
                        chain = null;
                    } else {
                        chain = "^(?:(?:[^|]*\\|)+" + below + (notRoot == null ? "" : "|" + notRoot) + ")$";
                    }
                } else {
                    chain = chain(rest, restCombinators, anchored);
                }
                if (chain != null) {
                    alternatives.add(chain);
                }
            }
        }
        return alternatives.isEmpty() ? null : alternatives.size() == 1 ? alternatives.get(0)
                : "(?:" + String.join(")|(?:", alternatives) + ")";
    }

    /** The compounds matched by stored levels, the first at level 0 when anchored; null when nothing can match. */
    private static String chain(List<List<List<Term>>> compounds, List<Combinator> combinators, boolean anchored) {
        StringBuilder sb = new StringBuilder(anchored ? "^" : "^" + ANY_LEVELS);
        boolean possible = true;
        for (int i = 0; i < compounds.size(); i++) {
            if (i > 0) {
                sb.append(combinators.get(i - 1) == Combinator.CHILD ? "\\|" : "\\|" + ANY_LEVELS);
            }
            // Every compound is compiled (and so checked) even after one that nothing can match.
            List<List<Term>> cases = compounds.get(i);
            // :root among several compounds is never a recorded level (the root is recorded only alone).
            List<List<Term>> recorded = recorded(cases);
            String level = level(recorded, List.of());
            possible &= level != null && recorded.size() == cases.size();
            sb.append(level);
        }
        return possible ? sb.append('$').toString() : null;
    }

    /** The cases a recorded level can satisfy: :root among several compounds is never one (it is recorded alone). */
    private static List<List<Term>> recorded(List<List<Term>> cases) {
        return cases.stream().filter(conj -> conj.stream().noneMatch(t -> t.lit() instanceof Lit.Root)).toList();
    }

    /** One simple condition of a compound, as the level expression sees it. */
    sealed interface Lit {
        /** The tag, lower-case. */
        record Tag(String tag) implements Lit {
        }

        /** A condition on the id attribute. */
        record Id(Attribute condition) implements Lit {
        }

        /** Has this class ({@code .c}, {@code [class~=c]}). */
        record ClassIs(String name) implements Lit {
        }

        /** Has a class containing this text ({@code [class*=v]}, v without white space). */
        record ClassContains(String text) implements Lit {
        }

        /** A condition on a captured attribute other than id and class. */
        record Attr(Attribute condition) implements Lit {
        }

        /** A position condition. */
        record Pos(Nth nth) implements Lit {
        }

        /** {@code :root}. */
        record Root() implements Lit {
        }

        /** A condition no element satisfies, such as {@code [class~=""]}. */
        record Never() implements Lit {
        }
    }

    /** A simple condition or its negation (from {@code :not}). */
    record Term(Lit lit, boolean negated) {
    }

    /** The compound as a disjunction of conjunctions of terms: :not(a.b) is "not a, or not .b". */
    private static List<List<Term>> conjunctions(Compound k) {
        List<List<Term>> out = new ArrayList<>();
        out.add(simples(k).stream().map(l -> new Term(l, false)).toList());
        for (Compound n : k.negations()) {
            List<Lit> lits = simples(n);
            for (Lit l : lits) {
                if (l instanceof Lit.Root) {
                    throw new SelectorException("':root' inside ':not()' is not supported");
                }
                if (l instanceof Lit.ClassContains) {
                    throw new SelectorException("'[class*=…]' inside ':not()' is not supported: \"no class contains v\" "
                            + "has no short exact expression over the recorded classes");
                }
            }
            List<List<Term>> next = new ArrayList<>();
            for (List<Term> conj : out) {
                for (Lit l : lits) {
                    List<Term> more = new ArrayList<>(conj);
                    more.add(new Term(l, true));
                    next.add(more);
                }
            }
            if (next.size() > MAX_CASES) {
                throw new SelectorException("the ':not()' conditions of one element make more than " + MAX_CASES
                        + " cases, the limit: use fewer conditions inside ':not()'");
            }
            out = next;
        }
        return out;
    }

    /** The simple conditions of a compound, without its :not(); checks what the tracker can answer. */
    private static List<Lit> simples(Compound k) {
        List<Lit> out = new ArrayList<>();
        if (k.tag() != null) {
            if (!k.tag().matches("[a-z][a-z0-9-]*")) {
                throw new SelectorException("tag '" + k.tag() + "' is not supported: tags are letters, digits and '-'");
            }
            out.add(new Lit.Tag(k.tag()));
        }
        if (k.root()) {
            out.add(new Lit.Root());
        }
        if (k.id() != null) {
            out.add(new Lit.Id(new Attribute("id", Op.EQUALS, k.id())));
        }
        k.classes().forEach(cl -> out.add(new Lit.ClassIs(cl)));
        for (Attribute a : k.attributes()) {
            if (a.name().equals("id")) {
                out.add(new Lit.Id(a));
            } else if (a.name().equals("class")) {
                boolean blank = a.value() == null || a.value().isEmpty();
                boolean spaced = !blank && a.value().chars().anyMatch(Selector::isCssWhitespace);
                if (a.op() == Op.WORD) {
                    out.add(blank || spaced ? new Lit.Never() : new Lit.ClassIs(a.value()));
                } else if (a.op() == Op.CONTAINS) {
                    if (spaced) {
                        throw new SelectorException("[class*=…] with white space in the value is not supported: the "
                                + "tracker records the classes, not the class attribute's text, so what lies between "
                                + "two classes is unknown");
                    }
                    out.add(blank ? new Lit.Never() : new Lit.ClassContains(a.value()));
                } else {
                    throw new SelectorException("[class" + opText(a.op()) + "…] is not supported: the tracker records "
                            + "the classes (sorted), not the class attribute's text; use .name, [class~=name] or "
                            + "[class*=part]");
                }
            } else {
                if (!(CAPTURED_ATTRIBUTES.contains(a.name()) || a.name().startsWith("data-"))
                        || (a.name().startsWith("data-hs-") && !a.name().equals("data-hs-id"))) {
                    throw new SelectorException("attribute '" + a.name() + "' is not captured by the tracker (it records "
                            + "id, class, " + String.join(", ", CAPTURED_ATTRIBUTES) + " and data-* except the tracker's own data-hs-* controls)");
                }
                out.add(new Lit.Attr(a));
            }
        }
        k.positions().forEach(n -> out.add(new Lit.Pos(n)));
        return out;
    }

    /** Whether the conjunction holds for the root: an <html> with no id, class or attribute, first and last. */
    private static boolean holdsForRoot(List<Term> conj) {
        for (Term t : conj) {
            boolean holds = switch (t.lit()) {
                case Lit.Tag tag -> tag.tag().equals("html");
                case Lit.Root root -> true;
                case Lit.Pos pos -> pos.nth().test(1);
                case Lit.Id id -> false;
                case Lit.ClassIs cl -> false;
                case Lit.ClassContains cl -> false;
                case Lit.Attr a -> false;
                case Lit.Never never -> false;
            };
            if (holds == t.negated()) {
                return false;
            }
        }
        return true;
    }

    /** The expression for one level: any of the cases, each with the extra terms; null when none can hold. */
    private static String level(List<List<Term>> cases, List<Term> extra) {
        Set<String> out = new LinkedHashSet<>();
        for (List<Term> conj : cases) {
            List<Term> all = new ArrayList<>(conj);
            all.addAll(extra);
            String level = level(all);
            if (level != null) {
                out.add(level);
            }
        }
        return out.isEmpty() ? null : out.size() == 1 ? out.iterator().next() : "(?:" + String.join("|", out) + ")";
    }

    /** The expression for a level satisfying every term, or null when no element can. */
    private static String level(List<Term> conj) {
        String tag = null;
        Set<String> notTags = new TreeSet<>();
        List<Attribute> ids = new ArrayList<>();
        List<Attribute> notIds = new ArrayList<>();
        Set<String> classes = new TreeSet<>();
        Set<String> notClasses = new TreeSet<>();
        List<String> containing = new ArrayList<>();
        Map<String, Attribute> attributes = new TreeMap<>(Comparator.comparing(HierarchyPattern::attributeOrder));
        Map<String, List<Attribute>> notAttributes = new TreeMap<>(Comparator.comparing(HierarchyPattern::attributeOrder));
        List<List<Nth>> positions = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<List<Nth>> notPositions = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (Term t : conj) {
            boolean neg = t.negated();
            switch (t.lit()) {
                case Lit.Tag x -> {
                    if (neg) {
                        notTags.add(x.tag());
                    } else if (tag != null && !tag.equals(x.tag())) {
                        return null;
                    } else {
                        tag = x.tag();
                    }
                }
                case Lit.Root x -> {
                    if (tag != null && !tag.equals("html")) {
                        return null;
                    }
                    tag = "html";
                }
                case Lit.Id x -> (neg ? notIds : ids).add(x.condition());
                case Lit.ClassIs x -> (neg ? notClasses : classes).add(escape(x.name()));
                case Lit.ClassContains x -> containing.add(x.text());
                case Lit.Attr x -> {
                    if (neg) {
                        notAttributes.computeIfAbsent(x.condition().name(), n -> new ArrayList<>()).add(x.condition());
                    } else if (attributes.put(x.condition().name(), x.condition()) != null) {
                        throw new SelectorException("two conditions on attribute '" + x.condition().name()
                                + "' of one element are not supported");
                    }
                }
                case Lit.Pos x -> (neg ? notPositions : positions).get(x.nth().position().ordinal()).add(x.nth());
                case Lit.Never x -> {
                    if (!neg) {
                        return null;
                    }
                }
            }
        }
        // Escaped text is only A-Z a-z 0-9 _ - %, none of them special in a regex: no quoting needed, and none
        // wanted, since \Q…\E is not portable across regex engines.
        StringBuilder sb = new StringBuilder();
        if (tag != null) {
            if (notTags.contains(tag)) {
                return null;
            }
            sb.append(tag);
        } else {
            sb.append(notTags.isEmpty() ? "[a-z][a-z0-9-]*" : Complement.tagsExcept(notTags));
        }

        if (ids.size() > 1) {
            throw new SelectorException("two conditions on the id of one element are not supported");
        }
        Field id = field("id", ids.isEmpty() ? null : ids.get(0), notIds);
        if (id.present() == null && !id.mayBeAbsent()) {
            return null;
        }
        sb.append(id.present() == null ? "" : id.mayBeAbsent() ? "(?:#" + id.present() + ")?" : "#" + id.present());

        String classList = classList(classes, notClasses, containing);
        if (classList == null) {
            return null;
        }
        sb.append(classList);

        // Attributes absent or constrained by :not() only may still appear between the required ones.
        List<String> gapEntries = new ArrayList<>();
        Complement otherNames = Complement.ofUnits(false);
        for (Map.Entry<String, List<Attribute>> e : notAttributes.entrySet()) {
            if (attributes.containsKey(e.getKey())) {
                continue;
            }
            Field f = field(e.getKey(), null, e.getValue());
            otherNames.equal(escape(e.getKey()));
            if (f.present() != null) {
                gapEntries.add(escape(e.getKey()) + "=" + f.present());
            }
        }
        String gap = ANY_ATTRIBUTES;
        if (!notAttributes.isEmpty()) {
            gapEntries.add(0, otherNames.regex(true) + "=" + UNITS);
            gap = "(?:\\[" + (gapEntries.size() == 1 ? gapEntries.get(0) : "(?:" + String.join("|", gapEntries) + ")")
                    + "\\])*";
        }
        sb.append(gap);
        for (Attribute a : attributes.values()) {
            Field f = field(a.name(), a, notAttributes.getOrDefault(a.name(), List.of()));
            if (f.present() == null) {
                return null;
            }
            sb.append("\\[").append(escape(a.name())).append('=').append(f.present()).append("\\]").append(gap);
        }

        List<String> fields = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            if (positions.get(i).isEmpty() && notPositions.get(i).isEmpty()) {
                fields.add("[0-9]+");
            } else {
                String f = NumberPattern.regex(positions.get(i), notPositions.get(i));
                if (f == null) {
                    return null;
                }
                fields.add(f);
            }
        }
        // Events recorded before the tracker wrote the positions from the end have two fields, newer ones four: a
        // selector that asks nothing of the last two accepts either (written short, as every level repeats it; the
        // tracker never writes another count of fields), one that does needs all four.
        boolean fromEnd = !(positions.get(2).isEmpty() && notPositions.get(2).isEmpty() && positions.get(3).isEmpty()
                && notPositions.get(3).isEmpty());
        if (fromEnd) {
            fields.forEach(f -> sb.append(':').append(f));
        } else if (fields.get(0).equals("[0-9]+") && fields.get(1).equals("[0-9]+")) {
            sb.append(ANY_POSITIONS);
        } else {
            sb.append(':').append(fields.get(0)).append(':').append(fields.get(1)).append("(?::[0-9]+)*");
        }
        return sb.toString();
    }

    /**
     * The sorted class list: the required classes in order, any others between them except the forbidden ones, and
     * (for [class*=v]) one class containing v somewhere; null when no element can have it.
     */
    private static String classList(Set<String> classes, Set<String> notClasses, List<String> containing) {
        for (String c : classes) {
            if (notClasses.contains(c)) {
                return null;
            }
        }
        List<String> open = new ArrayList<>();
        for (String v : containing) {
            String ev = escape(v);
            // A required class that contains v already answers [class*=v] (escaping keeps substrings on unit
            // boundaries, so the raw and escaped tests agree).
            if (classes.stream().noneMatch(c -> containsUnits(c, ev)) && !open.contains(ev)) {
                open.add(ev);
            }
        }
        if (open.size() > 1) {
            throw new SelectorException("two [class*=…] conditions on one element are not supported");
        }
        String gap = ANY_CLASSES;
        if (!notClasses.isEmpty()) {
            Complement other = Complement.ofUnits(false);
            notClasses.forEach(other::equal);
            gap = "(?:\\." + other.regex(true) + ")*";
        }
        if (open.isEmpty()) {
            StringBuilder sb = new StringBuilder(gap);
            for (String c : classes) {
                sb.append("\\.").append(c).append(gap);
            }
            return sb.toString();
        }
        String ev = open.get(0);
        for (String f : notClasses) {
            if (containsUnits(f, ev)) {
                throw new SelectorException("[class*=…] with ':not(.c)' of a class c containing the same text is not "
                        + "supported");
            }
        }
        // The class containing v sorts somewhere among the required ones: one case per place.
        List<String> required = new ArrayList<>(classes);
        List<String> cases = new ArrayList<>();
        String withV = gap + "\\." + UNITS + ev + UNITS + gap;
        for (int at = 0; at <= required.size(); at++) {
            StringBuilder sb = new StringBuilder(at == 0 ? withV : gap);
            for (int i = 0; i < required.size(); i++) {
                sb.append("\\.").append(required.get(i)).append(i + 1 == at ? withV : gap);
            }
            cases.add(sb.toString());
        }
        return cases.size() == 1 ? cases.get(0) : "(?:" + String.join("|", cases) + ")";
    }

    /** Whether escaped text contains escaped text starting on a unit boundary. */
    private static boolean containsUnits(String escaped, String part) {
        for (int i = escaped.indexOf(part); i >= 0; i = escaped.indexOf(part, i + 1)) {
            if ((i < 1 || escaped.charAt(i - 1) != '%') && (i < 2 || escaped.charAt(i - 2) != '%')) {
                return true;
            }
        }
        return false;
    }

    /**
     * What a level may hold for one attribute: whether it may be absent, and the expression for its value when
     * present (null when it cannot be present).
     */
    private record Field(boolean mayBeAbsent, String present) {
    }

    private static Field field(String name, Attribute positive, List<Attribute> negated) {
        boolean caseless = CASELESS_VALUES.contains(name);
        List<Attribute> live = new ArrayList<>();
        for (Attribute n : negated) {
            boolean matchesNothing = switch (n.op()) {
                case EXISTS, EQUALS, DASH -> false;
                case PREFIX, SUFFIX, CONTAINS -> n.value().isEmpty();
                case WORD -> n.value().isEmpty() || n.value().chars().anyMatch(Selector::isCssWhitespace);
            };
            if (!matchesNothing) {
                live.add(n);
            }
        }
        if (positive == null && live.isEmpty()) {
            return new Field(true, UNITS);
        }
        if (live.isEmpty()) {
            return new Field(false, value(positive));
        }
        if (live.stream().anyMatch(n -> n.op() == Op.EXISTS)) {
            return new Field(positive == null, null);
        }
        if (positive != null && positive.op() == Op.EQUALS) {
            String v = positive.value();
            boolean excluded = live.stream().anyMatch(n -> caseless
                    ? new Attribute(n.name(), n.op(), asciiLower(n.value())).test(asciiLower(v)) : n.test(v));
            return new Field(false, excluded ? null : value(positive));
        }
        if (positive != null && positive.op() != Op.EXISTS) {
            throw new SelectorException("two conditions on attribute '" + name + "' of one element are not supported "
                    + "(besides [a] or [a=v] with ':not()')");
        }
        Complement c = Complement.ofUnits(caseless);
        for (Attribute n : live) {
            String v = escape(n.value());
            switch (n.op()) {
                case EQUALS -> c.equal(v);
                case PREFIX -> c.prefix(v);
                default -> throw new SelectorException("':not([" + name + opText(n.op()) + "…])' is not supported: "
                        + "inside ':not()', only [a], [a=v] and [a^=v] have a short exact expression over the recorded "
                        + "value");
            }
        }
        return new Field(positive == null, c.regex(false));
    }

    private static String asciiLower(String s) {
        return SelectorParser.asciiLower(s);
    }

    /** Sorts names as the tracker orders attributes: the fixed list first, then data-* by escaped name. */
    private static String attributeOrder(String name) {
        int fixed = CAPTURED_ATTRIBUTES.indexOf(name);
        return fixed >= 0 ? String.format("0%02d", fixed) : "1" + escape(name);
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
            case WORD -> a.value().isEmpty() || a.value().chars().anyMatch(Selector::isCssWhitespace) ? null
                    : "(?:" + UNITS + WHITESPACE + ")?" + v + "(?:" + WHITESPACE + UNITS + ")?";
            // "-" is a safe character, written as itself.
            case DASH -> v + "(?:-" + UNITS + ")?";
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

    private static String opText(Op op) {
        return switch (op) {
            case EXISTS -> "";
            case EQUALS -> "=";
            case PREFIX -> "^=";
            case SUFFIX -> "$=";
            case CONTAINS -> "*=";
            case WORD -> "~=";
            case DASH -> "|=";
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
