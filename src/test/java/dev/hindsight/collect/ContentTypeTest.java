package dev.hindsight.collect;

import static dev.hindsight.collect.Api.assertProblem;
import static dev.hindsight.collect.Api.browserBatch;
import static dev.hindsight.collect.Api.json;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ingest takes JSON in UTF-8 only (and text/plain on /h, as sendBeacon sends it); anything else is a 415. */
class ContentTypeTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static TestServer.Response track(String user, String... contentType) {
        String body = json(map("app_id", s.dev().appId(), "identity", user, "event", "Typed"));
        String[] auth = TestServer.bearer(s.dev().secretKey());
        return contentType.length == 0 ? s.post("/api/track", body, auth)
                : s.post("/api/track", body, auth[0], auth[1], "Content-Type", contentType[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x",
            "application/xml", "application/json; charset=iso-8859-1"})
    void theServerApiRefusesBodiesThatAreNotJsonWith415SayingWhatToSend(String type) {
        String user = unique("u");

        TestServer.Response r = track(user, type);

        assertProblem(r, 415, "unsupported-media-type");
        assertThat(r.json().get("detail").asText()).contains("application/json");
        assertThat(Api.events(s, s.dev(), user)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\""})
    void theServerApiTakesJsonWithOrWithoutACharset(String type) {
        String user = unique("u");

        assertThat(track(user, type).status()).isEqualTo(200);
        assertThat(Api.events(s, s.dev(), user)).hasSize(1);
    }

    @Test
    void aRequestWithoutAContentTypeIsReadAsJson() {
        String user = unique("u");

        assertThat(track(user).status()).isEqualTo(200);
        assertThat(Api.events(s, s.dev(), user)).hasSize(1);
    }

    @Test
    void theTrackerEndpointTakesTextPlainAsSendBeaconSendsItAndRefusesAFormPost() {
        String device = unique("d");
        String body = browserBatch(s.dev(), map("kind", "pageview", "device_id", device, "identity", device));

        TestServer.Response beacon = s.post("/h", body, "Content-Type", "text/plain;charset=UTF-8");
        TestServer.Response form = s.post("/h", body, "Content-Type", "application/x-www-form-urlencoded");

        assertThat(beacon.status()).as(beacon.body()).isEqualTo(200);
        assertProblem(form, 415, "unsupported-media-type");
        assertThat(form.json().get("detail").asText()).contains("text/plain");
        assertThat(Api.events(s, s.dev(), device)).hasSize(1);
    }
}
