package dev.hindsight.account;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.List;

/** A signed-in browser in tests: the session cookie's id and the CSRF token the server answered with. */
public record Session(String cookie, String csrf, JsonNode account) {
    static final String PASSWORD = "correct horse battery";

    /** The session a sign-in answer ({@code POST /api/setup}, {@code /api/login}, invite acceptance) started. */
    static Session of(TestServer.Response r) {
        if (r.status() != 200 && r.status() != 201) {
            throw new AssertionError("Not signed in: " + r.status() + " " + r.body());
        }
        return new Session(cookieValue(r), r.json().get("csrf_token").asText(), r.json().get("account"));
    }

    /** The value the Set-Cookie header gives the session cookie. */
    static String cookieValue(TestServer.Response r) {
        String set = setCookie(r);
        return set.substring(set.indexOf('=') + 1, set.indexOf(';'));
    }

    static String setCookie(TestServer.Response r) {
        return r.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("set-cookie"))
                .flatMap(e -> e.getValue().stream()).filter(v -> v.startsWith(Access.COOKIE + "=")).findFirst()
                .orElseThrow(() -> new AssertionError("No session cookie in " + r.headers()));
    }

    /** The first admin, set up on a new server. */
    static Session setUp(TestServer s, String email) {
        return of(s.post("/api/setup", TestServer.json("email", email, "password", PASSWORD)));
    }

    static Session logIn(TestServer s, String email, String password) {
        return of(s.post("/api/login", TestServer.json("email", email, "password", password)));
    }

    /** A new member with {@code role}, invited with the admin token, signed in. */
    public static Session member(TestServer s, String email, String role) {
        TestServer.Response i = s.post("/api/invites", TestServer.json("email", email, "role", role),
                TestServer.bearer(TestServer.ADMIN));
        if (i.status() != 201) {
            throw new AssertionError(i.body());
        }
        return of(s.post("/api/invites/" + i.json().get("token").asText() + "/accept",
                TestServer.json("password", PASSWORD)));
    }

    /** The headers of a request in this session: the cookie and, with {@code csrf}, the CSRF token. */
    String[] headers(boolean csrf, String... more) {
        List<String> h = new ArrayList<>(List.of("Cookie", Access.COOKIE + "=" + cookie));
        if (csrf) {
            h.addAll(List.of(Access.CSRF_HEADER, this.csrf));
        }
        h.addAll(List.of(more));
        return h.toArray(String[]::new);
    }

    /** A new personal API token of this session's member. */
    public String token(TestServer s) {
        TestServer.Response r = s.post("/api/tokens", TestServer.json("name", "automation"), headers(true));
        if (r.status() != 201) {
            throw new AssertionError(r.body());
        }
        return r.json().get("token").asText();
    }
}
