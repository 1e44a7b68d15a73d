package dev.hindsight.account;

import static dev.hindsight.TestServer.bearer;
import static dev.hindsight.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Accounts over HTTP: first-run set-up, sign-in and out, cookies, CSRF, throttling, invites, members and tokens. */
class AccountsTest {
    private static final String PROBLEMS = "https://hindsight.dev/problems/";

    @Test
    void theFirstRunCreatesOneAdminWithAPasswordOfAtLeastTenCharactersAndSignsItIn() {
        try (TestServer s = TestServer.start()) {
            assertThat(s.get("/api/setup").json().get("admin_exists").asBoolean()).isFalse();
            TestServer.Response shortPassword = s.post("/api/setup", json("email", "ada@example.com", "password",
                    "123456789"));
            assertThat(shortPassword.status()).isEqualTo(400);
            assertThat(shortPassword.body()).contains("at least 10 characters").contains("password");
            assertThat(s.post("/api/setup", json("email", "not an email", "password", Session.PASSWORD)).status())
                    .isEqualTo(400);
            assertThat(s.post("/api/setup", json("email", "a@example.com", "password", Session.PASSWORD,
                    "admin", true)).status()).isEqualTo(400);

            TestServer.Response created = s.post("/api/setup", json("email", " Ada@Example.com ", "password",
                    Session.PASSWORD, "name", "Ada"));
            assertThat(created.status()).isEqualTo(201);
            assertThat(created.json().get("account").get("role").asText()).isEqualTo("admin");
            assertThat(created.json().get("account").get("email").asText()).isEqualTo("ada@example.com");
            Session admin = Session.of(created);
            TestServer.Response me = s.get("/api/me", admin.headers(false));
            assertThat(me.status()).isEqualTo(200);
            assertThat(me.json().get("role").asText()).isEqualTo("admin");
            assertThat(me.json().get("csrf_token").asText()).isEqualTo(admin.csrf());

            TestServer.Response again = s.post("/api/setup", json("email", "eve@example.com", "password",
                    Session.PASSWORD));
            assertThat(again.status()).isEqualTo(409);
            assertThat(s.get("/api/setup").json().get("admin_exists").asBoolean()).isTrue();
            assertThat(s.post("/api/login", json("email", "eve@example.com", "password", Session.PASSWORD)).status())
                    .isEqualTo(401);
        }
    }

    @Test
    void theSessionCookieIsHttpOnlyLaxOnTheWholeSiteAndSecureOnlyWhenThePublicUrlIsHttps() {
        try (TestServer s = TestServer.start()) {
            String cookie = Session.setCookie(s.post("/api/setup", json("email", "ada@example.com", "password",
                    Session.PASSWORD)));
            assertThat(cookie).contains("; HttpOnly").contains("; SameSite=Lax").contains("; Path=/")
                    .contains("; Max-Age=" + Duration.ofDays(14).toSeconds()).doesNotContain("Secure");
            assertThat(Session.cookieValue(s.post("/api/login", json("email", "ada@example.com", "password",
                    Session.PASSWORD)))).hasSizeGreaterThanOrEqualTo(43);
        }
        try (TestServer s = TestServer.start(Map.of("public-url", "https://hindsight.example.com"),
                java.time.Clock.systemUTC())) {
            String cookie = Session.setCookie(s.post("/api/setup", json("email", "ada@example.com", "password",
                    Session.PASSWORD)));
            assertThat(cookie).contains("; Secure").contains("; HttpOnly").contains("; SameSite=Lax");
        }
    }

    @Test
    void signingInGivesANewSessionIdEndsTheOneSentAlongAndSigningOutEndsIt() {
        try (TestServer s = TestServer.start()) {
            Session first = Session.setUp(s, "ada@example.com");
            // Session fixation: whatever session the browser held, signing in answers a new id and ends the old one.
            TestServer.Response login = s.post("/api/login", json("email", "ada@example.com", "password",
                    Session.PASSWORD), "Cookie", Access.COOKIE + "=" + first.cookie());
            Session second = Session.of(login);
            assertThat(second.cookie()).isNotEqualTo(first.cookie());
            assertThat(second.csrf()).isNotEqualTo(first.csrf());
            assertThat(s.get("/api/me", first.headers(false)).status()).isEqualTo(401);
            assertThat(s.get("/api/me", second.headers(false)).status()).isEqualTo(200);

            // A cookie the server never issued is refused, and cleared.
            TestServer.Response madeUp = s.get("/api/me", "Cookie", Access.COOKIE + "=made-up");
            assertThat(madeUp.status()).isEqualTo(401);
            assertThat(Session.setCookie(madeUp)).contains("Max-Age=0");

            assertThat(s.post("/api/logout", null, second.headers(true)).status()).isEqualTo(204);
            TestServer.Response after = s.get("/api/me", second.headers(false));
            assertThat(after.status()).isEqualTo(401);
            assertThat(after.json().get("type").asText()).isEqualTo(PROBLEMS + "unauthorized");
        }
    }

