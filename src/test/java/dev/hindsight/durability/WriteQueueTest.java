package dev.hindsight.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.RecentIds;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.WriteQueue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WriteQueueTest {
    private final Clock clock = Clock.systemUTC();
    private final FakeStore store = new FakeStore();
    private WriteQueue queue;

    private WriteQueue queue(int capacity, int maxBatch) {
        RecentIds recent = new RecentIds(Duration.ofHours(24).toMillis(), 1_000_000, clock.millis());
        queue = new WriteQueue(store, recent, clock, capacity, maxBatch, new SimpleMeterRegistry());
        return queue;
    }

    @AfterEach
    void closeQueue() {
        store.open();
        if (queue != null) {
            queue.close();
        }
    }

    @Test
    void aFullQueueRefusesAtOnceWithOverloadedAndARetryDelayAndStoresNothingOfTheRefusedRequest() throws Exception {
        WriteQueue q = queue(10, 1000);
        store.hold();
        CompletableFuture<WriteQueue.Result> first = q.submit(appends(4));
        store.awaitWriteStarted();
        CompletableFuture<WriteQueue.Result> second = q.submit(appends(6));
        List<WriteOp> refused = appends(1);

        Throwable full = catchThrowable(() -> q.submit(refused));
        Throwable tooBig = catchThrowable(() -> q.submit(appends(11)));

        for (Throwable t : List.of(full, tooBig)) {
            assertThat(t).isInstanceOf(HindsightException.class);
            HindsightException e = (HindsightException) t;
            assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED);
            assertThat(e.retryAfterSeconds()).isNotNull().isPositive();
        }
        assertThat(first).as("not acknowledged before its commit").isNotDone();
        assertThat(second).isNotDone();

        store.open();
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(4, 0));
        assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(6, 0));
        assertThat(store.storedIds()).hasSize(10).doesNotContain(id(refused.get(0)));
        assertThat(q.depth()).isZero();
        assertThat(q.submit(appends(10)).get(30, TimeUnit.SECONDS).stored())
                .as("room is given back once committed").isEqualTo(10);
    }

    @Test
    void closeDrainsEverySubmissionAlreadyAcceptedIntoTheStore() throws Exception {
        WriteQueue q = queue(1000, 3);
        store.hold();
        List<CompletableFuture<WriteQueue.Result>> futures = new ArrayList<>();
        List<UUID> sent = new ArrayList<>();
        List<WriteOp> ops = appends(2);
        futures.add(q.submit(ops));
        sent.addAll(ids(ops));
        store.awaitWriteStarted();
        for (int i = 0; i < 10; i++) {
            ops = appends(2);
            futures.add(q.submit(ops));
            sent.addAll(ids(ops));
        }

        Thread closer = Thread.ofPlatform().start(q::close);
        while (closer.getState() != Thread.State.TIMED_WAITING && closer.getState() != Thread.State.TERMINATED) {
            Thread.onSpinWait();
        }
        assertThatThrownBy(() -> q.submit(appends(1))).as("a closing queue takes nothing new")
                .isInstanceOfSatisfying(HindsightException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        store.open();
        closer.join(TimeUnit.MINUTES.toMillis(1));

        assertThat(closer.isAlive()).isFalse();
        for (CompletableFuture<WriteQueue.Result> f : futures) {
            assertThat(f).isCompletedWithValue(new WriteQueue.Result(2, 0));
        }
        assertThat(store.storedIds()).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void aCommitThatFailsWholeAndInEveryPartFailsItsRequestsWithUnavailableAndForgetsTheirIdsSoThatARetryIsStored()
            throws Exception {
        WriteQueue q = queue(100, 1000);
        List<WriteOp> ops = appends(3);
        store.failNext(Integer.MAX_VALUE);

        Throwable failure = catchThrowable(() -> q.submit(ops).get(30, TimeUnit.SECONDS));

        assertThat(failure).isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(
                HindsightException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(store.storedIds()).isEmpty();
        assertThat(q.depth()).as("the failed request's room is given back").isZero();

        store.failNext(0);
        assertThat(q.submit(ops).get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(3, 0));
        assertThat(store.storedIds()).containsExactlyInAnyOrderElementsOf(ids(ops));
    }

    @Test
    void submitAndWaitTurnsAFailedCommitIntoAnUnavailableProblem() {
        WriteQueue q = queue(100, 1000);
        store.failNext(Integer.MAX_VALUE);
        assertThatThrownBy(() -> q.submitAndWait(appends(2))).isInstanceOfSatisfying(HindsightException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(store.storedIds()).isEmpty();
    }

    @Test
    void aCommitThatFailsOnceIsSplitAndRetriedSoThatEveryRequestIsStored() throws Exception {
        WriteQueue q = queue(100, 1000);
        List<WriteOp> ops = appends(3);
        store.failNext(1);

        assertThat(q.submit(ops).get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(3, 0));
        assertThat(store.storedIds()).containsExactlyInAnyOrderElementsOf(ids(ops));
    }

    @Test
    void duplicatesWithinOneGroupCommitAndAcrossCommitsAreStoredOnce() throws Exception {
        WriteQueue q = queue(1000, 1000);
        WriteOp a = append(UUID.randomUUID());
        WriteOp b = append(UUID.randomUUID());
        WriteOp c = append(UUID.randomUUID());
        WriteOp d = append(UUID.randomUUID());

        store.hold();
        CompletableFuture<WriteQueue.Result> blocker = q.submit(appends(1));
        store.awaitWriteStarted();
        CompletableFuture<WriteQueue.Result> r1 = q.submit(List.of(a, b));
        CompletableFuture<WriteQueue.Result> r2 = q.submit(List.of(b, c, c));
        store.open();
        blocker.get(30, TimeUnit.SECONDS);

        assertThat(r1.get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(2, 0));
        assertThat(r2.get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(1, 2));
        assertThat(store.writes()).as("r1 and r2 went into one commit").hasSize(2);
        assertThat(store.writes().get(1)).hasSize(3);

        WriteQueue.Result later = q.submit(List.of(a, d)).get(30, TimeUnit.SECONDS);

        assertThat(later).isEqualTo(new WriteQueue.Result(1, 1));
        assertThat(store.storedIds()).filteredOn(id -> List.of(id(a), id(b), id(c), id(d)).contains(id))
                .containsExactlyInAnyOrder(id(a), id(b), id(c), id(d));
    }

    @Test
    void anIdInAnotherEnvironmentIsNotADuplicate() throws Exception {
        WriteQueue q = queue(100, 1000);
        UUID id = UUID.randomUUID();
        assertThat(q.submit(List.of(append(1, id))).get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(1, 0));
        assertThat(q.submit(List.of(append(2, id))).get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(1, 0));
        assertThat(store.storedIds()).containsExactly(id, id);
    }

    @Test
    void manyConcurrentSubmittersAreGroupCommittedIntoFewerStoreWrites() throws Exception {
        WriteQueue q = queue(10_000, 10_000);
        int submitters = 64;
        store.hold();
        CompletableFuture<WriteQueue.Result> blocker = q.submit(appends(1));
        store.awaitWriteStarted();

        List<CompletableFuture<WriteQueue.Result>> futures = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < submitters; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                futures.add(q.submit(appends(5)));
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        store.open();
        blocker.get(30, TimeUnit.SECONDS);
        for (CompletableFuture<WriteQueue.Result> f : futures) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(5, 0));
        }

        assertThat(store.storedIds()).hasSize(1 + submitters * 5).doesNotHaveDuplicates();
        assertThat(store.writes()).as("the blocked commit, then one group commit of all %d requests", submitters)
                .hasSize(2);
    }

    @Test
    void aGroupCommitHoldsAtMostTheMaximumBatchOfWholeRequests() throws Exception {
        WriteQueue q = queue(10_000, 10);
        store.hold();
        CompletableFuture<WriteQueue.Result> blocker = q.submit(appends(1));
        store.awaitWriteStarted();
        List<CompletableFuture<WriteQueue.Result>> futures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            futures.add(q.submit(appends(2)));
        }
        store.open();
        blocker.get(30, TimeUnit.SECONDS);
        for (CompletableFuture<WriteQueue.Result> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertThat(store.storedIds()).hasSize(61);
        assertThat(store.writes().subList(1, store.writes().size())).hasSize(6).allSatisfy(w -> assertThat(w).hasSize(10));
    }

    // ---- helpers ----

    private static List<WriteOp> appends(int n) {
        List<WriteOp> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ops.add(append(UUID.randomUUID()));
        }
        return ops;
    }

    private static WriteOp append(UUID id) {
        return append(1, id);
    }

    private static WriteOp append(long envId, UUID id) {
        long now = System.currentTimeMillis();
        return new WriteOp.Append(new RawEvent(envId, id, "custom", "Tested", null, "u1", null, now, null, now, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, "server", null, "{}"));
    }

    private static UUID id(WriteOp op) {
        return ((WriteOp.Append) op).event().eventId();
    }

    private static List<UUID> ids(List<WriteOp> ops) {
        return ops.stream().map(WriteQueueTest::id).toList();
    }

    /**
     * An in-memory event store whose writes can be held at a gate (to pile requests up behind a commit) or made
     * to fail. A failing write stores nothing, as a rolled-back transaction.
     */
    static final class FakeStore extends GatedStore {
        private final List<List<WriteOp>> writes = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger failures = new AtomicInteger();

        void failNext(int n) {
            failures.set(n);
        }

        List<List<WriteOp>> writes() {
            synchronized (writes) {
                return List.copyOf(writes);
            }
        }

        @Override
        List<UUID> storedIds() {
            List<UUID> out = new ArrayList<>();
            for (List<WriteOp> w : writes()) {
                for (WriteOp op : w) {
                    if (op instanceof WriteOp.Append a) {
                        out.add(a.event().eventId());
                    }
                }
            }
            return out;
        }

        @Override
        public boolean[] write(List<WriteOp> ops) {
            enter();
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException("disk full (injected)");
            }
            writes.add(List.copyOf(ops));
            boolean[] changed = new boolean[ops.size()];
            java.util.Arrays.fill(changed, true);
            return changed;
        }
    }
}
