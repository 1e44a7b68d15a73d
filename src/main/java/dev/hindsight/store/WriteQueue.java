package dev.hindsight.store;

import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The durable write path: a bounded queue feeding one writer thread that applies everything waiting in one
 * commit (group commit). A submitter's future completes only after its ops are committed, so an answer to a
 * client means the events survive a crash. A full queue refuses at once (503 with Retry-After) rather than
 * blocking or dropping. Retried events (same id within the dedup window) are acknowledged but stored once.
 *
 * <p>One request's bad op never fails another's: when a group commit fails, it is split (by request, then by
 * item within a lone request) and the halves are committed on their own, down to single items. An item that
 * fails alone while the store is shown to work (another part committed, or an empty commit succeeds) is refused
 * as the input's fault; only a store failure ({@link StoreUnavailableException}, a closed store, or everything
 * failing) answers 503. Failures are logged once per cause per minute and counted in
 * {@code hindsight.write.failures}.
 */
public final class WriteQueue implements AutoCloseable {

    /**
     * The item of its request an op belongs to, such as {@code events[3]} with index 3: the name a refusal
     * gives, and the unit a failed commit is split into (an item's ops are committed or refused together).
     */
    public record Item(String field, Integer index) {
    }

    /** An item the store refused on its own while other writes committed: its input is at fault. */
    public record Rejected(String field, Integer index, String reason) {
    }

    /** How a submitted request fared: events stored, events dropped as retries of stored ones, items refused. */
    public record Result(int stored, int duplicates, List<Rejected> rejected) {
        public Result(int stored, int duplicates) {
            this(stored, duplicates, List.of());
        }
    }

    private record Request(List<WriteOp> ops, List<Item> items, CompletableFuture<Result> done) {
    }

    private enum State { PENDING, COMMITTED, REJECTED, UNAVAILABLE }

    /** The ops of one item of one request: what a failed commit is split down to. */
    private static final class Unit {
        final Request request;
        final Item item;
        final List<WriteOp> ops;
        State state = State.PENDING;
        int stored;
        int duplicates;
        Throwable failure;

        Unit(Request request, Item item, List<WriteOp> ops) {
            this.request = request;
            this.item = item;
            this.ops = ops;
        }
    }

    private final EventStore store;
    private final RecentIds recent;
    private final Clock clock;
    private final int capacity;
    private final int maxBatch;
    private final Semaphore room;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final MeterRegistry metrics;
    private final FailureLog failures;
    private final Timer commitLatency;
    private final DistributionSummary commitBatch;
    private final Counter refusedOverloaded;
    private final Counter splitCommits;
    private final Object admission = new Object();
    private boolean closing;

    public WriteQueue(EventStore store, RecentIds recent, Clock clock, int capacity, int maxBatch, MeterRegistry metrics) {
        this(store, recent, clock, capacity, maxBatch, metrics, FailureLog.slf4j(clock));
    }

    public WriteQueue(EventStore store, RecentIds recent, Clock clock, int capacity, int maxBatch, MeterRegistry metrics,
            FailureLog failures) {
        this.store = store;
        this.recent = recent;
        this.clock = clock;
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.metrics = metrics;
        this.failures = failures;
        this.room = new Semaphore(capacity);
        this.commitLatency = Timer.builder("hindsight.commit.latency").description("Time to append and commit one batch")
                .publishPercentiles(0.5, 0.99).register(metrics);
        this.commitBatch = DistributionSummary.builder("hindsight.commit.batch.size")
                .description("Ops applied per commit").register(metrics);
        this.refusedOverloaded = Counter.builder("hindsight.write.refused").tag("reason", "overloaded")
                .description("Ops refused with 503 because the write queue was full").register(metrics);
        this.splitCommits = Counter.builder("hindsight.commit.split")
                .description("Partial commits tried after a group commit failed, to isolate the failing items")
                .register(metrics);
        Gauge.builder("hindsight.queue.depth", this, WriteQueue::depth).description("Ops waiting to be committed")
                .register(metrics);
        this.writer = Thread.ofPlatform().name("hindsight-writer").unstarted(this::run);
        writer.start();
    }