    @Test
    void anUnknownEmailIsAnsweredLikeAWrongPassword() {
        try (TestServer s = TestServer.start()) {
            Session.setUp(s, "ada@example.com");
            TestServer.Response wrong = s.post("/api/login", json("email", "ada@example.com", "password",
                    "wrong password!"));
            TestServer.Response unknown = s.post("/api/login", json("email", "bob@example.com", "password",
                    "wrong password!"));
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(unknown.status()).isEqualTo(401);
            assertThat(unknown.body()).isEqualTo(wrong.body());
        }
    }

    @Test
    void aStateChangingRequestBySessionCookieNeedsTheSessionsCsrfTokenButOneByBearerTokenDoesNot() {
        try (TestServer s = TestServer.start()) {
            Session admin = Session.setUp(s, "ada@example.com");
            Session other = Session.member(s, "bob@example.com", "admin");
            String body = json("name", "ci");
            TestServer.Response none = s.post("/api/tokens", body, admin.headers(false));
            assertThat(none.status()).isEqualTo(403);
            assertThat(none.json().get("type").asText()).isEqualTo(PROBLEMS + "csrf");
            TestServer.Response wrong = s.post("/api/tokens", body, admin.headers(false, Access.CSRF_HEADER,
                    admin.csrf() + "x"));
            assertThat(wrong.status()).isEqualTo(403);
            // Another session's token is not this session's.
            assertThat(s.post("/api/tokens", body, admin.headers(false, Access.CSRF_HEADER, other.csrf())).status())
                    .isEqualTo(403);
            assertThat(s.send("DELETE", "/api/members/" + other.account().get("id").asLong(), (String) null,
                    admin.headers(false)).status()).isEqualTo(403);
            assertThat(s.send("PATCH", "/api/environments/" + s.dev().appId(), "{}", admin.headers(false)).status())
                    .isEqualTo(403);
            assertThat(s.get("/api/members", admin.headers(false)).status()).isEqualTo(200);

            TestServer.Response right = s.post("/api/tokens", body, admin.headers(true));
            assertThat(right.status()).isEqualTo(201);
            String token = right.json().get("token").asText();
            assertThat(s.post("/api/tokens", body, bearer(token)).status()).isEqualTo(201);
        }
    }

