package dev.hindsight.http;

import dev.hindsight.error.HindsightException;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.project.Environment;
import dev.hindsight.project.Projects;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Bearer-token checks: an environment's secret key for server endpoints, the admin token for the admin API. */
public final class Auth {
    private final Projects projects;
    private final Optional<String> adminToken;

    public Auth(Projects projects, Optional<String> adminToken) {
        this.projects = projects;
        this.adminToken = adminToken;
    }

    /** Who may write through a server endpoint: an environment, and whether the caller showed only its app id. */
    public record ServerCaller(Environment env, boolean appIdOnly) {
    }

    /**
     * The caller of a server write endpoint ({@code /api/track}, {@code /api/identify},
     * {@code /api/add_user_properties}): the holder of a secret key as {@link #serverKey}, or, with no
     * {@code Authorization} header, anyone naming the app id of an environment that accepts app-id-only calls
     * (Heap's own server-side clients send nothing else). Never use this for an endpoint that reads.
     */
    public ServerCaller serverWriter(Context ctx, String appId) {
        if (bearer(ctx) == null) {
            Environment env = projects.findByAppId(appId).orElse(null);
            if (env != null && env.settings().acceptAppIdOnly()) {
                // Heap's clients are servers and send no Origin. A page of another site must not make its
                // visitors' browsers write here (from addresses that no per-address limit would catch).
                String origin = ctx.header("Origin");
                if (origin != null && !env.allowsOrigin(origin.toLowerCase(java.util.Locale.ROOT))) {
                    throw new HindsightException(ErrorCode.ORIGIN_NOT_ALLOWED, "Origin '" + origin + "' is not on the "
                            + "allowed origins of environment '" + env.name() + "', so it cannot write with the app id "
                            + "alone");
                }
                return new ServerCaller(env, true);
            }
        }
        return new ServerCaller(serverKey(ctx, appId), false);
    }

    /**
     * The environment whose secret key the request carries; it must be the environment of {@code appId} when
     * the body names one.
     */
    public Environment serverKey(Context ctx, String appId) {
        Environment env = serverKey(ctx);
        sameEnvironment(env, appId);
        return env;
    }

    /**
     * The environment whose secret key the request carries, from its header alone: checked before the body is
     * read, so that a request without a valid key costs no body bytes.
     */
    public Environment serverKey(Context ctx) {
        String token = bearer(ctx);
        if (token == null) {
            throw new HindsightException(ErrorCode.UNAUTHORIZED, "This endpoint needs the environment's secret key: "
                    + "send the header 'Authorization: Bearer <secret key>' (GET /api/projects lists the keys, "
                    + "and the server prints the default project's keys on first start). Heap's own server-side "
                    + "clients, which send only the app_id, work once an admin opts the environment in with PATCH "
                    + "/api/environments/{app_id} {\"accept_app_id_only\": true} (weaker: anyone who knows the "
                    + "app id can then write)");
        }
        Environment env = projects.bySecretKey(token).orElseThrow(() -> new HindsightException(ErrorCode.UNAUTHORIZED,
                "The bearer token is not a current secret key of any environment (was it rotated?); send "
                        + "'Authorization: Bearer <secret key>' with the key from GET /api/projects"));
        return env;
    }

    /** Refuses a body whose {@code app_id} (when it names one) is not the environment of the key that came with it. */
    public void sameEnvironment(Environment env, String appId) {
        if (appId != null && !appId.equals(env.appId())) {
            projects.byAppId(appId);
            throw new HindsightException(ErrorCode.FORBIDDEN, "The secret key belongs to another environment than app_id '"
                    + appId + "'; use that environment's key");
        }
    }

    /** Whether the request carries a bearer token at all (valid or not). */
    public boolean hasBearer(Context ctx) {
        return bearer(ctx) != null;
    }

    public void admin(Context ctx) {
        if (adminToken.isEmpty()) {
            throw new HindsightException(ErrorCode.UNAUTHORIZED,
                    "The admin API is disabled: start the server with HINDSIGHT_ADMIN_TOKEN set, then send "
                            + "'Authorization: Bearer <that token>'");
        }
        if (!isAdmin(ctx)) {
            throw new HindsightException(ErrorCode.UNAUTHORIZED,
                    "This endpoint needs the admin token: send 'Authorization: Bearer <HINDSIGHT_ADMIN_TOKEN>'");
        }
    }

    /** The environment of {@code appId}, if the caller holds the admin token or that environment's secret key. */
    public Environment adminOrKey(Context ctx, String appId) {
        Environment env = projects.byAppId(appId);
        if (isAdmin(ctx)) {
            return env;
        }
        String token = bearer(ctx);
        if (token != null && equal(token, env.secretKey())) {
            return env;
        }
        throw new HindsightException(ErrorCode.UNAUTHORIZED, "Send 'Authorization: Bearer <token>' with the admin "
                + "token or the secret key of the environment of app_id '" + appId + "'");
    }

    /**
     * Lets a request read {@code /metrics}: anyone when {@code metricsPublic}, otherwise the admin token or
     * {@code metricsToken}.
     */
    public void metrics(Context ctx, boolean metricsPublic, Optional<String> metricsToken) {
        if (metricsPublic || isAdmin(ctx)) {
            return;
        }
        String token = bearer(ctx);
        if (token != null && metricsToken.isPresent() && equal(token, metricsToken.get())) {
            return;
        }
        throw new HindsightException(ErrorCode.UNAUTHORIZED, "/metrics needs 'Authorization: Bearer <token>' with "
                + "the admin token or HINDSIGHT_METRICS_TOKEN (or start the server with HINDSIGHT_METRICS_PUBLIC=true)");
    }

    /** Whether the request carries the admin token (what saved reports record as their owner until accounts exist). */
    public boolean isAdmin(Context ctx) {
        String token = bearer(ctx);
        return token != null && adminToken.isPresent() && equal(token, adminToken.get());
    }

    private static String bearer(Context ctx) {
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = h.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    private static boolean equal(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
