package dev.hindsight.catalog;

import dev.hindsight.catalog.CatalogStore.TrackedDefinition;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background thread that keeps the catalog's summary up to date: a pass reads the events appended since the
 * last one (a slice at a time, until none is left) and recounts changed definitions. It runs every {@code interval},
 * and at once when a request asks for it; a request then waits, bounded, for a pass that started after it arrived, so
 * its answer includes every event acknowledged before it (and every definition saved before it).
 */
public final class CatalogRefresher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogRefresher.class);

    private final CatalogStore store;
    private final Supplier<List<TrackedDefinition>> definitions;
    private final long intervalMs;
    private final Thread thread;
    private final Object lock = new Object();
    // Passes are numbered: the last one started, the last one ended, and the last one that succeeded.
    private long started;
    private long ended;
    private long succeeded;
    private long requested;
    private boolean closed;

    public CatalogRefresher(CatalogStore store, Supplier<List<TrackedDefinition>> definitions, Duration interval) {
        this.store = store;
        this.definitions = definitions;
        this.intervalMs = Math.max(1, interval.toMillis());
        this.thread = new Thread(this::run, "hindsight-catalog");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Asks for a pass and waits at most {@code max} for one that started after this call to succeed; whether one
     * did (if not, the summary is older than the call).
     */
    public boolean awaitFresh(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (lock) {
            long target = started + 1;
            requested = Math.max(requested, target);
            lock.notifyAll();
            while (ended < target && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return succeeded >= target;
        }
    }

    private void run() {
        while (true) {
            long pass;
            synchronized (lock) {
                if (requested <= started && !closed) {
                    try {
                        lock.wait(intervalMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                pass = ++started;
            }
            boolean ok = false;
            try {
                while (store.refresh(definitions.get()) && !isClosed()) {
                    // Slices until the summary has caught up with the store.
                }
                ok = true;
            } catch (RuntimeException e) {
                LOG.warn("Refreshing the catalog failed; the next pass retries", e);
            }
            synchronized (lock) {
                ended = pass;
                if (ok) {
                    succeeded = pass;
                }
                lock.notifyAll();
            }
        }
    }

    private boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** Stops the thread, letting a pass in progress finish (it holds a connection to the database). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
