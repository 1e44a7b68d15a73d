package dev.hindsight.define;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * The rules a user's regular expression must follow to run in DuckDB's {@code regexp_matches}, which is RE2 (C++):
 * RE2/J checks RE2's syntax, and the few things RE2/J accepts but RE2 refuses are checked here (see
 * {@code Re2RulesTest}, which runs every case against the real DuckDB):
 *
 * <ul>
 *   <li>repetition counts nested inside each other: RE2 divides 1000 by each enclosing count, outermost first,
 *       and refuses the expression when a result reaches 0 ({@code (a{100}){100}}; RE2/J checks only each count);
 *   <li>{@code (?<name>…)}: RE2 writes a named group {@code (?P<name>…)};
 *   <li>{@code \p{Unknown}}, which RE2/J's tables know and RE2's do not;
 *   <li>programs too large for RE2's memory budget ("pattern too large"), or slow to compile: a cost in which
 *       each repeated copy counts, and a Unicode property class ({@code \pL}) weighs {@value #PROPERTY_COST},
 *       must stay within {@value #MAX_COST}; and at most {@value #MAX_LENGTH} characters.
 * </ul>
 *
 * RE2/J is stricter than DuckDB's RE2 in a few places, which are refused (documented in the README): Unicode
 * scripts newer than RE2/J's tables (Unicode 6.0, so no {@code \p{Chakma}}), {@code \C}, non-ASCII and duplicate
 * group names.
 */
public final class Re2Rules {
    public static final int MAX_LENGTH = 1000;
    static final int MAX_COST = 20_000;
    static final int PROPERTY_COST = 500;
    /** RE2's kMaxRepeat: the most any repetition count, and the product of nested ones, may be. */
    private static final int MAX_REPEAT = 1000;
    private static final java.util.regex.Pattern CURLY = java.util.regex.Pattern.compile("\\{(\\d+)(,(\\d*))?}");

    private Re2Rules() {
    }

    /** Why RE2 would not run {@code regex}, or empty when it would. */
    public static Optional<String> problem(String regex) {
        if (regex.length() > MAX_LENGTH) {
            return Optional.of("is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < regex.length()
                    && Character.isLowSurrogate(regex.charAt(i + 1)))) {
                return Optional.of("is not valid Unicode: a lone surrogate at character " + (i + 1));
            }
            if (Character.isHighSurrogate(c)) {
                i++;
            }
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return Optional.of("is not an expression RE2 (DuckDB's regex engine) accepts: "
                    + e.getMessage().replaceFirst("^error parsing regexp: ", "") + why(regex));
        }
        Scan scan = new Scan(regex);
        Node tree;
        try {
            tree = scan.sequence(false);
        } catch (RuntimeException e) {
            // RE2/J took it, so the scan is only missing a corner of the syntax: RE2 decides at query time.
            return Optional.empty();
        }
        if (scan.refusal != null) {
            return Optional.of(scan.refusal);
        }
        if (tree.walk(MAX_REPEAT) == 0) {
            return Optional.of("nests repetitions whose counts multiply to more than " + MAX_REPEAT
                    + ", which RE2 refuses (such as (a{100}){100})");
        }
        if (tree.cost() > MAX_COST) {
            return Optional.of("would compile to too large a program for RE2: every repeated copy counts, and a "
                    + "Unicode class such as \\pL is large; repeat less");
        }
        return Optional.empty();
    }

    /** What the RE2 syntax lacks that the expression seems to use, as a hint after the parser's message. */
    private static String why(String regex) {
        if (regex.contains("(?<") || regex.contains("(?=") || regex.contains("(?!")) {
            return " (RE2 has no lookaround; a named group is written (?P<name>…))";
        }
        if (regex.contains("(?>") || regex.matches("(?s).*[*+?}]\\+.*")) {
            return " (RE2 has no possessive quantifiers or atomic groups)";
        }
        if (regex.contains("\\p{java") || regex.contains("\\p{Is") || regex.contains("\\p{In")) {
            return " (RE2 knows Unicode categories and scripts such as \\p{Lu} or \\p{Greek}, not Java's classes)";
        }
        if (regex.matches("(?s).*\\\\[1-9].*")) {
            return " (RE2 has no back-references)";
        }
        return "";
    }

    /** A parsed expression, reduced to what RE2's size rules look at. */
    private sealed interface Node {
        /** RE2's RepetitionWalker: 0 when nested counts exceed the budget. */
        int walk(int budget);

        long cost();
    }

    private record Atom(long cost) implements Node {
        @Override
        public int walk(int budget) {
            return budget;
        }
    }

    /** A concatenation or alternation (the rules treat both alike). */
    private record Group(List<Node> items) implements Node {
        @Override
        public int walk(int budget) {
            int min = budget;
            for (Node n : items) {
                min = Math.min(min, n.walk(budget));
            }
            return min;
        }

        @Override
        public long cost() {
            long sum = 0;
            for (Node n : items) {
                sum = Math.min(Long.MAX_VALUE / 2, sum + n.cost());
            }
            return sum;
        }
    }

    /** {@code count} is RE2's divisor (0 for * + ?), {@code copies} how many times the program holds the body. */
    private record Repeat(Node body, int count, int copies) implements Node {
        @Override
        public int walk(int budget) {
            int arg = count > 0 ? budget / count : budget;
            return Math.min(arg, body.walk(arg));
        }

        @Override
        public long cost() {
            return Math.min(Long.MAX_VALUE / 2, body.cost() * Math.max(1, copies));
        }
    }

    /** A scan of an expression RE2/J has already accepted, so it need not report errors. */
    private static final class Scan {
        private final String s;
        private int i;
        /** What RE2 refuses though RE2/J accepts it, when found. */
        private String refusal;

        Scan(String s) {
            this.s = s;
        }

        Group sequence(boolean inGroup) {
            List<Node> items = new ArrayList<>();
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ')' && inGroup) {
                    i++;
                    return new Group(items);
                } else if (c == '|') {
                    i++;
                } else if (c == '(') {
                    i++;
                    if (s.startsWith("?P<", i) || s.startsWith("?<", i)) {
                        if (s.charAt(i + 1) == '<') {
                            refusal = "writes a named group (?<name>…), which RE2 writes (?P<name>…)";
                        }
                        i = s.indexOf('>', i) + 1;
                    } else if (s.startsWith("?", i)) {
                        int j = i + 1;
                        while (s.charAt(j) != ':' && s.charAt(j) != ')') {
                            j++;
                        }
                        i = j + 1;
                        if (s.charAt(j) == ')') {
                            continue; // flags only, such as (?i)
                        }
                    }
                    items.add(sequence(true));
                } else if (c == '*' || c == '+' || c == '?') {
                    i++;
                    lazy();
                    repeat(items, 0, 1);
                } else if (c == '{' && curly(items)) {
                    lazy();
                } else if (c == '[') {
                    items.add(charClass());
                } else if (c == '\\') {
                    escape(items);
                } else if (c == '.') {
                    i++;
                    items.add(new Atom(4));
                } else {
                    i += Character.charCount(s.codePointAt(i));
                    items.add(new Atom(1));
                }
            }
            return new Group(items);
        }

        private void lazy() {
            if (i < s.length() && s.charAt(i) == '?') {
                i++;
            }
        }

        private static void repeat(List<Node> items, int count, int copies) {
            if (!items.isEmpty()) {
                items.add(new Repeat(items.remove(items.size() - 1), count, copies));
            }
        }

        /** A counted repetition at {@code i}, applied to the last item; false when the brace is a literal. */
        private boolean curly(List<Node> items) {
            Matcher m = CURLY.matcher(s).region(i, s.length());
            if (!m.lookingAt()) {
                i++;
                items.add(new Atom(1));
                return false;
            }
            i = m.end();
            int min = Integer.parseInt(m.group(1));
            int max = m.group(2) == null ? min : m.group(3).isEmpty() ? -1 : Integer.parseInt(m.group(3));
            repeat(items, max < 0 ? min : max, max < 0 ? min + 1 : max);
            return true;
        }

        private Atom charClass() {
            int start = i;
            i++;
            long cost = 0;
            if (s.charAt(i) == '^') {
                i++;
                cost += 4;
            }
            if (s.charAt(i) == ']') {
                i++;
            }
            while (s.charAt(i) != ']') {
                if (s.startsWith("[:", i)) {
                    i = s.indexOf(":]", i + 2) + 2;
                } else if (s.charAt(i) == '\\') {
                    List<Node> inner = new ArrayList<>();
                    escape(inner);
                    cost += inner.stream().mapToLong(Node::cost).sum();
                } else {
                    i += Character.charCount(s.codePointAt(i));
                }
            }
            i++;
            return new Atom(Math.max(4, cost + (i - start)));
        }

        private void escape(List<Node> items) {
            i++;
            char c = s.charAt(i++);
            switch (c) {
                case 'p', 'P' -> {
                    if (s.charAt(i) == '{') {
                        int end = s.indexOf('}', i);
                        String name = s.substring(i + 1, end).replaceFirst("^\\^", "");
                        if (name.equals("Unknown")) {
                            refusal = "uses \\p{Unknown}, a class RE2 does not know";
                        }
                        i = end + 1;
                    } else {
                        i++;
                    }
                    items.add(new Atom(PROPERTY_COST));
                }
                case 'Q' -> {
                    int end = s.indexOf("\\E", i);
                    int stop = end < 0 ? s.length() : end;
                    while (i < stop) {
                        i += Character.charCount(s.codePointAt(i));
                        items.add(new Atom(1));
                    }
                    i = end < 0 ? s.length() : end + 2;
                }
                case 'x' -> {
                    i = s.charAt(i) == '{' ? s.indexOf('}', i) + 1 : i + 2;
                    items.add(new Atom(1));
                }
                case 'D', 'S', 'W' -> items.add(new Atom(4));
                default -> {
                    if (c >= '0' && c <= '7') {
                        for (int k = 0; k < 2 && i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7'; k++) {
                            i++;
                        }
                    } else if (Character.isHighSurrogate(c)) {
                        i++;
                    }
                    items.add(new Atom(1));
                }
            }
        }
    }
}
