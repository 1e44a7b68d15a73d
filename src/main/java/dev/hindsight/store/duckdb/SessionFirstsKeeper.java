package dev.hindsight.store.duckdb;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The keeper of {@code session_firsts} (see {@link SessionFirsts}): it folds the events committed since its last
 * run into the table, on its own connection, behind the event store's writer rather than inside its commits.
 *
 * <p>Why behind: kept in every commit, the table's upsert (a window over the commit's events and the channel
 * rules' expressions) cost a fifth of the server's CPU at full ingest, for commits of a few hundred events. Folded
 * in every second, or when a query is about to read the table, it costs the same per run and runs far less often.
 * A query that reads the table first brings it up to the events committed at that moment ({@link #catchUp}), so an
 * answer is as exact as if the writer had kept it; events committed while such a query runs may be missing their
 * session's row in that answer, as they may be missing from the answer altogether.
 *
 * <p>How far it got is kept in {@code rollups} (row {@code session_firsts_seq}) in the same transaction as the rows,
 * so after a crash it starts again where it stopped: no events are skipped and none counted twice (the upsert keeps
 * a session's earliest event whichever run sees it).
 */
final class SessionFirstsKeeper {
    private static final String WATERMARK = "session_firsts_seq";

    private final DuckDb db;
    // Events with a seq below this are committed: the writer publishes it after each commit.
    private volatile long committed;
    // Events with a seq below this are folded into the table. Guarded by this.
    private long applied;

    SessionFirstsKeeper(DuckDb db, Statement st) throws SQLException {
        this.db = db;
        long next;
        try (ResultSet rs = st.executeQuery("SELECT coalesce(max(seq), -1) + 1 FROM events")) {
            rs.next();
            next = rs.getLong(1);
        }
        Long stored = null;
        try (ResultSet rs = st.executeQuery("SELECT seq FROM rollups WHERE name = '" + WATERMARK + "'")) {
            if (rs.next()) {
                stored = rs.getLong(1);
            }
        }
        if (stored == null) {
            // A store whose table was filled at the upgrade, or kept by the writer in each commit (before the
            // keeper): it is complete up to the last event.
            st.execute("INSERT OR REPLACE INTO rollups VALUES ('" + WATERMARK + "', " + next + ")");
            stored = next;
        }
        this.applied = stored;
        this.committed = next;
    }

    /** Tells the keeper that every event with a seq below {@code nextSeq} is committed. */
    void committed(long nextSeq) {
        committed = nextSeq;
    }

    /** Whether events are committed that the table does not reflect yet. */
    boolean behind() {
        synchronized (this) {
            return applied < committed;
        }
    }

    /**
     * Folds every event committed so far into the table, and returns when the table reflects them (at once when it
     * already does).
     */
    synchronized void catchUp() {
        long upTo = committed;
        if (applied >= upTo) {
            return;
        }
        long from = applied;
        db.withConnection(c -> {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(SessionFirsts.UPSERT)) {
                    ps.setLong(1, from);
                    ps.setLong(2, upTo);
                    ps.execute();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO rollups VALUES (?, ?)")) {
                    ps.setString(1, WATERMARK);
                    ps.setLong(2, upTo);
                    ps.execute();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            return null;
        });
        applied = upTo;
    }

    /**
     * Runs {@code work} while the keeper writes nothing: the event store's checkpoint, which DuckDB refuses while
     * another connection has a write transaction open.
     */
    synchronized void whileIdle(SqlAction work) throws SQLException {
        work.run();
    }

    /** Work on the database while the keeper is idle. */
    @FunctionalInterface
    interface SqlAction {
        void run() throws SQLException;
    }
}
