package dev.hindsight.activate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code event_id} deduplication of {@code POST /api/capture} holds across restarts, for a store made before
 * canonical events had their single-column key (which the server adds and fills on opening), and for bulk requests
 * mixing new, replayed and conflicting ids: the server's filter of known ids only spares lookups, never decides.
 */
class CaptureDedupAcrossRestartTest {
    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

    private static String item(String id, Object value) {
        return "{\"event\":\"purchase\",\"event_id\":\"" + id + "\",\"user_id\":\"u-" + id + "\",\"properties\":"
                + "{\"order_id\":\"o-" + id + "\",\"value\":" + value + ",\"currency\":\"EUR\"},\"source\":\"shop\"}";
    }

    private static List<String> statuses(TestServer s, List<String> items) {
        TestServer.Response r = s.post("/api/capture", "{\"events\":[" + String.join(",", items) + "]}",
                "Content-Type", "application/json", "Authorization", "Bearer " + s.dev().secretKey());
        assertThat(r.status()).as(r.body()).isIn(200, 207, 409);
        List<String> out = new ArrayList<>();
        r.json().get("items").forEach(i -> out.add(i.get("status").asText()));
        return out;
    }

    @Test
    void replaysAreDuplicatesAndOtherPayloadsConflictsAfterARestartAndAfterTheKeyIsAddedToAnOldStore() throws Exception {
        try (TestServer s = TestServer.start(Map.of(), new MutableClock(NOW))) {
            List<String> first = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                first.add(item("a" + i, 10));
            }
            assertThat(statuses(s, first)).containsOnly("accepted").hasSize(300);

            // The store as it was before the key column: a composite primary key only.
            s.restart(() -> {
                try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + s.dataDir().resolve("hindsight.duckdb"));
                        Statement st = c.createStatement()) {
                    st.execute("DROP INDEX canonical_events_key");
                    st.execute("ALTER TABLE canonical_events DROP COLUMN key");
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            });

            // A bulk request mixing replays, conflicts, new ids and a new id twice in the same request.
            List<String> mixed = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 300; i += 3) {
                mixed.add(item("a" + i, 10));
                expected.add("duplicate");
                mixed.add(item("a" + (i + 1), 99));
                expected.add("conflict");
                mixed.add(item("b" + i, 10));
                expected.add("accepted");
            }
            mixed.add(item("b0", 10));
            expected.add("duplicate");
            assertThat(statuses(s, mixed)).containsExactlyElementsOf(expected);

            s.restart();
            assertThat(statuses(s, List.of(item("b3", 10), item("a2", 10), item("b3", 11), item("c1", 10))))
                    .containsExactly("duplicate", "duplicate", "conflict", "accepted");
        }
    }
}
