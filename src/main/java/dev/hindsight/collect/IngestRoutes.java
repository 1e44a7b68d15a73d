package dev.hindsight.collect;

import dev.hindsight.http.Auth;
import dev.hindsight.http.Bodies;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.RateLimits;
import dev.hindsight.project.Environment;
import dev.hindsight.project.Projects;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/** The ingestion endpoints: {@code /h} for the tracker, and the secret-key server API. */
public final class IngestRoutes {
    private static final int BROWSER_LIMIT = Bodies.MIB;
    private static final int SERVER_LIMIT = 5 * Bodies.MIB;

    private final Ingest ingest;
    private final Projects projects;
    private final Auth auth;
    private final MeterRegistry metrics;
    private final RateLimits limits;

    public IngestRoutes(Ingest ingest, Projects projects, Auth auth, MeterRegistry metrics, RateLimits limits) {
        this.ingest = ingest;
        this.projects = projects;
        this.auth = auth;
        this.metrics = metrics;
        this.limits = limits;
    }

    public void register(Javalin app) {
        app.options("/h", this::preflight);
        app.post("/h", this::browser);
        app.post("/api/track", ctx -> server(ctx, "track", (env, f) -> ingest.track(env, f, info(ctx))));
        app.post("/api/identify", ctx -> server(ctx, "identify", (env, f) -> ingest.identify(env, f, info(ctx))));
        app.post("/api/add_user_properties",
                ctx -> server(ctx, "add_user_properties", (env, f) -> ingest.userProperties(env, f, info(ctx))));
    }

