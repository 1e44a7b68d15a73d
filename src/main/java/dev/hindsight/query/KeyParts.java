package dev.hindsight.query;

/**
 * The plan by which the funnel's kernel ({@link FunnelKernel}) splits millions of events by ranges of a dense
 * integer key (the user) into parts of a few thousand events, so that each part is then grouped
 * by key in the cache: the input is cut into one slice per core, each slice counts its events per part
 * ({@link #count}), {@link #plan} turns the counts into where each slice writes in each part, and each slice then
 * moves its events ({@link #next}).
 */
final class KeyParts {
    private static final int EVENTS_PER_PART = 1 << 12;

    private final int size;
    private final long keys;
    final int slices;
    final int shift;
    final int parts;
    /** Per part, where its events start; one more for the end. */
    final int[] start;
    private final int[][] offsets;

    /** A plan for {@code size} events with keys in [0, {@code keys}). */
    KeyParts(int size, long keys) {
        this.size = size;
        this.keys = keys;
        this.slices = slices(size);
        int partBits = Math.max(0, 32 - Integer.numberOfLeadingZeros(Math.max(1, size / EVENTS_PER_PART) - 1));
        int keyBits = 64 - Long.numberOfLeadingZeros(Math.max(1, keys) - 1);
        this.shift = Math.max(0, keyBits - partBits);
        this.parts = (int) ((Math.max(1, keys) - 1) >>> shift) + 1;
        this.start = new int[parts + 1];
        this.offsets = new int[slices][parts];
    }

    /** How many slices a pass over {@code size} events is cut into: one per core, unless there are few events. */
    static int slices(int size) {
        return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), size / EVENTS_PER_PART));
    }

    /** The first of {@code size} events in slice {@code c} of {@code slices} (and the end of slice {@code c - 1}). */
    static int slice(int size, int c, int slices) {
        return (int) ((long) size * c / slices);
    }

    /** The first event of slice {@code c} (and the end of slice {@code c - 1}). */
    int slice(int c) {
        return slice(size, c, slices);
    }

    /** Counts an event of {@code key} in slice {@code c}. */
    void count(int c, int key) {
        offsets[c][key >>> shift]++;
    }

    /** After all counts: each slice's first place in each part, and {@link #start}. */
    void plan() {
        for (int p = 0, at = 0; p < parts; p++) {
            start[p] = at;
            for (int c = 0; c < slices; c++) {
                int n = offsets[c][p];
                offsets[c][p] = at;
                at += n;
            }
            start[p + 1] = at;
        }
    }

    /** The place of slice {@code c}'s next event of {@code key}, after {@link #plan}. */
    int next(int c, int key) {
        return offsets[c][key >>> shift]++;
    }

    /** The first key of part {@code p}. */
    long firstKey(int p) {
        return (long) p << shift;
    }

    /** How many keys part {@code p} covers. */
    int keysOf(int p) {
        return (int) Math.min(1L << shift, keys - firstKey(p));
    }
}
