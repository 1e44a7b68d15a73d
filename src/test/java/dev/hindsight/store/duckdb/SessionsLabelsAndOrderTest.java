package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each event's session as an integer, its label as an integer, and the order the store received it in. */
class SessionsLabelsAndOrderTest {
    private static final long T = 1_793_577_600_000L;

    @TempDir
    Path dir;

    private static final List<RawEvent> EVENTS = List.of(
            ev("pageview", null, "s1", null, null, "/pricing"),
            ev("click", null, "s1", "body:1:1|div.p:1:1|button#buy.primary[type=submit]:1:1", "Buy now", "/pricing"),
            ev("click", null, "s1", "body:1:1|div.p:1:1|button#buy%20it.primary[type=submit]:1:1", "", "/pricing"),
            ev("click", null, "s2", "body:1:1|caf%C3%A9:1:1", null, "/"),
            ev("submit", null, "s2", null, null, "/signup"),
            ev("custom", "Purchase Completed", null, null, null, null),
            ev("custom", null, "s2", null, null, null),
            ev("pageview", null, "s2", null, null, null));

    private static final List<String> LABELS = List.of("pageview /pricing", "click Buy now", "click button#buy it.primary",
            "click café", "submit", "Purchase Completed", "<none>", "pageview");

    @Test
    void labelsNameEventsAsPathsDo() {
        List<String> labels = new ArrayList<>();
        EVENTS.forEach(e -> labels.add(e.label() == null ? "<none>" : e.label()));
        assertThat(labels).isEqualTo(LABELS);
    }

    @Test
    void eachEventIsWrittenWithItsSessionItsLabelAndItsPlaceInArrivalOrder() {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(EVENTS.subList(0, 5).stream().map(SessionsLabelsAndOrderTest::append).toList());
        }
        // A new writer finds the stored sessions and labels, and numbers on after the last event.
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(EVENTS.subList(5, 8).stream().map(SessionsLabelsAndOrderTest::append).toList());
            store.write(List.of(append(EVENTS.get(0))));
            assertStored(db, 9);
            assertThat(db.query("SELECT count(*) FROM sessions", List.of(), rs -> rs.getLong(1))).containsExactly(2L);
            assertThat(db.query("SELECT count(*) FROM labels", List.of(), rs -> rs.getLong(1))).containsExactly(7L);
        }
    }

    @Test
    void aStoreFromBeforeGetsTheSameLabelsAndItsRowsOrderAtStart() throws Exception {
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            store.write(EVENTS.stream().map(SessionsLabelsAndOrderTest::append).toList());
        }
        try (DuckDb db = new DuckDb(dir); Connection c = db.connect(); Statement st = c.createStatement()) {
            dropThem(st);
            st.execute("CHECKPOINT");
        }
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            assertStored(db, 8);
            store.write(List.of(append(EVENTS.get(0))));
            assertStored(db, 9);
        }
    }

    /** Drops the columns and tables of this test's subject, as a store made before them lacks them. */
    static void dropThem(Statement st) throws SQLException {
        // What came after them too: the location columns and the sessions' first events.
        for (String column : List.of("country", "region", "city", "session_key", "label_id", "seq")) {
            st.execute("ALTER TABLE events DROP COLUMN " + column);
        }
        st.execute("DROP TABLE sessions");
        st.execute("DROP TABLE labels");
        st.execute("DROP TABLE session_firsts");
    }

    /** The events are EVENTS, then EVENTS' first ones again, in this order, each with its session and label. */
    private static void assertStored(DuckDb db, int count) {
        List<String> rows = db.query("SELECT s.session_id, l.label, e.seq FROM events e"
                + " LEFT JOIN sessions s ON s.id = e.session_key LEFT JOIN labels l ON l.id = e.label_id ORDER BY e.seq",
                List.of(), rs -> rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getLong(3));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RawEvent e = EVENTS.get(i % EVENTS.size());
            expected.add(e.sessionId() + "|" + e.label() + "|" + i);
        }
        assertThat(rows).isEqualTo(expected);
    }

    private static RawEvent ev(String kind, String name, String session, String hierarchy, String text, String path) {
        return new RawEvent(1, UUID.randomUUID(), kind, name, "d1", null, session, T, T, T + 1, null, null, hierarchy,
                text, null, path == null ? null : "https://shop.example" + path, path, null, null, null, null, null, null,
                null, null, null, null, null, null, null, "browser", null, "{}");
    }

    private static WriteOp append(RawEvent e) {
        return new WriteOp.Append(new RawEvent(e.envId(), UUID.randomUUID(), e.kind(), e.name(), e.deviceId(),
                e.identity(), e.sessionId(), e.time(), e.clientTime(), e.receivedAt(), e.sessionMs(), e.sincePrevMs(),
                e.hierarchy(), e.targetText(), e.href(), e.url(), e.path(), e.title(), e.referrer(), e.query(), e.hash(),
                e.browser(), e.browserVersion(), e.os(), e.osVersion(), e.deviceType(), e.viewportWidth(),
                e.viewportHeight(), e.library(), e.libraryVersion(), e.source(), e.ip(), e.propertiesJson()));
    }
}
