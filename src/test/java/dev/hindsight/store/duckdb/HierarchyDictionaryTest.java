package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.define.Definitions;
import dev.hindsight.define.Rule;
import dev.hindsight.define.EventFilter;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DuckDB store's dictionary of distinct hierarchies, which selectors match against. */
class HierarchyDictionaryTest {
    private static final String BUY = "body:1:1|div.product:2:1|button.add-to-cart:1:1";
    private static final String NAV = "body:1:1|nav:1:1|a.home[href=%2F]:1:1";

    @TempDir
    Path dir;

    @Test
    void aHierarchyGetsOneIdAcrossBatchesAndRestarts() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(append(click(BUY)), append(click(BUY)), append(click(NAV))));
            store.write(List.of(append(click(BUY)), append(pageview())));
        }
        // A new writer starts with an empty cache: the stored id is found, not a second one made.
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(List.of(append(click(BUY)), append(click("body:1:1|footer:1:1"))));
            assertThat(db.query("SELECT hierarchy, count(*) FROM hierarchies GROUP BY hierarchy ORDER BY hierarchy",
                    List.of(), rs -> rs.getString(1) + "=" + rs.getLong(2)))
                    .containsExactly("body:1:1|div.product:2:1|button.add-to-cart:1:1=1", "body:1:1|footer:1:1=1",
                            "body:1:1|nav:1:1|a.home[href=%2F]:1:1=1");
            assertThat(db.query("SELECT count(DISTINCT hierarchy_id), count(*) FROM events WHERE hierarchy = ?",
                    List.of(BUY), rs -> rs.getLong(1) + "/" + rs.getLong(2))).containsExactly("1/4");
            assertThat(db.query("SELECT count(*) FROM events e JOIN hierarchies h ON h.id = e.hierarchy_id"
                    + " WHERE h.hierarchy <> e.hierarchy", List.of(), rs -> rs.getLong(1))).containsExactly(0L);
            assertThat(db.query("SELECT count(*) FROM events WHERE hierarchy IS NULL AND hierarchy_id IS NULL",
                    List.of(), rs -> rs.getLong(1))).containsExactly(1L);
        }
    }

    @Test
    void aStoreFromBeforeTheDictionaryIsBackfilledAtStart() throws Exception {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            List<WriteOp> ops = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ops.add(append(click(i % 2 == 0 ? BUY : NAV)));
            }
            store.write(ops);
        }
        // What an older version left behind: no dictionaries and no ids.
        try (DuckDb db = new DuckDb(dir); Connection c = db.connect(); Statement st = c.createStatement()) {
            SessionsLabelsAndOrderTest.dropThem(st);
            for (String column : List.of("hierarchy_id", "device_key", "identity_key")) {
                st.execute("ALTER TABLE events DROP COLUMN " + column);
            }
            // DuckDB drops no column of a table with an index; the next start creates them again.
            st.execute("DROP INDEX identity_links_device");
            st.execute("DROP INDEX identity_links_identity");
            for (String column : List.of("device_key", "identity_key")) {
                st.execute("ALTER TABLE identity_links DROP COLUMN " + column);
            }
            st.execute("DROP TABLE hierarchies");
            st.execute("DROP TABLE actors");
            st.execute("CHECKPOINT");
        }
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            assertThat(matching(db, "div.product button.add-to-cart")).isEqualTo(25);
            assertThat(matching(db, "nav a[href='/']")).isEqualTo(25);
            // New writes after the backfill continue the ids rather than clash with them.
            store.write(List.of(append(click("body:1:1|main:1:1|button#go:1:1"))));
            assertThat(matching(db, "button#go")).isEqualTo(1);
            assertThat(db.query("SELECT count(*) = count(DISTINCT id) FROM hierarchies", List.of(),
                    rs -> rs.getBoolean(1))).containsExactly(true);
        }
    }

    private static long matching(DuckDb db, String selector) {
        Rule rule = new Rule("click", selector, null, null, null, null, null, null, null, null, null, null);
        EventFilter f = Definitions.compile(List.of(rule));
        Sql sql = new Sql().append("SELECT count(*) FROM events WHERE ").append(new DuckDbDialect().filter(f));
        return db.query(sql.text(), sql.params(), rs -> rs.getLong(1)).get(0);
    }

    private static WriteOp append(RawEvent e) {
        return new WriteOp.Append(e);
    }

    private static RawEvent pageview() {
        return event("pageview", null);
    }

    private static RawEvent click(String hierarchy) {
        return event("click", hierarchy);
    }

    private static RawEvent event(String kind, String hierarchy) {
        long t = 1_790_000_000_000L;
        return new RawEvent(1, UUID.randomUUID(), kind, null, "d1", null, "s1", t, t, t + 1, null, null, hierarchy,
                null, null, "https://shop.example/", "/", null, null, null, null, null, null, null, null, null, null,
                null, null, null, "browser", null, "{}");
    }
}
