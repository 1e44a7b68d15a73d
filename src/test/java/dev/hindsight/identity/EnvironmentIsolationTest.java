package dev.hindsight.identity;

import static dev.hindsight.identity.Api.at;
import static dev.hindsight.identity.Api.unique;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The development and production environments share device ids and identities but never data. */
class EnvironmentIsolationTest {
    static TestServer server;
    static Api dev;
    static Api prod;

    @BeforeAll
    static void start() {
        server = Api.startServer();
        dev = new Api(server, server.dev());
        prod = new Api(server, server.prod());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aLinkInOneEnvironmentMergesNothingInTheOther() {
        String d = unique("dev");
        String u = unique("user");
        String devAnon = dev.anonymous(d, at(1));
        String prodAnon = prod.anonymous(d, at(1));
        dev.identifyOnDevice(d, u, at(2));
        String prodTracked = prod.track(u, "Tracked", at(3));

        assertThat(dev.eventIds(u)).containsExactly(devAnon);
        assertThat(prod.eventIds(u)).containsExactly(prodTracked).doesNotContain(prodAnon);
        assertThat(prod.merges(u)).isEmpty();
        assertThat(prod.user(u).get("devices")).isEmpty();
    }

    @Test
    void theSameDeviceIdentifiedInBothEnvironmentsKeepsEachEnvironmentsEvents() {
        String d = unique("dev");
        String u = unique("user");
        String devAnon = dev.anonymous(d, at(1));
        String prodAnon = prod.anonymous(d, at(1));
        dev.identifyOnDevice(d, u, at(2));
        prod.identifyOnDevice(d, u, at(2));

        assertThat(dev.eventIds(u)).containsExactly(devAnon);
        assertThat(prod.eventIds(u)).containsExactly(prodAnon);
    }

    @Test
    void anIdentifyInOneEnvironmentIsNotARepeatInTheOther() {
        String d = unique("dev");
        String u = unique("user");
        dev.identifyOnDevice(d, u, at(1));
        prod.identifyOnDevice(d, u, at(1));

        assertThat(dev.merges(u)).hasSize(1);
        assertThat(prod.merges(u)).hasSize(1);
        assertThat(prod.merges(u).get(0).get("id").asLong()).isNotEqualTo(dev.merges(u).get(0).get("id").asLong());
    }

    @Test
    void aUserKnownInOneEnvironmentIsUnknownInTheOther() {
        String u = unique("user");
        dev.addUserProperties(u, Map.of("plan", "pro"));

        assertThat(prod.userResponse(u, TestServer.bearer(TestServer.ADMIN)).status()).isEqualTo(404);
        assertThat(prod.mergesResponse(u, TestServer.bearer(TestServer.ADMIN)).status()).isEqualTo(404);
        assertThat(prod.eventIds(u)).isEmpty();
    }

    @Test
    void propertiesOfTheSameIdentityStayInTheirEnvironment() {
        String u = unique("user");
        dev.addUserProperties(u, Map.of("plan", "trial", "only_dev", true));
        prod.addUserProperties(u, Map.of("plan", "enterprise"));

        JsonNode devProps = dev.user(u).get("properties");
        JsonNode prodProps = prod.user(u).get("properties");

        assertThat(devProps.get("plan").asText()).isEqualTo("trial");
        assertThat(prodProps.get("plan").asText()).isEqualTo("enterprise");
        assertThat(prodProps.has("only_dev")).isFalse();
    }

    @Test
    void aMergeCannotBeUndoneThroughTheOtherEnvironment() {
        String d = unique("dev");
        String u = unique("user");
        String devAnon = dev.anonymous(d, at(1));
        dev.identifyOnDevice(d, u, at(2));
        prod.addUserProperties(u, Map.of("plan", "pro"));
        long devMerge = dev.merges(u).get(0).get("id").asLong();

        TestServer.Response r = prod.undo(u, devMerge, TestServer.bearer(TestServer.ADMIN));

        assertThat(r.status()).isEqualTo(404);
        assertThat(dev.merges(u).get(0).get("undone_at").isNull()).isTrue();
        assertThat(dev.eventIds(u)).containsExactly(devAnon);
    }

    @Test
    void undoingAMergeInOneEnvironmentLeavesTheOthersMergeInPlace() {
        String d = unique("dev");
        String u = unique("user");
        String devAnon = dev.anonymous(d, at(1));
        String prodAnon = prod.anonymous(d, at(1));
        dev.identifyOnDevice(d, u, at(2));
        prod.identifyOnDevice(d, u, at(2));

        dev.undo(u, dev.merges(u).get(0).get("id").asLong());

        assertThat(dev.eventIds(u)).doesNotContain(devAnon);
        assertThat(prod.eventIds(u)).containsExactly(prodAnon);
        assertThat(prod.merges(u).get(0).get("undone_at").isNull()).isTrue();
    }

    @Test
    void oneEnvironmentsSecretKeyCannotReadTheOthersUsers() {
        String u = unique("user");
        prod.track(u, "Tracked", at(1));

        assertThat(prod.userResponse(u, TestServer.bearer(server.dev().secretKey())).status()).isEqualTo(401);
        assertThat(prod.userResponse(u, TestServer.bearer(server.prod().secretKey())).status()).isEqualTo(200);
    }
}
