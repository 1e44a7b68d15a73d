package dev.hindsight.define;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.account.Access;
import dev.hindsight.account.Account;
import dev.hindsight.account.Accounts;
import dev.hindsight.account.Caller;
import dev.hindsight.account.Role;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Bodies;
import dev.hindsight.http.Json;
import dev.hindsight.http.RateLimits;
import dev.hindsight.project.Environment;
import dev.hindsight.project.Projects;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Visual labeling: an architect asks for a short-lived signed link to their own site
 * ({@code POST /api/environments/{appId}/labeling}); the tracker, seeing {@code #hindsight-label=<token>} in the
 * page's URL, loads the toolbar ({@code /js/labeling.js}), which calls the two token routes cross-origin from the
 * site: {@code .../labeling/count} (the past clicks a selector and page scope match, counted as the definitions'
 * preview and so every analysis counts them) and {@code .../labeling/definitions} (create the definition, a draft
 * owned by the token's member).
 *
 * <p>The token is {@code base64url(appId.accountId.expiresEpochSeconds).base64url(HMAC-SHA256)}, keyed with a key
 * derived from the environment's secret key: it is bound to the environment and the member, expires after
 * {@link #LIFETIME}, and stops working when the secret key is rotated or the member is removed or no longer an
 * architect. The token routes take it as {@code Authorization: Bearer} (no cookie: the site's origin is another
 * one), answer CORS for the environment's allowed origins, and are open in the route table since they check the
 * token themselves.
 */
public final class LabelingRoutes {
    /** How long a labeling link works. */
    public static final Duration LIFETIME = Duration.ofHours(1);
    /** The largest body a token route reads. */
    static final int MAX_BODY = 16 * 1024;
    /** The longest page scope and site URL. */
    static final int MAX_PATH = 1000;
    static final int MAX_URL = 2000;
    /** The member of a link the admin token asked for (no account has id 0). */
    private static final long ADMIN_TOKEN = 0;
    private static final String BASE = "/api/environments/{appId}/labeling";
    private static final Set<String> ISSUE_FIELDS = Set.of("url");
    private static final Set<String> COUNT_FIELDS = Set.of("selector", "path", "from", "to");
    private static final Set<String> CREATE_FIELDS = Set.of("name", "selector", "path", "description");

    private final DefinitionRoutes definitions;
    private final Projects projects;
    private final Accounts accounts;
    private final Access access;
    private final RateLimits limits;
    private final Clock clock;

    public LabelingRoutes(DefinitionRoutes definitions, Projects projects, Accounts accounts, Access access,
            RateLimits limits, Clock clock) {
        this.definitions = definitions;
        this.projects = projects;
        this.accounts = accounts;
        this.access = access;
        this.limits = limits;
        this.clock = clock;
    }

    /** The member (null: the admin token) and environment a valid token stands for. */
    record Grant(Environment env, Account member, long expiresAt) {
        String who() {
            return member == null ? "the admin token" : member.email();
        }

        String owner() {
            return member == null ? "admin" : "account:" + member.id();
        }
    }

    public void register(Javalin app) {
        app.post(BASE, this::issue);
        app.options(BASE + "/count", this::preflight);
        app.post(BASE + "/count", this::count);
        app.options(BASE + "/definitions", this::preflight);
        app.post(BASE + "/definitions", this::create);
    }

    private void issue(Context ctx) {
        Caller c = access.require(ctx, Role.ARCHITECT);
        Environment env = access.environment(ctx, ctx.pathParam("appId"));
        JsonNode body = Json.tree(ctx, ISSUE_FIELDS);
        String url = siteUrl(body.get("url"));
        long expires = clock.instant().plus(LIFETIME).getEpochSecond();
        // The admin token acts as an admin, with no account: its links are member 0's, and what they save is "admin"'s.
        String token = sign(env, c.account() == null ? ADMIN_TOKEN : c.account().id(), expires);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", token);
        out.put("url", url + "#hindsight-label=" + token);
        out.put("expires_at", Instant.ofEpochSecond(expires).toString());
        ctx.status(201).json(out);
    }

    private void count(Context ctx) {
        Grant g = grant(ctx);
        JsonNode body = body(ctx, COUNT_FIELDS);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("member", g.who());
        out.put("expires_at", Instant.ofEpochSecond(g.expiresAt()).toString());
        if (body.hasNonNull("selector")) {
            List<Rule> rules = rules(body);
            long to = body.hasNonNull("to") ? instant(body, "to") : clock.millis();
            long from = body.hasNonNull("from") ? instant(body, "from") : to - Duration.ofDays(30).toMillis();
            if (from >= to) {
                throw HindsightException.field("from", "must be before 'to'");
            }
            out.put("count", definitions.count(g.env(), rules, from, to));
            out.put("from", Instant.ofEpochMilli(from).toString());
            out.put("to", Instant.ofEpochMilli(to).toString());
        }
        ctx.json(out);
    }

    private void create(Context ctx) {
        Grant g = grant(ctx);
        JsonNode body = body(ctx, CREATE_FIELDS);
        List<Rule> rules = rules(body);
        String name = text(body, "name", 200);
        if (name == null || name.isBlank()) {
            throw HindsightException.field("name", "is required, at most 200 characters");
        }
        String description = text(body, "description", 2000);
        Definition d = definitions.create(g.env(), new DefinitionRoutes.Body(g.env().appId(), name, description,
                null, g.owner(), "draft", rules, null, null));
        ctx.status(201).json(DefinitionRoutes.view(d));
    }

    /** A click rule of the body's selector (required, checked by the selector compiler) and page scope. */
    private static List<Rule> rules(JsonNode body) {
        String selector = text(body, "selector", SelectorParser.MAX_LENGTH);
        if (selector == null || selector.isBlank()) {
            throw HindsightException.field("selector", "is required");
        }
        try {
            HierarchyPattern.compile(selector);
        } catch (SelectorException e) {
            throw HindsightException.field("selector", e.getMessage());
        }
        String path = text(body, "path", MAX_PATH);
        if (path != null && (path.isBlank() || !path.startsWith("/") && !path.startsWith("*"))) {
            throw HindsightException.field("path", "must be a URL path such as /products/* (or absent: every page)");
        }
        return List.of(new Rule("click", selector, null, null, null, null, path, null, null, null, null, null));
    }

    private static String text(JsonNode body, String field, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().length() > max) {
            throw HindsightException.field(field, "must be text of at most " + max + " characters");
        }
        return v.asText();
    }

    private static long instant(JsonNode body, String field) {
        try {
            return Instant.parse(text(body, field, 40)).toEpochMilli();
        } catch (RuntimeException e) {
            throw HindsightException.field(field, "must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
    }

    /** The body of a token route: at most {@link #MAX_BODY} bytes, a JSON object with only {@code known} members. */
    private static JsonNode body(Context ctx, Set<String> known) {
        JsonNode node = Json.object(Bodies.read(ctx, MAX_BODY));
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw HindsightException.field(name, "is not a known field here; known fields are " + known);
            }
        });
        return node;
    }

    private static String siteUrl(JsonNode v) {
        if (v == null || !v.isTextual() || v.asText().isBlank() || v.asText().length() > MAX_URL) {
            throw HindsightException.field("url", "is required: the address of a page of your site, at most "
                    + MAX_URL + " characters");
        }
        String s = v.asText().strip();
        try {
            URI u = new URI(s);
            if (u.getScheme() == null || !u.getScheme().matches("(?i)https?") || u.getHost() == null
                    || u.getRawUserInfo() != null || u.getRawFragment() != null) {
                throw new URISyntaxException(s, "not an http(s) URL without user or fragment");
            }
        } catch (URISyntaxException e) {
            throw HindsightException.field("url", "must be an absolute http(s) URL without user or fragment, such "
                    + "as https://shop.example.com/products");
        }
        return s;
    }

    /**
     * Checks a token route's caller: the rate limit of its address, CORS for the environment's allowed origins
     * (answered before the token is checked, so the toolbar can read a refusal), then the token.
     */
    private Grant grant(Context ctx) {
        limits.byAddress(ctx);
        Environment env = projects.byAppId(ctx.pathParam("appId"));
        cors(ctx, env);
        String h = ctx.header("Authorization");
        String token = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : null;
        return verify(env, token);
    }

    private void preflight(Context ctx) {
        Environment env = projects.byAppId(ctx.pathParam("appId"));
        if (cors(ctx, env)) {
            ctx.header("Access-Control-Allow-Methods", "POST");
            ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            ctx.header("Access-Control-Max-Age", "600");
        }
        ctx.status(204);
    }

    /** Allows the request's origin when the environment does; refuses another origin (403). */
    private static boolean cors(Context ctx, Environment env) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return false;
        }
        if (!env.allowsOrigin(origin.toLowerCase())) {
            throw new HindsightException(ErrorCode.ORIGIN_NOT_ALLOWED, "Origin '" + origin + "' is not on the "
                    + "allowed origins of environment '" + env.name() + "'");
        }
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Vary", "Origin");
        return true;
    }

    /** The grant of a valid, unexpired token of {@code env} whose member is still an architect or above. */
    Grant verify(Environment env, String token) {
        HindsightException refused = new HindsightException(ErrorCode.UNAUTHORIZED, "This labeling link is not "
                + "valid or has expired: get a new one from Hindsight (POST /api/environments/" + env.appId()
                + "/labeling)");
        if (token == null || token.length() > 400) {
            throw refused;
        }
        int dot = token.indexOf('.');
        if (dot < 0) {
            throw refused;
        }
        String[] parts;
        byte[] mac;
        try {
            parts = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8)
                    .split("\\.");
            mac = Base64.getUrlDecoder().decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw refused;
        }
        if (parts.length != 3 || !MessageDigest.isEqual(mac, hmac(env, token.substring(0, dot)))
                || !parts[0].equals(env.appId())) {
            throw refused;
        }
        long member;
        long expires;
        try {
            member = Long.parseLong(parts[1]);
            expires = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            throw refused;
        }
        if (clock.instant().getEpochSecond() >= expires) {
            throw refused;
        }
        if (member == ADMIN_TOKEN) {
            return new Grant(env, null, expires);
        }
        Account a = accounts.members().stream().filter(m -> m.id() == member).findFirst().orElseThrow(() -> refused);
        if (!a.role().atLeast(Role.ARCHITECT)) {
            throw new HindsightException(ErrorCode.FORBIDDEN, "Labeling needs the role 'architect' or higher; "
                    + "this link's member is '" + a.role().id() + "'");
        }
        return new Grant(env, a, expires);
    }

    /** A token for {@code member} on {@code env} that expires at {@code expiresEpochSeconds}. */
    String sign(Environment env, long member, long expiresEpochSeconds) {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                (env.appId() + "." + member + "." + expiresEpochSeconds).getBytes(StandardCharsets.UTF_8));
        return payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(env, payload));
    }

    /** HMAC-SHA256 of {@code payload} with a key derived from the environment's secret key (never the key itself). */
    private static byte[] hmac(Environment env, String payload) {
        try {
            byte[] key = MessageDigest.getInstance("SHA-256").digest(("hindsight labeling v1\n" + env.secretKey())
                    .getBytes(StandardCharsets.UTF_8));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
