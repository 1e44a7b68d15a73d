package dev.hindsight.define;

import dev.hindsight.define.Selector.Attribute;
import dev.hindsight.define.Selector.Combinator;
import dev.hindsight.define.Selector.Complex;
import dev.hindsight.define.Selector.Compound;
import dev.hindsight.define.Selector.Nth;
import dev.hindsight.define.Selector.Op;
import dev.hindsight.define.Selector.Position;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the CSS selector subset that compiles exactly to the hierarchy encoding:
 *
 * <pre>
 *   list      = complex *( "," complex )
 *   complex   = compound *( combinator compound )          combinator: whitespace (descendant) or "&gt;"
 *   compound  = [ tag | "*" ] *( "#" name | "." ident | attrib | pseudo | ":not(" simple *( "," simple ) ")" )
 *   simple    = a compound without ":not"
 *   attrib    = "[" ident [ ( "=" | "^=" | "$=" | "*=" | "~=" | "|=" ) ( ident | string ) ] "]"
 *   pseudo    = ":first-child" | ":last-child" | ":only-child" | ":first-of-type" | ":last-of-type"
 *             | ":only-of-type" | ":root" | ":" ( "nth-child" | "nth-last-child" | "nth-of-type" | "nth-last-of-type" )
 *               "(" ( an+b | "odd" | "even" ) ")"
 * </pre>
 *
 * Identifiers take CSS escapes ({@code \.} or hex {@code \2e }); strings are single- or double-quoted. Anything
 * else ({@code +}, {@code ~}, other pseudo-classes, {@code of S}, case flags) is refused with a
 * {@link SelectorException} naming the unsupported part, so a definition never silently matches nothing. Which
 * attribute conditions compile is {@link HierarchyPattern}'s to say.
 */
public final class SelectorParser {
    /** The most characters a selector may have. */
    public static final int MAX_LENGTH = 1000;
    /** The most selectors in a comma list. */
    public static final int MAX_ALTERNATIVES = 16;
    /** The most compound selectors (elements) in one complex selector: {@code div > ul li a} has four. */
    public static final int MAX_COMPOUNDS = 32;

    private final String src;
    private int pos;

    private SelectorParser(String src) {
        this.src = src;
    }

    public static Selector parse(String selector) {
        if (selector == null || selector.isBlank()) {
            throw new SelectorException("the selector is empty");
        }
        if (selector.length() > MAX_LENGTH) {
            throw new SelectorException("the selector is longer than " + MAX_LENGTH + " characters, the limit");
        }
        return new SelectorParser(preprocess(selector)).list();
    }

