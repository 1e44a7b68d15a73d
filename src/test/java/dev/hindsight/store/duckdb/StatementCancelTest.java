package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.store.SqlRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A watched runner's statement stops inside the engine when cancelled from another thread. */
class StatementCancelTest {
    // Ten billion rows joined: minutes of work, unless the engine stops it.
    private static final String ENDLESS = "SELECT sum(a.range * b.range) FROM range(100000) a, range(100000) b";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aCancelledStatementStopsInTheEngineAndItsConnectionServesTheNextQuery() throws Exception {
        try (DuckDb db = new DuckDb(dir)) {
            AtomicBoolean ended = new AtomicBoolean();
            AtomicInteger cancels = new AtomicInteger();
            SqlRunner watched = db.watched(new SqlRunner.StatementWatch() {
                @Override
                public SqlRunner.Registration started(Runnable cancel) {
                    // Cancels until the statement ends: a cancel that lands before the engine starts is lost.
                    Thread.ofPlatform().daemon().start(() -> {
                        while (!ended.get()) {
                            cancel.run();
                            cancels.incrementAndGet();
                            try {
                                Thread.sleep(20);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
                    return () -> ended.set(true);
                }

                @Override
                public void check() {
                }
            });
            assertThatThrownBy(() -> watched.forEach(ENDLESS, List.of(), rs -> { }))
                    .hasMessageContaining("INTERRUPT");
            assertThat(cancels.get()).isPositive();
            assertThat(watched.query("SELECT 42", List.of(), rs -> rs.getInt(1))).containsExactly(42);
        }
    }

    @Test
    void theEngineRunsUnderTheConfiguredMemoryLimitThreadsAndTempDirectory() {
        try (DuckDb db = new DuckDb(dir, new DuckDb.Limits("300MB", 1, dir.resolve("spill")))) {
            assertThat(db.setting("memory_limit")).isIn("300.0 MB", "286.1 MiB");
            assertThat(db.setting("threads")).isEqualTo("1");
            assertThat(db.setting("temp_directory")).isEqualTo(dir.resolve("spill").toAbsolutePath().toString());
        }
        assertThatThrownBy(() -> new DuckDb(dir, new DuckDb.Limits("lots'; DROP TABLE events; --", 0, null)))
                .hasMessageContaining("memory limit");
    }
}
