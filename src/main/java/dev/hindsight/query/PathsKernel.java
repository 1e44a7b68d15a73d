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
 * the cache, on all cores.
 *
 * <p>How: the reader only packs the engine's rows into batches, and a second thread ({@link Handoff}) files them,
 * as they come, into buckets of {@value #BUCKET_KEYS} session keys, each start mark with its session's events (it
 * sorts right before its event, which saves a lookup per event in a set of all starts). When the last row is in, the
 * buckets are walked on all cores: each is grouped by session with a counting sort that stays in the cache (grouping
 * millions of events by session at once is bound by memory, see {@link FunnelKernel}), and its sessions are sorted
 * and counted. Session keys are the store's dense integers, and the negative keys of session-less sessions (see
 * {@link PathsQuery#sql}) are zigzag-coded among them. Sessions that a reader already has whole and in order (from
 * the rollup, see {@link RolledUpSessions}) skip the filing: each reader thread counts them with a {@link Walker}.
 */
final class PathsKernel implements AutoCloseable {
    /** Occurrences whose {@code step}-th step has {@code label} after {@code prev} (0 for step 1 and for step 0). */
    record Row(int step, int prev, int label, long count) {
    }

    private static final int LABEL_BITS = 29;
    /** Rows the reader hands over at a time. */
    private static final int BATCH = 4096;
    private static final int BUCKET_SHIFT = 15;
    private static final int BUCKET_KEYS = 1 << BUCKET_SHIFT;
    /**
     * A bucket's rows are kept in blocks of this many, three longs each: 1.5 MiB, which G1 (with heaps up to 6 GB)
     * allocates outside the young generation, so that collections during a query do not copy them. (The first
     * block grows to that size from 8,192 rows.)
     */
    private static final int BLOCK_SHIFT = 16;
    private static final int BLOCK = 1 << BLOCK_SHIFT;

    private final int depth;
    private final boolean before;
    // The reader's side: the batch being filled, three longs per row as added.
    private long[] in = new long[3 * BATCH];
    private int inRows;
    private Handoff<long[]> filer;
    // The filer's side: per bucket, its rows in blocks, three longs each (the session's key within the bucket
    // times 2^32 plus the label, 0 for a start mark, then time and seq), and how many.
    private long[][][] buckets = new long[64][][];
    private int[] filled = new int[64];
    // The counts of sessions that callers walked themselves (see walker()).
    private final List<Counts> walked = java.util.Collections.synchronizedList(new ArrayList<>());

    private final QueryBudget budget;

    PathsKernel(int depth, boolean before) {
        this(depth, before, QueryBudget.unlimited());
    }

    /** A kernel whose blocks {@code budget} allows and which stops when the budget's time is up. */
    PathsKernel(int depth, boolean before, QueryBudget budget) {
        this.depth = depth;
        this.before = before;
        this.budget = budget;
    }

    /** Reserves memory that callers feeding the kernel hold for it (see {@link QueryBudget#reserve}). */
    void reserve(long bytes, String what) {
        budget.reserve(bytes, what);
    }

    /** Throws once the query's time is up: for the callers that feed the kernel on their own threads. */
    void check() {
        budget.check();
    }

    /**
     * Adds a row of {@link PathsQuery#sql}: {@code sl}, the session times 2^32 plus the label (0 marks the start
     * event of the same {@code seqNo}), then the event's order: a session's events sort by {@code timeUs}, then
     * {@code seqNo}. (In the query's packed layout both are the one integer that orders the events.)
     */
    void add(long sl, long timeUs, long seqNo) {
        int labelId = (int) (sl & 0xFFFFFFFFL);
        if (labelId < 0 || labelId >= 1 << LABEL_BITS) {
            throw new IllegalArgumentException("label ids must be from 1 to 2^" + LABEL_BITS + ", not " + labelId);
        }
        if (filer == null) {
            filer = new Handoff<>("paths-filer", this::file);
        }
        long[] b = in;
        int at = 3 * inRows;
        b[at] = sl;
        b[at + 1] = timeUs;
        b[at + 2] = seqNo;
        if (++inRows == BATCH) {
            hand();
        }
    }

    private void hand() {
        filer.hand(inRows == BATCH ? in : Arrays.copyOf(in, 3 * inRows));
        long[] next = filer.reuse();
        in = next != null && next.length == 3 * BATCH ? next : new long[3 * BATCH];
        inRows = 0;
    }

