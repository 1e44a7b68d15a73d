package dev.hindsight.query;

import dev.hindsight.query.Analysis.Funnel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The funnel's computation over its step events (semantics in {@link FunnelQuery}): the engine scans each step's
 * events ({@link Engine#partRows}), and this groups them by user and walks each user's events in time order once.
 *
 * <p>Why not SQL: there each step cost a join sorted over all the users' events of two steps (ASOF), and picking
 * each user's result attempt one more aggregate; at 10M events that took two seconds on two cores. Here each user's
 * attempts are taken in time order, and step k of an attempt, the earliest step-k event strictly after its step
 * k-1, only moves forward from one attempt to the next, so one pointer per step finds every attempt's steps in a
 * single pass over the user's events.
 *
 * <p>Grouping millions of events by user is bound by memory, not arithmetic: a sort over all of them misses the
 * cache at nearly every step. So, after their users are resolved ({@link UserResolver}), the events are split by
 * ranges of user keys (dense integers) into parts of a few thousand events, in one sequential pass; each part is then
 * grouped by a counting sort that stays in the cache. Every pass runs on all cores.
 */
final class FunnelKernel {
    /** The drop-off users listed per step. */
    static final int DROPPED_USERS = 100;

    /** One group of users' answer: the total ({@code value} null) or one breakdown value. */
    record Group(boolean total, String value, long[] counts, Double[] medians, List<List<Long>> dropped) {
    }

    private final QueryBudget budget;
    private final int n;
    private final long windowMs;
    private final Integer breakdownLimit;
    private int size;
    private long[] tp = new long[1 << 16];
    // The events' actors as added; then, in place, their user keys; then those as keys from 0.
    private int[] user = new int[1 << 16];
    private String[] value;

    FunnelKernel(Funnel f) {
        this(f, QueryBudget.unlimited());
    }

    /** A kernel whose growth {@code budget} allows and whose walk stops when the budget's time is up. */
    FunnelKernel(Funnel f, QueryBudget budget) {
        this.budget = budget;
        this.n = f.steps().size();
        this.windowMs = f.windowMs();
        boolean byProperty = f.breakdown() != null && !f.breakdown().byCohort();
        this.breakdownLimit = byProperty ? f.breakdown().limit() : null;
        this.value = byProperty ? new String[1 << 16] : null;
        budget.reserve(2L * tp.length * bytesPerEvent(), "the funnel's events");
    }

    /**
     * Adds one event: {@code tp} is its time (epoch microseconds) and step (from 1), and {@code actor} its identity
     * or device, as {@link Engine#partRows} packs them; {@code v} is its breakdown value. Its user is resolved
     * later, on all cores.
     */
    void add(long tp, int actor, String v) {
        if (size == this.tp.length) {
            int cap = size * 2;
            // The grown arrays, and the walk's regrouped copy of them (Events) later.
            budget.reserve(2L * (cap - size) * bytesPerEvent(), "the funnel's events");
            this.tp = Arrays.copyOf(this.tp, cap);
            user = Arrays.copyOf(user, cap);
            if (value != null) {
                value = Arrays.copyOf(value, cap);
            }
        }
        this.tp[size] = tp;
        user[size] = actor;
        if (value != null) {
            value[size] = v;
        }
        size++;
    }

    /** Bytes an event takes in the kernel's arrays: time and step, user, and a breakdown value's reference. */
    private int bytesPerEvent() {
        return 8 + 4 + (value != null ? 8 : 0);
    }

    /**
     * The groups: the total first, then with a breakdown one per value ("(other)", "(none)" included); users
     * resolved by {@code resolver}.
     */
    List<Group> groups(UserResolver resolver) {
        return groups(resolver, u -> true, List.of());
    }

    /**
     * The groups of the users {@code keep} keeps (by user key): the total first, then with a property breakdown one
     * per value, then one per entry of {@code cohorts} (its label and its members), a user in each that holds it.
     * Each user's result depends on its own events alone, so leaving users out after the walk is exact.
     */
    List<Group> groups(UserResolver resolver, java.util.function.IntPredicate keep,
            List<Map.Entry<String, java.util.function.IntPredicate>> cohorts) {
        return groups(resolver, keep, cohorts, null);
    }

    /** As {@link #groups(UserResolver, java.util.function.IntPredicate, List)}, telling {@code eachUser} every kept
     * user key with the furthest step (from 1) it reached, in one thread. */
    List<Group> groups(UserResolver resolver, java.util.function.IntPredicate keep,
            List<Map.Entry<String, java.util.function.IntPredicate>> cohorts, java.util.function.IntBinaryOperator eachUser) {
        List<Results> results = walk(resolver);
        List<Group> out = new ArrayList<>();
        Totals total = new Totals();
        results.forEach(r -> {
            for (int u = 0; u < r.users; u++) {
                if (keep.test(r.user[u])) {
                    total.add(r, u);
                    if (eachUser != null) {
                        eachUser.applyAsInt(r.user[u], r.reach[u]);
                    }
                }
            }
        });
        out.add(total.group(true, null));
        for (Map.Entry<String, java.util.function.IntPredicate> c : cohorts) {
            Totals t = new Totals();
            results.forEach(r -> {
                for (int u = 0; u < r.users; u++) {
                    if (keep.test(r.user[u]) && c.getValue().test(r.user[u])) {
                        t.add(r, u);
                    }
                }
            });
            out.add(t.group(false, c.getKey()));
        }
        if (value != null) {
            Set<String> kept = breakdownGroups(results, keep);
            Map<String, Totals> byGroup = new HashMap<>();
            results.forEach(r -> {
                for (int u = 0; u < r.users; u++) {
                    if (!keep.test(r.user[u])) {
                        continue;
                    }
                    String v = r.value[u];
                    String g = v == null ? "(none)" : kept.contains(v) ? v : "(other)";
                    byGroup.computeIfAbsent(g, x -> new Totals()).add(r, u);
                }
            });
            byGroup.forEach((g, t) -> out.add(t.group(false, g)));
        }
        return out;
    }

    /**
     * Resolves the events' users, splits the events into parts by ranges of user keys, and walks the parts' users,
     * each step on all cores.
     */
    private List<Results> walk(UserResolver resolver) {
        if (size == 0) {
            return List.of();
        }
        int slices = KeyParts.slices(size);
        int[][] bounds = new int[slices][];
        budget.check();
        IntStream.range(0, slices).parallel().forEach(c -> {
            budget.check();
            int min = Integer.MAX_VALUE;
            int max = Integer.MIN_VALUE;
            for (int i = KeyParts.slice(size, c, slices); i < KeyParts.slice(size, c + 1, slices); i++) {
                int u = resolver.resolve(user[i], Math.floorDiv(tp[i], Engine.PART_SPAN));
                user[i] = u;
                min = Math.min(min, u);
                max = Math.max(max, u);
            }
            bounds[c] = new int[] {min, max};
        });
        int minUser = java.util.Arrays.stream(bounds).mapToInt(b -> b[0]).min().getAsInt();
        int maxUser = java.util.Arrays.stream(bounds).mapToInt(b -> b[1]).max().getAsInt();
        // Keys from 0, in place of the user keys: dense user keys less the smallest, sparse ones by rank.
        int[] userOfKey = null;
        long range = (long) maxUser - minUser + 1;
        int base = 0;
        if (range <= 4L * size + 1024) {
            base = minUser;
        } else {
            int[] distinct = Arrays.copyOf(user, size);
            Arrays.sort(distinct);
            int m = 0;
            for (int i = 0; i < size; i++) {
                if (i == 0 || distinct[i] != distinct[i - 1]) {
                    distinct[m++] = distinct[i];
                }
            }
            for (int i = 0; i < size; i++) {
                user[i] = Arrays.binarySearch(distinct, 0, m, user[i]);
            }
            range = m;
            userOfKey = distinct;
        }
        KeyParts plan = new KeyParts(size, range);
        int keyFrom = base;
        IntStream.range(0, plan.slices).parallel().forEach(c -> {
            for (int i = plan.slice(c); i < plan.slice(c + 1); i++) {
                user[i] -= keyFrom;
                plan.count(c, user[i]);
            }
        });
        plan.plan();
        budget.check();
        Events e = new Events(size, value != null);
        IntStream.range(0, plan.slices).parallel().forEach(c -> {
            for (int i = plan.slice(c); i < plan.slice(c + 1); i++) {
                int at = plan.next(c, user[i]);
                e.tp[at] = tp[i];
                e.key[at] = user[i];
                if (value != null) {
                    e.value[at] = value[i];
                }
            }
        });
        int[] users = userOfKey;
        int first = base;
        Results[] out = new Results[plan.parts];
        IntStream.range(0, plan.parts).parallel().forEach(p -> out[p] = new Walk(e, plan.start[p], plan.start[p + 1],
                plan.firstKey(p), plan.keysOf(p), k -> users == null ? first + k : users[k]).run());
        return List.of(out);
    }

    /** The events regrouped by part: time and step (as {@link Engine#partRows} packs them), key and value. */
    private static final class Events {
        final long[] tp;
        final int[] key;
        final String[] value;

        Events(int size, boolean values) {
            tp = new long[size];
            key = new int[size];
            value = values ? new String[size] : null;
        }
    }

    /** Each user's result attempt: its reach, its step times (ms) and its breakdown value. */
    private final class Results {
        int users;
        int[] user = new int[64];
        int[] reach = new int[64];
        long[][] stepMs = new long[n][64];
        String[] value;

        Results(boolean values) {
            value = values ? new String[64] : null;
        }

        void add(int userKey, int reached, long[] stepUs, String v) {
            if (users == user.length) {
                int cap = users * 2;
                user = Arrays.copyOf(user, cap);
                reach = Arrays.copyOf(reach, cap);
                for (int k = 0; k < n; k++) {
                    stepMs[k] = Arrays.copyOf(stepMs[k], cap);
                }
                if (value != null) {
                    value = Arrays.copyOf(value, cap);
                }
            }
            user[users] = userKey;
            reach[users] = reached;
            for (int k = 0; k < reached; k++) {
                stepMs[k][users] = Math.floorDiv(stepUs[k], 1000);
            }
            if (value != null) {
                value[users] = v;
            }
            users++;
        }
    }

    /** The walk of the users of one part, events [from, to), keys [keyFrom, keyFrom + keys). */
    private final class Walk {
        private final Events e;
        private final int from;
        private final int to;
        private final long keyFrom;
        private final int keys;
        private final java.util.function.IntUnaryOperator userOfKey;
        private final long[][] steps = new long[n][16];
        private String[] firstValues = new String[16];
        private final int[] count = new int[n];
        private final int[] pointer = new int[n];
        private final long[] chain = new long[n];
        private final long[] best = new long[n];

        Walk(Events e, int from, int to, long keyFrom, int keys, java.util.function.IntUnaryOperator userOfKey) {
            this.e = e;
            this.from = from;
            this.to = to;
            this.keyFrom = keyFrom;
            this.keys = keys;
            this.userOfKey = userOfKey;
        }

        Results run() {
            // Counting sort by key, inside the part.
            int[] start = new int[keys + 1];
            for (int i = from; i < to; i++) {
                start[(int) (e.key[i] - keyFrom) + 1]++;
            }
            for (int k = 0; k < keys; k++) {
                start[k + 1] += start[k];
            }
            int[] order = new int[to - from];
            for (int i = from; i < to; i++) {
                order[start[(int) (e.key[i] - keyFrom)]++] = i;
            }
            Results out = new Results(e.value != null);
            int users = 0;
            for (int a = 0; a < order.length; ) {
                if ((++users & 1023) == 0) {
                    budget.check();
                }
                int b = a + 1;
                while (b < order.length && e.key[order[b]] == e.key[order[a]]) {
                    b++;
                }
                user(order, a, b, out);
                a = b;
            }
            return out;
        }

        /** Finds the result attempt of the user of events {@code order[a, b)}, if it has one. */
        private void user(int[] order, int a, int b, Results out) {
            Arrays.fill(count, 0);
            for (int i = a; i < b; i++) {
                int ev = order[i];
                long packed = e.tp[ev];
                int k = (int) Math.floorMod(packed, Engine.PART_SPAN) - 1;
                if (count[k] == steps[k].length) {
                    steps[k] = Arrays.copyOf(steps[k], count[k] * 2);
                    if (k == 0) {
                        firstValues = Arrays.copyOf(firstValues, count[k] * 2);
                    }
                }
                if (k == 0 && e.value != null) {
                    firstValues[count[0]] = e.value[ev];
                }
                steps[k][count[k]++] = Math.floorDiv(packed, Engine.PART_SPAN);
            }
            if (count[0] == 0) {
                return;
            }
            for (int k = 0; k < n; k++) {
                sortStep(k);
            }
            Arrays.fill(pointer, 0);
            int bestReach = 0;
            long bestT1 = 0;
            String bestValue = null;
            for (int at = 0; at < count[0]; at++) {
                long t1 = steps[0][at];
                long deadline = Math.floorDiv(t1, 1000) + windowMs;
                chain[0] = t1;
                int r = 1;
                for (int k = 1; k < n; k++) {
                    long prev = chain[k - 1];
                    while (pointer[k] < count[k] && steps[k][pointer[k]] <= prev) {
                        pointer[k]++;
                    }
                    if (pointer[k] == count[k] || Math.floorDiv(steps[k][pointer[k]], 1000) > deadline) {
                        break;
                    }
                    chain[k] = steps[k][pointer[k]];
                    r++;
                }
                String v = e.value == null ? null : firstValues[at];
                // Furthest first, then earliest (attempts come in time order), then the smallest breakdown value.
                if (r > bestReach || r == bestReach && t1 == bestT1 && valueBefore(v, bestValue)) {
                    bestReach = r;
                    bestT1 = t1;
                    bestValue = v;
                    System.arraycopy(chain, 0, best, 0, r);
                }
            }
            out.add(userOfKey.applyAsInt(e.key[order[a]]), bestReach, best, bestValue);
        }

        /**
         * Sorts step k's times (step 1's with their values). The engine returns each scan's rows close to time
         * order, so a list is nearly always sorted already and this is one pass over it.
         */
        private void sortStep(int k) {
            long[] t = steps[k];
            int len = count[k];
            int i = 1;
            while (i < len && t[i - 1] <= t[i]) {
                i++;
            }
            if (i >= len) {
                return;
            }
            if (k > 0 || e.value == null) {
                Arrays.sort(t, 0, len);
                return;
            }
            Integer[] idx = new Integer[len];
            for (int j = 0; j < len; j++) {
                idx[j] = j;
            }
            Arrays.sort(idx, java.util.Comparator.comparingLong(j -> t[j]));
            long[] t2 = new long[len];
            String[] v2 = new String[len];
            for (int j = 0; j < len; j++) {
                t2[j] = t[idx[j]];
                v2[j] = firstValues[idx[j]];
            }
            System.arraycopy(t2, 0, t, 0, len);
            System.arraycopy(v2, 0, firstValues, 0, len);
        }
    }

    /** The breakdown's kept values, each its own group: the {@code limit} with most users, ties by value. */
    private Set<String> breakdownGroups(List<Results> results, java.util.function.IntPredicate keep) {
        Map<String, Integer> usersPerValue = new HashMap<>();
        results.forEach(r -> {
            for (int u = 0; u < r.users; u++) {
                if (r.value[u] != null && keep.test(r.user[u])) {
                    usersPerValue.merge(r.value[u], 1, Integer::sum);
                }
            }
        });
        Set<String> kept = new HashSet<>();
        usersPerValue.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                        .thenComparing(Map.Entry::getKey, FunnelKernel::compareCodePoints))
                .limit(breakdownLimit).forEach(e -> kept.add(e.getKey()));
        return kept;
    }

    /** Per-step counts, time lists and drop-offs of one group of users. */
    private final class Totals {
        private final long[] counts = new long[n];
        private final long[][] gaps = new long[n][];
        private final int[] gapCount = new int[n];
        private final long[][] dropped = new long[n][];
        private final int[] droppedCount = new int[n];

        Totals() {
            for (int k = 0; k < n; k++) {
                gaps[k] = new long[16];
                dropped[k] = new long[16];
            }
        }

        void add(Results r, int u) {
            int userKey = r.user[u];
            int reached = r.reach[u];
            long[][] stepMs = r.stepMs;
            for (int k = 0; k < reached; k++) {
                counts[k]++;
                if (k > 0) {
                    if (gapCount[k] == gaps[k].length) {
                        gaps[k] = Arrays.copyOf(gaps[k], gapCount[k] * 2);
                    }
                    gaps[k][gapCount[k]++] = stepMs[k][u] - stepMs[k - 1][u];
                }
            }
            if (reached < n) {
                int k = reached - 1;
                if (droppedCount[k] == dropped[k].length) {
                    dropped[k] = Arrays.copyOf(dropped[k], droppedCount[k] * 2);
                }
                dropped[k][droppedCount[k]++] = userKey;
            }
        }

        Group group(boolean isTotal, String v) {
            Double[] medians = new Double[n];
            for (int k = 1; k < n; k++) {
                long[] g = gaps[k];
                int c = gapCount[k];
                if (c > 0) {
                    // The middle value, or the mean of the middle two (the largest left of the upper middle).
                    select(g, 0, c, c / 2);
                    double mid = g[c / 2];
                    if (c % 2 == 0) {
                        long lower = g[0];
                        for (int i = 1; i < c / 2; i++) {
                            lower = Math.max(lower, g[i]);
                        }
                        mid = lower + (mid - lower) / 2.0;
                    }
                    medians[k] = mid / 1000.0;
                }
            }
            List<List<Long>> drops = new ArrayList<>();
            for (int k = 0; k < n - 1; k++) {
                long[] d = dropped[k];
                int c = Math.min(DROPPED_USERS, droppedCount[k]);
                if (droppedCount[k] > c) {
                    select(d, 0, droppedCount[k], c);
                }
                Arrays.sort(d, 0, c);
                List<Long> keys = new ArrayList<>();
                for (int i = 0; i < c; i++) {
                    keys.add(d[i]);
                }
                drops.add(keys);
            }
            return new Group(isTotal, v, counts, medians, drops);
        }
    }

    /**
     * Rearranges {@code a[from, to)} so that {@code a[k]} holds the value a sort would put there, with no larger
     * value before it and no smaller after (quickselect: linear time, where a sort of the whole is not).
     */
    static void select(long[] a, int from, int to, int k) {
        int lo = from;
        int hi = to - 1;
        while (lo < hi) {
            long pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long x = a[i];
                    a[i++] = a[j];
                    a[j--] = x;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    /** Whether breakdown value {@code a} is picked before {@code b}: a value before none, then the smaller. */
    private static boolean valueBefore(String a, String b) {
        if (a == null || b == null) {
            return a != null && b == null;
        }
        return compareCodePoints(a, b) < 0;
    }

    /** Compares by Unicode code point, as the engine compares UTF-8 text byte by byte. */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
