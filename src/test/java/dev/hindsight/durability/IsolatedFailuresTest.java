package dev.hindsight.durability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.hindsight.MutableClock;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.store.FailureLog;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.RecentIds;
import dev.hindsight.store.StoreUnavailableException;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.WriteQueue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A failed group commit is split and retried so that only the offending item fails: the write queue over a
 * hand-written store that refuses "poison" ops (as DuckDB refused a time it could not convert), or fails whole.
 */
class IsolatedFailuresTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T12:00:00Z"));
    private final PoisonStore store = new PoisonStore();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final List<String> logged = Collections.synchronizedList(new ArrayList<>());
    private final List<Throwable> traces = Collections.synchronizedList(new ArrayList<>());
    private WriteQueue queue;

    private WriteQueue queue() {
        RecentIds recent = new RecentIds(Duration.ofHours(24).toMillis(), 1_000_000, clock.millis());
        FailureLog log = new FailureLog((line, e) -> {
            logged.add(line);
            if (e != null) {
                traces.add(e);
            }
        }, clock, 60_000);
        queue = new WriteQueue(store, recent, clock, 10_000, 10_000, metrics, log);
        return queue;
    }

    @AfterEach
    void closeQueue() {
        store.open();
        store.mode = Mode.POISON_ONLY;
        if (queue != null) {
            queue.close();
        }
    }

    @Test
    void onlyThePoisonItemOfAGroupCommitIsRefusedAndEveryOtherItemOfEveryRequestIsStored() throws Exception {
        WriteQueue q = queue();
        store.hold();
        WriteOp blockerOp = good();
        CompletableFuture<WriteQueue.Result> blocker = q.submit(List.of(blockerOp));
        store.awaitWriteStarted();
        List<List<WriteOp>> goodRequests = new ArrayList<>();
        List<CompletableFuture<WriteQueue.Result>> goodResults = new ArrayList<>();
        for (int r = 0; r < 7; r++) {
            List<WriteOp> ops = List.of(good(), good(), good());
            goodRequests.add(ops);
            goodResults.add(q.submit(ops, items(ops.size())));
        }
        List<WriteOp> mixed = List.of(good(), good(), poison(), good(), good());
        CompletableFuture<WriteQueue.Result> mixedResult = q.submit(mixed, items(mixed.size()));
        store.open();
        blocker.get(30, TimeUnit.SECONDS);

        for (CompletableFuture<WriteQueue.Result> f : goodResults) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(new WriteQueue.Result(3, 0));
        }
        WriteQueue.Result m = mixedResult.get(30, TimeUnit.SECONDS);
        assertThat(m.stored()).isEqualTo(4);
        assertThat(m.rejected()).singleElement().satisfies(r -> {
            assertThat(r.field()).isEqualTo("events[2]");
            assertThat(r.index()).isEqualTo(2);
            assertThat(r.reason()).contains("ArithmeticException");
        });
        List<UUID> expected = new ArrayList<>(List.of(id(blockerOp)));
        goodRequests.forEach(ops -> expected.addAll(ids(ops)));
        expected.addAll(ids(List.of(mixed.get(0), mixed.get(1), mixed.get(3), mixed.get(4))));
        assertThat(store.storedIds()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(q.depth()).isZero();
        assertThat(counter("rejected")).isEqualTo(1.0);
    }

    @Test
    void anItemsOpsAreCommittedOrRefusedTogether() throws Exception {
        WriteQueue q = queue();
        WriteOp link = new WriteOp.Identify(1, "device-1", "user-1", clock.millis(), "browser");
        WriteOp poisonProps = new WriteOp.SetUserProperties(1, "user-1", Map.of("poison", 1), clock.millis());
        WriteOp other = good();
        List<WriteQueue.Item> items = List.of(new WriteQueue.Item("events[0]", 0),
                new WriteQueue.Item("events[0]", 0), new WriteQueue.Item("events[1]", 1));

        WriteQueue.Result r = q.submit(List.of(link, poisonProps, other), items).get(30, TimeUnit.SECONDS);

        assertThat(r.rejected()).extracting(WriteQueue.Rejected::field).containsExactly("events[0]");
        assertThat(store.stored()).as("the identify of the refused item is not stored without its properties")
                .containsExactly(other);
    }

    @Test
    void aLoneItemWhoseCommitFailsOnceIsStoredNotRefused() throws Exception {
        WriteQueue q = queue();
        store.mode = Mode.FAIL_ONCE;
        WriteOp pageview = good();

        WriteQueue.Result r = q.submit(List.of(pageview), items(1)).get(30, TimeUnit.SECONDS);

        assertThat(r).isEqualTo(new WriteQueue.Result(1, 0));
        assertThat(store.storedIds()).containsExactly(id(pageview));
        assertThat(counter("rejected")).isZero();
    }

    @Test
    void aLonePoisonRequestIsRefusedAsTheInputsFaultWhenTheStoreCommitsAnEmptyWrite() throws Exception {
        WriteQueue q = queue();
        WriteQueue.Result r = q.submit(List.of(poison()), items(1)).get(30, TimeUnit.SECONDS);

        assertThat(r.rejected()).extracting(WriteQueue.Rejected::field).containsExactly("events[0]");
        assertThat(store.stored()).isEmpty();
        assertThat(catchThrowable(() -> q.submitAndWait(List.of(poison())))).as("without item names, a 400 all the same")
                .isInstanceOfSatisfying(HindsightException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION));
    }

    @Test
    void whenEveryWriteFailsEveryRequestGetsUnavailableAndNothingIsAcknowledgedAsADuplicateLater() throws Exception {
        WriteQueue q = queue();
        store.mode = Mode.FAIL_ALL;
        List<WriteOp> first = List.of(good(), good(), good());
        List<WriteOp> second = List.of(good());
        store.hold();
        CompletableFuture<WriteQueue.Result> a = q.submit(first, items(3));
        store.awaitWriteStarted();
        CompletableFuture<WriteQueue.Result> b = q.submit(second, items(1));
        store.open();

        for (CompletableFuture<WriteQueue.Result> f : List.of(a, b)) {
            assertUnavailable(f);
        }
        assertThat(store.stored()).isEmpty();
        assertThat(q.depth()).isZero();
        assertThat(counter("unavailable")).isEqualTo(2.0);

        store.mode = Mode.POISON_ONLY;
        assertThat(q.submit(first, items(3)).get(30, TimeUnit.SECONDS)).as("the retry is stored, not taken for a duplicate")
                .isEqualTo(new WriteQueue.Result(3, 0));
        assertThat(store.storedIds()).containsExactlyInAnyOrderElementsOf(ids(first));
    }

    @Test
    void aStoreFailureIsAnsweredUnavailableAtOnceWithoutSplittingTheCommit() throws Exception {
        WriteQueue q = queue();
        store.mode = Mode.UNAVAILABLE;
        List<WriteOp> ops = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            ops.add(good());
        }
        assertUnavailable(q.submit(ops, items(ops.size())));
        assertThat(store.writeCalls.get()).as("one write: a disk that fails is not searched for a bad op").isEqualTo(1);
    }

    @Test
    void aDuplicateOfAPoisonEventIsNotAcknowledgedAndADuplicateOfAStoredOneIs() throws Exception {
        WriteQueue q = queue();
        WriteOp kept = good();
        WriteOp bad = poison();
        store.hold();
        CompletableFuture<WriteQueue.Result> blocker = q.submit(List.of(good()));
        store.awaitWriteStarted();
        CompletableFuture<WriteQueue.Result> r1 = q.submit(List.of(kept, bad), items(2));
        CompletableFuture<WriteQueue.Result> r2 = q.submit(List.of(kept, bad), items(2));
        store.open();
        blocker.get(30, TimeUnit.SECONDS);

        WriteQueue.Result first = r1.get(30, TimeUnit.SECONDS);
        WriteQueue.Result second = r2.get(30, TimeUnit.SECONDS);
        assertThat(first.stored()).isEqualTo(1);
        assertThat(first.rejected()).extracting(WriteQueue.Rejected::field).containsExactly("events[1]");
        assertThat(second.duplicates()).as("the stored event's retry is a duplicate").isEqualTo(1);
        assertThat(second.rejected()).as("the poison's copy is refused too, never acknowledged")
                .extracting(WriteQueue.Rejected::field).containsExactly("events[1]");
        assertThat(store.storedIds()).containsOnlyOnce(id(kept)).doesNotContain(id(bad));
    }

    @Test
    void failuresAreLoggedWithAStackTraceOncePerCauseThenAsACountPerInterval() throws Exception {
        WriteQueue q = queue();
        for (int i = 0; i < 5; i++) {
            q.submit(List.of(poison(), good()), items(2)).get(30, TimeUnit.SECONDS);
        }
        assertThat(logged).singleElement().asString().contains("events[0]");
        assertThat(traces).hasSize(1);

        clock.advance(Duration.ofSeconds(61));
        // The writer flushes counts while idle, so the count arrives without a further failure.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (logged.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(logged).hasSize(2);
        assertThat(logged.get(1)).startsWith("4 more write failures").contains("ArithmeticException");
        assertThat(traces).as("the count has no stack trace").hasSize(1);
        assertThat(counter("rejected")).isEqualTo(5.0);
    }

    // ---- helpers ----

    private double counter(String outcome) {
        return metrics.find("hindsight.write.failures").tag("outcome", outcome).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private static void assertUnavailable(CompletableFuture<WriteQueue.Result> f) {
        Throwable t = catchThrowable(() -> f.get(30, TimeUnit.SECONDS));
        assertThat(t).isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(HindsightException.class,
                e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                    assertThat(e.retryAfterSeconds()).isNotNull().isPositive();
                });
    }

    private static List<WriteQueue.Item> items(int n) {
        List<WriteQueue.Item> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(new WriteQueue.Item("events[" + i + "]", i));
        }
        return items;
    }

    private WriteOp good() {
        return event("Tested");
    }

    private WriteOp poison() {
        return event("poison");
    }

    private WriteOp event(String name) {
        long now = clock.millis();
        return new WriteOp.Append(new RawEvent(1, UUID.randomUUID(), "custom", name, null, "u1", null, now, null, now,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, "server", null, "{}"));
    }

    private static UUID id(WriteOp op) {
        return op == null ? null : ((WriteOp.Append) op).event().eventId();
    }

    private static List<UUID> ids(List<WriteOp> ops) {
        return ops.stream().map(IsolatedFailuresTest::id).toList();
    }

    enum Mode { POISON_ONLY, FAIL_ALL, UNAVAILABLE, FAIL_ONCE }

    /**
     * An in-memory store that commits a write whole or not at all: it refuses any write holding a poison op (an
     * event named "poison", a user property named "poison"), or, by mode, every write.
     */
    static final class PoisonStore extends GatedStore {
        volatile Mode mode = Mode.POISON_ONLY;
        final AtomicInteger writeCalls = new AtomicInteger();
        private final List<WriteOp> stored = Collections.synchronizedList(new ArrayList<>());

        List<WriteOp> stored() {
            synchronized (stored) {
                return List.copyOf(stored);
            }
        }

        @Override
        List<UUID> storedIds() {
            return stored().stream().filter(o -> o instanceof WriteOp.Append).map(IsolatedFailuresTest::id).toList();
        }

        @Override
        public boolean[] write(List<WriteOp> ops) {
            writeCalls.incrementAndGet();
            enter();
            switch (mode) {
                case FAIL_ALL -> throw new IllegalStateException("write failed (injected)");
                case UNAVAILABLE -> throw new StoreUnavailableException("disk failed (injected)", null);
                case FAIL_ONCE -> {
                    mode = Mode.POISON_ONLY;
                    throw new IllegalStateException("write-write conflict (injected)");
                }
                case POISON_ONLY -> { }
            }
            for (WriteOp op : ops) {
                boolean poison = op instanceof WriteOp.Append a && "poison".equals(a.event().name())
                        || op instanceof WriteOp.SetUserProperties sp && sp.properties().containsKey("poison");
                if (poison) {
                    throw new IllegalStateException("DuckDB write failed",
                            new ArithmeticException("long overflow (injected)"));
                }
            }
            stored.addAll(ops);
            boolean[] changed = new boolean[ops.size()];
            java.util.Arrays.fill(changed, true);
            return changed;
        }
    }
}
