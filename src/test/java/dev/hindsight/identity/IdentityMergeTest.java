package dev.hindsight.identity;

import static dev.hindsight.identity.Api.at;
import static dev.hindsight.identity.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Merging a device's anonymous events into a user at query time, shared devices, and undoing a merge. */
class IdentityMergeTest {
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
    void identifyingADeviceGivesTheUserItsEarlierAnonymousEvents() {
        String d = unique("dev");
        String u = unique("user");
        String e1 = api.anonymous(d, at(1));
        String e2 = api.anonymous(d, at(2));
        assertThat(api.eventIds(u)).isEmpty();

        api.identifyOnDevice(d, u, at(10));

        assertThat(api.eventIds(u)).containsExactly(e2, e1);
    }

    @Test
    void identifyingADeviceGivesTheUserItsLaterAnonymousEvents() {
        String d = unique("dev");
        String u = unique("user");
        api.identifyOnDevice(d, u, at(10));

        String e1 = api.anonymous(d, at(11));
        String e2 = api.anonymous(d, at(500));

        assertThat(api.eventIds(u)).containsExactly(e2, e1);
    }

    @Test
    void anotherDevicesAnonymousEventsDoNotBecomeTheUsers() {
        String d = unique("dev");
        String other = unique("dev");
        String u = unique("user");
        String mine = api.anonymous(d, at(1));
        api.anonymous(other, at(2));

        api.identifyOnDevice(d, u, at(10));

        assertThat(api.eventIds(u)).containsExactly(mine);
    }

    @Test
    void canonicalIdentifyApiLinksTheAnonymousIdToTheUser() {
        String d = unique("anon");
        String u = unique("user");
        String before = api.anonymous(d, at(1));

        api.identifyServer(d, u, at(5), Map.of("plan", "pro"));
        String after = api.anonymous(d, at(6));

        assertThat(api.eventIds(u)).containsExactly(after, before);
        List<JsonNode> merges = api.merges(u);
        assertThat(merges).hasSize(1);
        assertThat(merges.get(0).get("device_id").asText()).isEqualTo(d);
        assertThat(merges.get(0).get("valid_from").asText()).isEqualTo(Instant.ofEpochMilli(at(5)).toString());
        assertThat(merges.get(0).get("source").asText()).isEqualTo("server");
    }

    @Test
    void deviceIdentifiedAsBKeepsEarlierHistoryWithA() {
        String d = unique("shared");
        String a = unique("alice");
        String b = unique("bob");
        String beforeA = api.anonymous(d, at(1));
        api.identifyOnDevice(d, a, at(2));
        String afterA = api.anonymous(d, at(3));
        String justBeforeB = api.browserEvent(d, null, at(10) - 1);

        api.identifyOnDevice(d, b, at(10));
        String atB = api.anonymous(d, at(10));
        String afterB = api.anonymous(d, at(11));

        assertThat(api.eventIds(a)).containsExactly(justBeforeB, afterA, beforeA);
        assertThat(api.eventIds(b)).containsExactly(afterB, atB);
    }

    @Test
    void deviceIdentifiedBackAsAGivesAEachOfItsSpans() {
        String d = unique("shared");
        String a = unique("alice");
        String b = unique("bob");
        api.identifyOnDevice(d, a, at(1));
        String a1 = api.anonymous(d, at(2));
        api.identifyOnDevice(d, b, at(3));
        String b1 = api.anonymous(d, at(4));
        api.identifyOnDevice(d, a, at(5));
        String a2 = api.anonymous(d, at(6));

        assertThat(api.eventIds(a)).containsExactly(a2, a1);
        assertThat(api.eventIds(b)).containsExactly(b1);
        assertThat(api.merges(a)).hasSize(2);
    }

    @Test
    void repeatingIdentifyWithTheSameIdentityCreatesNoNewLink() {
        String d = unique("dev");
        String u = unique("user");
        api.identifyOnDevice(d, u, at(1));
        api.identifyOnDevice(d, u, at(2));
        api.identifyOnDevice(d, u, at(3));
        api.identifyServer(d, u, at(4), Map.of());

        List<JsonNode> merges = api.merges(u);
        assertThat(merges).hasSize(1);
        assertThat(merges.get(0).get("valid_from").asText()).isEqualTo(Instant.ofEpochMilli(at(1)).toString());
    }

    @Test
    void repeatingIdentifyAfterARestartCreatesNoNewLink() {
        try (TestServer own = Api.startServer()) {
            Api local = new Api(own, own.dev());
            String d = unique("dev");
            String u = unique("user");
            local.identifyOnDevice(d, u, at(1));
            own.restart();
            local = new Api(own, own.dev());
            local.identifyOnDevice(d, u, at(2));

            assertThat(local.merges(u)).hasSize(1);
        }
    }

    @Test
    void eventsSentWithAnotherIdentityStayWithThatIdentity() {
        String d = unique("dev");
        String a = unique("alice");
        String b = unique("bob");
        api.identifyOnDevice(d, a, at(1));
        String anon = api.anonymous(d, at(2));
        String bobs = api.browserEvent(d, b, at(3));

        assertThat(api.eventIds(a)).containsExactly(anon);
        assertThat(api.eventIds(b)).containsExactly(bobs);
    }