    private void preflight(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin != null) {
            // The origin check needs the app id, which is in the body: the POST itself enforces it.
            cors(ctx, origin);
            ctx.header("Access-Control-Allow-Methods", "POST");
            ctx.header("Access-Control-Allow-Headers", "Content-Type");
            ctx.header("Access-Control-Max-Age", "86400");
        }
        ctx.status(204);
    }

    // Order matters: limits before the body, and the body read without holding a thread (slow senders).
    private void browser(Context ctx) {
        Ingest.RequestInfo info = info(ctx);
        requireJson(ctx, true);
        limits.byAddress(ctx);
        ctx.future(() -> Bodies.readAsync(ctx, BROWSER_LIMIT).thenAccept(bytes -> browser(ctx, info, bytes)));
    }

    private void browser(Context ctx, Ingest.RequestInfo info, byte[] bytes) {
        Fields body = BodyReader.read(bytes);
        if (!body.errors().isEmpty()) {
            // The batch's own members (app_id, events) are wrong: nothing in it can be attributed.
            throw HindsightException.validation("The batch's top level is invalid", body.errors());
        }
        Object appId = body.get("app_id");
        Environment env = projects.byAppId(appId instanceof String s ? s : ctx.queryParam("app_id"));
        limits.byAppId(env.appId());
        String origin = ctx.header("Origin");
        if (!env.allowsOrigin(origin == null ? null : origin.toLowerCase())) {
            throw new HindsightException(ErrorCode.ORIGIN_NOT_ALLOWED, "Origin '" + origin
                    + "' is not on the allowed origins of environment '" + env.name() + "'; add it with "
                    + "PUT /api/environments/" + env.appId() + "/origins");
        }
        if (origin != null) {
            cors(ctx, origin);
        }
        respond(ctx, "h", ingest.browserBatch(env, body, info));
    }

    // The key is in a header: checked (and its rate limit counted) before a byte of the body is read.
    private void server(Context ctx, String endpoint, BiFunction<Environment, Fields, Ingest.Prepared> prepare) {
        if (!auth.hasBearer(ctx) && projects.anyAcceptsAppIdOnly()) {
            appIdOnly(ctx, endpoint, prepare);
            return;
        }
        Environment env = auth.serverKey(ctx);
        limits.byKey(env);
        requireJson(ctx, false);
        ctx.future(() -> Bodies.readAsync(ctx, SERVER_LIMIT).thenAccept(bytes -> {
            Fields body = BodyReader.read(bytes);
            auth.sameEnvironment(env, appId(body));
            respond(ctx, endpoint, prepare.apply(env, body));
        }));
    }

    /**
     * A server call without a key, on a server where some environment accepts app-id-only calls (Heap's own
     * server-side clients): the app id is in the body, so the body is read first, limited per client address before
     * and per app id after, as {@code /h} is. Where no environment opted in, such a call gets its 401 unread.
     */
    private void appIdOnly(Context ctx, String endpoint, BiFunction<Environment, Fields, Ingest.Prepared> prepare) {
        limits.byAddress(ctx);
        requireJson(ctx, false);
        ctx.future(() -> Bodies.readAsync(ctx, SERVER_LIMIT).thenAccept(bytes -> {
            Fields body;
            try {
                body = BodyReader.read(bytes);
            } catch (HindsightException unreadable) {
                // Without a key there is nobody to tell about the body: the missing key is the answer.
                auth.serverKey(ctx);
                throw unreadable;
            }
            Auth.ServerCaller caller = auth.serverWriter(ctx, appId(body));
            limits.byAppId(caller.env().appId());
            respond(ctx, endpoint, prepare.apply(caller.env(), body));
        }));
    }

    private static String appId(Fields body) {
        Object appId = body.get("app_id");
        if (appId != null && !(appId instanceof String)) {
            throw HindsightException.field("app_id", "must be a string");
        }
        return (String) appId;
    }

    private void respond(Context ctx, String endpoint, Ingest.Prepared prepared) {
        Ingest.Outcome out = ingest.commit(prepared);
        count(endpoint, "accepted", out.accepted());
        count(endpoint, "duplicates", out.duplicates());
        count(endpoint, "rejected", out.rejected());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accepted", out.accepted());
        body.put("duplicates", out.duplicates());
        body.put("rejected", out.rejected());
        if (!out.warnings().isEmpty()) {
            body.put("warnings", out.warnings());
        }
        if (!out.errors().isEmpty()) {
            String detail = out.rejected() + " of " + prepared.items() + " items were rejected (see errors); "
                    + (out.accepted() + out.duplicates()) + " valid items were stored";
            throw new HindsightException(ErrorCode.VALIDATION, detail, out.errors(), body, null);
        }
        ctx.json(body);
    }

    private void count(String endpoint, String outcome, int n) {
        if (n > 0) {
            Counter.builder("hindsight.events." + outcome).tag("endpoint", endpoint)
                    .description("Items by outcome: accepted (stored), duplicates (retries acknowledged, not stored "
                            + "again), rejected (invalid)").register(metrics).increment(n);
        }
    }

    /**
     * Refuses a body that is not JSON in UTF-8 with 415 before reading it: {@code application/json}, and on
     * {@code /h} also {@code text/plain} (what {@code navigator.sendBeacon} and a CORS-simple fetch send). A request
     * without a Content-Type is read as JSON, as many server-side HTTP clients send none.
     */
    public static void requireJson(Context ctx, boolean textPlain) {
        String header = ctx.header("Content-Type");
        if (header == null || header.isBlank()) {
            return;
        }
        String[] parts = header.split(";");
        String media = parts[0].strip().toLowerCase(Locale.ROOT);
        boolean ok = media.equals("application/json") || (textPlain && media.equals("text/plain"));
        for (int i = 1; i < parts.length && ok; i++) {
            String[] param = parts[i].split("=", 2);
            if (param[0].strip().equalsIgnoreCase("charset") && param.length == 2) {
                String charset = param[1].strip().replace("\"", "").toLowerCase(Locale.ROOT);
                ok = charset.equals("utf-8") || charset.equals("utf8");
            }
        }
        if (!ok) {
            throw new HindsightException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type '" + header + "' is not "
                    + "accepted: send the body as JSON in UTF-8 with 'Content-Type: application/json'"
                    + (textPlain ? " (or text/plain, as navigator.sendBeacon sends)" : "")
                    + "; curl -d sends application/x-www-form-urlencoded, so add -H 'Content-Type: application/json'");
        }
    }

    private Ingest.RequestInfo info(Context ctx) {
        return new Ingest.RequestInfo(ingest.now(), ctx.userAgent(), limits.clientAddress(ctx));
    }

    private static void cors(Context ctx, String origin) {
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Access-Control-Allow-Credentials", "true");
        ctx.header("Vary", "Origin");
    }
}
