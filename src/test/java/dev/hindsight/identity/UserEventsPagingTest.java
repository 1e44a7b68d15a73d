package dev.hindsight.identity;

import static dev.hindsight.identity.Api.at;
import static dev.hindsight.identity.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /api/users/{identity}/events}: the merged stream newest first, paged with a cursor. */
class UserEventsPagingTest {
    static TestServer server;
    static Api api;

    @BeforeAll
    static void start() {
        server = Api.startServer();
        api = new Api(server, server.dev());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void eventsComeNewestFirst() {
        String d = unique("dev");
        String u = unique("user");
        String second = api.anonymous(d, at(2));
        String first = api.anonymous(d, at(1));
        String third = api.track(u, "Tracked", at(3));
        api.identifyOnDevice(d, u, at(0));

        JsonNode page = api.eventsPage(u, 10, null);

        List<String> times = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        page.get("events").forEach(e -> {
            ids.add(e.get("event_id").asText());
            times.add(e.get("time").asText());
        });
        assertThat(ids).containsExactly(third, second, first);
        assertThat(times).containsExactly(Instant.ofEpochMilli(at(3)).toString(),
                Instant.ofEpochMilli(at(2)).toString(), Instant.ofEpochMilli(at(1)).toString());
        assertThat(page.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void pagingWithTheCursorReturnsEveryEventExactlyOnceInOrder() {
        String d = unique("dev");
        String u = unique("user");
        List<Map<String, Object>> batch = new ArrayList<>();
        Map<String, Long> timeOf = new LinkedHashMap<>();
        // 250 anonymous events, many sharing a millisecond so that pages split inside ties.
        for (int i = 0; i < 250; i++) {
            String id = UUID.randomUUID().toString();
            long t = at(i / 7);
            timeOf.put(id, t);
            batch.add(Map.of("kind", "click", "event_id", id, "device_id", d, "time", t));
        }
        api.sendBrowser(batch);
        api.identifyOnDevice(d, u, at(100));
        for (int i = 0; i < 20; i++) {
            timeOf.put(api.track(u, "Tracked", at(10)), at(10));
        }

        List<JsonNode> pages = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = api.eventsPage(u, 16, cursor);
            pages.add(page);
            assertThat(page.get("events").size()).isLessThanOrEqualTo(16);
            page.get("events").forEach(e -> seen.add(e.get("event_id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null && pages.size() < 100);

        assertThat(seen).doesNotHaveDuplicates().hasSize(270);
        assertThat(new HashSet<>(seen)).isEqualTo(timeOf.keySet());
        for (int i = 1; i < seen.size(); i++) {
            assertThat(timeOf.get(seen.get(i))).isLessThanOrEqualTo(timeOf.get(seen.get(i - 1)));
        }
        assertThat(pages).hasSize(17);
        for (int p = 0; p < 16; p++) {
            assertThat(pages.get(p).get("events").size()).isEqualTo(16);
        }
        // One page of everything agrees with the paged order.
        assertThat(api.eventIds(u)).isEqualTo(seen);
    }

    @Test
    void lastFullPageHasNoCursor() {
        String u = unique("user");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            ids.add(api.track(u, "Tracked", at(i)));
        }

        JsonNode first = api.eventsPage(u, 2, null);
        JsonNode second = api.eventsPage(u, 2, first.get("next_cursor").asText());

        assertThat(first.get("events")).hasSize(2);
        assertThat(second.get("events")).hasSize(2);
        assertThat(second.get("next_cursor").isNull()).isTrue();
        Set<String> seen = new HashSet<>();
        first.get("events").forEach(e -> seen.add(e.get("event_id").asText()));
        second.get("events").forEach(e -> seen.add(e.get("event_id").asText()));
        assertThat(seen).isEqualTo(ids);
    }

    @Test
    void anEventShowsItsStoredFields() {
        String d = unique("dev");
        String u = unique("user");
        String id = api.browserEvent(d, u, at(5));

        JsonNode e = api.eventsPage(u, 1, null).get("events").get(0);

        assertThat(e.get("event_id").asText()).isEqualTo(id);
        assertThat(e.get("kind").asText()).isEqualTo("pageview");
        assertThat(e.get("device_id").asText()).isEqualTo(d);
        assertThat(e.get("identity").asText()).isEqualTo(u);
        assertThat(e.get("url").asText()).isEqualTo("https://shop.example/p/" + id);
        assertThat(e.get("client_time").asText()).isEqualTo(Instant.ofEpochMilli(at(5)).toString());
        assertThat(e.get("received_at").asText()).isEqualTo(Api.NOW.toString());
    }

    @Test
    void unknownUserHasAnEmptyStream() {
        JsonNode page = api.eventsPage(unique("nobody"), 10, null);

        assertThat(page.get("events")).isEmpty();
        assertThat(page.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void aCursorThisServerDidNotHandOutIsAValidationProblem() {
        TestServer.Response r = server.get("/api/users/u/events?app_id=" + api.env.appId() + "&cursor=not-a-cursor",
                TestServer.bearer(TestServer.ADMIN));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(r.body()).contains("cursor");
    }

    @Test
    void limitOutsideOneToAThousandIsAValidationProblem() {
        for (String limit : List.of("0", "1001", "ten")) {
            TestServer.Response r = server.get("/api/users/u/events?app_id=" + api.env.appId() + "&limit=" + limit,
                    TestServer.bearer(TestServer.ADMIN));
            assertThat(r.status()).as("limit=%s", limit).isEqualTo(400);
            assertThat(r.body()).contains("limit");
        }
    }

    @Test
    void readingEventsNeedsTheAdminTokenOrTheEnvironmentsSecretKey() {
        String u = unique("user");
        String id = api.track(u, "Tracked", at(1));
        String path = "/api/users/" + u + "/events?app_id=" + api.env.appId();

        assertThat(server.get(path).status()).isEqualTo(401);
        assertThat(server.get(path, TestServer.bearer(server.prod().secretKey())).status()).isEqualTo(401);
        TestServer.Response withKey = server.get(path, TestServer.bearer(server.dev().secretKey()));
        assertThat(withKey.status()).isEqualTo(200);
        assertThat(withKey.json().get("events").get(0).get("event_id").asText()).isEqualTo(id);
    }
}