    /**
     * CSS Syntax's preprocessing of the input: CR LF, CR and FF become LF, and NUL and surrogate code points (lone
     * surrogates in a Java string) become U+FFFD, as the browser does before it tokenizes a selector.
     */
    static String preprocess(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r') {
                sb.append('\n');
                if (i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
            } else if (c == '\f') {
                sb.append('\n');
            } else if (c == 0) {
                sb.append('\uFFFD');
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                sb.append('\uFFFD');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private Selector list() {
        List<Complex> out = new ArrayList<>();
        do {
            if (out.size() == MAX_ALTERNATIVES) {
                throw new SelectorException("more than " + MAX_ALTERNATIVES + " selectors in one comma list, the limit",
                        pos);
            }
            skipSpace();
            out.add(complex());
            skipSpace();
        } while (eat(','));
        if (pos < src.length()) {
            throw unsupported();
        }
        return new Selector(out);
    }

    private Complex complex() {
        List<Compound> compounds = new ArrayList<>();
        List<Combinator> combinators = new ArrayList<>();
        compounds.add(compound());
        while (pos < src.length()) {
            int before = pos;
            boolean space = skipSpace();
            if (pos >= src.length() || peek() == ',') {
                break;
            }
            if (eat('>')) {
                skipSpace();
                combinators.add(Combinator.CHILD);
            } else if (peek() == '+' || peek() == '~') {
                throw new SelectorException("the '" + peek() + "' combinator is not supported (only descendant and '>')", pos);
            } else if (space) {
                combinators.add(Combinator.DESCENDANT);
            } else {
                pos = before;
                throw unsupported();
            }
            if (compounds.size() == MAX_COMPOUNDS) {
                throw new SelectorException("more than " + MAX_COMPOUNDS + " elements in one selector, the limit", pos);
            }
            compounds.add(compound());
        }
        return new Complex(compounds, combinators);
    }

    private static final java.util.regex.Pattern AN_B = java.util.regex.Pattern.compile(
            "([+-]?)([0-9]*)[nN](?:[ \t\n]*([+-])[ \t\n]*([0-9]+))?|([+-]?[0-9]+)");
    private static final String PSEUDOS = ":first-child, :last-child, :only-child, :first-of-type, :last-of-type, "
            + ":only-of-type, :nth-child(an+b), :nth-last-child(an+b), :nth-of-type(an+b), :nth-last-of-type(an+b), "
            + ":root and :not(compound selectors)";

    private Compound compound() {
        return compound(false);
    }

    private Compound compound(boolean negated) {
        int start = pos;
        String tag = null;
        String id = null;
        List<String> classes = new ArrayList<>();
        List<Attribute> attrs = new ArrayList<>();
        List<Nth> positions = new ArrayList<>();
        List<Compound> negations = new ArrayList<>();
        boolean root = false;
        if (eat('*')) {
            tag = "*";
        } else if (pos < src.length() && isIdentStart(peek())) {
            tag = asciiLower(ident());
        }
        while (pos < src.length()) {
            char c = peek();
            if (c == '#') {
                pos++;
                if (id != null) {
                    throw new SelectorException("two ids in one compound selector", pos - 1);
                }
                id = name();
            } else if (c == '.') {
                pos++;
                classes.add(ident());
            } else if (c == '[') {
                attrs.add(attribute());
            } else if (c == ':') {
                int at = pos;
                pos++;
                if (pos >= src.length() || !(isIdentStart(peek()) || peek() == '\\')) {
                    throw new SelectorException("pseudo-elements are not supported (only " + PSEUDOS + ")", at);
                }
                String pseudo = asciiLower(ident());
                switch (pseudo) {
                    case "first-child" -> positions.add(new Nth(Position.CHILD, 0, 1));
                    case "last-child" -> positions.add(new Nth(Position.LAST_CHILD, 0, 1));
                    case "only-child" -> {
                        positions.add(new Nth(Position.CHILD, 0, 1));
                        positions.add(new Nth(Position.LAST_CHILD, 0, 1));
                    }
                    case "first-of-type" -> positions.add(new Nth(Position.OF_TYPE, 0, 1));
                    case "last-of-type" -> positions.add(new Nth(Position.LAST_OF_TYPE, 0, 1));
                    case "only-of-type" -> {
                        positions.add(new Nth(Position.OF_TYPE, 0, 1));
                        positions.add(new Nth(Position.LAST_OF_TYPE, 0, 1));
                    }
                    case "root" -> root = true;
                    case "nth-child", "nth-last-child", "nth-of-type", "nth-last-of-type" -> {
                        if (!eat('(')) {
                            throw new SelectorException("':" + pseudo + "' takes an argument: an+b, odd or even", at);
                        }
                        positions.add(anPlusB(switch (pseudo) {
                            case "nth-child" -> Position.CHILD;
                            case "nth-last-child" -> Position.LAST_CHILD;
                            case "nth-of-type" -> Position.OF_TYPE;
                            default -> Position.LAST_OF_TYPE;
                        }, at));
                    }
                    case "not" -> {
                        if (negated) {
                            throw new SelectorException("':not()' inside ':not()' is not supported", at);
                        }
                        if (!eat('(')) {
                            throw new SelectorException("':not' takes an argument: compound selectors", at);
                        }
                        do {
                            skipSpace();
                            negations.add(compound(true));
                            skipSpace();
                        } while (eat(','));
                        if (!eat(')')) {
                            throw new SelectorException("':not()' takes compound selectors only: combinators (a "
                                    + "descendant, '>', '+', '~') are not supported in it", at);
                        }
                    }
                    default -> throw new SelectorException("':" + pseudo + "' is not supported (only " + PSEUDOS
                            + "): the tracker records no state, language or link history of elements", at);
                }
            } else {
                break;
            }
        }
        if (pos == start) {
            throw unsupported();
        }
        return new Compound("*".equals(tag) ? null : tag, id, classes, attrs, positions, root, negations);
    }

    /**
     * The argument of an {@code :nth-*()} pseudo-class up to its ')': {@code odd}, {@code even}, or an+b as CSS
     * Syntax's An+B microsyntax writes it ({@code 2n+1}, {@code -n + 3}, {@code +5}, {@code N-1}).
     */
    private Nth anPlusB(Position position, int at) {
        int close = src.indexOf(')', pos);
        if (close < 0) {
            throw new SelectorException("'" + position.pseudo + "(' is not closed", at);
        }
        String arg = src.substring(pos, close).replaceAll("^[ \t\n]+|[ \t\n]+$", "");
        String lower = asciiLower(arg);
        Nth nth;
        if (lower.equals("odd")) {
            nth = new Nth(position, 2, 1);
        } else if (lower.equals("even")) {
            nth = new Nth(position, 2, 0);
        } else {
            java.util.regex.Matcher m = AN_B.matcher(arg);
            if (lower.contains(" of ") || lower.endsWith(" of")) {
                throw new SelectorException("'" + position.pseudo + "(an+b of S)' is not supported", at);
            }
            if (!m.matches() || arg.length() > 40) {
                throw new SelectorException("'" + position.pseudo + "(" + arg + ")' is not an+b, odd or even", at);
            }
            try {
                if (m.group(5) != null) {
                    nth = new Nth(position, 0, Integer.parseInt(m.group(5).replace("+", "")));
                } else {
                    int a = m.group(2).isEmpty() ? 1 : Integer.parseInt(m.group(2));
                    int b = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
                    nth = new Nth(position, "-".equals(m.group(1)) ? -a : a, "-".equals(m.group(3)) ? -b : b);
                }
            } catch (NumberFormatException e) {
                throw new SelectorException("'" + position.pseudo + "(" + arg + ")' has a number too large", at);
            }
        }
        pos = close + 1;
        return nth;
    }

    private Attribute attribute() {
        int at = pos;
        pos++;
        skipSpace();
        String name = asciiLower(ident());
        skipSpace();
        if (eat(']')) {
            return new Attribute(name, Op.EXISTS, null);
        }
        Op op;
        if (eat('=')) {
            op = Op.EQUALS;
        } else if (src.startsWith("^=", pos)) {
            op = Op.PREFIX;
        } else if (src.startsWith("$=", pos)) {
            op = Op.SUFFIX;
        } else if (src.startsWith("*=", pos)) {
            op = Op.CONTAINS;
        } else if (src.startsWith("~=", pos)) {
            op = Op.WORD;
        } else if (src.startsWith("|=", pos)) {
            op = Op.DASH;
        } else {
            throw new SelectorException("attribute operator at '" + rest() + "' is not supported (=, ^=, $=, *=, ~=, |=)", pos);
        }
        if (op != Op.EQUALS) {
            pos += 2;
        }
        skipSpace();
        String value = pos < src.length() && (peek() == '"' || peek() == '\'') ? string() : ident();
        skipSpace();
        if (!eat(']')) {
            throw new SelectorException("attribute selector not closed, or a case flag (not supported) at '"
                    + rest() + "'", at);
        }
        return new Attribute(name, op, value);
    }

    private String ident() {
        if (pos >= src.length() || !(isIdentStart(peek()) || peek() == '\\')) {
            throw unsupported();
        }
        return name();
    }

    /** An identifier body (also what follows '#', which may start with a digit). */
    private String name() {
        StringBuilder sb = new StringBuilder();
        while (pos < src.length()) {
            char c = peek();
            if (c == '\\') {
                sb.appendCodePoint(escape());
            } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c >= 0x80) {
                sb.append(c);
                pos++;
            } else {
                break;
            }
        }
        if (sb.isEmpty()) {
            throw unsupported();
        }
        return sb.toString();
    }

    /**
     * A CSS escape at the backslash: up to six hex digits (and one whitespace after them) or one other character.
     * Zero, a surrogate or a value above U+10FFFF stands for U+FFFD, as CSS Syntax specifies (so {@code \\110000}
     * is U+FFFD, not an error).
     */
    private int escape() {
        int at = pos;
        pos++;
        if (pos >= src.length()) {
            throw new SelectorException("a backslash ends the selector", at);
        }
        if (peek() == '\n') {
            throw new SelectorException("a backslash before a line break is not an escape", at);
        }
        int start = pos;
        while (pos < src.length() && pos - start < 6 && Character.digit(peek(), 16) >= 0) {
            pos++;
        }
        if (pos > start) {
            int cp = Integer.parseInt(src.substring(start, pos), 16);
            if (pos < src.length() && " \t\n".indexOf(peek()) >= 0) {
                pos++;
            }
            return cp == 0 || (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)
                    || cp > Character.MAX_CODE_POINT ? 0xFFFD : cp;
        }
        int cp = src.codePointAt(pos);
        pos += Character.charCount(cp);
        return cp;
    }

    private String string() {
        char quote = src.charAt(pos++);
        StringBuilder sb = new StringBuilder();
        while (pos < src.length() && peek() != quote) {
            if (peek() == '\n') {
                throw new SelectorException("a line break inside a string (write it as \\a)", pos);
            } else if (src.startsWith("\\\n", pos)) {
                pos += 2; // a line continuation
            } else if (peek() == '\\') {
                sb.appendCodePoint(escape());
            } else {
                sb.append(src.charAt(pos++));
            }
        }
        if (!eat(quote)) {
            throw new SelectorException("unterminated string", pos);
        }
        return sb.toString();
    }

    /**
     * Tag and attribute names match ASCII case-insensitively in HTML documents: only A-Z fold ([data-É] is not
     * [data-é]), as the browser and the HTML parser do.
     */
    static String asciiLower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return sb.toString();
    }

    private static boolean isIdentStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '-' || c >= 0x80;
    }

    private boolean skipSpace() {
        int start = pos;
        // CSS whitespace only: space, tab, LF, CR, FF (U+2003 and the like are ordinary identifier characters).
        while (pos < src.length() && " \t\n\r\f".indexOf(peek()) >= 0) {
            pos++;
        }
        return pos > start;
    }

    private boolean eat(char c) {
        if (pos < src.length() && src.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private char peek() {
        return src.charAt(pos);
    }

    private String rest() {
        return src.substring(pos, Math.min(src.length(), pos + 20));
    }

    private SelectorException unsupported() {
        if (pos >= src.length()) {
            return new SelectorException("the selector ends unexpectedly", pos);
        }
        return new SelectorException("unsupported or malformed at '" + rest() + "'", pos);
    }
}
