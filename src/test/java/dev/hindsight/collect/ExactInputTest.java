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
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Input is stored exactly as sent or refused naming the field: identities and strings are valid Unicode, numbers
 * keep their digits, and a member given twice, two members that mean the same, or an unknown member is a 400.
 */
class ExactInputTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static String appId() {
        return s.dev().appId();
    }

    /** Posts a hand-written JSON body (Jackson would not write a lone surrogate or a member twice). */
    private static TestServer.Response raw(String path, String body) {
        return postServer(s, path, s.dev(), body);
    }

    private static TestServer.Response rawBytes(String path, byte[] body) {
        return s.send("POST", path, body, "Content-Type", "application/json",
                "Authorization", "Bearer " + s.dev().secretKey());
    }

    private static String trackItem(String identityJson, String name) {
        return "{\"identity\": " + identityJson + ", \"event\": \"" + name + "\"}";
    }

    private static String trackBatch(String... items) {
        return "{\"app_id\": \"" + appId() + "\", \"events\": [" + String.join(", ", items) + "]}";
    }

    @Test
    void loneSurrogateIdentitiesAreRefusedInsteadOfMergedAndTheValidEventBesideThemIsStored() {
        String tag = unique("bi-sur");
        String good = unique("u");

        TestServer.Response r = raw("/api/track", trackBatch(trackItem("\"" + tag + "\\ud800\"", "High"),
                trackItem("\"" + tag + "\\udbff\"", "OtherHigh"), trackItem("\"" + good + "\"", "Fine")));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].identity", "events[1].identity");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("Unicode");
        assertThat(p.get("accepted").asInt()).isEqualTo(1);
        assertThat(onlyEvent(s, s.dev(), good).get("name").asText()).isEqualTo("Fine");
        assertThat(events(s, s.dev(), tag + "?")).isEmpty();
    }

    @Test
    void aLoneSurrogateInAPropertyValueFailsOnlyItsEvent() {
        String user = unique("u");

        TestServer.Response r = raw("/api/track", trackBatch(
                "{\"identity\": \"" + user + "\", \"event\": \"Bad\", \"properties\": {\"note\": \"x\\udc00y\"}}",
                trackItem("\"" + user + "\"", "Good")));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].properties.note");
        assertThat(onlyEvent(s, s.dev(), user).get("name").asText()).isEqualTo("Good");
    }

    @Test
    void overlongUtf8IsRefusedNamingTheFieldAndTheValidEventBesideItIsStored() {
        String user = unique("u");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("{\"app_id\": \"" + appId() + "\", \"events\": [{\"identity\": \"" + user
                + "\", \"event\": \"Slash\", \"properties\": {\"path\": \"a").getBytes(StandardCharsets.UTF_8));
        // C0 AF: an overlong encoding of '/', which a lenient decoder reads as a slash.
        body.write(0xC0);
        body.write(0xAF);
        body.writeBytes(("b\"}}, {\"identity\": \"" + user + "\", \"event\": \"Caf\u00e9 \u2615\"}]}")
                .getBytes(StandardCharsets.UTF_8));

        TestServer.Response r = rawBytes("/api/track", body.toByteArray());

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].properties.path");
        assertThat(onlyEvent(s, s.dev(), user).get("name").asText()).isEqualTo("Caf\u00e9 \u2615");
    }

    @ParameterizedTest
    @ValueSource(strings = {"C0AF", "E080AF", "EDA080", "F4908080", "F8888080", "FF", "80", "E282"})
    void everyMalformedUtf8SequenceIsRefusedAndWellFormedTextBesideItIsKept(String hex) {
        String user = unique("u");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("{\"app_id\": \"" + appId() + "\", \"events\": [{\"identity\": \"" + user
                + "\", \"event\": \"Bad\", \"properties\": {\"v\": \"x").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(java.util.HexFormat.of().parseHex(hex));
        body.writeBytes(("y\"}}, {\"identity\": \"" + user + "\", \"event\": \"Good\", \"properties\": "
                + "{\"v\": \"\ud83d\ude00 \u20ac \u00fc\"}}]}").getBytes(StandardCharsets.UTF_8));

        TestServer.Response r = rawBytes("/api/track", body.toByteArray());

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].properties.v");
        JsonNode good = onlyEvent(s, s.dev(), user);
        assertThat(good.get("properties").get("v").asText()).isEqualTo("\ud83d\ude00 \u20ac \u00fc");
    }

    @Test
    void aNestedObjectGivenTwiceIsRefusedRatherThanMerged() {
        String user = unique("u");

        TestServer.Response r = raw("/api/track", "{\"app_id\": \"" + appId() + "\", \"identity\": \"" + user
                + "\", \"event\": \"Twice\", \"properties\": {\"a\": {\"b\": 1}, \"a\": {\"c\": 2}}}");

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("properties.a");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void malformedUtf8InABrowserEventFailsOnlyThatEvent() {
        String device = unique("d");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("{\"app_id\": \"" + appId() + "\", \"events\": [{\"kind\": \"pageview\", \"device_id\": \""
                + device + "\", \"identity\": \"bad-").getBytes(StandardCharsets.UTF_8));
        body.write(0xFF);
        body.writeBytes(("\"}, {\"kind\": \"pageview\", \"device_id\": \"" + device + "\", \"identity\": \"" + device
                + "-user\", \"title\": \"\u00dcbersicht\"}]}").getBytes(StandardCharsets.UTF_8));

        TestServer.Response r = s.send("POST", "/h", body.toByteArray(), "Content-Type", "text/plain");

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].identity");
        assertThat(onlyEvent(s, s.dev(), device + "-user").get("title").asText()).isEqualTo("\u00dcbersicht");
    }

    @Test
    void nulInAnIdentityOrAPropertyIsRefused() {
        String user = unique("u");

        TestServer.Response r = raw("/api/track", trackBatch(trackItem("\"" + user + "\\u0000x\"", "NulIdentity"),
                "{\"identity\": \"" + user + "\", \"event\": \"NulValue\", \"properties\": {\"k\": \"a\\u0000b\"}}",
                trackItem("\"" + user + "\"", "Clean")));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].identity", "events[1].properties.k");
        assertThat(onlyEvent(s, s.dev(), user).get("name").asText()).isEqualTo("Clean");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u200b", "\u200b\u200c\u200d", "\u2060\ufeff", " \t ", "\u00a0\u3000", "\u3164",
            "\u0301\u0301"})
    void identitiesWithNothingVisibleAreRefused(String identity) {
        long before = count(s, s.dev());

        TestServer.Response r = postServer(s, "/api/track", s.dev(), json(map("app_id", appId(), "identity", identity,
                "event", "Invisible")));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("identity");
        assertThat(count(s, s.dev())).isEqualTo(before);
    }

    @Test
    void aBrowserIdentifyWithAZeroWidthIdentityIsRefused() {
        TestServer.Response r = postH(s, browserBatch(s.dev(),
                map("kind", "identify", "device_id", unique("d"), "identity", "\u200b")));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[0].identity");
    }

    @Test
    void numericIdentitiesAreTheirDecimalTextSoThirtyDigitIdsStayDistinct() {
        String a = "123456789012345678901234567890";
        String b = "123456789012345678901234567891";

        TestServer.Response r = raw("/api/track", trackBatch(trackItem(a, "A"), trackItem(b, "B"),
                trackItem("1e400", "Huge"), trackItem("12.50", "Decimal")));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(onlyEvent(s, s.dev(), a).get("name").asText()).isEqualTo("A");
        assertThat(onlyEvent(s, s.dev(), b).get("name").asText()).isEqualTo("B");
        assertThat(events(s, s.dev(), "1e400")).extracting(e -> e.get("name").asText()).contains("Huge");
        assertThat(events(s, s.dev(), "Infinity")).isEmpty();
        assertThat(events(s, s.dev(), "12.50")).extracting(e -> e.get("name").asText()).contains("Decimal");
    }

    @Test
    void aPropertyNumberADoubleCannotHoldIsKeptAsItsExactTextWithAWarning() {
        String user = unique("u");

        TestServer.Response r = raw("/api/track", "{\"app_id\": \"" + appId() + "\", \"identity\": \"" + user
                + "\", \"event\": \"Big\", \"properties\": {\"big\": 12345678901234567890123, \"huge\": 1e400,"
                + " \"tenth\": 0.1, \"count\": 42}}");

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("warnings").toString()).contains("'big'", "'huge'", "exact text")
                .doesNotContain("'tenth'", "'count'");
        JsonNode props = onlyEvent(s, s.dev(), user).get("properties");
        assertThat(props.get("big").isTextual()).isTrue();
        assertThat(props.get("big").asText()).isEqualTo("12345678901234567890123");
        assertThat(props.get("huge").asText()).isEqualTo("1e400");
        assertThat(props.get("tenth").isNumber()).isTrue();
        assertThat(props.get("tenth").asDouble()).isEqualTo(0.1);
        assertThat(props.get("count").asLong()).isEqualTo(42);
    }

    @Test
    void aMemberGivenTwiceInOneItemFailsOnlyThatItemNamingItWithItsIndex() {
        String user = unique("u");

        TestServer.Response r = raw("/api/track", trackBatch(trackItem("\"" + user + "\"", "Kept"),
                "{\"identity\": \"" + user + "\", \"event\": \"First\", \"event\": \"Second\"}"));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events[1].event");
        assertThat(p.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(p.get("errors").get(0).get("message").asText()).contains("more than once");
        assertThat(onlyEvent(s, s.dev(), user).get("name").asText()).isEqualTo("Kept");
    }

    @Test
    void aPropertyGivenTwiceIsRefused() {
        String user = unique("u");

        TestServer.Response r = raw("/api/track", "{\"app_id\": \"" + appId() + "\", \"identity\": \"" + user
                + "\", \"event\": \"Twice\", \"properties\": {\"plan\": \"free\", \"plan\": \"pro\"}}");

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("properties.plan");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void aMemberGivenTwiceAtTheTopLevelFailsTheWholeRequest() {
        String user = unique("u");
        long before = count(s, s.dev());

        TestServer.Response r = raw("/api/track", "{\"app_id\": \"" + appId() + "\", \"events\": ["
                + trackItem("\"" + user + "\"", "One") + "], \"events\": [" + trackItem("\"" + user + "\"", "Two") + "]}");

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events");
        assertThat(count(s, s.dev())).isEqualTo(before);
    }

    @Test
    void aDottedKeyThatCollidesWithANestedObjectAfterFlatteningIsRefused() {
        String user = unique("u");

        TestServer.Response r = raw("/api/track", "{\"app_id\": \"" + appId() + "\", \"identity\": \"" + user
                + "\", \"event\": \"Collide\", \"properties\": {\"a.b\": 1, \"a\": {\"b\": 2, \"c\": 3}}}");

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("properties.a.b");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("flattening");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void propertiesAndTraitsTogetherAreRefusedOnIdentifyAndTrack() {
        String user = unique("u");

        TestServer.Response identify = postServer(s, "/api/identify", s.dev(), json(map("app_id", appId(),
                "identity", user, "properties", map("plan", "pro"), "traits", map("plan", "free"))));
        TestServer.Response track = postServer(s, "/api/track", s.dev(), json(map("app_id", appId(),
                "identity", user, "event", "Both", "properties", map("a", 1), "traits", map("b", 2))));

        JsonNode p = assertProblem(identify, 400, "validation");
        assertThat(errorFields(identify)).containsExactly("traits");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("conflicts with 'properties'");
        assertProblem(track, 400, "validation");
        assertThat(errorFields(track)).contains("traits");
        assertThat(Api.user(s, s.dev(), user).status()).isEqualTo(404);
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void identityAndUserIdTogetherAreRefusedOnIdentify() {
        String user = unique("u");

        TestServer.Response r = postServer(s, "/api/identify", s.dev(), json(map("app_id", appId(),
                "identity", user, "user_id", user + "-other", "anonymous_id", unique("d"))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).contains("user_id");
        assertThat(Api.user(s, s.dev(), user).status()).isEqualTo(404);
    }

    @Test
    void unknownMembersAreRefusedNamingThemOnEveryIngestEndpoint() {
        String user = unique("u");
        String device = unique("d");

        TestServer.Response track = postServer(s, "/api/track", s.dev(), json(map("app_id", appId(), "identity", user,
                "event", "Typo", "filters", map("plan", "pro"))));
        TestServer.Response bulkItem = postServer(s, "/api/track", s.dev(), json(map("app_id", appId(), "events",
                List.of(map("identity", user, "event", "Kept"), map("identity", user, "event", "Bad", "propertes",
                        map("a", 1))))));
        TestServer.Response bulkTop = postServer(s, "/api/track", s.dev(), json(map("app_id", appId(), "sent_at", 1,
                "events", List.of(map("identity", user, "event", "NotKept")))));
        TestServer.Response identify = postServer(s, "/api/identify", s.dev(), json(map("app_id", appId(),
                "identity", user, "trait", map("a", 1))));
        TestServer.Response users = postServer(s, "/api/add_user_properties", s.dev(), json(map("app_id", appId(),
                "identity", user, "properties", map("a", 1), "event", "x")));
        TestServer.Response browser = postH(s, json(map("app_id", appId(), "events", List.of(
                map("kind", "pageview", "device_id", device, "identity", user, "titel", "Home"),
                map("kind", "pageview", "device_id", device, "identity", user, "title", "Kept")))));
        TestServer.Response browserTop = postH(s, json(map("app_id", appId(), "event", List.of(),
                "events", List.of(map("kind", "pageview", "device_id", device)))));

        assertProblem(track, 400, "validation");
        assertThat(errorFields(track)).containsExactly("filters");
        assertThat(track.json().get("errors").get(0).get("message").asText()).contains("properties");
        assertProblem(bulkItem, 400, "validation");
        assertThat(errorFields(bulkItem)).containsExactly("events[1].propertes");
        assertThat(bulkItem.json().get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertProblem(bulkTop, 400, "validation");
        assertThat(errorFields(bulkTop)).containsExactly("sent_at");
        assertProblem(identify, 400, "validation");
        assertThat(errorFields(identify)).containsExactly("trait");
        assertProblem(users, 400, "validation");
        assertThat(errorFields(users)).containsExactly("event");
        assertProblem(browser, 400, "validation");
        assertThat(errorFields(browser)).containsExactly("events[0].titel");
        assertProblem(browserTop, 400, "validation");
        assertThat(errorFields(browserTop)).containsExactly("event");
        assertThat(events(s, s.dev(), user)).extracting(e -> e.path("kind").asText() + ":" + e.path("name").asText()
                + e.path("title").asText()).containsExactlyInAnyOrder("custom:Kept", "pageview:Kept");
        assertThat(Api.user(s, s.dev(), user).json().get("properties").size()).isZero();
    }
}