    /** Queues ops for the next commit, each op an item of its own (see {@link #submit(List, List)}). */
    public CompletableFuture<Result> submit(List<WriteOp> ops) {
        List<Item> items = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            items.add(new Item("ops[" + i + "]", i));
        }
        return submit(ops, items);
    }

    /**
     * Queues ops for the next commit; {@code items} names, per op, the request item it belongs to (consecutive
     * ops of one item share it). Fails at once with 503 when the queue has no room for them, or when the server
     * is shutting down.
     */
    public CompletableFuture<Result> submit(List<WriteOp> ops, List<Item> items) {
        if (items.size() != ops.size()) {
            throw new IllegalArgumentException("one item per op: " + ops.size() + " ops, " + items.size() + " items");
        }
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
            queue.add(new Request(List.copyOf(ops), List.copyOf(items), done));
        }
        return done;
    }

    /**
     * Submits ops, each an item of its own, and waits until they are committed; failures become 503 problems,
     * and an op the store refuses becomes a 400 naming it.
     */
    public Result submitAndWait(List<WriteOp> ops) {
        Result r = await(submit(ops));
        if (!r.rejected().isEmpty()) {
            throw HindsightException.validation("The store refused " + r.rejected().size() + " of " + ops.size()
                    + " changes", r.rejected().stream().map(x -> new FieldError(x.field(),
                            x.index(), x.reason())).toList());
        }
        return r;
    }

    /** Submits ops of named items and waits until they are committed; the result lists the items refused. */
    public Result submitAndWait(List<WriteOp> ops, List<Item> items) {
        return await(submit(ops, items));
    }

    private static Result await(CompletableFuture<Result> done) {
        try {
            return done.get(60, TimeUnit.SECONDS);
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
                    failures.flush();
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
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable e) {
                // Keep the writer alive: a dead writer would leave every later request waiting for its timeout.
                LoggerFactory.getLogger(WriteQueue.class).error("Writer loop failed", e);
                for (Request r : batch) {
                    if (!r.done().isDone()) {
                        room.release(r.ops().size());
                        r.done().completeExceptionally(unavailable());
                    }
                }
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Request> batch) {
        List<Unit> units = units(batch);
        Throwable failure = attempt(units);
        if (failure != null) {
            recover(units, failure);
        }
        finish(batch, units);
    }

    private static List<Unit> units(List<Request> batch) {
        List<Unit> units = new ArrayList<>();
        for (Request r : batch) {
            int from = 0;
            for (int i = 1; i <= r.ops().size(); i++) {
                if (i == r.ops().size() || !r.items().get(i).equals(r.items().get(from))) {
                    units.add(new Unit(r, r.items().get(from), r.ops().subList(from, i)));
                    from = i;
                }
            }
        }
        return units;
    }

    /**
     * Commits the units' ops in one store write, dropping events already stored (retries). Returns null when it
     * committed, or the failure, in which case the ids it remembered are forgotten again, so that a later attempt
     * of the same events is not taken for a retry of stored ones.
     */
    private Throwable attempt(List<Unit> units) {
        long now = clock.millis();
        List<WriteOp> toWrite = new ArrayList<>();
        List<RawEvent> added = new ArrayList<>();
        int[] duplicates = new int[units.size()];
        for (int u = 0; u < units.size(); u++) {
            for (WriteOp op : units.get(u).ops) {
                if (op instanceof WriteOp.Append a) {
                    if (!recent.add(a.event().envId(), a.event().eventId(), now)) {
                        duplicates[u]++;
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
            return e;
        }
        commitLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        commitBatch.record(toWrite.size());
        for (int u = 0; u < units.size(); u++) {
            Unit unit = units.get(u);
            unit.state = State.COMMITTED;
            unit.duplicates = duplicates[u];
            unit.stored = (int) unit.ops.stream().filter(o -> o instanceof WriteOp.Append).count() - duplicates[u];
        }
        return null;
    }

    /** Settles the units of a failed commit: commits what can be, and decides whose fault the rest is. */
    private void recover(List<Unit> units, Throwable failure) {
        List<Unit> suspects = new ArrayList<>();
        boolean[] committedSome = {false};
        Throwable fault = isStoreFault(failure) ? failure : split(units, failure, suspects, committedSome);
        if (fault != null) {
            for (Unit u : units) {
                if (u.state != State.COMMITTED) {
                    u.state = State.UNAVAILABLE;
                    u.failure = fault;
                }
            }
            return;
        }
        // Every suspect failed alone. If the store commits other work, their input is what it cannot take.
        boolean storeWorks = committedSome[0] || probe();
        for (Unit u : suspects) {
            if (!storeWorks) {
                u.state = State.UNAVAILABLE;
                continue;
            }
            // A lone unit fails for good only if it fails again: a request of one item is never split, and its
            // first failure may have been passing (a conflict with another connection's transaction), which
            // must not refuse a valid event that the client then drops.
            splitCommits.increment();
            Throwable again = attempt(List.of(u));
            if (again != null) {
                u.failure = again;
                u.state = isStoreFault(again) ? State.UNAVAILABLE : State.REJECTED;
            }
        }
    }

    /**
     * Commits each half of a failed set of units on its own, splitting a failing half again, until single units
     * remain (the suspects). Returns the store failure that stopped the search, or null.
     */
    private Throwable split(List<Unit> failed, Throwable failure, List<Unit> suspects, boolean[] committedSome) {
        if (failed.size() == 1) {
            failed.get(0).failure = failure;
            suspects.add(failed.get(0));
            return null;
        }
        for (List<Unit> half : halves(failed)) {
            splitCommits.increment();
            Throwable f = attempt(half);
            if (f == null) {
                committedSome[0] = true;
                continue;
            }
            if (isStoreFault(f)) {
                return f;
            }
            Throwable fault = split(half, f, suspects, committedSome);
            if (fault != null) {
                return fault;
            }
        }
        return null;
    }

    /** Two halves of a set of units: at a request boundary when it spans requests, else by item. */
    private static List<List<Unit>> halves(List<Unit> units) {
        List<Integer> boundaries = new ArrayList<>();
        for (int i = 1; i < units.size(); i++) {
            if (units.get(i).request != units.get(i - 1).request) {
                boundaries.add(i);
            }
        }
        int mid = boundaries.isEmpty() ? units.size() / 2 : boundaries.get(boundaries.size() / 2);
        return List.of(units.subList(0, mid), units.subList(mid, units.size()));
    }

    /** Whether the store can commit at all: a write of nothing. */
    private boolean probe() {
        try {
            store.write(List.of());
            return true;
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    private boolean isStoreFault(Throwable e) {
        return e instanceof StoreUnavailableException || e instanceof VirtualMachineError || !store.isOpen();
    }

    /** Answers every request of the batch, and logs and counts its failures. */
    private void finish(List<Request> batch, List<Unit> units) {
        // By identity: a Request is a record, and its hashCode would hash every op of it, field by field (5% of the
        // server's CPU at full ingest).
        Map<Request, List<Unit>> byRequest = new IdentityHashMap<>();
        for (Unit u : units) {
            byRequest.computeIfAbsent(u.request, r -> new ArrayList<>()).add(u);
        }
        Throwable unavailable = null;
        int unavailableRequests = 0;
        for (Request r : batch) {
            List<Unit> mine = byRequest.get(r);
            room.release(r.ops().size());
            Unit failed = mine.stream().filter(u -> u.state == State.UNAVAILABLE).findFirst().orElse(null);
            if (failed != null) {
                unavailable = failed.failure;
                unavailableRequests++;
                count("unavailable", cause(failed.failure), 1);
                r.done().completeExceptionally(unavailable());
                continue;
            }
            int stored = 0;
            int duplicates = 0;
            List<Rejected> rejected = new ArrayList<>();
            for (Unit u : mine) {
                if (u.state == State.REJECTED) {
                    String cause = cause(u.failure);
                    count("rejected", cause, 1);
                    failures.failure("rejected " + cause, "The store refused " + describe(u.item) + " of a request "
                            + "(it fails alone while the store commits other writes); it was answered 400", u.failure);
                    rejected.add(new Rejected(u.item.field(), u.item.index(), "could not be stored (" + cause
                            + "); nothing of this item was stored, and sending it again will fail again"));
                } else {
                    stored += u.stored;
                    duplicates += u.duplicates;
                }
            }
            r.done().complete(new Result(stored, duplicates, rejected));
        }
        if (unavailable != null) {
            failures.failure("unavailable " + cause(unavailable), "The store could not commit; " + unavailableRequests
                    + " request(s) were answered 503", unavailable);
        }
    }

    private void count(String outcome, String cause, int n) {
        Counter.builder("hindsight.write.failures").tag("outcome", outcome).tag("cause", cause)
                .description("Write failures: items refused as the input's fault (rejected, 400) and requests "
                        + "answered 503 because the store could not commit (unavailable)")
                .register(metrics).increment(n);
    }

    /** A short, stable name of a failure's cause: the root exception's class, and DuckDB's error type if any. */
    static String cause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String name = root.getClass().getSimpleName();
        String message = root.getMessage();
        if (message != null) {
            Matcher m = ERROR_TYPE.matcher(message);
            if (m.lookingAt()) {
                name += " " + m.group(1);
            }
        }
        return name;
    }

    // DuckDB prefixes its messages with the error's type, such as "Conversion Error: ...".
    private static final Pattern ERROR_TYPE = Pattern.compile("([A-Z][A-Za-z]*(?: [A-Za-z]+)* Error):");

    private static String describe(Item item) {
        return item.field() == null ? "an item" : item.field();
    }

    private static HindsightException unavailable() {
        return new HindsightException(ErrorCode.UNAVAILABLE,
                "The store could not commit this request; retry with the same event ids (events already stored are "
                        + "not stored twice)", List.of(), Map.of(), 1);
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
