package dev.hindsight.account;

import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Auth;
import dev.hindsight.project.Environment;
import dev.hindsight.project.Projects;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Enforces {@link RouteRoles} on every request before its handler runs: finds the caller (a session cookie, a
 * personal API token, the admin token or an environment's secret key), requires the CSRF token of a session on
 * every state-changing request, and refuses a caller whose role is below the route's. Handlers then ask it for
 * the environment a request names ({@link #environment}) and whether the caller may change something another
 * member saved ({@link #mayChange}).
 */
public final class Access {
    /** The session cookie's name. */
    public static final String COOKIE = "hindsight_session";
    /** The header that must carry a session's CSRF token on POST, PUT, PATCH and DELETE. */
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final String CALLER = "hindsight.caller";

    private final Auth auth;
    private final Projects projects;
    private final Accounts accounts;
    private final boolean httpsPublicUrl;

    /** Access over {@code accounts}; with {@code httpsPublicUrl} session cookies are always marked Secure. */
    public Access(Auth auth, Projects projects, Accounts accounts, boolean httpsPublicUrl) {
        this.auth = auth;
        this.projects = projects;
        this.accounts = accounts;
        this.httpsPublicUrl = httpsPublicUrl;
    }

    /** Checks every matched route of {@code app} before its handler. */
    public void install(Javalin app) {
        app.beforeMatched(this::gate);
    }

    private void gate(Context ctx) {
        String method = ctx.method().name();
        RouteRoles.Rule rule = RouteRoles.find(method, ctx.endpointHandlerPath()).orElseThrow(() ->
                new HindsightException(ErrorCode.INTERNAL, "No role is set for " + method + " "
                        + ctx.endpointHandlerPath()));
        if (rule.open()) {
            return;
        }
        Caller c = identify(ctx);
        if (c.kind() == Caller.Kind.SESSION && !method.equals("GET") && !method.equals("HEAD")) {
            String sent = ctx.header(CSRF_HEADER);
            if (sent == null || !equal(sent, c.csrf())) {
                throw new HindsightException(ErrorCode.CSRF, "A request signed in by the session cookie must send "
                        + "the header '" + CSRF_HEADER + "' with the csrf_token from POST /api/login or GET /api/me");
            }
        }
        if (c.kind() == Caller.Kind.SECRET_KEY) {
            if (!rule.secretKey()) {
                throw new HindsightException(ErrorCode.FORBIDDEN, method + " " + rule.path() + " needs the role '"
                        + rule.role().id() + "' (a member's session or API token, or the admin token); an "
                        + "environment's secret key may not call it");
            }
        } else if (!c.role().atLeast(rule.role())) {
            throw new HindsightException(ErrorCode.FORBIDDEN, method + " " + rule.path() + " needs the role '"
                    + rule.role().id() + "' or higher; you are '" + c.role().id() + "'");
        }
        ctx.attribute(CALLER, c);
    }

    private Caller identify(Context ctx) {
        String token = bearer(ctx);
        if (token != null) {
            if (auth.isAdmin(ctx)) {
                return new Caller(Caller.Kind.ADMIN_TOKEN, null, Role.ADMIN, null, null);
            }
            if (token.startsWith(Accounts.TOKEN_PREFIX)) {
                return accounts.byApiToken(token).map(a -> Caller.member(Caller.Kind.API_TOKEN, a, null))
                        .orElseThrow(() -> new HindsightException(ErrorCode.UNAUTHORIZED, "This API token is not "
                                + "valid (was it deleted, or its member removed?)"));
            }
            Optional<Environment> env = projects.bySecretKey(token);
            if (env.isPresent()) {
                return new Caller(Caller.Kind.SECRET_KEY, null, null, env.get(), null);
            }
            throw new HindsightException(ErrorCode.UNAUTHORIZED, "The bearer token is neither a personal API token, "
                    + "the admin token nor a current secret key");
        }
        String id = ctx.cookie(COOKIE);
        if (id != null && !id.isEmpty()) {
            Optional<Accounts.SignedIn> s = id.length() > 100 ? Optional.empty() : accounts.session(id);
            if (s.isEmpty()) {
                clearCookie(ctx);
                throw new HindsightException(ErrorCode.UNAUTHORIZED, "Your session ended (signed out, or idle too "
                        + "long); sign in again with POST /api/login");
            }
            if (s.get().touched()) {
                setCookie(ctx, id);
            }
            return Caller.member(Caller.Kind.SESSION, s.get().account(), s.get().csrf());
        }
        throw new HindsightException(ErrorCode.UNAUTHORIZED, "Sign in (POST /api/login sets a session cookie), or "
                + "send 'Authorization: Bearer <token>' with a personal API token, the admin token or, where "
                + "allowed, an environment's secret key");
    }

    /** The caller the gate let through; only for routes with a role. */
    public Caller caller(Context ctx) {
        Caller c = ctx.attribute(CALLER);
        if (c == null) {
            throw new HindsightException(ErrorCode.INTERNAL, "No caller was checked for " + ctx.method() + " "
                    + ctx.endpointHandlerPath());
        }
        return c;
    }

    /**
     * The caller, once more checked to have at least {@code role} (the gate checked the route's role already; this
     * states it where a handler does something only that role may). A secret key has no role.
     */
    public Caller require(Context ctx, Role role) {
        Caller c = caller(ctx);
        if (c.role() == null || !c.role().atLeast(role)) {
            throw new HindsightException(ErrorCode.FORBIDDEN, "This needs the role '" + role.id() + "' or higher");
        }
        return c;
    }

    /**
     * The environment of {@code appId}, for the caller the gate let through: any environment for a member or the
     * admin token, only its own for a secret key.
     */
    public Environment environment(Context ctx, String appId) {
        Caller c = caller(ctx);
        Environment env = projects.byAppId(appId);
        if (c.kind() == Caller.Kind.SECRET_KEY && c.keyEnvironment().id() != env.id()) {
            throw new HindsightException(ErrorCode.UNAUTHORIZED, "Send 'Authorization: Bearer <token>' with the admin "
                    + "token or the secret key of the environment of app_id '" + appId + "'");
        }
        return env;
    }

    /**
     * Refuses an analyst changing a {@code what} that another saved (its {@code owner}): analysts change only their
     * own; architects, admins, the admin token and secret keys change any.
     */
    public void mayChange(Context ctx, String owner, String what) {
        Caller c = caller(ctx);
        if (c.role() != null && !c.role().atLeast(Role.ARCHITECT) && !c.owner().equals(owner)) {
            throw new HindsightException(ErrorCode.FORBIDDEN, "Only its owner, an architect or an admin may change "
                    + "this " + what + "; you are '" + c.role().id() + "'");
        }
    }

    /** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure on https. */
    public void setCookie(Context ctx, String id) {
        ctx.res().addHeader("Set-Cookie", COOKIE + "=" + id + "; Path=/; Max-Age=" + accounts.idle().toSeconds()
                + "; HttpOnly; SameSite=Lax" + (secure(ctx) ? "; Secure" : ""));
    }

    public void clearCookie(Context ctx) {
        ctx.res().addHeader("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
                + (secure(ctx) ? "; Secure" : ""));
    }

    private boolean secure(Context ctx) {
        return httpsPublicUrl || "https".equalsIgnoreCase(ctx.scheme());
    }

    static String bearer(Context ctx) {
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = h.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    static boolean equal(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