    @Test
    void wrongPasswordsForOneAccountAreThrottledWithDoublingDelays() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        try (TestServer s = TestServer.start(Map.of(), clock)) {
            Session.setUp(s, "ada@example.com");
            String wrong = json("email", "ada@example.com", "password", "wrong password!");
            String right = json("email", "ada@example.com", "password", Session.PASSWORD);
            for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
                assertThat(s.post("/api/login", wrong).status()).isEqualTo(401);
            }
            TestServer.Response held = s.post("/api/login", right);
            assertThat(held.status()).isEqualTo(429);
            assertThat(held.header("Retry-After")).isEqualTo("1");
            clock.advance(Duration.ofSeconds(1));
            assertThat(s.post("/api/login", wrong).status()).isEqualTo(401);
            TestServer.Response longer = s.post("/api/login", right);
            assertThat(longer.status()).isEqualTo(429);
            assertThat(longer.header("Retry-After")).isEqualTo("2");
            clock.advance(Duration.ofSeconds(2));
            assertThat(s.post("/api/login", right).status()).isEqualTo(200);
        }
    }

    @Test
    void wrongPasswordsFromOneAddressAreThrottledAcrossEmails() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        try (TestServer s = TestServer.start(Map.of(), clock)) {
            Session.setUp(s, "ada@example.com");
            for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
                assertThat(s.post("/api/login", json("email", "guess" + i + "@example.com", "password",
                        "wrong password!")).status()).isEqualTo(401);
            }
            TestServer.Response held = s.post("/api/login", json("email", "ada@example.com", "password",
                    Session.PASSWORD));
            assertThat(held.status()).isEqualTo(429);
            assertThat(held.json().get("type").asText()).isEqualTo(PROBLEMS + "rate-limited");
            // Failures are forgotten an hour after the last one.
            clock.advance(LoginThrottle.FORGET_AFTER.plusSeconds(1));
            assertThat(s.post("/api/login", json("email", "ada@example.com", "password", Session.PASSWORD)).status())
                    .isEqualTo(200);
        }
    }

    @Test
    void aSessionEndsAfterItsIdleTimeButNotWhileInUse() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        try (TestServer s = TestServer.start(Map.of("session-idle-hours", "1"), clock)) {
            Session admin = Session.setUp(s, "ada@example.com");
            clock.advance(Duration.ofMinutes(59));
            assertThat(s.get("/api/me", admin.headers(false)).status()).isEqualTo(200);
            clock.advance(Duration.ofMinutes(59));
            assertThat(s.get("/api/me", admin.headers(false)).status()).isEqualTo(200);
            clock.advance(Duration.ofMinutes(61));
            assertThat(s.get("/api/me", admin.headers(false)).status()).isEqualTo(401);
        }
    }

    @Test
    void anInviteIsAcceptedOnceWithinSevenDaysAndCreatesTheMemberWithItsRole() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        try (TestServer s = TestServer.start(Map.of(), clock)) {
            Session admin = Session.setUp(s, "ada@example.com");
            TestServer.Response invite = s.post("/api/invites", json("email", "Bob@Example.com", "role", "analyst"),
                    admin.headers(true));
            assertThat(invite.status()).isEqualTo(201);
            assertThat(invite.json().get("expires_at").asText()).isEqualTo("2026-12-08T10:00:00Z");
            String token = invite.json().get("token").asText();
            String accept = "/api/invites/" + token + "/accept";
            assertThat(s.post(accept, json("password", "short")).status()).isEqualTo(400);
            TestServer.Response accepted = s.post(accept, json("password", Session.PASSWORD, "name", "Bob"));
            assertThat(accepted.status()).isEqualTo(201);
            assertThat(accepted.json().get("account").get("role").asText()).isEqualTo("analyst");
            assertThat(accepted.json().get("account").get("email").asText()).isEqualTo("bob@example.com");
            assertThat(s.get("/api/me", Session.of(accepted).headers(false)).json().get("role").asText())
                    .isEqualTo("analyst");
            // Reuse of the link.
            TestServer.Response reused = s.post(accept, json("password", "another long password"));
            assertThat(reused.status()).isEqualTo(410);
            assertThat(reused.json().get("type").asText()).isEqualTo(PROBLEMS + "gone");
            assertThat(Session.logIn(s, "bob@example.com", Session.PASSWORD).account().get("role").asText())
                    .isEqualTo("analyst");
            assertThat(s.post("/api/invites/" + token + "x/accept", json("password", Session.PASSWORD)).status())
                    .isEqualTo(404);
            assertThat(s.post("/api/invites", json("email", "bob@example.com", "role", "viewer"),
                    admin.headers(true)).status()).isEqualTo(409);
            assertThat(s.post("/api/invites", json("email", "carol@example.com", "role", "owner"),
                    admin.headers(true)).status()).isEqualTo(400);

            String late = s.post("/api/invites", json("email", "carol@example.com", "role", "viewer"),
                    admin.headers(true)).json().get("token").asText();
            clock.advance(Accounts.INVITE_LIFETIME.plusSeconds(1));
            assertThat(s.post("/api/invites/" + late + "/accept", json("password", Session.PASSWORD)).status())
                    .isEqualTo(410);
        }
    }

    @Test
    void theLastAdminCanBeNeitherDemotedNorRemovedAndARemovedMembersTokensStopWorking() {
        try (TestServer s = TestServer.start()) {
            Session ada = Session.setUp(s, "ada@example.com");
            long adaId = ada.account().get("id").asLong();
            assertThat(s.send("PATCH", "/api/members/" + adaId, json("role", "analyst"), ada.headers(true)).status())
                    .isEqualTo(409);
            assertThat(s.send("DELETE", "/api/members/" + adaId, (String) null, ada.headers(true)).status()).isEqualTo(409);

            Session bob = Session.member(s, "bob@example.com", "viewer");
            long bobId = bob.account().get("id").asLong();
            String bobsToken = bob.token(s);
            assertThat(s.get("/api/me", bearer(bobsToken)).json().get("role").asText()).isEqualTo("viewer");
            TestServer.Response promoted = s.send("PATCH", "/api/members/" + bobId, json("role", "admin"),
                    ada.headers(true));
            assertThat(promoted.json().get("role").asText()).isEqualTo("admin");
            // A token carries its owner's current role.
            assertThat(s.get("/api/me", bearer(bobsToken)).json().get("role").asText()).isEqualTo("admin");
            assertThat(s.send("PATCH", "/api/members/" + adaId, json("role", "architect"), ada.headers(true))
                    .status()).isEqualTo(200);
            // Ada is an architect now: no longer allowed to manage members.
            assertThat(s.get("/api/members", ada.headers(false)).status()).isEqualTo(403);
            assertThat(s.send("DELETE", "/api/members/" + bobId, (String) null, bearer(TestServer.ADMIN)).status())
                    .isEqualTo(409);
            assertThat(s.send("DELETE", "/api/members/" + adaId, (String) null, bearer(bobsToken)).status()).isEqualTo(204);
            assertThat(s.get("/api/me", ada.headers(false)).status()).isEqualTo(401);
            assertThat(s.get("/api/members", bearer(bobsToken)).json().get("members")).hasSize(1);
        }
    }

    @Test
    void aPersonalApiTokenIsShownOnceListedWithoutItsSecretAndStopsWhenDeleted() {
        try (TestServer s = TestServer.start()) {
            Session ada = Session.setUp(s, "ada@example.com");
            TestServer.Response created = s.post("/api/tokens", json("name", "nightly export"), ada.headers(true));
            assertThat(created.status()).isEqualTo(201);
            String token = created.json().get("token").asText();
            assertThat(token).startsWith("hs_pat_");
            TestServer.Response list = s.get("/api/tokens", bearer(token));
            assertThat(list.json().get("tokens")).hasSize(1);
            assertThat(list.body()).doesNotContain(token).contains("nightly export");
            TestServer.Response me = s.get("/api/me", bearer(token));
            assertThat(me.json().get("via").asText()).isEqualTo("api_token");
            assertThat(me.json().has("csrf_token")).isFalse();
            assertThat(s.get("/api/projects", bearer(token)).status()).isEqualTo(200);

            // The admin token has no account, so no personal tokens.
            assertThat(s.post("/api/tokens", json("name", "x"), bearer(TestServer.ADMIN)).status()).isEqualTo(403);
            long id = created.json().get("id").asLong();
            assertThat(s.send("DELETE", "/api/tokens/" + id, (String) null, ada.headers(true)).status()).isEqualTo(204);
            assertThat(s.get("/api/me", bearer(token)).status()).isEqualTo(401);
            assertThat(s.get("/api/me", bearer("hs_pat_madeup")).status()).isEqualTo(401);
        }
    }

    @Test
    void theAdminTokenStillWorksAndSecretKeysKeepExactlyTheirRights() {
        try (TestServer s = TestServer.start()) {
            assertThat(s.get("/api/projects", bearer(TestServer.ADMIN)).status()).isEqualTo(200);
            assertThat(s.get("/api/me", bearer(TestServer.ADMIN)).json().get("via").asText()).isEqualTo("admin_token");
            String key = s.dev().secretKey();
            TestServer.Response projects = s.get("/api/projects", bearer(key));
            assertThat(projects.status()).isEqualTo(403);
            assertThat(projects.json().get("detail").asText()).contains("'admin'");
            assertThat(s.get("/api/definitions?app_id=" + s.dev().appId(), bearer(key)).status()).isEqualTo(200);
            assertThat(s.get("/api/definitions?app_id=" + s.prod().appId(), bearer(key)).status()).isEqualTo(401);
            assertThat(s.get("/api/me", bearer(key)).status()).isEqualTo(403);
            assertThat(s.get("/api/definitions?app_id=" + s.dev().appId()).status()).isEqualTo(401);
        }
    }

    @Test
    void aHugePasswordIsRefusedBeforeAnyHashing() {
        try (TestServer s = TestServer.start()) {
            Session.setUp(s, "ada@example.com");
            String huge = "p".repeat(Passwords.MAX_BYTES + 1);
            TestServer.Response login = s.post("/api/login", json("email", "ada@example.com", "password", huge));
            assertThat(login.status()).isEqualTo(400);
            assertThat(login.body()).contains("at most 1024 bytes");
            // Multi-byte characters count in bytes.
            assertThat(s.post("/api/login", json("email", "ada@example.com", "password", "é".repeat(513))).status())
                    .isEqualTo(400);
            TestServer.Response body = s.post("/api/login", json("email", "ada@example.com", "password",
                    "p".repeat(2 * 1024 * 1024)));
            assertThat(body.status()).isIn(400, 413);
        }
    }

    @Test
    void anUnknownEmailTakesAboutAsLongAsAWrongPasswordSoTimingRevealsNoAccount() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
        try (TestServer s = TestServer.start(Map.of(), clock)) {
            Session.setUp(s, "ada@example.com");
            long[] known = new long[5];
            long[] unknown = new long[5];
            for (int i = 0; i < known.length; i++) {
                known[i] = timed(s, "ada@example.com");
                unknown[i] = timed(s, "nobody" + i + "@example.com");
                // Past the throttle's memory, so that every attempt is verified.
                clock.advance(LoginThrottle.FORGET_AFTER.plusMinutes(1));
            }
            java.util.Arrays.sort(known);
            java.util.Arrays.sort(unknown);
            double ratio = (double) unknown[2] / known[2];
            // Without the dummy hash an unknown email would answer tens of times faster than Argon2id verifies.
            assertThat(ratio).as("median unknown / wrong-password time").isBetween(0.25, 4.0);
        }
    }

    private static long timed(TestServer s, String email) {
        long t = System.nanoTime();
        assertThat(s.post("/api/login", json("email", email, "password", "wrong password!")).status()).isEqualTo(401);
        return System.nanoTime() - t;
    }
}
