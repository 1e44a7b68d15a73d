package dev.hindsight.query;

import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.store.SqlRunner;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The time and Java memory one query may use. When its time is up ({@link #expire}, from a timer), every engine
 * statement it has running is cancelled, and its kernels stop at their next {@link #check}; their memory is
 * reserved ({@link #reserve}) before they allocate, so that a hostile request is refused instead of exhausting the
 * heap.
 */
final class QueryBudget implements SqlRunner.StatementWatch {
    private final long timeoutMs;
    private final long memoryBytes;
    private final AtomicLong reserved = new AtomicLong();
    private final Set<Runnable> running = ConcurrentHashMap.newKeySet();
    private volatile boolean expired;

    QueryBudget(long timeoutMs, long memoryBytes) {
        this.timeoutMs = timeoutMs;
        this.memoryBytes = memoryBytes;
    }

    /** No limits: for kernels and queries run outside the HTTP API (tests, benchmarks). */
    static QueryBudget unlimited() {
        return new QueryBudget(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /** Ends the query: cancels its running statements; its kernels stop at their next check. */
    void expire() {
        expired = true;
        cancelRunning();
    }

    /** Cancels the statements running now (a query that failed stops its other statements). */
    void cancelRunning() {
        running.forEach(Runnable::run);
    }

    boolean expired() {
        return expired;
    }

    /** Throws the query's timeout once it has expired. */
    @Override
    public void check() {
        if (expired) {
            throw timeout(timeoutMs);
        }
    }

    @Override
    public SqlRunner.Registration started(Runnable cancel) {
        running.add(cancel);
        // A statement that starts just after the timer ran is cancelled by its own start.
        if (expired) {
            cancel.run();
        }
        return () -> running.remove(cancel);
    }

    /**
     * Reserves {@code bytes} of Java memory for {@code what} before it is allocated; refuses the query when its
     * reservations pass the per-query memory limit.
     */
    void reserve(long bytes, String what) {
        check();
        long total = reserved.addAndGet(bytes);
        if (total > memoryBytes) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "The query needs more than its memory limit of "
                    + (memoryBytes >> 20) + " MiB (HINDSIGHT_QUERY_MEMORY_MB) for " + what
                    + ": narrow the time range or the events");
        }
    }

    static HindsightException timeout(long timeoutMs) {
        return new HindsightException(ErrorCode.QUERY_TIMEOUT, "The query ran longer than its time limit of "
                + timeoutMs + " ms (HINDSIGHT_QUERY_TIMEOUT_MS) and was stopped: narrow the time range or the events");
    }
}
