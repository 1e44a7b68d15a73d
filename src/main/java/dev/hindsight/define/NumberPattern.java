package dev.hindsight.define;

import dev.hindsight.define.Selector.Nth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles conditions on one position field of a hierarchy level (such as {@code :nth-child(2n+1)} and
 * {@code :not(:nth-child(-n+3))}) to a regular expression over the field's decimal text, exactly: it builds the
 * deterministic automaton that reads the digits (no leading zero, the tracker writes none) and tracks the value up
 * to the largest |b| and, beyond it, only the value modulo the steps' least common multiple (past every b, a
 * condition depends on nothing else), minimizes it, and turns it into an expression by state elimination.
 */
final class NumberPattern {
    /** The largest |a| and |b| accepted in an+b: a bound on the automaton, far beyond real sibling counts. */
    static final int MAX_TERM = 1000;
    /** The longest expression one position field may compile to. */
    static final int MAX_LENGTH = 3000;

    private NumberPattern() {
    }

    /** The expression for the numbers n >= 1 satisfying every positive and no negated condition; null for none. */
    static String regex(List<Nth> positive, List<Nth> negated) {
        List<Nth> all = new ArrayList<>(positive);
        all.addAll(negated);
        if (negated.isEmpty() && positive.size() == 1 && positive.get(0).a() == 0) {
            int b = positive.get(0).b();
            return b >= 1 ? Integer.toString(b) : null;
        }
        int cap = 1;
        long lcm = 1;
        for (Nth n : all) {
            if (Math.abs(n.a()) > MAX_TERM || Math.abs(n.b()) > MAX_TERM) {
                throw new SelectorException("'" + n.position().pseudo + "(" + n.a() + "n+" + n.b() + ")' is not "
                        + "supported: a and b are limited to " + MAX_TERM + " in size");
            }
            cap = Math.max(cap, Math.abs(n.b()));
            if (n.a() != 0) {
                lcm = lcm / gcd(lcm, Math.abs(n.a())) * Math.abs(n.a());
                if (lcm > MAX_TERM) {
                    throw new SelectorException("the steps of the position conditions on one element have a least "
                            + "common multiple above " + MAX_TERM + ", which is not supported");
                }
            }
        }
        int m = (int) lcm;
        // States: 0 = start, 1 = dead, 2..cap+1 = the value v (v + 1), cap+2.. = beyond cap, by residue.
        int states = cap + 2 + m;
        int[][] next = new int[states][10];
        boolean[] accept = new boolean[states];
        for (int d = 0; d < 10; d++) {
            next[0][d] = d == 0 ? 1 : to(d, cap, m);
            next[1][d] = 1;
        }
        for (int v = 1; v <= cap; v++) {
            for (int d = 0; d < 10; d++) {
                next[v + 1][d] = to(10L * v + d, cap, m);
            }
            accept[v + 1] = test(positive, negated, v);
        }
        for (int r = 0; r < m; r++) {
            for (int d = 0; d < 10; d++) {
                next[cap + 2 + r][d] = cap + 2 + (int) ((10L * r + d) % m);
            }
            // A representative beyond cap with this residue: every condition's answer there depends on n mod m only.
            long n = cap + 1 + Math.floorMod(r - (cap + 1), m);
            accept[cap + 2 + r] = test(positive, negated, n);
        }
        // Read left to right, a residue modulo 8 needs every digit; read right to left, only the last three. Both
        // automata are tried, and the shorter expression kept.
        // null from either direction means no number satisfies the conditions; only a failure in both is refused.
        String forward = null;
        String backward = null;
        boolean forwardFits = true;
        boolean backwardFits = true;
        try {
            forward = toRegex(next, accept, false);
        } catch (SelectorException tooLong) {
            forwardFits = false;
        }
        if (forwardFits && forward == null) {
            return null;
        }
        Automaton reversed = reverse(next, accept);
        try {
            backward = reversed == null ? null : toRegex(reversed.next(), reversed.accept(), true);
        } catch (SelectorException tooLong) {
            backwardFits = false;
        }
        if (!forwardFits && (reversed == null || !backwardFits)) {
            throw new SelectorException("the position conditions on one element compile to too long an expression: "
                    + "steps with a factor prime to 10 above 3 (7n, 9n, 11n, 14n, ...) have no short decimal pattern");
        }
        if (!forwardFits || (reversed != null && backwardFits && backward != null && backward.length() < forward.length())) {
            return backward;
        }
        return forward;
    }

