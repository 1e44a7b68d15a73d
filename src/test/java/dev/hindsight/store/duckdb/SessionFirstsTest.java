package dev.hindsight.store.duckdb;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The per-session table the session-level built-ins read: kept by the writer when a session's first event
 * arrives after its others, filled in for a store made before it, and worked out again when the rules change.
 */
class SessionFirstsTest {
    private static final long NOV10 = 1_794_268_800_000L;

    private static void send(TestServer s, List<Map<String, Object>> events) {
        TestServer.Response r = s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", events));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static Map<String, Object> pageview(String session, long time, String url, String referrer) {
        return referrer == null
                ? Map.of("kind", "pageview", "device_id", "d-" + session, "session_id", session, "time", time, "url", url)
                : Map.of("kind", "pageview", "device_id", "d-" + session, "session_id", session, "time", time, "url", url,
                        "referrer", referrer);
    }

    private static Map<String, Long> pageviewsByChannel(TestServer s) {
        TestServer.Response r = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\","
                + "\"from\":\"2026-11-10T00:00:00Z\",\"to\":\"2026-11-11T00:00:00Z\",\"series\":[{\"event\":"
                + "{\"kind\":\"pageview\"}}],\"breakdown\":\"$channel\"}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode line : r.json().get("series")) {
            line.get("points").forEach(p -> out.merge(line.get("breakdown").asText(), p.get("value").asLong(), Long::sum));
        }
        return out;
    }

    private static void sql(TestServer s, String... statements) {
        try (DuckDb db = new DuckDb(s.dataDir()); Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSessionsFirstEventArrivingLastStillGivesTheSessionItsChannel() {
        try (TestServer s = TestServer.start()) {
            send(s, List.of(pageview("a", NOV10 + 60_000, "https://shop.example/pricing", "https://shop.example/")));
            assertThat(pageviewsByChannel(s)).isEqualTo(Map.of("direct", 1L));
            // The landing, a minute earlier, from a search engine, arrives in a later batch.
            send(s, List.of(pageview("a", NOV10, "https://shop.example/", "https://duckduckgo.com/")));
            assertThat(pageviewsByChannel(s)).isEqualTo(Map.of("search", 2L));
            // A later event of the session changes nothing.
            send(s, List.of(pageview("a", NOV10 + 120_000, "https://shop.example/?utm_medium=email", null)));
            assertThat(pageviewsByChannel(s)).isEqualTo(Map.of("search", 3L));
        }
    }

    @Test
    void aStoreFromBeforeGetsItFilledAndChangedRulesAreWorkedOutAgainAtTheNextStart() {
        try (TestServer s = TestServer.start()) {
            send(s, List.of(pageview("a", NOV10, "https://shop.example/?utm_source=newsletter", null),
                    pageview("a", NOV10 + 1000, "https://shop.example/pricing", "https://shop.example/"),
                    pageview("b", NOV10 + 2000, "https://shop.example/", "https://news.ycombinator.com/")));
            Map<String, Long> expected = Map.of("email", 2L, "referral", 1L);
            assertThat(pageviewsByChannel(s)).isEqualTo(expected);

            s.restart(() -> sql(s, "DROP TABLE session_firsts"));
            assertThat(pageviewsByChannel(s)).isEqualTo(expected);

            // As if the channel rules of an older version had stored other values.
            s.restart(() -> sql(s, "UPDATE session_firsts SET sf_channel = 'stale'",
                    "UPDATE rollups SET seq = 1 WHERE name = 'session_firsts_rules'"));
            assertThat(pageviewsByChannel(s)).isEqualTo(expected);
        }
    }
}
