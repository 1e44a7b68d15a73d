package dev.hindsight.store.duckdb;

import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.LoggerFactory;

/**
 * The background thread that folds the write-ahead log into the database file, on its own connection, while the
 * event store's writer goes on committing.
 *
 * <p>Why not on the writer: a checkpoint takes the writer's thread for 0.3 to 1.5 s at full ingest (string
 * compression of every new row group) that the writer's commits then could not use. DuckDB lets a checkpoint
 * start while another connection has appends open, so the writer only asks for one; commits still wait while it
 * runs (DuckDB starts no write transaction meanwhile), which is why checkpoints are rare (see
 * {@link DuckDb#CHECKPOINT_WAL_BYTES}). A checkpoint DuckDB refuses (another
 * connection holds updates open) is tried again after a pause; if the WAL keeps growing regardless, the writer
 * checkpoints itself (see {@link #mustRunInline}), so the WAL stays bounded.
 */
final class Checkpointer implements AutoCloseable {
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final DuckDb db;
    private final long threshold;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wanted = lock.newCondition();
    private boolean requested;
    private boolean closed;
    private final Thread thread;

    Checkpointer(DuckDb db, long threshold) {
        this.db = db;
        this.threshold = threshold;
        this.thread = Thread.ofPlatform().daemon().name("hindsight-checkpointer").unstarted(this::run);
        thread.start();
    }

    /** Called by the writer after a commit: asks for a checkpoint when the WAL has passed the threshold. */
    void afterCommit(long walBytes) {
        if (walBytes <= threshold) {
            return;
        }
        lock.lock();
        try {
            requested = true;
            wanted.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the WAL has grown so far past the threshold (background checkpoints keep being refused or cannot keep
     * up) that the writer must checkpoint before its next commit.
     */
    boolean mustRunInline(long walBytes) {
        return walBytes > 4 * threshold;
    }

    private void run() {
        while (true) {
            lock.lock();
            try {
                while (!requested && !closed) {
                    wanted.await();
                }
                if (closed) {
                    return;
                }
                requested = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            if (db.walBytes() <= threshold) {
                continue;
            }
            try {
                long wal = db.walBytes();
                long t0 = System.nanoTime();
                db.sessionFirsts().whileIdle(() -> db.withConnection(c -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("CHECKPOINT");
                    }
                    return null;
                }));
                LoggerFactory.getLogger(Checkpointer.class).info("Checkpoint of {} MiB of WAL took {} ms", wal >> 20,
                        (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException | java.sql.SQLException e) {
                if (closed) {
                    return;
                }
                // The commits are durable in the WAL; the writer asks again after its next commit.
                LoggerFactory.getLogger(Checkpointer.class).debug("Checkpoint refused; will retry: {}", e.getMessage());
                // A pause the writer's requests do not cut short, or every commit would try again at once.
                lock.lock();
                try {
                    long left = RETRY_NANOS;
                    while (left > 0 && !closed) {
                        left = wanted.awaitNanos(left);
                    }
                } catch (InterruptedException interrupted) {
                    return;
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Stops the thread after the checkpoint it may be running. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            wanted.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
