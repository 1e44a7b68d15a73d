package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.define.Definitions;
import dev.hindsight.define.Rule;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.SqlRunner;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.duckdb.DuckDb;
import dev.hindsight.store.duckdb.DuckDbEngine;
import dev.hindsight.store.duckdb.DuckDbEventStore;
import dev.hindsight.store.duckdb.SessionSteps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A paths query answers from one state of the store, though it reads it in several queries: events that arrive, and
 * are rolled up, while it runs are left out of it, wherever they land.
 */
class PathsReadOneStateTest {
    private static final long T = 1_794_268_800_000L;
    private static final long M = 60_000L;

    @TempDir
    Path dir;

    @Test
    void eventsRolledUpWhileAPathsQueryRunsAreLeftOutOfIt() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            SessionSteps rollup = new SessionSteps(db, java.time.Clock.systemUTC());
            List<WriteOp> first = new ArrayList<>();
            for (int s = 0; s < 10; s++) {
                first.add(page("s" + s, T + s * 10 * M, "/pricing"));
                first.add(page("s" + s, T + s * 10 * M + 2 * M, "/docs"));
            }
            store.write(first);
            rollup.rollUp();
            Paths p = new Paths(new Scope(1, T, T + 86_400_000L), new EventSpec("Viewed pricing", Definitions.compile(
                    List.of(new Rule("pageview", null, null, null, null, null, "/pricing", null, null, null, null, null)))),
                    false, 3, List.of());
            Answer.Paths before = PathsQuery.run(p, new DuckDbEngine(db));
            assertThat(before.toString()).contains("1:pageview /docs");

            // Just before the query reads the rolled-up sessions, a page view arrives in each session, between its
            // pricing and docs views, and is rolled up.
            boolean[] raced = {false};
            SqlRunner racing = (sql, params, consumer) -> {
                if (sql.contains("FROM session_steps") && !raced[0]) {
                    raced[0] = true;
                    List<WriteOp> late = new ArrayList<>();
                    for (int s = 0; s < 10; s++) {
                        late.add(page("s" + s, T + s * 10 * M + M, "/late"));
                    }
                    store.write(late);
                    assertThat(rollup.rollUp()).isEqualTo(10);
                }
                db.forEach(sql, params, consumer);
            };
            assertThat(PathsQuery.run(p, new DuckDbEngine(racing))).isEqualTo(before);
            assertThat(raced[0]).isTrue();
            assertThat(PathsQuery.run(p, new DuckDbEngine(db)).toString()).contains("1:pageview /late");
        }
    }

    private static WriteOp page(String session, long time, String path) {
        return new WriteOp.Append(new RawEvent(1, UUID.randomUUID(), "pageview", null, "d-" + session, null, session,
                time, time, time, null, null, null, null, null, "https://shop.example" + path, path, null, null, null,
                null, null, null, null, null, null, null, null, null, null, "browser", null, "{}"));
    }
}
