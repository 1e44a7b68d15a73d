package dev.hindsight.catalog;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The catalog's summary survives a restart: what it had read is neither lost nor counted again. */
class CatalogRestartTest {

    private static void send(TestServer s, int n) {
        List<Map<String, Object>> ev = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            ev.add(Map.of("kind", "custom", "name", "Paid", "device_id", "d", "time", 1_794_268_800_000L + i,
                    "properties", Map.of("plan", "pro")));
        }
        assertThat(s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", ev)).status()).isEqualTo(200);
    }

    private static long paid(TestServer s) {
        TestServer.Response r = s.get("/api/catalog/events?app_id=" + s.dev().appId(), bearer(TestServer.ADMIN));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("custom_events").get(0).get("count").asLong();
    }

    @Test
    void countsEachEventOnceAcrossARestart() {
        try (TestServer s = TestServer.start()) {
            send(s, 2);
            assertThat(paid(s)).isEqualTo(2);
            s.restart();
            assertThat(paid(s)).isEqualTo(2);
            send(s, 1);
            assertThat(paid(s)).isEqualTo(3);
        }
    }
}
