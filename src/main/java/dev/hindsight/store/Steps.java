package dev.hindsight.store;

import java.io.ByteArrayOutputStream;

/**
 * The encoding of sessions' events in blobs, as the {@code session_steps} rollup stores them for paths.
 *
 * <p>A session's steps are its events in order (time, then seq), each as three unsigned LEB128 varints: the
 * milliseconds since the previous event (since the epoch for the first), the zigzag-coded difference from the
 * previous seq (from 0 for the first), and the label id: about six bytes an event. A block holds the sessions whose
 * keys share all but their low {@link #BLOCK_SHIFT} bits, in key order, each as two varints, its key's low bits and
 * the length of its steps, then the steps: a reader skips a session it does not need without decoding it.
 */
public final class Steps {
    /** A block holds the sessions of 2^BLOCK_SHIFT consecutive keys. */
    public static final int BLOCK_SHIFT = 6;

    private Steps() {
    }

    /** Receives one decoded event. */
    @FunctionalInterface
    public interface Visitor {
        void accept(long epochMs, long seq, int label);
    }

    /** Receives one session of a block: its key, and where its steps are in the block. */
    @FunctionalInterface
    public interface SessionVisitor {
        void accept(int sessionKey, int from, int to);
    }

    /** Hands each event of the steps in {@code steps[from, to)} to {@code visitor}, in order. */
    public static void forEach(byte[] steps, int from, int to, Visitor visitor) {
        Reader r = new Reader(steps, from);
        long ms = 0;
        long seq = 0;
        while (r.i < to) {
            ms += r.next();
            long d = r.next();
            seq += (d >>> 1) ^ -(d & 1);
            visitor.accept(ms, seq, (int) r.next());
        }
    }

    /** Hands each session of the block {@code block} (of key {@code sessionKey >> BLOCK_SHIFT}) to {@code visitor}. */
    public static void forEachSession(int blockKey, byte[] block, SessionVisitor visitor) {
        Reader r = new Reader(block, 0);
        while (r.i < block.length) {
            int key = (blockKey << BLOCK_SHIFT) + (int) r.next();
            int length = (int) r.next();
            visitor.accept(key, r.i, r.i + length);
            r.i += length;
        }
    }

    /** Encodes events given in order (time, then seq) as a session's steps. */
    public static byte[] encode(long[] ms, long[] seq, int[] label, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(n * 6);
        long prevMs = 0;
        long prevSeq = 0;
        for (int i = 0; i < n; i++) {
            varint(out, ms[i] - prevMs);
            long d = seq[i] - prevSeq;
            varint(out, (d << 1) ^ (d >> 63));
            varint(out, label[i]);
            prevMs = ms[i];
            prevSeq = seq[i];
        }
        return out.toByteArray();
    }

    /** Appends a session's steps to a block being written; sessions go in key order. */
    public static void appendSession(ByteArrayOutputStream block, int sessionKey, byte[] steps) {
        varint(block, sessionKey & ((1 << BLOCK_SHIFT) - 1));
        varint(block, steps.length);
        block.writeBytes(steps);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** A position in a blob of varints. */
    private static final class Reader {
        private final byte[] b;
        private int i;

        Reader(byte[] b, int i) {
            this.b = b;
            this.i = i;
        }

        long next() {
            long v = 0;
            int shift = 0;
            byte x;
            do {
                x = b[i++];
                v |= (long) (x & 0x7f) << shift;
                shift += 7;
            } while (x < 0);
            return v;
        }
    }
}
