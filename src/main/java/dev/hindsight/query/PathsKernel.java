package dev.hindsight.query;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The paths analysis's computation over the events of its sessions (semantics in {@link PathsQuery}; the engine
 * reads them, see {@link PathsQuery#sql}): groups them by session, orders each session by time and {@code seq},
 * collapses consecutive equal labels into runs, and counts, for every start event, the labels of the {@code depth}
 * runs after (or before) its own.
 *
 * <p>Why not SQL: collapsing runs and taking the k-th next one are windows, and each window sorts every event of
 * the sessions again (two sorts of four million rows at 10M events); here each session is sorted on its own, in
 * the cache, on all cores. Sessions are dense integers (the store's keys), so they are grouped by a counting sort.
 */
final class PathsKernel {
    /** Occurrences whose {@code step}-th step has {@code label} after {@code prev} (0 for step 1 and for step 0). */
    record Row(int step, int prev, int label, long count) {
    }

    private static final int LABEL_BITS = 29;

    private final int depth;
    private final boolean before;
    private int size;
    // The events' sessions as added; then, in place, as keys from 0.
    private int[] session = new int[1 << 16];
    private long[] time = new long[1 << 16];
    private long[] seq = new long[1 << 16];
    private int[] label = new int[1 << 16];
    private int starts;
    private long[] startSeq = new long[1 << 12];
    // The start events' seqs as a bitset from the smallest (seqs are dense), unless they spread too far.
    private long[] startBits;

    PathsKernel(int depth, boolean before) {
        this.depth = depth;
        this.before = before;
    }

    /**
     * Adds a row as {@link PathsQuery#sql} gives it: {@code sl}, the session times 2^32 plus the label (0 marks
     * the start event of {@code seqNo}), the event's time in epoch microseconds, and its seq.
     */
    void add(long sl, long timeUs, long seqNo) {
        int labelId = (int) (sl & 0xFFFFFFFFL);
        if (labelId == 0) {
            if (starts == startSeq.length) {
                startSeq = Arrays.copyOf(startSeq, starts * 2);
            }
            startSeq[starts++] = seqNo;
            return;
        }
        if (labelId < 0 || labelId >= 1 << LABEL_BITS) {
            throw new IllegalArgumentException("label ids must be from 1 to 2^" + LABEL_BITS + ", not " + labelId);
        }
        if (size == session.length) {
            int cap = size * 2;
            session = Arrays.copyOf(session, cap);
            time = Arrays.copyOf(time, cap);
            seq = Arrays.copyOf(seq, cap);
            label = Arrays.copyOf(label, cap);
        }
        session[size] = (int) (sl >> 32);
        time[size] = timeUs;
        seq[size] = seqNo;
        label[size] = labelId;
        size++;
    }

    /** The counts: first step 0 (every occurrence), then one row per (step, previous label, label). */
    List<Row> rows() {
        Arrays.sort(startSeq, 0, starts);
        startBits = starts > 0 && startSeq[starts - 1] - startSeq[0] < 1L << 28
                ? new long[(int) ((startSeq[starts - 1] - startSeq[0]) >>> 6) + 1] : null;
        if (startBits != null) {
            for (int i = 0; i < starts; i++) {
                long off = startSeq[i] - startSeq[0];
                startBits[(int) (off >>> 6)] |= 1L << off;
            }
        }
        Counts[] counts = walk();
        Counts all = new Counts();
        for (Counts c : counts) {
            all.occurrences += c.occurrences;
            c.forEach(all::add);
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(0, 0, 0, all.occurrences));
        long mask = (1L << LABEL_BITS) - 1;
        all.forEach((key, n) -> rows.add(new Row((int) (key >>> (2 * LABEL_BITS)), (int) ((key >>> LABEL_BITS) & mask),
                (int) (key & mask), n)));
        return rows;
    }

    private boolean isStart(long seqNo) {
        if (starts == 0) {
            return false;
        }
        if (startBits == null) {
            return Arrays.binarySearch(startSeq, 0, starts, seqNo) >= 0;
        }
        long off = seqNo - startSeq[0];
        return off >= 0 && off < 64L * startBits.length && (startBits[(int) (off >>> 6)] & (1L << off)) != 0;
    }

    /**
     * Splits the events by ranges of session keys into parts of a few thousand events (one sequential pass per
     * core: grouping millions of events by session is bound by memory, see {@link FunnelKernel}), then groups each
     * part by a counting sort that stays in the cache and walks its sessions, on all cores.
     */
    private Counts[] walk() {
        if (size == 0) {
            return new Counts[0];
        }
        // Keys from 0: session keys (from 1, dense) less the smallest; the few negative keys of session-less
        // sessions (and sparse ones) by rank, after them.
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        int negatives = 0;
        for (int i = 0; i < size; i++) {
            int k = session[i];
            if (k >= 0) {
                min = Math.min(min, k);
                max = Math.max(max, k);
            } else {
                negatives++;
            }
        }
        long dense = max < min ? 0 : (long) max - min + 1;
        boolean sparse = dense > 4L * size + 1024;
        int lo = sparse ? 0 : min;
        int range = sparse ? 0 : (int) dense;
        int[] other = new int[0];
        if (sparse || negatives > 0) {
            other = IntStream.range(0, size).map(i -> session[i]).filter(k -> k < lo || k - (long) lo >= range)
                    .sorted().distinct().toArray();
        }
        int[] ranked = other;
        int slices = KeyParts.slices(size);
        IntStream.range(0, slices).parallel().forEach(c -> {
            for (int i = KeyParts.slice(size, c, slices); i < KeyParts.slice(size, c + 1, slices); i++) {
                int k = session[i];
                session[i] = k >= lo && k - (long) lo < range ? k - lo : range + Arrays.binarySearch(ranked, k);
            }
        });
        long keys = (long) range + other.length;
        KeyParts plan = new KeyParts(size, keys);
        IntStream.range(0, plan.slices).parallel().forEach(c -> {
            for (int i = plan.slice(c); i < plan.slice(c + 1); i++) {
                plan.count(c, session[i]);
            }
        });
        plan.plan();
        int[] key2 = new int[size];
        long[] time2 = new long[size];
        long[] seq2 = new long[size];
        int[] label2 = new int[size];
        IntStream.range(0, plan.slices).parallel().forEach(c -> {
            for (int i = plan.slice(c); i < plan.slice(c + 1); i++) {
                int at = plan.next(c, session[i]);
                key2[at] = session[i];
                time2[at] = time[i];
                seq2[at] = seq[i];
                label2[at] = label[i];
            }
        });
        session = key2;
        time = time2;
        seq = seq2;
        label = label2;
        // A few runs of consecutive parts per core, each counting into one table (a table per part would grow
        // from empty hundreds of times).
        int parts = plan.parts;
        int runs = Math.min(parts, 4 * Runtime.getRuntime().availableProcessors());
        Counts[] out = new Counts[runs];
        IntStream.range(0, runs).parallel().forEach(r -> {
            Counts c = new Counts();
            Walk walk = new Walk();
            for (int p = (int) ((long) parts * r / runs); p < (int) ((long) parts * (r + 1) / runs); p++) {
                walk.part(plan.start[p], plan.start[p + 1], plan.firstKey(p), plan.keysOf(p), c);
            }
            out[r] = c;
        });
        return out;
    }

    /** One part's walk over its sessions, with buffers reused from session to session. */
    private final class Walk {
        private int[] runLabel = new int[64];
        private int[] startRuns = new int[64];

        /** Walks the sessions of events [from, to), whose keys are in [keyFrom, keyFrom + keys). */
        void part(int from, int to, long keyFrom, int keys, Counts out) {
            int[] at = new int[keys + 1];
            for (int i = from; i < to; i++) {
                at[(int) (session[i] - keyFrom) + 1]++;
            }
            for (int k = 0; k < keys; k++) {
                at[k + 1] += at[k];
            }
            int[] order = new int[to - from];
            int[] fill = Arrays.copyOf(at, keys);
            for (int i = from; i < to; i++) {
                order[fill[(int) (session[i] - keyFrom)]++] = i;
            }
            for (int k = 0; k < keys; k++) {
                if (at[k + 1] > at[k]) {
                    session(order, at[k], at[k + 1], out);
                }
            }
        }

        /** Counts the paths of the session of events {@code order[from, to)}. */
        void session(int[] order, int from, int to, Counts out) {
            sort(order, from, to);
            int runs = 0;
            int occurrences = 0;
            for (int i = from; i < to; i++) {
                int e = order[i];
                if (runs == 0 || runLabel[runs - 1] != label[e]) {
                    if (runs == runLabel.length) {
                        runLabel = Arrays.copyOf(runLabel, runs * 2);
                    }
                    runLabel[runs++] = label[e];
                }
                if (isStart(seq[e])) {
                    if (occurrences == startRuns.length) {
                        startRuns = Arrays.copyOf(startRuns, occurrences * 2);
                    }
                    startRuns[occurrences++] = runs - 1;
                }
            }
            out.occurrences += occurrences;
            int dir = before ? -1 : 1;
            for (int o = 0; o < occurrences; o++) {
                int r = startRuns[o];
                int prev = 0;
                for (int k = 1; k <= depth; k++) {
                    int at = r + dir * k;
                    if (at < 0 || at >= runs) {
                        break;
                    }
                    out.add(((long) k << (2 * LABEL_BITS)) | ((long) prev << LABEL_BITS) | runLabel[at], 1);
                    prev = runLabel[at];
                }
            }
        }

        /** Sorts {@code order[from, to)} by time, then seq: an insertion sort, as rows come nearly in order. */
        private void sort(int[] order, int from, int to) {
            for (int i = from + 1; i < to; i++) {
                int e = order[i];
                int j = i - 1;
                while (j >= from && after(order[j], e)) {
                    j--;
                }
                if (j < i - 1) {
                    if (i - j > 64) {
                        // Far out of order: sort the rest properly rather than shift element by element.
                        Integer[] boxed = IntStream.range(from, to).mapToObj(x -> order[x]).toArray(Integer[]::new);
                        Arrays.sort(boxed, (a, b) -> after(a, b) ? 1 : after(b, a) ? -1 : 0);
                        for (int x = from; x < to; x++) {
                            order[x] = boxed[x - from];
                        }
                        return;
                    }
                    System.arraycopy(order, j + 1, order, j + 2, i - j - 1);
                    order[j + 1] = e;
                }
            }
        }

        private boolean after(int a, int b) {
            return time[a] > time[b] || time[a] == time[b] && seq[a] > seq[b];
        }
    }

    /** Counts by a long key, in an open-addressing table. */
    private static final class Counts {
        long occurrences;
        private long[] keys = new long[1 << 12];
        private long[] values = new long[1 << 12];
        private boolean[] used = new boolean[1 << 12];
        private int size;

        void add(long key, long n) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = (int) (mix(key) & mask);
            while (used[i] && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (!used[i]) {
                used[i] = true;
                keys[i] = key;
                size++;
            }
            values[i] += n;
        }

        void forEach(java.util.function.BiConsumer<Long, Long> f) {
            for (int i = 0; i < keys.length; i++) {
                if (used[i]) {
                    f.accept(keys[i], values[i]);
                }
            }
        }

        private void grow() {
            long[] k = keys;
            long[] v = values;
            boolean[] u = used;
            keys = new long[k.length * 2];
            values = new long[k.length * 2];
            used = new boolean[k.length * 2];
            size = 0;
            for (int i = 0; i < k.length; i++) {
                if (u[i]) {
                    add(k[i], v[i]);
                }
            }
        }

        private static long mix(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return h ^ (h >>> 32);
        }
    }
}