    /** The most states the right-to-left automaton may have before it is given up. */
    private static final int MAX_SUBSETS = 1000;
    /** The most states a minimal automaton may have to be written as an expression. */
    private static final int MAX_STATES = 200;

    /** A deterministic automaton over the digits: state 0 is the start. */
    private record Automaton(int[][] next, boolean[] accept) {
    }

    /**
     * The deterministic automaton of the reversed language (subset construction over the reversed transitions):
     * its start is the set of accepting states, and a set accepts when it holds the start state 0; null when it
     * would have more than {@link #MAX_SUBSETS} states.
     */
    private static Automaton reverse(int[][] next, boolean[] accept) {
        int n = next.length;
        Map<BitSet, Integer> ids = new HashMap<>();
        List<BitSet> sets = new ArrayList<>();
        List<int[]> edges = new ArrayList<>();
        BitSet first = new BitSet(n);
        for (int i = 0; i < n; i++) {
            if (accept[i]) {
                first.set(i);
            }
        }
        ids.put(first, 0);
        sets.add(first);
        for (int at = 0; at < sets.size(); at++) {
            if (sets.size() > MAX_SUBSETS) {
                return null;
            }
            BitSet from = sets.get(at);
            int[] row = new int[10];
            for (int d = 0; d < 10; d++) {
                BitSet to = new BitSet(n);
                for (int s = 0; s < n; s++) {
                    if (from.get(next[s][d])) {
                        to.set(s);
                    }
                }
                Integer id = ids.get(to);
                if (id == null) {
                    id = sets.size();
                    ids.put(to, id);
                    sets.add(to);
                }
                row[d] = id;
            }
            edges.add(row);
        }
        boolean[] starts = new boolean[sets.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = sets.get(i).get(0);
        }
        return new Automaton(edges.toArray(new int[0][]), starts);
    }

    private static int to(long value, int cap, int m) {
        return value <= cap ? (int) value + 1 : cap + 2 + (int) (value % m);
    }

