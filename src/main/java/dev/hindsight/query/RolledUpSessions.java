package dev.hindsight.query;

import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.store.Steps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The paths query's reading of sessions from the rollup of sessions' steps (see {@link Engine#rolledUpSteps} and
 * {@link Engine.PathsLayout}): the query's rows give the start marks, the events after the rollup and the
 * session-less sessions; this reads the blocks of the rolled-up sessions, and counts each session that has a start
 * as it comes, already in order, with no engine join and no filing. A session that also has events after the rollup
 * goes to the kernel whole instead, with its rolled-up events, so that it is ordered and counted once.
 */
final class RolledUpSessions {
    private final PathsKernel kernel;
    private final long fromMs;
    private final long toMs;
    private final long rolled;
    private final long envId;
    // How far the marks' keys may spread beyond eight slots a mark for an array of them (see QueryTuning).
    private final long denseSlack;
    // The start marks of sessions with a key, as the query gives them (time in microseconds).
    private int[] markKey = new int[1024];
    private long[] markTime = new long[1024];
    private long[] markSeq = new long[1024];
    private int marks;
    // The keys of sessions with events after the rollup.
    private int[] tailKey = new int[64];
    private int tails;
    // After index(): the marks in order by (key, time, seq), those of the key in slot k from markAt[k]. A key's slot
    // is its offset from minKey when the keys are dense enough for an array that long; else its index in the sorted
    // keys of the marks, sparseKeys.
    private int minKey;
    private int[] sparseKeys;
    private int[] markAt;
    private BitSet inTail;

    RolledUpSessions(Paths p, Engine.PathsLayout layout, PathsKernel kernel, long denseSlack) {
        this.denseSlack = denseSlack;
        this.kernel = kernel;
        this.fromMs = p.scope().fromMs();
        this.toMs = p.scope().toMs();
        this.rolled = layout.rolled();
        this.envId = p.scope().envId();
    }

    /** Takes a row of the query ({@link Engine#pathRows} in the unpacked layout). */
    void add(long sl, long timeUs, long seq) {
        int key = (int) (sl >> 32);
        if (key > 0 && (int) sl == 0) {
            if (marks == markKey.length) {
                markKey = Arrays.copyOf(markKey, 2 * marks);
                markTime = Arrays.copyOf(markTime, 2 * marks);
                markSeq = Arrays.copyOf(markSeq, 2 * marks);
            }
            markKey[marks] = key;
            markTime[marks] = timeUs;
            markSeq[marks++] = seq;
            return;
        }
        kernel.add(sl, timeUs, seq);
        if (key > 0) {
            if (tails == tailKey.length) {
                tailKey = Arrays.copyOf(tailKey, 2 * tails);
            }
            tailKey[tails++] = key;
        }
    }

    /** Reads the blocks of the sessions with a start, and counts them (into the kernel's rows). */
    void read(Engine engine) {
        if (marks == 0) {
            return;
        }
        index();
        // A session with events after the rollup is ordered by the kernel: its marks go there too.
        for (int k = inTail.nextSetBit(0); k >= 0; k = inTail.nextSetBit(k + 1)) {
            for (int m = markAt[k]; m < markAt[k + 1]; m++) {
                kernel.add((long) keyOf(k) << 32, markTime[m], markSeq[m]);
            }
        }
        int maxKey = keyOf(markAt.length - 2);
        List<Block> blocks = new ArrayList<>();
        engine.rolledUpSteps(envId, minKey >> Steps.BLOCK_SHIFT, maxKey >> Steps.BLOCK_SHIFT, fromMs, toMs,
                (block, steps) -> {
                    kernel.reserve(steps.length, "the sessions' rolled-up steps of the paths");
                    blocks.add(new Block(block, steps));
                });
        if (!inTail.isEmpty()) {
            Fill fill = new Fill(new long[3 * 1024]);
            for (Block block : blocks) {
                Steps.forEachSession(block.key(), block.steps(), (key, from, to) -> {
                    int k = slot(key);
                    if (k >= 0 && inTail.get(k)) {
                        fill.toKernel(key, block.steps(), from, to);
                    }
                });
            }
        }
        int parts = Math.min(blocks.size(), 4 * Runtime.getRuntime().availableProcessors());
        IntStream.range(0, parts).parallel().forEach(part -> {
            PathsKernel.Walker walker = kernel.walker();
            Fill fill = new Fill(new long[3 * 1024]);
            for (Block block : blocks.subList(blocks.size() * part / parts, blocks.size() * (part + 1) / parts)) {
                kernel.check();
                Steps.forEachSession(block.key(), block.steps(), (key, from, to) -> {
                    int k = slot(key);
                    if (k >= 0 && !inTail.get(k)) {
                        fill.session(walker, k, block.steps(), from, to);
                    }
                });
            }
        });
    }

    /** A block of the rollup: its key and its steps. */
    private record Block(int key, byte[] steps) {
    }

    /** The slot of a key with marks, or -1. */
    private int slot(int key) {
        if (sparseKeys != null) {
            return Math.max(-1, Arrays.binarySearch(sparseKeys, key));
        }
        int k = key - minKey;
        return k >= 0 && k < markAt.length - 1 && markAt[k + 1] > markAt[k] ? k : -1;
    }

    private int keyOf(int slot) {
        return sparseKeys != null ? sparseKeys[slot] : minKey + slot;
    }

    /** Sorts the marks by key (a counting sort), then each key's by time and seq; marks the tail sessions. */
    private void index() {
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int m = 0; m < marks; m++) {
            min = Math.min(min, markKey[m]);
            max = Math.max(max, markKey[m]);
        }
        minKey = min;
        int slots = max - min + 1;
        if ((long) max - min + 1 > 8L * marks + denseSlack) {
            sparseKeys = Arrays.stream(markKey, 0, marks).sorted().distinct().toArray();
            slots = sparseKeys.length;
            for (int m = 0; m < marks; m++) {
                markKey[m] = Arrays.binarySearch(sparseKeys, markKey[m]) + min;
            }
        }
        markAt = new int[slots + 1];
        for (int m = 0; m < marks; m++) {
            markAt[markKey[m] - min + 1]++;
        }
        for (int k = 0; k < markAt.length - 1; k++) {
            markAt[k + 1] += markAt[k];
        }
        int[] fill = Arrays.copyOf(markAt, markAt.length - 1);
        long[] time = new long[marks];
        long[] seq = new long[marks];
        for (int m = 0; m < marks; m++) {
            int at = fill[markKey[m] - min]++;
            time[at] = markTime[m];
            seq[at] = markSeq[m];
        }
        for (int k = 0; k < markAt.length - 1; k++) {
            for (int i = markAt[k] + 1; i < markAt[k + 1]; i++) {
                long t = time[i];
                long s = seq[i];
                int j = i - 1;
                for (; j >= markAt[k] && (time[j] > t || time[j] == t && seq[j] > s); j--) {
                    time[j + 1] = time[j];
                    seq[j + 1] = seq[j];
                }
                time[j + 1] = t;
                seq[j + 1] = s;
            }
        }
        markTime = time;
        markSeq = seq;
        markKey = null;
        inTail = new BitSet(markAt.length - 1);
        for (int i = 0; i < tails; i++) {
            int k = slot(tailKey[i]);
            if (k >= 0) {
                inTail.set(k);
            }
        }
    }

    /**
     * A session's rows as the kernel takes them, from its rolled-up events and its marks: the events in the range
     * and up to the rollup's seq, each mark right before the event of its time and seq.
     */
    private final class Fill implements Steps.Visitor {
        private long[] rec;
        private int n;
        private int mark;
        private int lastMark;

        Fill(long[] rec) {
            this.rec = rec;
        }

        /** Counts the session of slot {@code k} with the walker. */
        void session(PathsKernel.Walker walker, int k, byte[] block, int from, int to) {
            fill(k, block, from, to);
            walker.session(rec, n);
        }

        /** Hands the session's rolled-up events to the kernel (its marks are there already). */
        void toKernel(int key, byte[] block, int from, int to) {
            n = 0;
            mark = lastMark = 0;
            Steps.forEach(block, from, to, this);
            for (int i = 0; i < n; i++) {
                kernel.add((long) key << 32 | rec[3 * i], rec[3 * i + 1], rec[3 * i + 2]);
            }
        }

        private void fill(int k, byte[] block, int from, int to) {
            n = 0;
            mark = markAt[k];
            lastMark = markAt[k + 1];
            Steps.forEach(block, from, to, this);
            while (mark < lastMark) {
                put(0, markTime[mark], markSeq[mark++]);
            }
        }

        @Override
        public void accept(long ms, long seq, int label) {
            if (ms < fromMs || ms >= toMs || seq > rolled) {
                return;
            }
            long t = ms * 1000;
            while (mark < lastMark && (markTime[mark] < t || markTime[mark] == t && markSeq[mark] <= seq)) {
                put(0, markTime[mark], markSeq[mark++]);
            }
            put(label, t, seq);
        }

        private void put(long label, long t, long seq) {
            if (3 * n + 3 > rec.length) {
                rec = Arrays.copyOf(rec, 2 * rec.length);
            }
            rec[3 * n] = label;
            rec[3 * n + 1] = t;
            rec[3 * n + 2] = seq;
            n++;
        }
    }
}
