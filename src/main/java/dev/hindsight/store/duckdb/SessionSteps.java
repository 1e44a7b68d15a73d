package dev.hindsight.store.duckdb;

import dev.hindsight.store.Steps;
import java.io.ByteArrayOutputStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The rollup of sessions' labelled events into {@code session_steps}, which the paths analysis reads instead of the
 * events: each session's events in order, in one blob per block of 2^{@link Steps#BLOCK_SHIFT} consecutive session
 * keys (see {@link Steps}). At 10M events that is 23 thousand rows and 56 MB the query reads whole, with no join,
 * where the events are 10 million rows to join with the start sessions, and a session comes already in order.
 *
 * <p>A roll-up takes the events appended since the last one (by {@code seq}, up to {@link #SLICE} of them at a
 * time; the server's, only those that arrived {@link #SETTLE} ago or earlier), merges them into the blocks of the
 * sessions they touch (deleting each such block and writing it again), and advances the rollup's {@code seq} in
 * {@code rollups}, all in one transaction: a crash leaves the rollup as it was before or after, never half-way. Events with a seq above the rollup's are read from the events table by the query,
 * so an answer never waits for a roll-up, and never counts an event twice or misses one. Raw events are never
 * changed, so nothing else invalidates a block: sessions are keyed by their session id's key in the store, which
 * identity merges do not touch. Events without a session id or a label take no part (paths groups the former itself
 * and leaves the latter out).
 */
public final class SessionSteps {
    /** The rollup's name in the {@code rollups} table, whose {@code seq} says up to where it has read the events. */
    static final String ROLLUP = "session_steps";
    /** A scalar subquery: the seq up to which events are rolled up, -1 when none are. */
    static final String ROLLED_SEQ = "(SELECT coalesce(max(seq), -1) FROM rollups WHERE name = '" + ROLLUP + "')";
    /** Most events one transaction rolls up: bounds the memory and the time a roll-up holds its transaction. */
    static final int SLICE = 2_000_000;

    /**
     * How long after it arrived an event is rolled up by {@link #rollUpSettled}: a session's events then mostly go
     * into its block at once, where a roll-up of every new event would write the blocks of all open sessions again
     * and again. It is the inactivity that ends a session.
     */
    public static final Duration SETTLE = Duration.ofMinutes(30);

    private final DuckDb db;
    private final Clock clock;
    private final int slice;

    public SessionSteps(DuckDb db, Clock clock) {
        this(db, clock, SLICE);
    }

    /** A rollup that takes at most {@code slice} events per transaction (tests roll up in many slices). */
    SessionSteps(DuckDb db, Clock clock, int slice) {
        this.db = db;
        this.clock = clock;
        this.slice = slice;
    }

    /**
     * Rolls up every event appended so far, a slice per transaction, and returns how many events it read. Only one
     * thread may roll up at a time (the server's scheduler, or a test or benchmark that owns the store).
     */
    public long rollUp() {
        return rollUp(Long.MAX_VALUE);
    }

    /** Rolls up the events that arrived at least {@link #SETTLE} ago (what the server does every minute). */
    public long rollUpSettled() {
        return rollUp(clock.millis() - SETTLE.toMillis());
    }

    private synchronized long rollUp(long receivedBefore) {
        long total = 0;
        while (true) {
            long n = db.withConnection(c -> rollUpSlice((DuckDBConnection) c, slice, receivedBefore));
            if (n < 0) {
                return total;
            }
            total += n;
        }
    }

    /** How many events were appended after the last roll-up (for metrics: paths read those from the events). */
    public long behind() {
        return db.query("SELECT (SELECT coalesce(max(seq), -1) FROM events) - " + ROLLED_SEQ, List.of(),
                rs -> rs.getLong(1)).get(0);
    }

    /** The seq up to which events are rolled up (-1: none). */
    public long rolledSeq() {
        return db.query("SELECT " + ROLLED_SEQ, List.of(), rs -> rs.getLong(1)).get(0);
    }

    /** Rolls up the next slice in one transaction; the events it read, or -1 when there was nothing to roll up. */
    private static long rollUpSlice(DuckDBConnection c, int slice, long receivedBefore) throws SQLException {
        c.setAutoCommit(false);
        try {
            long from = single(c, "SELECT " + ROLLED_SEQ);
            // Events arrive in seq order, give or take the write queue, so the last to arrive before the cut is
            // about the last seq to take; only the events after the rollup are read to find it.
            long max = single(c, "SELECT coalesce(max(seq), -1) FROM events WHERE seq > " + from
                    + (receivedBefore == Long.MAX_VALUE ? "" : " AND received_at < epoch_ms(" + receivedBefore + ")"));
            if (max <= from) {
                c.rollback();
                return -1;
            }
            long to = Math.min(max, from + slice);
            String events = " FROM events WHERE seq > " + from + " AND seq <= " + to
                    + " AND session_key IS NOT NULL AND label_id IS NOT NULL";
            String touched = "SELECT env_id * 4294967296 + (session_key >> " + Steps.BLOCK_SHIFT + ")" + events;
            String block = "env_id * 4294967296 + block";
            // The touched blocks as they were, to merge the new events into.
            Map<Long, Block> old = new HashMap<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + block
                    + ", epoch_ms(first_time), epoch_ms(last_time), steps FROM session_steps WHERE " + block
                    + " IN (" + touched + ")")) {
                while (rs.next()) {
                    old.put(rs.getLong(1), new Block(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getBytes(4)));
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("DELETE FROM session_steps WHERE " + block + " IN (" + touched + ")");
            }
            long read = 0;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT env_id, session_key, epoch_ms(time), seq, label_id" + events
                            + " ORDER BY env_id, session_key, time, seq");
                    DuckDBAppender out = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "session_steps")) {
                Builder session = new Builder();
                Block current = null;
                long sessionKey = Long.MIN_VALUE;
                while (rs.next()) {
                    read++;
                    long env = rs.getLong(1);
                    int key = rs.getInt(2);
                    long k = env * 4294967296L + key;
                    if (k != sessionKey) {
                        session.writeTo(current);
                        long blockKey = env * 4294967296L + (key >> Steps.BLOCK_SHIFT);
                        if (current == null || current.key != blockKey) {
                            if (current != null) {
                                current.writeTo(out);
                            }
                            current = old.containsKey(blockKey) ? old.get(blockKey) : new Block(blockKey);
                        }
                        session.start(key, current.sessions.get(key));
                        sessionKey = k;
                    }
                    session.add(rs.getLong(3), rs.getLong(4), rs.getInt(5));
                }
                session.writeTo(current);
                if (current != null) {
                    current.writeTo(out);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO rollups VALUES (?, ?)")) {
                ps.setString(1, ROLLUP);
                ps.setLong(2, to);
                ps.execute();
            }
            c.commit();
            return read;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** The one value of a query, in the connection's transaction. */
    private static long single(DuckDBConnection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A block's sessions by key, each its encoded steps, with the block's first and last times. */
    private static final class Block {
        final long key;
        final TreeMap<Integer, byte[]> sessions = new TreeMap<>();
        long firstMs = Long.MAX_VALUE;
        long lastMs = Long.MIN_VALUE;

        Block(long key) {
            this.key = key;
        }

        Block(long key, long firstMs, long lastMs, byte[] steps) {
            this.key = key;
            this.firstMs = firstMs;
            this.lastMs = lastMs;
            Steps.forEachSession((int) key, steps, (session, from, to) -> sessions.put(session,
                    Arrays.copyOfRange(steps, from, to)));
        }

        void writeTo(DuckDBAppender out) throws SQLException {
            ByteArrayOutputStream steps = new ByteArrayOutputStream();
            sessions.forEach((session, bytes) -> Steps.appendSession(steps, session, bytes));
            out.beginRow();
            out.append(key >> 32);
            out.append((int) key);
            out.appendEpochMicros(firstMs * 1000);
            out.appendEpochMicros(lastMs * 1000);
            out.append(steps.toByteArray());
            out.endRow();
        }
    }

    /**
     * One session's events, gathered for its row: its old row's events, then the new events in order (their
     * seqs are all higher, but a late event may sort before old ones by time, so the two are merged).
     */
    static final class Builder {
        private int session = -1;
        private long[] ms = new long[64];
        private long[] seq = new long[64];
        private int[] label = new int[64];
        private int n;
        private int oldCount;

        void start(int session, byte[] old) {
            this.session = session;
            n = 0;
            if (old != null) {
                Steps.forEach(old, 0, old.length, this::add);
            }
            oldCount = n;
        }

        void add(long ms, long seq, int label) {
            if (n == this.ms.length) {
                this.ms = Arrays.copyOf(this.ms, n * 2);
                this.seq = Arrays.copyOf(this.seq, n * 2);
                this.label = Arrays.copyOf(this.label, n * 2);
            }
            this.ms[n] = ms;
            this.seq[n] = seq;
            this.label[n] = label;
            n++;
        }

        /** Puts the session's steps into its block, if a session was started, merging old and new events in order. */
        void writeTo(Block block) {
            if (session < 0) {
                return;
            }
            if (oldCount > 0 && oldCount < n && before(oldCount, oldCount - 1)) {
                merge();
            }
            block.sessions.put(session, Steps.encode(ms, seq, label, n));
            block.firstMs = Math.min(block.firstMs, ms[0]);
            block.lastMs = Math.max(block.lastMs, ms[n - 1]);
            session = -1;
        }

        private boolean before(int i, int j) {
            return ms[i] < ms[j] || ms[i] == ms[j] && seq[i] < seq[j];
        }

        /** Merges the two sorted runs [0, oldCount) and [oldCount, n). */
        private void merge() {
            long[] m = new long[n];
            long[] s = new long[n];
            int[] l = new int[n];
            int i = 0;
            int j = oldCount;
            for (int k = 0; k < n; k++) {
                int from = j >= n || i < oldCount && before(i, j) ? i++ : j++;
                m[k] = ms[from];
                s[k] = seq[from];
                l[k] = label[from];
            }
            ms = m;
            seq = s;
            label = l;
        }
    }
}