    /** Files a batch's rows into the buckets (on the filer's thread). */
    private void file(long[] batch) {
        budget.check();
        for (int i = 0; i < batch.length; i += 3) {
            long sl = batch[i];
            fileRow((int) (sl >> 32), (int) (sl & 0xFFFFFFFFL), batch[i + 1], batch[i + 2]);
        }
    }

    private void fileRow(int session, int labelId, long timeUs, long seqNo) {
        long u = Integer.toUnsignedLong((session << 1) ^ (session >> 31));
        int p = (int) (u >>> BUCKET_SHIFT);
        if (p >= buckets.length) {
            int cap = Math.max(p + 1, buckets.length * 2);
            buckets = Arrays.copyOf(buckets, cap);
            filled = Arrays.copyOf(filled, cap);
        }
        int f = filled[p];
        long[][] blocks = buckets[p];
        int blk = f >>> BLOCK_SHIFT;
        if (blocks == null || blk == blocks.length) {
            blocks = buckets[p] = blocks == null ? new long[4][] : Arrays.copyOf(blocks, blocks.length * 2);
        }
        long[] block = blocks[blk];
        int o = 3 * (f & (BLOCK - 1));
        if (block == null || o == block.length) {
            // A bucket's first block grows from small, so that a query of few rows over many buckets stays small.
            int longs = block != null ? Math.min(2 * block.length, 3 * BLOCK) : blk == 0 ? 3 * 8192 : 3 * BLOCK;
            budget.reserve(8L * (longs - (block == null ? 0 : block.length)), "the sessions' events of the paths");
            block = blocks[blk] = block != null ? Arrays.copyOf(block, longs) : new long[longs];
        }
        block[o] = (u & (BUCKET_KEYS - 1)) << 32 | labelId;
        block[o + 1] = timeUs;
        block[o + 2] = seqNo;
        filled[p] = f + 1;
    }

    /** Stops the filer if the rows were not all read (a query that failed half way). */
    @Override
    public void close() {
        if (filer != null) {
            filer.close();
        }
    }

