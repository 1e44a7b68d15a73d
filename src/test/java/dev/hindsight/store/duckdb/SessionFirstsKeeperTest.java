package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keeper of {@code session_firsts}: the writer's commits leave the table behind, and a query that reads it
 * brings it up to every committed event first, including after a restart that found it behind.
 */
class SessionFirstsKeeperTest {
    private static final long NOV10 = 1_794_268_800_000L;

    @TempDir
    Path dir;

    private static WriteOp pageview(String session, long time, String url, String referrer) {
        String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : null;
        return new WriteOp.Append(new RawEvent(1, UUID.randomUUID(), "pageview", null, "d-" + session, null, session,
                time, null, time, null, null, null, null, null, url, "/", null, referrer, query, null, null, null, null,
                null, null, null, null, null, null, "browser", null, "{}"));
    }

    /** Each session's channel, read as the analyses read it (through the store's query runner). */
    private static Map<String, String> channels(DuckDb db) {
        Map<String, String> out = new TreeMap<>();
        db.forEach("SELECT s.session_id, f.sf_channel FROM session_firsts f JOIN sessions s ON s.id = f.sf_key",
                List.of(), rs -> out.put(rs.getString(1), rs.getString(2)));
        return out;
    }

    @Test
    void aQueryReadingTheTableSeesEveryCommittedSessionThoughTheWriterNeverKeptIt() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(pageview("a", NOV10 + 60_000, "https://shop.example/pricing", null),
                    pageview("b", NOV10, "https://shop.example/?utm_medium=email", null)));
            assertThat(db.sessionFirsts().behind()).isTrue();
            assertThat(channels(db)).isEqualTo(Map.of("a", "direct", "b", "email"));
            assertThat(db.sessionFirsts().behind()).isFalse();

            // A session's first event arriving in a later commit takes the session over.
            store.write(List.of(pageview("a", NOV10, "https://shop.example/", "https://duckduckgo.com/")));
            assertThat(channels(db)).isEqualTo(Map.of("a", "search", "b", "email"));
        }
    }

    @Test
    void aRestartFindingTheTableBehindFoldsInWhatItMissedAndNothingTwice() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(pageview("a", NOV10, "https://shop.example/?utm_medium=email", null)));
            assertThat(channels(db)).isEqualTo(Map.of("a", "email"));
            // Committed, then the process stops before the keeper runs again.
            store.write(List.of(pageview("b", NOV10, "https://shop.example/", "https://news.ycombinator.com/"),
                    pageview("a", NOV10 - 1000, "https://shop.example/", "https://duckduckgo.com/")));
        }
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            assertThat(db.sessionFirsts().behind()).isTrue();
            assertThat(channels(db)).isEqualTo(Map.of("a", "search", "b", "referral"));
            store.write(List.of(pageview("c", NOV10, "https://shop.example/", null)));
            assertThat(channels(db)).isEqualTo(Map.of("a", "search", "b", "referral", "c", "direct"));
            assertThat(db.query("SELECT count(*) FROM session_firsts", List.of(), rs -> rs.getLong(1)))
                    .containsExactly(3L);
        }
    }
}
