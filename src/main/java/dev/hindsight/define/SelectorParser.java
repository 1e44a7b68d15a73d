package dev.hindsight.define;

import dev.hindsight.define.Selector.Attribute;
import dev.hindsight.define.Selector.Combinator;
import dev.hindsight.define.Selector.Complex;
import dev.hindsight.define.Selector.Compound;
import dev.hindsight.define.Selector.Op;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses the CSS selector subset that compiles exactly to the hierarchy encoding:
 *
 * <pre>
 *   list      = complex *( "," complex )
 *   complex   = compound *( combinator compound )          combinator: whitespace (descendant) or "&gt;"
 *   compound  = [ tag | "*" ] *( "#" name | "." ident | attrib | ":nth-child(" n ")" | ":nth-of-type(" n ")" )
 *   attrib    = "[" ident [ ( "=" | "^=" | "$=" | "*=" | "~=" ) ( ident | string ) ] "]"
 * </pre>
 *
 * Identifiers take CSS escapes ({@code \.} or hex {@code \2e }); strings are single- or double-quoted. Anything
 * else ({@code +}, {@code ~}, other pseudo-classes, {@code an+b}, {@code |=}, case flags) is refused with a
 * {@link SelectorException} naming the unsupported part, so a definition never silently matches nothing.
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

    private Compound compound() {
        int start = pos;
        String tag = null;
        String id = null;
        List<String> classes = new ArrayList<>();
        List<Attribute> attrs = new ArrayList<>();
        Integer nthChild = null;
        Integer nthOfType = null;
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
                String pseudo = asciiLower(ident());
                if (!(pseudo.equals("nth-child") || pseudo.equals("nth-of-type")) || !eat('(')) {
                    throw new SelectorException("':" + pseudo + "' is not supported (only :nth-child(n) and "
                            + ":nth-of-type(n) with a number n)", at);
                }
                skipSpace();
                int n = number(at);
                skipSpace();
                if (!eat(')')) {
                    throw new SelectorException("':" + pseudo + "' takes a whole number only (an+b, odd, even are "
                            + "not supported)", at);
                }
                if (pseudo.equals("nth-child")) {
                    nthChild = n;
                } else {
                    nthOfType = n;
                }
            } else {
                break;
            }
        }
        if (pos == start) {
            throw unsupported();
        }
        return new Compound("*".equals(tag) ? null : tag, id, classes, attrs, nthChild, nthOfType);
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
        } else {
            throw new SelectorException("attribute operator at '" + rest() + "' is not supported (=, ^=, $=, *=, ~=)", pos);
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

    private int number(int at) {
        int start = pos;
        while (pos < src.length() && peek() >= '0' && peek() <= '9') {
            pos++;
        }
        if (start == pos) {
            throw new SelectorException("':nth-…' takes a whole number only (an+b, odd, even are not supported)", at);
        }
        int n = Integer.parseInt(src.substring(start, Math.min(pos, start + 9)));
        if (n < 1) {
            throw new SelectorException("positions count from 1", at);
        }
        return n;
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
