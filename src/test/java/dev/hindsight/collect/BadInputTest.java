package dev.hindsight.collect;

import static dev.hindsight.collect.Api.assertProblem;
import static dev.hindsight.collect.Api.browserBatch;
import static dev.hindsight.collect.Api.count;
import static dev.hindsight.collect.Api.errorFields;
import static dev.hindsight.collect.Api.events;
import static dev.hindsight.collect.Api.json;
import static dev.hindsight.collect.Api.map;
import static dev.hindsight.collect.Api.onlyEvent;
import static dev.hindsight.collect.Api.postH;
import static dev.hindsight.collect.Api.postServer;
import static dev.hindsight.collect.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input gets a clear 4xx naming the field, and the good input beside it is stored all the same. */
class BadInputTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static TestServer.Response track(Object body) {
        return postServer(s, "/api/track", s.dev(), json(body));
    }

    private static Map<String, Object> event(String identity, String name, Object properties) {
        return map("identity", identity, "event", name, "properties", properties);
    }

    @Test
    void partlyInvalidBatchStoresTheValidEventsAndNamesEachBadField() {
        String user = unique("u");
        List<Object> batch = List.of(
                event(user, "First", map("plan", "pro")),
                event(user, "n".repeat(1025), map()),
                event(user, "Third", map()),
                event(user, "Fourth", map("plan", "p".repeat(1024))),
                event(user, "Fifth", map()));

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", batch));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(p.get("accepted").asInt()).isEqualTo(3);
        assertThat(p.get("rejected").asInt()).isEqualTo(2);
        assertThat(p.get("detail").asText()).contains("2 of 5");
        assertThat(errorFields(r)).containsExactly("events[1].event", "events[3].properties.plan");
        assertThat(p.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(p.get("errors").get(0).get("message").asText()).contains("1024");
        assertThat(p.get("errors").get(1).get("index").asInt()).isEqualTo(3);
        assertThat(p.get("errors").get(1).get("message").asText()).contains("1024");
        assertThat(events(s, s.dev(), user)).extracting(e -> e.get("name").asText())
                .containsExactlyInAnyOrder("First", "Third", "Fifth");
    }

    @Test
    void partlyInvalidBrowserBatchStoresTheValidEventsAndNamesEachBadField() {
        String user = unique("u");
        String device = unique("d");
        String body = json(map("app_id", s.dev().appId(), "events", List.of(
                map("kind", "pageview", "device_id", device, "identity", user, "url", "https://a.example/ok"),
                map("kind", "hover", "device_id", device, "identity", user),
                map("kind", "click", "identity", user),
                map("kind", "custom", "device_id", device, "identity", user),
                "not an object",
                map("kind", "click", "device_id", device, "identity", user, "viewport_width", -5),
                map("kind", "submit", "device_id", device, "identity", user))));

        TestServer.Response r = postH(s, body);

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(p.get("accepted").asInt()).isEqualTo(2);
        assertThat(p.get("rejected").asInt()).isEqualTo(5);
        assertThat(errorFields(r)).contains("events[1].kind", "events[2].device_id", "events[3].name", "events[4]",
                "events[5].viewport_width");
        p.get("errors").forEach(e -> assertThat(e.get("field").asText())
                .startsWith("events[" + e.get("index").asInt() + "]"));
        assertThat(events(s, s.dev(), user)).extracting(e -> e.get("kind").asText())
                .containsExactlyInAnyOrder("pageview", "submit");
    }

    @Test
    void eventNameOf1024CharactersIsStoredAnd1025IsRefused() {
        String user = unique("u");
        String longest = "a".repeat(1024);

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events",
                List.of(event(user, longest, map()), event(user, "b".repeat(1025), map()))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[1].event");
        assertThat(onlyEvent(s, s.dev(), user).get("name").asText()).isEqualTo(longest);
    }

    @Test
    void identityOf255CharactersIsStoredAnd256IsRefused() {
        String longest = unique("u") + "x".repeat(255 - 38);
        assertThat(longest).hasSize(255);
        String tooLong = longest + "y";

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events",
                List.of(event(longest, "Ok", map()), event(tooLong, "TooLong", map()))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[1].identity");
        assertThat(onlyEvent(s, s.dev(), longest).get("name").asText()).isEqualTo("Ok");
        assertThat(events(s, s.dev(), tooLong)).isEmpty();
    }

    @Test
    void propertyValueOf1023CharactersIsStoredAnd1024IsRefused() {
        String user = unique("u");
        String longest = "v".repeat(1023);

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", List.of(
                event(user, "Ok", map("note", longest)), event(user, "TooLong", map("note", longest + "v")))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[1].properties.note");
        JsonNode stored = onlyEvent(s, s.dev(), user);
        assertThat(stored.get("name").asText()).isEqualTo("Ok");
        assertThat(stored.get("properties").get("note").asText()).isEqualTo(longest);
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "undefined", "anonymous", "0", "", "   ", "[object Object]", "NULL", "Undefined",
            "ANONYMOUS", "[OBJECT OBJECT]"})
    void placeholderIdentitiesAreRefusedAndNothingIsStored(String identity) {
        long before = count(s, s.dev());

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", identity, "event", "Placeholder"));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("identity");
        assertThat(count(s, s.dev())).isEqualTo(before);
    }

    @Test
    void numericZeroAndJsonNullIdentitiesAreRefusedToo() {
        long before = count(s, s.dev());

        TestServer.Response zero = track(map("app_id", s.dev().appId(), "identity", 0, "event", "Zero"));
        TestServer.Response nul = track(map("app_id", s.dev().appId(), "identity", null, "event", "Null"));

        assertProblem(zero, 400, "validation");
        assertProblem(nul, 400, "validation");
        assertThat(errorFields(nul)).containsExactly("identity");
        assertThat(count(s, s.dev())).isEqualTo(before);
    }

    @Test
    void browserIdentifyWithAPlaceholderIdentityLinksNothing() {
        String device = unique("d");
        assertThat(postH(s, browserBatch(s.dev(), map("kind", "pageview", "device_id", device))).status())
                .isEqualTo(200);

        TestServer.Response r = postH(s, browserBatch(s.dev(),
                map("kind", "identify", "device_id", device, "identity", "[object Object]")));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].identity");
        assertThat(events(s, s.dev(), "[object Object]")).isEmpty();
    }

    @Test
    void nullPropertyValuesAreDropped() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", user, "event", "Nulls",
                "properties", map("kept", "yes", "gone", null)));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode props = onlyEvent(s, s.dev(), user).get("properties");
        assertThat(props.get("kept").asText()).isEqualTo("yes");
        assertThat(props.has("gone")).isFalse();
    }

    @Test
    void nestedObjectsAreFlattenedToDottedKeysAndTheAnswerSaysSo() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", List.of(event(user, "Nested",
                map("plan", map("tier", "pro", "limits", map("seats", 10)), "flat", 1)))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(r.json().get("warnings")).isNotNull();
        assertThat(r.json().get("warnings").toString()).contains("events[0]").contains("plan").contains("flattened");
        JsonNode props = onlyEvent(s, s.dev(), user).get("properties");
        assertThat(props.get("plan.tier").asText()).isEqualTo("pro");
        assertThat(props.get("plan.limits.seats").asInt()).isEqualTo(10);
        assertThat(props.get("flat").asInt()).isEqualTo(1);
        assertThat(props.has("plan")).isFalse();
    }

    @Test
    void answerWithoutNestedPropertiesHasNoWarnings() {
        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", unique("u"), "event", "Flat",
                "properties", map("a", 1)));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().has("warnings")).isFalse();
    }

    @Test
    void arrayPropertyValuesAreRefusedNamingTheProperty() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", List.of(
                event(user, "Ok", map("a", 1)), event(user, "Tags", map("tags", List.of("a", "b"))))));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[1].properties.tags");
        assertThat(p.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(p.get("errors").get(0).get("message").asText()).contains("arrays");
        assertThat(onlyEvent(s, s.dev(), user).get("name").asText()).isEqualTo("Ok");
    }

    @Test
    void arrayInASingleEventIsRefusedWithoutAnIndex() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", user, "event", "Tags",
                "properties", map("nested", map("tags", List.of(1, 2)))));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("properties.nested.tags");
        assertThat(p.get("errors").get(0).has("index")).isFalse();
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void propertiesThatAreNotAnObjectAreRefused() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", user, "event", "Odd",
                "properties", "plan=pro"));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("properties");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void eventNameThatIsNotAStringIsRefused() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", user, "event", 42));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("event");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("string");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void malformedJsonIsA400NamingLineAndColumn() {
        String body = "{\n  \"app_id\": \"" + s.dev().appId() + "\",\n  \"events\": [\n    {\"kind\": }\n  ]\n}";

        TestServer.Response r = postH(s, body);

        JsonNode p = assertProblem(r, 400, "malformed-json");
        assertThat(p.get("line").asInt()).isEqualTo(4);
        assertThat(p.get("column").asInt()).isEqualTo(14);
        assertThat(p.get("offset").asLong()).isEqualTo(body.indexOf("}\n  ]"));
        assertThat(p.get("detail").asText()).contains("line 4, column 14");
    }

    @Test
    void malformedJsonOnTheServerApiIsA400NamingTheLocationAndStoresNothing() {
        long before = count(s, s.dev());

        TestServer.Response r = postServer(s, "/api/track", s.dev(),
                "{\"app_id\": \"" + s.dev().appId() + "\", \"identity\": \"u\", \"event\": \"x\",}");

        JsonNode p = assertProblem(r, 400, "malformed-json");
        assertThat(p.get("line").asInt()).isEqualTo(1);
        assertThat(p.has("column")).isTrue();
        assertThat(p.has("offset")).isTrue();
        assertThat(count(s, s.dev())).isEqualTo(before);
    }

    @Test
    void emptyBodyIsMalformedJson() {
        TestServer.Response r = postH(s, "");

        JsonNode p = assertProblem(r, 400, "malformed-json");
        assertThat(p.get("detail").asText()).containsIgnoringCase("empty");
    }

    @Test
    void bodyThatIsNotAJsonObjectIsMalformedJson() {
        assertProblem(postH(s, "[{\"kind\": \"pageview\"}]"), 400, "malformed-json");
        assertProblem(postH(s, "\"hello\""), 400, "malformed-json");
    }

    @Test
    void contentAfterTheJsonObjectIsMalformedJson() {
        String user = unique("u");

        TestServer.Response r = postH(s, browserBatch(s.dev(), map("kind", "pageview", "device_id", unique("d"),
                "identity", user)) + " {}");

        assertProblem(r, 400, "malformed-json");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void bodyThatIsNotUtf8IsRefusedNamingTheField() {
        byte[] body = "{\"app_id\": \"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);

        TestServer.Response r = s.send("POST", "/h", body, "Content-Type", "application/json");

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("app_id");
    }

    @Test
    void browserBatchOfMoreThan1000EventsIsRefusedWhole() {
        String user = unique("u");
        List<Object> batch = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            batch.add(map("kind", "pageview", "device_id", "d", "identity", user));
        }

        TestServer.Response r = postH(s, json(map("app_id", s.dev().appId(), "events", batch)));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void chunkedBodyOverTheLimitIsRefusedWith413WithoutAContentLength() throws Exception {
        long before = count(s, s.dev());
        String event = json(map("kind", "pageview", "device_id", "d", "identity", unique("u"), "title",
                "t".repeat(1000)));
        StringBuilder sb = new StringBuilder("{\"app_id\":\"" + s.dev().appId() + "\",\"events\":[");
        for (int i = 0; i < 1100; i++) {
            sb.append(i == 0 ? "" : ",").append(event);
        }
        byte[] body = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        assertThat(body.length).isGreaterThan(1024 * 1024);
        HttpRequest req = HttpRequest.newBuilder(URI.create(s.baseUrl() + "/h"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();

        HttpResponse<String> r;
        try (HttpClient client = HttpClient.newHttpClient()) {
            r = client.send(req, HttpResponse.BodyHandlers.ofString());
        }

        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(r.body()).contains("payload-too-large");
        assertThat(count(s, s.dev())).isEqualTo(before);
    }

    @Test
    void deeplyNestedPropertiesAreRefusedNamingTheProperty() {
        String user = unique("u");
        Object nested = "leaf";
        for (int i = 0; i < 10; i++) {
            nested = map("k" + i, nested);
        }

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", user, "event", "Deep",
                "properties", nested));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(p.get("errors").get(0).get("field").asText()).startsWith("properties.k9.");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }
}
