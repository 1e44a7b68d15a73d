package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DuckDB store's dictionary of devices and identities, which analyses resolve users to. */
class ActorDictionaryTest {
    private static final long T = 1_790_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void devicesAndIdentitiesGetDistinctIdsThatLastAcrossBatchesAndRestarts() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(append("d1", null), append("d1", null), append("d2", null)));
            store.write(List.of(new WriteOp.Identify(1, "d1", "alice", T, "api"), append(null, "alice")));
        }
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            // An identity spelled like a device's key is still an identity, with an id of its own.
            store.write(List.of(append("d1", "alice"), append("d3", "d1"), new WriteOp.Identify(1, "d2", "d1", T, "api")));
            assertThat(db.query("SELECT key FROM actors ORDER BY key", List.of(), rs -> rs.getString(1)))
                    .containsExactly("d:d1", "d:d2", "d:d3", "i:alice", "i:d1");
            assertThat(db.query("SELECT count(*) FROM actors", List.of(), rs -> rs.getLong(1)))
                    .containsExactly(db.query("SELECT count(DISTINCT id) FROM actors", List.of(), rs -> rs.getLong(1)).get(0));
            assertConsistent(db);
            assertThat(db.query("SELECT count(*) FROM events WHERE device_id IS NULL AND device_key IS NULL"
                    + " AND identity_key IS NOT NULL", List.of(), rs -> rs.getLong(1))).containsExactly(1L);
        }
    }

    @Test
    void aStoreFromBeforeTheActorsDictionaryIsUpgradedAtStart() throws Exception {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(append("d1", null), append("d2", "bob"), new WriteOp.Identify(1, "d1", "alice", T, "api"),
                    append(null, "alice")));
        }
        // What the version before left behind: hierarchy ids, but no actors and no keys (nor what came later).
        try (DuckDb db = new DuckDb(dir); Connection c = db.connect(); Statement st = c.createStatement()) {
            SessionsLabelsAndOrderTest.dropThem(st);
            st.execute("ALTER TABLE events DROP COLUMN device_key");
            st.execute("ALTER TABLE events DROP COLUMN identity_key");
            // DuckDB drops no column of a table with an index; the next start creates them again.
            st.execute("DROP INDEX identity_links_device");
            st.execute("DROP INDEX identity_links_identity");
            st.execute("ALTER TABLE identity_links DROP COLUMN device_key");
            st.execute("ALTER TABLE identity_links DROP COLUMN identity_key");
            st.execute("DROP TABLE actors");
            st.execute("CHECKPOINT");
        }
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            assertConsistent(db);
            assertThat(db.query("SELECT count(*) FROM events WHERE device_key IS NULL AND device_id IS NOT NULL",
                    List.of(), rs -> rs.getLong(1))).containsExactly(0L);
            // Writes after the upgrade reuse the ids it gave and continue after them.
            store.write(List.of(append("d1", null), append("d9", "carol"), new WriteOp.Identify(1, "d9", "carol", T, "api")));
            assertConsistent(db);
            assertThat(db.query("SELECT count(*) = count(DISTINCT key) AND count(*) = count(DISTINCT id) FROM actors",
                    List.of(), rs -> rs.getBoolean(1))).containsExactly(true);
            assertThat(db.query("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'identity_links'", List.of(),
                    rs -> rs.getLong(1))).containsExactly(2L);
        }
    }

    /** Every key column names the actor of the text beside it. */
    private static void assertConsistent(DuckDb db) {
        for (String sql : List.of(
                "SELECT count(*) FROM events e LEFT JOIN actors a ON a.id = e.device_key"
                        + " WHERE e.device_id IS DISTINCT FROM substr(a.key, 3) OR (a.key IS NOT NULL AND a.key NOT LIKE 'd:%')",
                "SELECT count(*) FROM events e LEFT JOIN actors a ON a.id = e.identity_key"
                        + " WHERE e.identity IS DISTINCT FROM substr(a.key, 3) OR (a.key IS NOT NULL AND a.key NOT LIKE 'i:%')",
                "SELECT count(*) FROM identity_links l LEFT JOIN actors a ON a.id = l.device_key WHERE a.key IS DISTINCT FROM 'd:' || l.device_id",
                "SELECT count(*) FROM identity_links l LEFT JOIN actors a ON a.id = l.identity_key WHERE a.key IS DISTINCT FROM 'i:' || l.identity")) {
            assertThat(db.query(sql, List.of(), rs -> rs.getLong(1))).as(sql).containsExactly(0L);
        }
        assertThat(db.query("SELECT count(*) FROM identity_links", List.of(), rs -> rs.getLong(1)).get(0)).isPositive();
    }

    private static WriteOp append(String device, String identity) {
        return new WriteOp.Append(new RawEvent(1, UUID.randomUUID(), "pageview", null, device, identity, "s1", T, T, T + 1,
                null, null, null, null, null, "https://shop.example/", "/", null, null, null, null, null, null, null, null,
                null, null, null, null, null, "browser", null, "{}"));
    }
}
