package dev.hindsight.collect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.TestServer;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void trackedEventAppearsInTheUsersStream() {
        try (TestServer s = TestServer.start()) {
            var r = s.post("/api/track", TestServer.json("app_id", s.dev().appId(), "identity", "u1", "event", "Signed up"),
                    TestServer.bearer(s.dev().secretKey()));
            assertThat(r.status()).isEqualTo(200);
            var events = s.get("/api/users/u1/events?app_id=" + s.dev().appId(), TestServer.bearer(TestServer.ADMIN));
            assertThat(events.json().get("events").get(0).get("name").asText()).isEqualTo("Signed up");
        }
    }
}