    /** The counts: first step 0 (every occurrence), then one row per (step, previous label, label). */
    List<Row> rows() {
        if (filer != null) {
            if (inRows > 0) {
                hand();
            }
            filer.finish();
        }
        int[] used = IntStream.range(0, buckets.length).filter(p -> filled[p] > 0).toArray();
        // A few runs of consecutive buckets per core, each counting into one table (a table per bucket would grow
        // from empty again and again).
        int runs = Math.min(used.length, 4 * Runtime.getRuntime().availableProcessors());
        Counts[] counts = new Counts[runs];
        IntStream.range(0, runs).parallel().forEach(r -> {
            Counts c = new Counts();
            Walk walk = new Walk();
            for (int i = (int) ((long) used.length * r / runs); i < (int) ((long) used.length * (r + 1) / runs); i++) {
                budget.check();
                walk.bucket(buckets[used[i]], filled[used[i]], c);
            }
            counts[r] = c;
        });
        Counts all = new Counts();
        List<Counts> parts = new ArrayList<>(List.of(counts));
        parts.addAll(walked);
        for (Counts c : parts) {
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

    /**
     * A walker of sessions that the caller hands over whole and in order, for one thread: their counts join
     * {@link #rows()}'s. Each row of a session is three longs, as {@link #add} takes them, with the label alone in
     * the first (marks sort before their events).
     */
    Walker walker() {
        Counts c = new Counts();
        walked.add(c);
        return new Walker(c);
    }

    /** See {@link #walker()}. */
    final class Walker {
        private final Walk walk = new Walk();
        private final Counts counts;

        private Walker(Counts counts) {
            this.counts = counts;
        }

        /** Counts the session of the first {@code rows} rows of {@code rec} (which it may reorder). */
        void session(long[] rec, int rows) {
            walk.rec = rec;
            walk.session(0, rows, counts);
        }
    }

    /** The walk of one bucket after another, with buffers reused from bucket to bucket. */
    private final class Walk {
        private final int[] at = new int[BUCKET_KEYS + 1];
        private long[] rec = new long[3 * 1024];
        private int[] runLabel = new int[64];
        private int[] startRuns = new int[64];

        /** Groups a bucket's {@code n} rows by session, into {@code rec} in order, and walks its sessions. */
        void bucket(long[][] blocks, int n, Counts out) {
            Arrays.fill(at, 0);
            for (int i = 0; i < n; i++) {
                at[(int) (blocks[i >>> BLOCK_SHIFT][3 * (i & (BLOCK - 1))] >>> 32) + 1]++;
            }
            for (int k = 0; k < BUCKET_KEYS; k++) {
                at[k + 1] += at[k];
            }
            if (rec.length < 3 * n) {
                rec = new long[Math.max(3 * n, rec.length * 2)];
            }
            int[] fill = Arrays.copyOf(at, BUCKET_KEYS);
            for (int i = 0; i < n; i++) {
                long[] block = blocks[i >>> BLOCK_SHIFT];
                int o = 3 * (i & (BLOCK - 1));
                int k = (int) (block[o] >>> 32);
                int to = 3 * fill[k]++;
                rec[to] = block[o];
                rec[to + 1] = block[o + 1];
                rec[to + 2] = block[o + 2];
            }
            for (int k = 0; k < BUCKET_KEYS; k++) {
                if (at[k + 1] > at[k]) {
                    session(at[k], at[k + 1], out);
                }
            }
        }

        /** Counts the paths of the session of events [from, to) of {@code rec}. */
        void session(int from, int to, Counts out) {
            sort(from, to);
            int runs = 0;
            int occurrences = 0;
            // A start mark sorts right before its event (same time and seq, label 0 first).
            long marked = Long.MIN_VALUE;
            for (int i = from; i < to; i++) {
                int l = (int) rec[3 * i];
                if (l == 0) {
                    marked = rec[3 * i + 2];
                    continue;
                }
                if (runs == 0 || runLabel[runs - 1] != l) {
                    if (runs == runLabel.length) {
                        runLabel = Arrays.copyOf(runLabel, runs * 2);
                    }
                    runLabel[runs++] = l;
                }
                if (rec[3 * i + 2] == marked) {
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
                    int a = r + dir * k;
                    if (a < 0 || a >= runs) {
                        break;
                    }
                    out.add(((long) k << (2 * LABEL_BITS)) | ((long) prev << LABEL_BITS) | runLabel[a], 1);
                    prev = runLabel[a];
                }
            }
        }

        /**
         * Sorts the rows [from, to) of {@code rec} by time, seq, then label (a start mark before its event): an
         * insertion sort, as rows come nearly in order (the engine reads the events in the order they were stored).
         */
        private void sort(int from, int to) {
            for (int i = from + 1; i < to; i++) {
                long t = rec[3 * i + 1];
                long s = rec[3 * i + 2];
                int j = i - 1;
                while (j >= from && after(j, t, s, rec[3 * i])) {
                    j--;
                }
                if (j < i - 1) {
                    if (i - j > 64) {
                        // Far out of order: sort the rest properly rather than shift element by element.
                        sortFully(from, to);
                        return;
                    }
                    long r0 = rec[3 * i];
                    System.arraycopy(rec, 3 * (j + 1), rec, 3 * (j + 2), 3 * (i - j - 1));
                    rec[3 * (j + 1)] = r0;
                    rec[3 * (j + 1) + 1] = t;
                    rec[3 * (j + 1) + 2] = s;
                }
            }
        }

        /** Whether row {@code j} sorts after time {@code t}, seq {@code s} and the label of {@code r0}. */
        private boolean after(int j, long t, long s, long r0) {
            long tj = rec[3 * j + 1];
            if (tj != t) {
                return tj > t;
            }
            long sj = rec[3 * j + 2];
            return sj != s ? sj > s : (int) rec[3 * j] > (int) r0;
        }

        private void sortFully(int from, int to) {
            Integer[] order = IntStream.range(from, to).boxed().toArray(Integer[]::new);
            Arrays.sort(order, (a, b) -> after(a, rec[3 * b + 1], rec[3 * b + 2], rec[3 * b]) ? 1
                    : after(b, rec[3 * a + 1], rec[3 * a + 2], rec[3 * a]) ? -1 : 0);
            long[] sorted = new long[3 * (to - from)];
            for (int i = 0; i < order.length; i++) {
                System.arraycopy(rec, 3 * order[i], sorted, 3 * i, 3);
            }
            System.arraycopy(sorted, 0, rec, 3 * from, sorted.length);
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