    @Test
    void undoingAMergeTakesTheDevicesAnonymousEventsAwayFromTheUser() {
        String d = unique("dev");
        String u = unique("user");
        String before = api.anonymous(d, at(1));
        api.identifyOnDevice(d, u, at(2));
        String after = api.anonymous(d, at(3));
        String sentAsU = api.browserEvent(d, u, at(4));
        String tracked = api.track(u, "Renewed", at(5));
        assertThat(api.eventIds(u)).containsExactly(tracked, sentAsU, after, before);
        long mergeId = api.merges(u).get(0).get("id").asLong();

        JsonNode undone = api.undo(u, mergeId);

        assertThat(undone.get("undone_at").isNull()).isFalse();
        assertThat(api.eventIds(u)).containsExactly(tracked, sentAsU);
        JsonNode merge = api.merges(u).get(0);
        assertThat(merge.get("id").asLong()).isEqualTo(mergeId);
        assertThat(merge.get("undone_at").asText()).isEqualTo(Api.NOW.toString());
    }

    @Test
    void undoneMergeDoesNotMoveItsEventsToTheDevicesNextUser() {
        String d = unique("shared");
        String a = unique("alice");
        String b = unique("bob");
        String beforeA = api.anonymous(d, at(1));
        api.identifyOnDevice(d, a, at(2));
        String duringA = api.anonymous(d, at(3));
        api.identifyOnDevice(d, b, at(10));
        String duringB = api.anonymous(d, at(11));
        long mergeA = api.merges(a).get(0).get("id").asLong();

        api.undo(a, mergeA);

        assertThat(api.eventIds(a)).isEmpty();
        assertThat(api.eventIds(b)).containsExactly(duringB).doesNotContain(beforeA, duringA);
    }

    @Test
    void undoneMiddleMergeDoesNotMoveItsEventsToThePreviousUser() {
        String d = unique("shared");
        String a = unique("alice");
        String b = unique("bob");
        String c = unique("carol");
        api.identifyOnDevice(d, a, at(1));
        String duringA = api.anonymous(d, at(2));
        api.identifyOnDevice(d, b, at(10));
        String duringB = api.anonymous(d, at(11));
        api.identifyOnDevice(d, c, at(20));
        String duringC = api.anonymous(d, at(21));

        api.undo(b, api.merges(b).get(0).get("id").asLong());

        assertThat(api.eventIds(a)).containsExactly(duringA);
        assertThat(api.eventIds(b)).isEmpty();
        assertThat(api.eventIds(c)).containsExactly(duringC);
        assertThat(List.of(api.eventIds(a), api.eventIds(c))).noneMatch(ids -> ids.contains(duringB));
    }

    @Test
    void undoingAnUndoneMergeAgainKeepsTheFirstUndoTime() {
        String d = unique("dev");
        String u = unique("user");
        api.identifyOnDevice(d, u, at(1));
        long id = api.merges(u).get(0).get("id").asLong();
        String first = api.undo(u, id).get("undone_at").asText();

        assertThat(api.undo(u, id).get("undone_at").asText()).isEqualTo(first);
        assertThat(api.merges(u)).hasSize(1);
    }

    @Test
    void undoingAMergeOfAnotherUserIsNotFound() {
        String d = unique("dev");
        String a = unique("alice");
        String b = unique("bob");
        api.identifyOnDevice(d, a, at(1));
        api.identifyOnDevice(unique("dev"), b, at(1));
        long mergeOfA = api.merges(a).get(0).get("id").asLong();

        TestServer.Response r = api.undo(b, mergeOfA, TestServer.bearer(TestServer.ADMIN));

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        assertThat(api.merges(a).get(0).get("undone_at").isNull()).isTrue();
    }

    @Test
    void listingMergesNeedsTheAdminToken() {
        String d = unique("dev");
        String u = unique("user");
        api.identifyOnDevice(d, u, at(2));

        assertThat(api.mergesResponse(u).status()).isEqualTo(401);
        assertThat(api.mergesResponse(u, TestServer.bearer("wrong")).status()).isEqualTo(401);
        // A secret key is known but lacks the admin role.
        assertThat(api.mergesResponse(u, TestServer.bearer(api.env.secretKey())).status()).isEqualTo(403);
        assertThat(api.merges(u)).hasSize(1);
    }

    @Test
    void undoWithoutTheAdminTokenChangesNothing() {
        String d = unique("dev");
        String u = unique("user");
        String e = api.anonymous(d, at(1));
        api.identifyOnDevice(d, u, at(2));
        long id = api.merges(u).get(0).get("id").asLong();

        assertThat(api.undo(u, id, new String[0]).status()).isEqualTo(401);
        assertThat(api.undo(u, id, TestServer.bearer(api.env.secretKey())).status()).isEqualTo(403);

        assertThat(api.eventIds(u)).containsExactly(e);
        assertThat(api.merges(u).get(0).get("undone_at").isNull()).isTrue();
    }
}
