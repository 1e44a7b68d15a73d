package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.WriteOp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The history of user property sets ({@code property_history}) that {@code $user_at_event.<name>} reads: every set
 * written with the set, and a store made before it filled from the current properties.
 */
class PropertyHistoryTest {
    private static final long T = 1_790_000_000_000L;

    @TempDir
    Path dir;

    private static List<String> history(DuckDb db) {
        return db.query("SELECT owner || ' ' || name || '=' || value || ' @' || epoch_ms(valid_from) FROM property_history"
                + " ORDER BY owner, name, valid_from", List.of(), rs -> rs.getString(1));
    }

    @Test
    void everySetIsKeptWithItsTimeNotOnlyTheLatest() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(new WriteOp.SetUserProperties(1, "alice", Map.of("plan", "free"), T),
                    new WriteOp.SetUserProperties(1, "alice", Map.of("plan", "pro", "seats", 3), T + 10),
                    // Two sets of one instant: the later made wins, as in user_properties.
                    new WriteOp.SetUserProperties(1, "alice", Map.of("plan", "team"), T + 20),
                    new WriteOp.SetUserProperties(1, "alice", Map.of("plan", "edu"), T + 20)));
            // A set arriving later but dated earlier is history too; the latest value stays the newest.
            store.write(List.of(new WriteOp.SetUserProperties(1, "alice", Map.of("plan", "beta"), T + 5)));
            assertThat(history(db)).containsExactly("i:alice plan=\"free\" @" + T, "i:alice plan=\"beta\" @" + (T + 5),
                    "i:alice plan=\"pro\" @" + (T + 10), "i:alice plan=\"edu\" @" + (T + 20),
                    "i:alice seats=3 @" + (T + 10));
            assertThat(db.query("SELECT value FROM user_properties WHERE key = 'plan'", List.of(), rs -> rs.getString(1)))
                    .containsExactly("\"edu\"");
        }
    }

    @Test
    void anAnonymousDevicesSetsAreItsOwnAndAlsoItsLinkedUsers() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(new WriteOp.SetDeviceProperties(1, "d1", Map.of("plan", "trial"), T)));
            store.write(List.of(new WriteOp.Identify(1, "d1", "bob", T + 5, "browser")));
            store.write(List.of(new WriteOp.SetDeviceProperties(1, "d1", Map.of("plan", "pro"), T + 10)));
            // The identify copies the device's trial to bob, in bob's history from the identify on.
            assertThat(history(db)).containsExactly("d:d1 plan=\"trial\" @" + T, "d:d1 plan=\"pro\" @" + (T + 10),
                    "i:bob plan=\"trial\" @" + (T + 5), "i:bob plan=\"pro\" @" + (T + 10));
        }
    }

    @Test
    void anIdentifyCopiesTheDevicesPropertiesIntoTheUsersHistoryWhereItCopiesThemToTheUser() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(new WriteOp.SetUserProperties(1, "erin", Map.of("plan", "free"), T - 5),
                    new WriteOp.SetUserProperties(1, "carol", Map.of("plan", "pro"), T + 3),
                    new WriteOp.SetDeviceProperties(1, "d1", Map.of("plan", "trial", "seats", 2), T),
                    new WriteOp.SetDeviceProperties(1, "d2", Map.of("plan", "trial"), T),
                    // Dated after the identify that copies it (a device's clock ahead): it holds from its own time.
                    new WriteOp.SetDeviceProperties(1, "d3", Map.of("plan", "team"), T + 20)));
            store.write(List.of(new WriteOp.Identify(1, "d1", "erin", T + 5, "browser"),
                    new WriteOp.Identify(1, "d2", "carol", T + 5, "browser"),
                    new WriteOp.Identify(1, "d3", "dave", T + 10, "browser")));
            // erin's free is older than the device's trial: the user takes trial (and seats), from the identify;
            // carol's pro is newer: she keeps it, and her history gains nothing.
            assertThat(history(db)).filteredOn(h -> h.startsWith("i:")).containsExactly(
                    "i:carol plan=\"pro\" @" + (T + 3), "i:dave plan=\"team\" @" + (T + 20),
                    "i:erin plan=\"free\" @" + (T - 5), "i:erin plan=\"trial\" @" + (T + 5),
                    "i:erin seats=2 @" + (T + 5));
            assertThat(db.query("SELECT identity || ' ' || key || '=' || value FROM user_properties ORDER BY ALL",
                    List.of(), rs -> rs.getString(1))).containsExactly("carol plan=\"pro\"", "dave plan=\"team\"",
                    "erin plan=\"trial\"", "erin seats=2");
        }
    }

    @Test
    void setsRefusedByTheCapOnPropertiesPerUserAreNotInTheHistory() {
        Map<String, Object> many = new HashMap<>();
        for (int i = 0; i < DuckDbEventStore.MAX_PROPERTIES_PER_USER; i++) {
            many.put("p" + i, i);
        }
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(new WriteOp.SetUserProperties(1, "carol", many, T)));
            store.write(List.of(new WriteOp.SetUserProperties(1, "carol", Map.of("extra", 1, "p1", 7), T + 1)));
            assertThat(db.query("SELECT name FROM property_history WHERE valid_from > epoch_ms(" + T + "::BIGINT)",
                    List.of(), rs -> rs.getString(1))).containsExactly("p1");
        }
    }

    @Test
    void aStoreFromBeforeTheHistoryGetsItFromTheCurrentPropertiesValidFromTheBeginning() throws Exception {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(new WriteOp.SetUserProperties(1, "alice", Map.of("plan", "free"), T),
                    new WriteOp.SetUserProperties(1, "alice", Map.of("plan", "pro"), T + 10),
                    new WriteOp.SetDeviceProperties(1, "d2", Map.of("plan", "trial"), T),
                    // A user with only what an identify copied from its device: the copy is among its properties.
                    new WriteOp.SetDeviceProperties(1, "d3", Map.of("seats", 4), T)));
            store.write(List.of(new WriteOp.Identify(1, "d3", "frank", T + 5, "browser")));
        }
        try (DuckDb db = new DuckDb(dir); Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE property_history");
            st.execute("CHECKPOINT");
        }
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            assertThat(history(db)).containsExactly("d:d2 plan=\"trial\" @0", "d:d3 seats=4 @0",
                    "i:alice plan=\"pro\" @0", "i:frank seats=4 @0");
            // Sets after the upgrade are kept as they come.
            store.write(List.of(new WriteOp.SetUserProperties(1, "alice", Map.of("plan", "team"), T + 20)));
            assertThat(history(db)).contains("i:alice plan=\"team\" @" + (T + 20));
        }
    }
}
