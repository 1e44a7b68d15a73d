package dev.hindsight.define;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Expressions for "any escaped text except these": the complement of a finite set of forbidden values (and of all
 * values with a forbidden prefix) over the hierarchy's escaped units (a safe character or {@code %XX}), or over tag
 * names. It is what {@code :not(.a)}, {@code :not([href^="/admin"])} and {@code :not(div)} need, without the
 * lookahead RE2 lacks: a walk of the forbidden values' trie that, at each node, lets through every unit that leaves
 * the trie, followed by anything.
 */
final class Complement {
    private static final String SAFE = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    private static final String HEX = "0123456789ABCDEF";
    private static final String UNITS = "(?:[A-Za-z0-9_-]|%[0-9A-F]{2})*";
    private static final String TAG_START = "abcdefghijklmnopqrstuvwxyz";
    private static final String TAG_CHARS = "-0123456789abcdefghijklmnopqrstuvwxyz";

    private final Node root = new Node();
    private final boolean caseless;

    private static final class Node {
        final Map<String, Node> kids = new TreeMap<>();
        boolean equal;
        boolean prefix;
    }

    private Complement(boolean caseless) {
        this.caseless = caseless;
    }

    /** A complement of escaped values; {@code caseless} folds ASCII letters (the values of type). */
    static Complement ofUnits(boolean caseless) {
        return new Complement(caseless);
    }

    /** Forbids the escaped value itself. */
    Complement equal(String escaped) {
        node(escaped).equal = true;
        return this;
    }

    /** Forbids every escaped value that starts with this one. */
    Complement prefix(String escaped) {
        node(escaped).prefix = true;
        return this;
    }

    private Node node(String escaped) {
        Node n = root;
        for (String u : units(escaped)) {
            n = n.kids.computeIfAbsent(caseless && u.length() == 1 ? u.toLowerCase(java.util.Locale.ROOT) : u,
                    k -> new Node());
        }
        return n;
    }

    private static List<String> units(String escaped) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < escaped.length(); ) {
            int len = escaped.charAt(i) == '%' ? 3 : 1;
            out.add(escaped.substring(i, i + len));
            i += len;
        }
        return out;
    }

    /** The expression for the allowed values (the empty one too unless {@code nonEmpty}), or null when none is. */
    String regex(boolean nonEmpty) {
        return walk(root, nonEmpty);
    }

    private String walk(Node n, boolean nonEmpty) {
        if (n.prefix) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Node> e : n.kids.entrySet()) {
            String rest = walk(e.getValue(), false);
            if (rest != null) {
                parts.add(unit(e.getKey()) + (rest.isEmpty() ? "" : rest));
            }
        }
        String others = otherUnits(n.kids.keySet());
        if (others != null) {
            parts.add(others + UNITS);
        }
        boolean empty = !n.equal && !nonEmpty;
        if (parts.isEmpty()) {
            return empty ? "" : null;
        }
        String alt = "(?:" + String.join("|", parts) + ")";
        return empty ? alt + "?" : alt;
    }

    private String unit(String u) {
        char c = u.charAt(0);
        if (caseless && Character.isLetter(c)) {
            return "[" + Character.toLowerCase(c) + Character.toUpperCase(c) + "]";
        }
        return u;
    }

    /** Any one unit not among these (folded when caseless); null when there is none. */
    private String otherUnits(java.util.Set<String> taken) {
        StringBuilder safe = new StringBuilder();
        for (char c : SAFE.toCharArray()) {
            String key = caseless ? String.valueOf(Character.toLowerCase(c)) : String.valueOf(c);
            if (!taken.contains(key)) {
                safe.append(c);
            }
        }
        List<String> parts = new ArrayList<>();
        if (!safe.isEmpty()) {
            parts.add(charClass(safe.toString()));
        }
        StringBuilder freeFirst = new StringBuilder();
        List<String> partial = new ArrayList<>();
        for (char h : HEX.toCharArray()) {
            StringBuilder second = new StringBuilder();
            for (char l : HEX.toCharArray()) {
                if (!taken.contains("%" + h + l)) {
                    second.append(l);
                }
            }
            if (second.length() == HEX.length()) {
                freeFirst.append(h);
            } else if (!second.isEmpty()) {
                partial.add(h + charClass(second.toString()));
            }
        }
        List<String> escapes = new ArrayList<>();
        if (!freeFirst.isEmpty()) {
            escapes.add(charClass(freeFirst.toString()) + "[0-9A-F]");
        }
        escapes.addAll(partial);
        if (!escapes.isEmpty()) {
            parts.add("%" + (escapes.size() == 1 ? escapes.get(0) : "(?:" + String.join("|", escapes) + ")"));
        }
        return parts.isEmpty() ? null : parts.size() == 1 ? parts.get(0) : "(?:" + String.join("|", parts) + ")";
    }

    /**
     * The tag names ({@code [a-z][a-z0-9-]*}) other than these, as an expression; null when none is (never, for a
     * finite set).
     */
    static String tagsExcept(java.util.Collection<String> tags) {
        Node root = new Node();
        for (String t : tags) {
            Node n = root;
            for (char c : t.toCharArray()) {
                n = n.kids.computeIfAbsent(String.valueOf(c), k -> new Node());
            }
            n.equal = true;
        }
        return tagWalk(root, true);
    }

    private static String tagWalk(Node n, boolean first) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Node> e : n.kids.entrySet()) {
            String rest = tagWalk(e.getValue(), false);
            if (rest != null) {
                parts.add(e.getKey() + rest);
            }
        }
        StringBuilder other = new StringBuilder();
        for (char c : (first ? TAG_START : TAG_CHARS).toCharArray()) {
            if (!n.kids.containsKey(String.valueOf(c))) {
                other.append(c);
            }
        }
        if (!other.isEmpty()) {
            parts.add(charClass(other.toString()) + "[a-z0-9-]*");
        }
        boolean empty = !first && !n.equal;
        if (parts.isEmpty()) {
            return empty ? "" : null;
        }
        String alt = "(?:" + String.join("|", parts) + ")";
        return empty ? alt + "?" : alt;
    }

    /** A character class for sorted characters, with runs of three or more as ranges and '-' escaped. */
    static String charClass(String chars) {
        if (chars.length() == 1) {
            char c = chars.charAt(0);
            return c == '-' ? "\\-" : String.valueOf(c);
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < chars.length(); ) {
            int j = i;
            while (j + 1 < chars.length() && chars.charAt(j + 1) == chars.charAt(j) + 1 && chars.charAt(j) != '-') {
                j++;
            }
            if (j - i >= 2) {
                sb.append(chars.charAt(i)).append('-').append(chars.charAt(j));
            } else {
                for (int x = i; x <= j; x++) {
                    sb.append(chars.charAt(x) == '-' ? "\\-" : String.valueOf(chars.charAt(x)));
                }
            }
            i = j + 1;
        }
        return sb.append(']').toString();
    }
}
