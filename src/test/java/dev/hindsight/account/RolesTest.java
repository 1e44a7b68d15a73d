package dev.hindsight.account;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every route of {@link RouteRoles#TABLE} called by each role (through a personal API token), by no one, by an
 * environment's secret key and by the admin token: each is let through or refused exactly as the table says. The
 * server refuses to start with a route missing from the table, so a new route cannot escape this test.
 */
class RolesTest {
    private static final Map<Role, String> TOKENS = new EnumMap<>(Role.class);
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        TOKENS.put(Role.ADMIN, Session.setUp(s, "admin@example.com").token(s));
        for (Role r : List.of(Role.VIEWER, Role.ANALYST, Role.ARCHITECT)) {
            TOKENS.put(r, Session.member(s, r.id() + "@example.com", r.id()).token(s));
        }
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static Stream<RouteRoles.Rule> guarded() {
        return RouteRoles.TABLE.stream().filter(r -> !r.open());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("guarded")
    void eachCallerIsLetThroughOrRefusedAsTheRouteTableSays(RouteRoles.Rule rule) {
        for (Role role : Role.values()) {
            TestServer.Response r = call(rule, bearer(TOKENS.get(role)));
            if (role.atLeast(rule.role())) {
                assertThat(r.status()).as(role + ": " + r.body()).isNotIn(401, 403);
            } else {
                assertThat(r.status()).as(role + ": " + r.body()).isEqualTo(403);
                assertThat(r.json().get("type").asText()).endsWith("/forbidden");
                assertThat(r.json().get("detail").asText()).contains("'" + rule.role().id() + "'");
            }
        }
        assertThat(call(rule).status()).as("no credentials").isEqualTo(401);
        assertThat(call(rule, bearer("hs_pat_not-a-token")).status()).as("unknown token").isEqualTo(401);
        TestServer.Response key = call(rule, bearer(s.dev().secretKey()));
        if (rule.secretKey()) {
            assertThat(key.status()).as("secret key: " + key.body()).isNotIn(401, 403);
        } else {
            assertThat(key.status()).as("secret key: " + key.body()).isEqualTo(403);
        }
        if (!rule.path().startsWith("/api/tokens")) {
            // The admin token acts as an admin; only personal tokens need an account of one's own.
            TestServer.Response admin = call(rule, bearer(TestServer.ADMIN));
            assertThat(admin.status()).as("admin token: " + admin.body()).isNotIn(401, 403);
        }
    }

    @Test
    void openRoutesNeedNoAccount() {
        assertThat(s.get("/health").status()).isEqualTo(200);
        assertThat(s.get("/api/setup").status()).isEqualTo(200);
        assertThat(RouteRoles.TABLE.stream().filter(RouteRoles.Rule::open).map(RouteRoles.Rule::path))
                .containsOnly("/health", "/metrics", "/h", "/api/track", "/api/identify", "/api/add_user_properties",
                        "/api/capture",
                        "/js/hindsight.js", "/api/setup", "/api/login", "/api/invites/{token}/accept",
                        // The web app's page, modules and libraries: what they show comes from the guarded API.
                        "/", "/login", "/setup", "/invite/{token}", "/e/{appId}", "/e/{appId}/<rest>",
                        "/app/{hash}/{file}", "/_static/<path>",
                        // Visual labeling's toolbar and the routes it calls with a labeling token (checked there).
                        "/js/labeling.js", "/api/environments/{appId}/labeling/count",
                        "/api/environments/{appId}/labeling/definitions");
    }

    @Test
    void aRouteWithoutARuleOrARuleWithoutARouteStopsTheServerFromStarting() {
        List<String> all = RouteRoles.TABLE.stream().map(r -> r.method() + " " + r.path()).toList();
        RouteRoles.check(all);
        List<String> more = Stream.concat(all.stream(), Stream.of("GET /api/new-thing")).toList();
        assertThatThrownBy(() -> RouteRoles.check(more)).hasMessageContaining("GET /api/new-thing has no rule");
        assertThatThrownBy(() -> RouteRoles.check(all.subList(1, all.size())))
                .hasMessageContaining(all.get(0) + ", which no handler serves");
    }

    @Test
    void theReadmeShowsEveryRouteWithItsRole() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (RouteRoles.Rule r : RouteRoles.TABLE) {
            String row = "| `" + r.method() + " " + r.path() + "` | " + (r.open() ? "open" : r.role().id()) + " | "
                    + (r.secretKey() ? "yes" : "no") + " |";
            assertThat(readme).as("README row for " + r).contains(row);
        }
    }

    /** Calls a route with its path's placeholders filled with ids that name nothing, so no call changes anything. */
    private static TestServer.Response call(RouteRoles.Rule rule, String... headers) {
        String path = rule.path().replace("{appId}", "no-such-app").replaceAll("\\{[^}]+}", "999999")
                + "?app_id=" + s.dev().appId();
        String body = rule.method().equals("GET") || rule.method().equals("DELETE") ? null
                : "{\"app_id\":\"" + s.dev().appId() + "\"}";
        return s.send(rule.method(), path, body, headers);
    }
}