    private static boolean test(List<Nth> positive, List<Nth> negated, long n) {
        return positive.stream().allMatch(c -> c.test(n)) && negated.stream().noneMatch(c -> c.test(n));
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /**
     * Minimizes the automaton (Moore's refinement, state 0 the start) and writes it as an expression; null when it
     * accepts nothing. A {@code reversed} automaton reads the text from its end, so its paths concatenate backwards.
     */
    private static String toRegex(int[][] next, boolean[] accept, boolean reversed) {
        int n = next.length;
        int[] block = new int[n];
        for (int i = 0; i < n; i++) {
            block[i] = accept[i] ? 1 : 0;
        }
        int count = -1;
        while (true) {
            Map<List<Integer>, Integer> ids = new HashMap<>();
            int[] refined = new int[n];
            for (int i = 0; i < n; i++) {
                List<Integer> key = new ArrayList<>(11);
                key.add(block[i]);
                for (int d = 0; d < 10; d++) {
                    key.add(block[next[i][d]]);
                }
                refined[i] = ids.computeIfAbsent(key, k -> ids.size());
            }
            block = refined;
            if (ids.size() == count) {
                break;
            }
            count = ids.size();
        }
        // The minimal automaton's states, with those that cannot reach acceptance dropped. Elimination costs the cube
        // of their number, and many states never make a short expression.
        int k = count;
        if (k > MAX_STATES) {
            throw new SelectorException("too many states");
        }
        int[][] min = new int[k][10];
        boolean[] fin = new boolean[k];
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < 10; d++) {
                min[block[i]][d] = block[next[i][d]];
            }
            fin[block[i]] = accept[i];
        }
        boolean[] live = new boolean[k];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int s = 0; s < k; s++) {
                if (!live[s] && (fin[s] || Arrays.stream(min[s]).anyMatch(t -> live[t]))) {
                    live[s] = changed = true;
                }
            }
        }
        int start = block[0];
        if (!live[start]) {
            return null;
        }
        // Generalized automaton: states 0..k-1, plus k = the new start and k+1 = the new final state.
        Rx[][] edge = new Rx[k + 2][k + 2];
        for (int s = 0; s < k; s++) {
            if (!live[s]) {
                continue;
            }
            for (int t = 0; t < k; t++) {
                if (!live[t]) {
                    continue;
                }
                StringBuilder digits = new StringBuilder();
                for (int d = 0; d < 10; d++) {
                    if (min[s][d] == t) {
                        digits.append((char) ('0' + d));
                    }
                }
                if (!digits.isEmpty()) {
                    edge[s][t] = Rx.atom(digitClass(digits.toString()));
                }
            }
            if (fin[s]) {
                edge[s][k + 1] = Rx.EMPTY;
            }
        }
        edge[k][start] = Rx.EMPTY;
        List<Integer> remaining = new ArrayList<>();
        for (int s = 0; s < k; s++) {
            if (live[s]) {
                remaining.add(s);
            }
        }
        while (!remaining.isEmpty()) {
            // Eliminate the state with the fewest paths through it first: it keeps the expression short.
            int best = -1;
            long bestCost = Long.MAX_VALUE;
            for (int q : remaining) {
                long in = 0;
                long out = 0;
                for (int p = 0; p < k + 2; p++) {
                    in += p != q && edge[p][q] != null ? 1 : 0;
                    out += p != q && edge[q][p] != null ? 1 : 0;
                }
                if (in * out < bestCost) {
                    bestCost = in * out;
                    best = q;
                }
            }
            int q = best;
            remaining.remove(Integer.valueOf(q));
            Rx loop = edge[q][q] == null ? Rx.EMPTY : Rx.star(edge[q][q]);
            for (int p = 0; p < k + 2; p++) {
                if (p == q || edge[p][q] == null) {
                    continue;
                }
                for (int r = 0; r < k + 2; r++) {
                    if (r == q || edge[q][r] == null) {
                        continue;
                    }
                    Rx through = reversed ? Rx.cat(Rx.cat(edge[q][r], loop), edge[p][q])
                            : Rx.cat(Rx.cat(edge[p][q], loop), edge[q][r]);
                    edge[p][r] = edge[p][r] == null ? through : Rx.alt(edge[p][r], through);
                    if (edge[p][r].text().length() > MAX_LENGTH) {
                        throw new SelectorException("the position conditions on one element compile to too long an "
                                + "expression (steps such as 7n have no short decimal pattern): use steps that divide a "
                                + "power of ten, or 3, 6, 9");
                    }
                }
            }
            for (int p = 0; p < k + 2; p++) {
                edge[p][q] = null;
                edge[q][p] = null;
            }
        }
        Rx result = edge[k][k + 1];
        return result == null ? null : result.grouped();
    }

    /** A character class for a set of digits, with runs as ranges: [0-9], [13579], 5. */
    private static String digitClass(String digits) {
        if (digits.length() == 1) {
            return digits;
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < digits.length(); ) {
            int j = i;
            while (j + 1 < digits.length() && digits.charAt(j + 1) == digits.charAt(j) + 1) {
                j++;
            }
            sb.append(digits.charAt(i));
            if (j > i + 1) {
                sb.append('-');
            }
            if (j > i) {
                sb.append(digits.charAt(j));
            }
            i = j + 1;
        }
        return sb.append(']').toString();
    }

    /**
     * A regular expression under construction, with what it is at its top level, so that parentheses are added only
     * where precedence needs them.
     */
    record Rx(String text, Kind kind) {
        enum Kind {
            EMPTY, ATOM, QUANTIFIED, SEQUENCE, ALTERNATION
        }

        static final Rx EMPTY = new Rx("", Kind.EMPTY);

        static Rx atom(String text) {
            return new Rx(text, Kind.ATOM);
        }

        static Rx star(Rx x) {
            return switch (x.kind) {
                case EMPTY -> EMPTY;
                case ATOM -> new Rx(x.text + "*", Kind.QUANTIFIED);
                default -> new Rx("(?:" + x.text + ")*", Kind.QUANTIFIED);
            };
        }

        static Rx cat(Rx x, Rx y) {
            if (x.kind == Kind.EMPTY) {
                return y;
            }
            if (y.kind == Kind.EMPTY) {
                return x;
            }
            return new Rx(x.grouped() + y.grouped(), Kind.SEQUENCE);
        }

        static Rx alt(Rx x, Rx y) {
            if (x.equals(y)) {
                return x;
            }
            if (x.kind == Kind.EMPTY || y.kind == Kind.EMPTY) {
                Rx other = x.kind == Kind.EMPTY ? y : x;
                if (other.kind == Kind.QUANTIFIED && (other.text.endsWith("*") || other.text.endsWith("?"))) {
                    return other;
                }
                return new Rx((other.kind == Kind.ATOM ? other.text : "(?:" + other.text + ")") + "?", Kind.QUANTIFIED);
            }
            return new Rx(x.text + "|" + y.text, Kind.ALTERNATION);
        }

        /** The text, in a group when it is an alternation (so that it can be followed or preceded by more). */
        String grouped() {
            return kind == Kind.ALTERNATION ? "(?:" + text + ")" : text;
        }
    }
}
