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
import static dev.hindsight.collect.Api.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The secret-key server API: {@code /api/track}, {@code /api/identify}, {@code /api/add_user_properties}. */
class ServerApiTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start(Map.of(), new MutableClock(NOW));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static TestServer.Response track(Object body) {
        return postServer(s, "/api/track", s.dev(), json(body));
    }

    private static Map<String, Object> event(String identity, String name) {
        return map("identity", identity, "event", name, "properties", map("plan", "pro"));
    }

    @Test
    void trackedEventIsStoredAsACustomEventOfTheIdentityAtTheReceiveTime() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", user, "event", "Placed order",
                "properties", map("amount", 99.5, "currency", "EUR", "items", 3, "gift", true)));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        assertThat(r.json().get("rejected").asInt()).isZero();
        JsonNode stored = onlyEvent(s, s.dev(), user);
        assertThat(stored.get("kind").asText()).isEqualTo("custom");
        assertThat(stored.get("name").asText()).isEqualTo("Placed order");
        assertThat(stored.get("identity").asText()).isEqualTo(user);
        assertThat(stored.get("source").asText()).isEqualTo("server");
        assertThat(stored.get("time").asText()).isEqualTo(NOW.toString());
        assertThat(stored.get("received_at").asText()).isEqualTo(NOW.toString());
        assertThat(stored.get("properties").get("amount").asDouble()).isEqualTo(99.5);
        assertThat(stored.get("properties").get("currency").asText()).isEqualTo("EUR");
        assertThat(stored.get("properties").get("items").asInt()).isEqualTo(3);
        assertThat(stored.get("properties").get("gift").asBoolean()).isTrue();
    }

    @Test
    void numericIdentityIsStoredAsItsText() {
        long id = System.nanoTime();

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", id, "event", "Logged in"));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(onlyEvent(s, s.dev(), Long.toString(id)).get("identity").asText()).isEqualTo(Long.toString(id));
    }

    @Test
    void bulkTrackStoresEveryEventOfTheBatch() {
        String a = unique("u");
        String b = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events",
                List.of(event(a, "One"), event(b, "Two"), event(a, "Three"))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(3);
        assertThat(events(s, s.dev(), a)).extracting(e -> e.get("name").asText())
                .containsExactlyInAnyOrder("One", "Three");
        assertThat(events(s, s.dev(), b)).extracting(e -> e.get("name").asText()).containsExactly("Two");
    }

    @Test
    void bulkOfExactly1000EventsIsStored() {
        String user = unique("u");
        List<Object> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(event(user, "e" + i));
        }

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", batch));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1000);
        assertThat(events(s, s.dev(), user)).hasSize(1000);
    }

    @Test
    void bulkOf1001EventsIsRefusedWholeAndStoresNothing() {
        String user = unique("u");
        List<Object> batch = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            batch.add(event(user, "e" + i));
        }
        long before = count(s, s.dev());

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", batch));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("events");
        assertThat(p.get("detail").asText()).contains("1000");
        assertThat(count(s, s.dev())).isEqualTo(before);
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void missingKeyIs401ExplainingTheBearerHeaderAndStoresNothing() {
        String user = unique("u");
        long before = count(s, s.dev());

        TestServer.Response r = s.post("/api/track", json(map("app_id", s.dev().appId(), "identity", user,
                "event", "Nope")), "Content-Type", "application/json");

        JsonNode p = assertProblem(r, 401, "unauthorized");
        assertThat(p.get("detail").asText()).contains("Authorization: Bearer");
        assertThat(count(s, s.dev())).isEqualTo(before);
    }

    @Test
    void wrongKeyIs401AndStoresNothing() {
        String user = unique("u");

        TestServer.Response r = s.post("/api/track", json(map("app_id", s.dev().appId(), "identity", user,
                "event", "Nope")), TestServer.bearer("hs_sk_not-a-real-key"));

        JsonNode p = assertProblem(r, 401, "unauthorized");
        assertThat(p.get("detail").asText()).contains("Authorization: Bearer");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void appIdIsNotAKeyOnTheServerApi() {
        TestServer.Response r = s.post("/api/track", json(map("app_id", s.dev().appId(), "identity", unique("u"),
                "event", "Nope")), TestServer.bearer(s.dev().appId()));

        assertProblem(r, 401, "unauthorized");
    }

    @Test
    void keyOfAnotherEnvironmentIs403AndStoresInNeither() {
        String user = unique("u");
        long devBefore = count(s, s.dev());
        long prodBefore = count(s, s.prod());

        TestServer.Response r = postServer(s, "/api/track", s.prod(),
                json(map("app_id", s.dev().appId(), "identity", user, "event", "Cross")));

        assertProblem(r, 403, "forbidden");
        assertThat(count(s, s.dev())).isEqualTo(devBefore);
        assertThat(count(s, s.prod())).isEqualTo(prodBefore);
    }

    @Test
    void unknownAppIdIs404OfTypeUnknownAppId() {
        TestServer.Response r = track(map("app_id", "0000000000", "identity", unique("u"), "event", "Lost"));

        JsonNode p = assertProblem(r, 404, "unknown-app-id");
        assertThat(p.get("detail").asText()).contains("0000000000");
    }

    @Test
    void bodyOverFiveMebibytesIsRefusedWith413AndNothingIsStored() {
        String user = unique("u");
        long before = count(s, s.dev());
        List<Object> batch = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            batch.add(map("identity", user, "event", "Big", "properties", map("a", "x".repeat(1000),
                    "b", "y".repeat(1000), "c", "z".repeat(1000), "d", "w".repeat(1000), "e", "v".repeat(1000),
                    "f", "u".repeat(500))));
        }
        String body = json(map("app_id", s.dev().appId(), "events", batch));
        assertThat(body.length()).isBetween(5 * 1024 * 1024 + 1, 6 * 1024 * 1024);

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", batch));

        assertProblem(r, 413, "payload-too-large");
        assertThat(count(s, s.dev())).isEqualTo(before);
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void isoTimestampBackfillsTheEventTime() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", List.of(
                map("identity", user, "event", "Utc", "timestamp", "2024-01-15T10:30:00Z"),
                map("identity", user, "event", "Offset", "timestamp", "2024-01-15T11:30:00+01:00"),
                map("identity", user, "event", "Zoneless", "timestamp", "2024-01-15T10:30:00"),
                map("identity", user, "event", "EpochMs", "timestamp", 1_705_314_600_000L))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> stored = events(s, s.dev(), user);
        assertThat(stored).hasSize(4);
        assertThat(stored).allSatisfy(e -> {
            assertThat(e.get("time").asText()).as(e.get("name").asText()).isEqualTo("2024-01-15T10:30:00Z");
            assertThat(e.get("received_at").asText()).isEqualTo(NOW.toString());
        });
    }

    @Test
    void timestampUpTo24HoursAheadIsAcceptedAndFurtherIsRefused() {
        String user = unique("u");
        String within = NOW.plus(Duration.ofHours(24)).toString();
        String beyond = NOW.plus(Duration.ofHours(24)).plusSeconds(1).toString();

        TestServer.Response r = track(map("app_id", s.dev().appId(), "events", List.of(
                map("identity", user, "event", "Within", "timestamp", within),
                map("identity", user, "event", "Beyond", "timestamp", beyond))));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(p.get("errors").get(0).get("field").asText()).isEqualTo("events[1].timestamp");
        assertThat(p.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(p.get("errors").get(0).get("message").asText()).contains("24 hours");
        assertThat(events(s, s.dev(), user)).extracting(e -> e.get("name").asText()).containsExactly("Within");
    }

    @Test
    void singleEventWithAFarFutureTimestampIsRefusedAndNotStored() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", user, "event", "Future",
                "timestamp", NOW.plus(Duration.ofDays(3)).toString()));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("timestamp");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void unparseableTimestampIsRefusedWithAnExample() {
        String user = unique("u");

        TestServer.Response r = track(map("app_id", s.dev().appId(), "identity", user, "event", "Bad time",
                "timestamp", "yesterday"));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(p.get("errors").get(0).get("message").asText()).contains("ISO-8601");
        assertThat(events(s, s.dev(), user)).isEmpty();
    }

    @Test
    void identifyInHeapFormSetsTheUsersProperties() {
        String user = unique("u");

        TestServer.Response r = postServer(s, "/api/identify", s.dev(), json(map("app_id", s.dev().appId(),
                "identity", user, "properties", map("email_domain", "example.com", "seats", 5))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        TestServer.Response profile = Api.user(s, s.dev(), user);
        assertThat(profile.status()).as(profile.body()).isEqualTo(200);
        assertThat(profile.json().get("properties").get("email_domain").asText()).isEqualTo("example.com");
        assertThat(profile.json().get("properties").get("seats").asInt()).isEqualTo(5);
    }

    @Test
    void identifyInCanonicalFormMakesTheAnonymousDevicesEventsTheUsersAndStoresTraits() {
        String device = unique("d");
        String user = unique("u");
        assertThat(postH(s, browserBatch(s.dev(), map("kind", "pageview", "device_id", device,
                "url", "https://shop.example.com/"))).status()).isEqualTo(200);

        TestServer.Response r = postServer(s, "/api/identify", s.dev(), json(map("app_id", s.dev().appId(),
                "user_id", user, "anonymous_id", device, "traits", map("plan", "enterprise"))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).as("one identify request is one accepted item").isEqualTo(1);
        assertThat(onlyEvent(s, s.dev(), user).get("device_id").asText()).isEqualTo(device);
        TestServer.Response profile = Api.user(s, s.dev(), user);
        assertThat(profile.json().get("properties").get("plan").asText()).isEqualTo("enterprise");
        assertThat(profile.json().get("devices").toString()).contains(device);
    }

    @Test
    void identifyInCanonicalFormNamesABadTraitByItsTraitsPath() {
        String user = unique("u");

        TestServer.Response r = postServer(s, "/api/identify", s.dev(), json(map("app_id", s.dev().appId(),
                "user_id", user, "anonymous_id", unique("d"), "traits", map("bio", "b".repeat(1024)))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("traits.bio");
        assertThat(Api.user(s, s.dev(), user).status()).isEqualTo(404);
    }

    @Test
    void identifyWithAPlaceholderIdentityIsRefusedAndCreatesNoUser() {
        TestServer.Response r = postServer(s, "/api/identify", s.dev(), json(map("app_id", s.dev().appId(),
                "identity", "undefined", "properties", map("plan", "free"))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("identity");
        assertThat(Api.user(s, s.dev(), "undefined").status()).isEqualTo(404);
    }

    @Test
    void addUserPropertiesSetsThePropertiesOfOneUser() {
        String user = unique("u");

        TestServer.Response r = postServer(s, "/api/add_user_properties", s.dev(), json(map("app_id",
                s.dev().appId(), "identity", user, "properties", map("company", "Acme", "employees", 250))));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(1);
        JsonNode props = Api.user(s, s.dev(), user).json().get("properties");
        assertThat(props.get("company").asText()).isEqualTo("Acme");
        assertThat(props.get("employees").asInt()).isEqualTo(250);
    }

    @Test
    void bulkAddUserPropertiesStoresTheValidUsersAndNamesTheBadOne() {
        String a = unique("u");
        String c = unique("u");

        TestServer.Response r = postServer(s, "/api/add_user_properties", s.dev(), json(map("app_id",
                s.dev().appId(), "users", List.of(map("identity", a, "properties", map("tier", "gold")),
                        map("identity", "null", "properties", map("tier", "silver")),
                        map("identity", c, "properties", map("tier", "bronze"))))));

        JsonNode p = assertProblem(r, 400, "validation");
        assertThat(p.get("accepted").asInt()).isEqualTo(2);
        assertThat(p.get("rejected").asInt()).isEqualTo(1);
        assertThat(p.get("errors").get(0).get("field").asText()).isEqualTo("users[1].identity");
        assertThat(p.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(Api.user(s, s.dev(), a).json().get("properties").get("tier").asText()).isEqualTo("gold");
        assertThat(Api.user(s, s.dev(), c).json().get("properties").get("tier").asText()).isEqualTo("bronze");
    }

    @Test
    void addUserPropertiesWithoutPropertiesIsRefused() {
        String user = unique("u");

        TestServer.Response r = postServer(s, "/api/add_user_properties", s.dev(),
                json(map("app_id", s.dev().appId(), "identity", user)));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).containsExactly("properties");
        assertThat(Api.user(s, s.dev(), user).status()).isEqualTo(404);
    }

    @Test
    void bulkUserPropertiesUnderTheWrongArrayNameIsRefusedNamingUsers() {
        String user = unique("u");
        TestServer.Response r = postServer(s, "/api/add_user_properties", s.dev(), json(map("app_id", s.dev().appId(),
                "events", List.of(map("identity", user, "properties", map("plan", "pro"))))));

        assertProblem(r, 400, "validation");
        assertThat(errorFields(r)).contains("users");
        assertThat(user(s, s.dev(), user).status()).isEqualTo(404);
    }
}
