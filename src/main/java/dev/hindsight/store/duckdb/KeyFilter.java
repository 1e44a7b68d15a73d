package dev.hindsight.store.duckdb;

/**
 * A Bloom filter of strings (two probes into a bit array): {@code false} from {@link #mightContain} means the
 * string was never added. The dictionaries use it so that a new device costs no lookup in a table of millions.
 * It holds 16 bits per string at most: past that, {@link #full} asks the owner to build a bigger one.
 */
final class KeyFilter {
    private final long[] bits;
    private final long mask;
    private long count;

    /** A filter for about {@code expected} strings (at least a million bits). */
    KeyFilter(long expected) {
        long size = Long.highestOneBit(Math.max(1L << 20, expected * 32) - 1) << 1;
        bits = new long[(int) Math.min(size >>> 6, 1 << 30)];
        mask = (long) bits.length * 64 - 1;
    }

    void add(String s) {
        long h = hash(s);
        set(h & mask);
        set(second(h));
        count++;
    }

    boolean mightContain(String s) {
        long h = hash(s);
        return get(h & mask) && get(second(h));
    }

    /** The second probe: the hash's halves swapped and mixed again, so it is independent of the first. */
    private long second(long h) {
        return (h >>> 32 | h << 32) * 0x9E3779B97F4A7C15L & mask;
    }

    /** Whether the filter holds more strings than it was sized for (its false positives then grow). */
    boolean full() {
        return count * 16 > mask + 1;
    }

    private void set(long bit) {
        bits[(int) (bit >>> 6)] |= 1L << bit;
    }

    private boolean get(long bit) {
        return (bits[(int) (bit >>> 6)] & 1L << bit) != 0;
    }

    /** A 64-bit hash of the string's chars (FNV-1a, then a murmur finaliser to spread the bits). */
    private static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ h >>> 33;
    }
}
