package dev.hindsight.query;

import dev.hindsight.error.HindsightException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The cap on queries running at once: a query waits a short while for a slot, then gets 503 with Retry-After. A
 * slot is given back only when the query's work has ended (its statements cancelled, its kernels stopped), so the
 * cap bounds the engine's work, not only the requests waiting for answers.
 */
final class QueryGate {
    private final Semaphore slots;
    private final int max;
    private final long waitMs;
    private final AtomicInteger running = new AtomicInteger();
    private final Counter rejected;
    private final Counter timedOut;

    QueryGate(int max, long waitMs, MeterRegistry metrics) {
        this.slots = new Semaphore(max, true);
        this.max = max;
        this.waitMs = waitMs;
        Gauge.builder("hindsight.queries.running", running, AtomicInteger::get)
                .description("Queries running in the engine or the kernels").register(metrics);
        rejected = Counter.builder("hindsight.queries.rejected")
                .description("Queries refused with 503 because the concurrent-query cap was reached").register(metrics);
        timedOut = Counter.builder("hindsight.queries.timed.out")
                .description("Queries stopped at their time limit").register(metrics);
    }

    /** Runs {@code work} in a slot. */
    <T> T run(Supplier<T> work) {
        boolean admitted;
        try {
            admitted = slots.tryAcquire(waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) {
            rejected.increment();
            throw HindsightException.overloaded(max + " queries are running, the most this server runs at once"
                    + " (HINDSIGHT_MAX_CONCURRENT_QUERIES); retry shortly", 1);
        }
        running.incrementAndGet();
        try {
            return work.get();
        } finally {
            running.decrementAndGet();
            slots.release();
        }
    }

    void timedOut() {
        timedOut.increment();
    }
}
