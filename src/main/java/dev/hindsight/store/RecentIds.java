package dev.hindsight.store;

import java.util.UUID;

/**
 * The event ids seen recently, so that a retried event is stored once: the dedup window.
 *
 * <p>Two generations of an open-addressing set of 128-bit keys: lookups consult both, inserts go to the
 * current one, and when the current one is older than half the window or holds half the capacity it becomes
 * the previous one and the old previous one is dropped. So an id is remembered for at least half and at most
 * all of the window (or the capacity). Primitive arrays keep memory at about 32 bytes per id.
 * Not thread-safe: only the writer thread uses it.
 */
public final class RecentIds {
    private final long halfWindowMs;
    private final int halfCapacity;
    private Generation current;
    private Generation previous;

    public RecentIds(long windowMs, int capacity, long nowMs) {
        this.halfWindowMs = Math.max(1, windowMs / 2);
        this.halfCapacity = Math.max(16, capacity / 2);
        this.current = new Generation(nowMs);
        this.previous = new Generation(nowMs);
    }

    /** Remembers the id; returns false when it was already remembered (a retry). */
    public boolean add(long envId, UUID id, long nowMs) {
        long hi = id.getMostSignificantBits();
        long lo = id.getLeastSignificantBits() ^ (envId * 0x9E3779B97F4A7C15L);
        if (previous.contains(hi, lo) || current.contains(hi, lo)) {
            return false;
        }
        if (nowMs - current.startedMs >= halfWindowMs || current.size >= halfCapacity) {
            previous = current;
            current = new Generation(nowMs);
        }
        current.add(hi, lo);
        return true;
    }

    /** Forgets an id, so that a retry of an event whose commit failed is not dropped. */
    public void remove(long envId, UUID id) {
        long hi = id.getMostSignificantBits();
        long lo = id.getLeastSignificantBits() ^ (envId * 0x9E3779B97F4A7C15L);
        current.remove(hi, lo);
        previous.remove(hi, lo);
    }

    public int size() {
        return current.size + previous.size;
    }

    /** Linear probing over parallel arrays; the all-zero key marks an empty slot, so a zero key is remapped. */
    private static final class Generation {
        final long startedMs;
        long[] his = new long[1024];
        long[] los = new long[1024];
        int size;

        Generation(long startedMs) {
            this.startedMs = startedMs;
        }

        boolean contains(long hi, long lo) {
            if (hi == 0 && lo == 0) {
                lo = 1;
            }
            int mask = his.length - 1;
            for (int i = slot(hi, lo, mask); ; i = (i + 1) & mask) {
                if (his[i] == 0 && los[i] == 0) {
                    return false;
                }
                if (his[i] == hi && los[i] == lo) {
                    return true;
                }
            }
        }

        void add(long hi, long lo) {
            if (hi == 0 && lo == 0) {
                lo = 1;
            }
            if ((size + 1) * 2 > his.length) {
                grow();
            }
            insert(hi, lo);
            size++;
        }

        private void insert(long hi, long lo) {
            int mask = his.length - 1;
            int i = slot(hi, lo, mask);
            while (his[i] != 0 || los[i] != 0) {
                i = (i + 1) & mask;
            }
            his[i] = hi;
            los[i] = lo;
        }

        void remove(long hi, long lo) {
            if (hi == 0 && lo == 0) {
                lo = 1;
            }
            int mask = his.length - 1;
            int i = slot(hi, lo, mask);
            while (his[i] != hi || los[i] != lo) {
                if (his[i] == 0 && los[i] == 0) {
                    return;
                }
                i = (i + 1) & mask;
            }
            // Backward-shift deletion keeps every remaining key reachable from its home slot.
            int gap = i;
            for (int j = (i + 1) & mask; his[j] != 0 || los[j] != 0; j = (j + 1) & mask) {
                int home = slot(his[j], los[j], mask);
                if (((j - home) & mask) >= ((j - gap) & mask)) {
                    his[gap] = his[j];
                    los[gap] = los[j];
                    gap = j;
                }
            }
            his[gap] = 0;
            los[gap] = 0;
            size--;
        }

        private void grow() {
            long[] oldHis = his;
            long[] oldLos = los;
            his = new long[oldHis.length * 2];
            los = new long[oldLos.length * 2];
            for (int i = 0; i < oldHis.length; i++) {
                if (oldHis[i] != 0 || oldLos[i] != 0) {
                    insert(oldHis[i], oldLos[i]);
                }
            }
        }

        private static int slot(long hi, long lo, int mask) {
            long h = (hi ^ Long.rotateLeft(lo, 32)) * 0xBF58476D1CE4E5B9L;
            return (int) (h ^ (h >>> 31)) & mask;
        }
    }
}
