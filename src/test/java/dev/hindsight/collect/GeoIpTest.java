package dev.hindsight.collect;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.store.duckdb.DuckDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GeoIP: browser events sent through a trusted proxy from spoofed client addresses are located with a MaxMind
 * database the test writes itself ({@link MmdbWriter}); the address is not kept; without a database nothing is.
 */
class GeoIpTest {
    private static final long NOV10 = 1_794_268_800_000L;

    @TempDir
    Path tmp;

    private Path cityDb() throws Exception {
        Path file = tmp.resolve("city.mmdb");
        new MmdbWriter("GeoIP2-City")
                .network("81.2.69.0/24", Map.of(
                        "country", Map.of("iso_code", "GB", "names", Map.of("en", "United Kingdom")),
                        "subdivisions", List.of(Map.of("iso_code", "ENG", "names", Map.of("en", "England"))),
                        "city", Map.of("names", Map.of("en", "London"))))
                .network("89.160.20.128/25", Map.of(
                        "country", Map.of("iso_code", "SE", "names", Map.of("en", "Sweden")),
                        "subdivisions", List.of(Map.of("iso_code", "E", "names", Map.of("en", "Östergötland County"))),
                        "city", Map.of("names", Map.of("en", "Linköping"))))
                .write(file);
        return file;
    }

    private static void send(TestServer s, String device, String from) {
        List<Map<String, Object>> ev = List.of(Map.of("kind", "pageview", "device_id", device, "session_id", device,
                "time", NOV10 + 1000, "url", "https://shop.example/"));
        TestServer.Response r = s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", ev),
                "X-Forwarded-For", from);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** Pageviews per value of {@code property}. */
    private static Map<String, Long> byValue(TestServer s, String property) {
        TestServer.Response r = s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"graph\","
                + "\"from\":\"2026-11-10T00:00:00Z\",\"to\":\"2026-11-11T00:00:00Z\",\"series\":[{\"event\":"
                + "{\"kind\":\"pageview\"}}],\"breakdown\":\"" + property + "\"}", bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode line : r.json().get("series")) {
            long n = 0;
            for (JsonNode p : line.get("points")) {
                n += p.get("value").asLong();
            }
            out.merge(line.get("breakdown").asText(), n, Long::sum);
        }
        return out;
    }

    @Test
    void eventsFromAProxiedClientGetTheCountryRegionAndCityOfItsAddressAndTheAddressIsNotKept() throws Exception {
        Path data;
        try (TestServer s = TestServer.start(Map.of("geoip-db", cityDb().toString(), "trusted-proxies", "127.0.0.1, ::1"),
                Clock.systemUTC())) {
            data = s.dataDir();
            send(s, "london", "81.2.69.160");
            send(s, "linkoping", "203.0.113.9, 89.160.20.129");
            send(s, "nowhere", "192.0.2.1");

            assertThat(byValue(s, "$country")).isEqualTo(Map.of("GB", 1L, "SE", 1L, "(none)", 1L));
            assertThat(byValue(s, "$region")).isEqualTo(Map.of("England", 1L, "Östergötland County", 1L, "(none)", 1L));
            assertThat(byValue(s, "$city")).isEqualTo(Map.of("London", 1L, "Linköping", 1L, "(none)", 1L));
        }
        // The default IP policy keeps no address: only the location is stored.
        try (DuckDb db = new DuckDb(data)) {
            List<String> rows = new ArrayList<>();
            db.forEach("SELECT device_id, ip, country FROM events ORDER BY device_id", List.of(),
                    rs -> rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3)));
            assertThat(rows).containsExactly("linkoping null SE", "london null GB", "nowhere null null");
        }
    }

    @Test
    void aCountryDatabaseGivesTheCountryOnly() throws Exception {
        Path file = tmp.resolve("country.mmdb");
        new MmdbWriter("GeoLite2-Country")
                .network("81.2.69.0/24", Map.of("country", Map.of("iso_code", "GB", "names", Map.of("en", "United Kingdom"))))
                .write(file);
        try (TestServer s = TestServer.start(Map.of("geoip-db", file.toString(), "trusted-proxies", "127.0.0.1, ::1"),
                Clock.systemUTC())) {
            send(s, "london", "81.2.69.160");
            assertThat(byValue(s, "$country")).isEqualTo(Map.of("GB", 1L));
            assertThat(byValue(s, "$city")).isEqualTo(Map.of("(none)", 1L));
        }
    }

    @Test
    void withoutADatabaseEventsHaveNoLocation() {
        try (TestServer s = TestServer.start(Map.of("trusted-proxies", "127.0.0.1, ::1"), Clock.systemUTC())) {
            send(s, "london", "81.2.69.160");
            assertThat(byValue(s, "$country")).isEqualTo(Map.of("(none)", 1L));
        }
    }

    @Test
    void aStoreFromBeforeGeoIpGetsTheLocationColumnsWhenItOpens() throws Exception {
        Path dir = tmp.resolve("old");
        try (DuckDb db = new DuckDb(dir); java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement()) {
            for (String column : List.of("city", "region", "country")) {
                st.execute("ALTER TABLE events DROP COLUMN " + column);
            }
        }
        try (DuckDb db = new DuckDb(dir)) {
            Map<String, String> columns = new HashMap<>();
            db.forEach("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'events'"
                    + " AND column_name IN ('country', 'region', 'city')", List.of(),
                    rs -> columns.put(rs.getString(1), rs.getString(2)));
            assertThat(columns).isEqualTo(Map.of("country", "VARCHAR", "region", "VARCHAR", "city", "VARCHAR"));
        }
    }

    @Test
    void aFileThatIsNotAMaxMindDatabaseStopsTheStart() throws Exception {
        Path file = tmp.resolve("bad.mmdb");
        Files.writeString(file, "not a database");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GeoIp.open(java.util.Optional.of(file)))
                .hasMessageContaining("HINDSIGHT_GEOIP_DB");
    }
}
