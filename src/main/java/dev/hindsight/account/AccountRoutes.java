package dev.hindsight.account;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.http.RateLimits;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The accounts API: {@code /api/setup} (the first admin), {@code /api/login}, {@code /api/logout}, {@code /api/me},
 * {@code /api/invites}, {@code /api/members} and {@code /api/tokens}. Who may call each is in {@link RouteRoles}.
 */
public final class AccountRoutes {
    private static final int NAME_CHARS = 200;

    private final Accounts accounts;
    private final Access access;
    private final RateLimits limits;
    private final Optional<String> publicUrl;

    public AccountRoutes(Accounts accounts, Access access, RateLimits limits, Optional<String> publicUrl) {
        this.accounts = accounts;
        this.access = access;
        this.limits = limits;
        this.publicUrl = publicUrl;
    }

    public void register(Javalin app) {
        app.get("/api/setup", ctx -> ctx.json(Map.of("admin_exists", accounts.hasAdmin())));
        app.post("/api/setup", ctx -> {
            JsonNode b = Json.tree(ctx, Set.of("email", "password", "name"));
            Accounts.NewSession s = accounts.setUp(text(b, "email", true, 254), password(b),
                    text(b, "name", false, NAME_CHARS));
            signedIn(ctx.status(201), s);
        });
        app.post("/api/login", ctx -> {
            JsonNode b = Json.tree(ctx, Set.of("email", "password"));
            String email = text(b, "email", true, 254).strip().toLowerCase(java.util.Locale.ROOT);
            Accounts.NewSession s = accounts.logIn(email, password(b), limits.clientAddress(ctx));
            // A session the browser held before is ended: its id must not outlive the sign-in (session fixation).
            String old = ctx.cookie(Access.COOKIE);
            if (old != null && !old.isEmpty() && old.length() <= 100) {
                accounts.endSession(old);
            }
            signedIn(ctx, s);
        });
        app.post("/api/logout", ctx -> {
            Caller c = access.caller(ctx);
            if (c.kind() == Caller.Kind.SESSION) {
                accounts.endSession(ctx.cookie(Access.COOKIE));
                access.clearCookie(ctx);
            }
            ctx.status(204);
        });
        app.get("/api/me", ctx -> {
            Caller c = access.caller(ctx);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("account", c.account() == null ? null : view(c.account()));
            out.put("role", c.role().id());
            out.put("via", switch (c.kind()) {
                case SESSION -> "session";
                case API_TOKEN -> "api_token";
                case ADMIN_TOKEN -> "admin_token";
                case SECRET_KEY -> "secret_key";
            });
            if (c.csrf() != null) {
                out.put("csrf_token", c.csrf());
            }
            ctx.json(out);
        });
        app.post("/api/invites", ctx -> {
            JsonNode b = Json.tree(ctx, Set.of("email", "role"));
            Caller c = access.caller(ctx);
            Accounts.NewInvite i = accounts.invite(text(b, "email", true, 254), role(b),
                    c.account() == null ? 0 : c.account().id());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("token", i.token());
            out.put("accept", "POST /api/invites/" + i.token() + "/accept");
            publicUrl.ifPresent(u -> out.put("url", u + "/invite/" + i.token()));
            out.put("email", i.invite().email());
            out.put("role", i.invite().role().id());
            out.put("expires_at", Instant.ofEpochMilli(i.invite().expiresAt()).toString());
            ctx.status(201).json(out);
        });
        app.post("/api/invites/{token}/accept", ctx -> {
            JsonNode b = Json.tree(ctx, Set.of("password", "name"));
            String token = ctx.pathParam("token");
            if (token.length() > 100) {
                throw new HindsightException(ErrorCode.NOT_FOUND, "No such invite; ask an admin for a new link");
            }
            signedIn(ctx.status(201), accounts.accept(token, password(b), text(b, "name", false, NAME_CHARS)));
        });
        app.get("/api/members", ctx -> ctx.json(Map.of("members", accounts.members().stream()
                .map(AccountRoutes::view).toList())));
        app.patch("/api/members/{id}", ctx -> {
            JsonNode b = Json.tree(ctx, Set.of("role"));
            ctx.json(view(accounts.setRole(id(ctx), role(b))));
        });
        app.delete("/api/members/{id}", ctx -> {
            accounts.remove(id(ctx));
            ctx.status(204);
        });
        app.post("/api/tokens", ctx -> {
            JsonNode b = Json.tree(ctx, Set.of("name"));
            Accounts.NewToken t = accounts.createToken(member(ctx), text(b, "name", true, NAME_CHARS));
            Map<String, Object> out = view(t.stored());
            out.put("token", t.token());
            ctx.status(201).json(out);
        });
        app.get("/api/tokens", ctx -> ctx.json(Map.of("tokens", accounts.tokens(member(ctx)).stream()
                .map(AccountRoutes::view).toList())));
        app.delete("/api/tokens/{id}", ctx -> {
            accounts.deleteToken(member(ctx), id(ctx));
            ctx.status(204);
        });
    }

    private void signedIn(Context ctx, Accounts.NewSession s) {
        access.setCookie(ctx, s.id());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("account", view(s.account()));
        out.put("csrf_token", s.csrf());
        ctx.json(out);
    }

    private Account member(Context ctx) {
        Caller c = access.caller(ctx);
        if (c.account() == null) {
            throw new HindsightException(ErrorCode.FORBIDDEN, "Personal API tokens belong to a member: sign in as "
                    + "one (the admin token has no account)");
        }
        return c.account();
    }

    static Map<String, Object> view(Account a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("email", a.email());
        m.put("name", a.name());
        m.put("role", a.role().id());
        m.put("created_at", Instant.ofEpochMilli(a.createdAt()).toString());
        return m;
    }

    private static Map<String, Object> view(AccountStore.ApiToken t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("name", t.name());
        m.put("created_at", Instant.ofEpochMilli(t.createdAt()).toString());
        return m;
    }

    private static String password(JsonNode b) {
        JsonNode n = b.get("password");
        if (n == null || !n.isTextual()) {
            throw HindsightException.field("password", "is required, as a string");
        }
        return n.asText();
    }

    private static Role role(JsonNode b) {
        String id = text(b, "role", true, 20);
        return Role.parse(id).orElseThrow(() -> HindsightException.field("role",
                "must be one of viewer, analyst, architect, admin"));
    }

    private static String text(JsonNode b, String field, boolean required, int max) {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw HindsightException.field(field, "is required");
            }
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw HindsightException.field(field, "must be a non-empty string");
        }
        if (n.asText().length() > max) {
            throw HindsightException.field(field, "must be at most " + max + " characters");
        }
        return n.asText().strip();
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw HindsightException.field("id", "must be a whole number");
        }
    }
}
