package dev.hindsight.store;

import dev.hindsight.http.ErrorCode;
import dev.hindsight.http.HindsightException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable write path: a bounded queue feeding one writer thread that applies everything waiting in one
 * commit (group commit). A submitter's future completes only after its ops are committed, so an answer to a
 * client means the events survive a crash. A full queue refuses at once (503 with Retry-After) rather than
 * blocking or dropping. Retried events (same id within the dedup window) are acknowledged but stored once.
 */
public final class WriteQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteQueue.class);

    /** How a submitted request fared: events stored, and events dropped as retries of stored ones. */
    public record Result(int stored, int duplicates) {
    }

    private record Request(List<WriteOp> ops, CompletableFuture<Result> done) {
    }

    private final EventStore store;
    private final RecentIds recent;
    private final Clock clock;
    private final int capacity;
    private final int maxBatch;
    private final Semaphore room;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final Timer commitLatency;
    private final DistributionSummary commitBatch;
    private final Counter refusedOverloaded;
    private final Object admission = new Object();
    private boolean closing;

    public WriteQueue(EventStore store, RecentIds recent, Clock clock, int capacity, int maxBatch, MeterRegistry metrics) {
        this.store = store;
        this.recent = recent;
        this.clock = clock;
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.room = new Semaphore(capacity);
        this.commitLatency = Timer.builder("hindsight.commit.latency").description("Time to append and commit one batch")
                .publishPercentiles(0.5, 0.99).register(metrics);
        this.commitBatch = DistributionSummary.builder("hindsight.commit.batch.size")
                .description("Ops applied per commit").register(metrics);
        this.refusedOverloaded = Counter.builder("hindsight.write.refused").tag("reason", "overloaded")
                .description("Ops refused with 503 because the write queue was full").register(metrics);
        Gauge.builder("hindsight.queue.depth", this, WriteQueue::depth).description("Ops waiting to be committed")
                .register(metrics);
        this.writer = Thread.ofPlatform().name("hindsight-writer").unstarted(this::run);
        writer.start();
    }

    /**
     * Queues ops for the next commit. Fails at once with 503 when the queue has no room for them, or when the
     * server is shutting down.
     */
    public CompletableFuture<Result> submit(List<WriteOp> ops) {
        if (ops.isEmpty()) {
            return CompletableFuture.completedFuture(new Result(0, 0));
        }
        CompletableFuture<Result> done = new CompletableFuture<>();
        // Admission and close() share a lock, so nothing is queued after the writer was told to finish.
        synchronized (admission) {
            if (closing) {
                throw new HindsightException(ErrorCode.UNAVAILABLE, "The server is shutting down; retry shortly",
                        List.of(), Map.of(), 5);
            }
            if (ops.size() > capacity || !room.tryAcquire(ops.size())) {
                refusedOverloaded.increment(ops.size());
                throw HindsightException.overloaded("The write queue is full (" + capacity
                        + " ops); nothing from this request was stored, retry after the delay", 1);
            }
            queue.add(new Request(ops, done));
        }
        return done;
    }

    /** Submits ops and waits until they are committed; failures become 503 problems. */
    public Result submitAndWait(List<WriteOp> ops) {
        try {
            return submit(ops).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HindsightException he) {
                throw he;
            }
            throw new HindsightException(ErrorCode.UNAVAILABLE, "The store failed to commit; retry");
        } catch (TimeoutException e) {
            throw new HindsightException(ErrorCode.UNAVAILABLE, "The commit did not finish within 60 s; the events may "
                    + "or may not be stored, retry with the same event ids", List.of(), Map.of(), 5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HindsightException(ErrorCode.UNAVAILABLE, "Interrupted while committing; retry");
        }
    }

    private boolean isClosing() {
        synchronized (admission) {
            return closing;
        }
    }

    /** Ops queued and not yet committed. */
    public int depth() {
        return capacity - room.availablePermits();
    }

    private void run() {
        List<Request> batch = new ArrayList<>();
        while (true) {
            try {
                Request first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (isClosing() && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                int ops = first.ops().size();
                Request next;
                while (ops < maxBatch && (next = queue.poll()) != null) {
                    batch.add(next);
                    ops += next.ops().size();
                }
                commit(batch, ops);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                // Keep the writer alive: a dead writer would leave every later request waiting for its timeout.
                LOG.error("Writer loop failed", e);
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Request> batch, int opCount) {
        long now = clock.millis();
        List<WriteOp> toWrite = new ArrayList<>(opCount);
        List<RawEvent> added = new ArrayList<>();
        int[] duplicates = new int[batch.size()];
        for (int r = 0; r < batch.size(); r++) {
            for (WriteOp op : batch.get(r).ops()) {
                if (op instanceof WriteOp.Append a) {
                    if (!recent.add(a.event().envId(), a.event().eventId(), now)) {
                        duplicates[r]++;
                        continue;
                    }
                    added.add(a.event());
                }
                toWrite.add(op);
            }
        }
        long start = System.nanoTime();
        try {
            store.write(toWrite);
        } catch (RuntimeException | Error e) {
            for (RawEvent ev : added) {
                recent.remove(ev.envId(), ev.eventId());
            }
            LOG.error("Commit of {} ops failed; their requests get 503", toWrite.size(), e);
            for (Request r : batch) {
                room.release(r.ops().size());
                r.done().completeExceptionally(new HindsightException(ErrorCode.UNAVAILABLE,
                        "The store could not commit this request; nothing from it was stored, retry", List.of(),
                        Map.of(), 1));
            }
            return;
        }
        commitLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        commitBatch.record(toWrite.size());
        for (int r = 0; r < batch.size(); r++) {
            Request req = batch.get(r);
            room.release(req.ops().size());
            long events = req.ops().stream().filter(o -> o instanceof WriteOp.Append).count();
            req.done().complete(new Result((int) events - duplicates[r], duplicates[r]));
        }
    }

    /** Stops taking requests, commits everything already queued, and waits for the writer to finish. */
    @Override
    public void close() {
        synchronized (admission) {
            closing = true;
        }
        try {
            writer.join(TimeUnit.MINUTES.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A request that slipped in while the writer was finishing is refused rather than left hanging.
        Request left;
        while ((left = queue.poll()) != null) {
            left.done().completeExceptionally(new HindsightException(ErrorCode.UNAVAILABLE,
                    "The server is shutting down; nothing from this request was stored, retry shortly"));
        }
    }
}
