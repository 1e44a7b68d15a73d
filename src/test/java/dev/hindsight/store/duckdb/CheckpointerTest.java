package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints run beside the writer, not on its thread: a checkpoint that cannot start yet never holds up a
 * commit (and with it every request waiting for its acknowledgement), and the WAL is folded in once it can.
 */
class CheckpointerTest {
    private static final long THRESHOLD = 256 * 1024;
    private static final long NOV10 = 1_794_268_800_000L;

    @TempDir
    Path dir;

    private static List<WriteOp> clicks(int n) {
        List<WriteOp> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String session = "s-" + UUID.randomUUID();
            ops.add(new WriteOp.Append(new RawEvent(1, UUID.randomUUID(), "click", null, "d-" + session, null,
                    session, NOV10 + i, null, NOV10 + i, null, null, "button#buy-" + i, "Buy now " + i, null,
                    "https://shop.example/products/" + i, "/products/" + i, "Product " + i, null, null, null, null,
                    null, null, null, null, null, null, null, null, "browser", null, "{\"plan\":\"pro\"}")));
        }
        return ops;
    }

    // Not the common pool: on two cores it has one thread, which the first task would keep.
    private static void ownThread(Runnable r) {
        Thread.ofPlatform().start(r);
    }

    private static long rows(DuckDb db) {
        return db.query("SELECT count(*) FROM events", List.of(), rs -> rs.getLong(1)).get(0);
    }

    @Test
    void commitsGoOnWhileACheckpointWaitsAndTheWalIsFoldedInOnceItCan() throws Exception {
        try (DuckDb db = new DuckDb(dir);
                DuckDbEventStore store = new DuckDbEventStore(db, Clock.systemUTC(), THRESHOLD)) {
            // Hold the checkpoint back: it waits until the keeper of session_firsts is idle, and this keeps it busy.
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> keeperBusy = CompletableFuture.runAsync(() -> {
                try {
                    db.sessionFirsts().whileIdle(() -> {
                        holding.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            }, CheckpointerTest::ownThread);
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
            long[] written = {0};
            try {
                // Past the threshold a checkpoint is due but cannot start; the writer's commits must not wait for it.
                CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
                    while (db.walBytes() <= THRESHOLD) {
                        store.write(clicks(200));
                        written[0] += 200;
                    }
                    for (int i = 0; i < 3; i++) {
                        store.write(clicks(10));
                        written[0] += 10;
                    }
                }, CheckpointerTest::ownThread);
                writes.get(60, TimeUnit.SECONDS);
                assertThat(db.walBytes()).isGreaterThan(THRESHOLD);
            } finally {
                release.countDown();
            }
            keeperBusy.get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (db.walBytes() > THRESHOLD && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(db.walBytes()).isLessThanOrEqualTo(THRESHOLD);
            assertThat(rows(db)).isEqualTo(written[0]);
        }
    }
}
