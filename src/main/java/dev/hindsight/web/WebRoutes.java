package dev.hindsight.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.account.Access;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import dev.hindsight.project.Projects;
import dev.hindsight.store.EventStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web app's routes: the app shell (one HTML page for {@code /} and every screen's URL, so a link to a chart
 * opens that chart), the app's modules and the libraries it imports, and the small reads only the app needs.
 */
public final class WebRoutes {
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";

    private final WebAssets assets;
    private final Access access;
    private final Projects projects;
    private final EventStore store;
    private final byte[] shell;
    private final String csp;

    public WebRoutes(WebAssets assets, Access access, Projects projects, EventStore store) {
        this.assets = assets;
        this.access = access;
        this.projects = projects;
        this.store = store;
        String importMap = importMapJson(assets.importMap());
        this.shell = shell(assets.appPrefix(), importMap, assets.preloads()).getBytes(StandardCharsets.UTF_8);
        // The import map is the page's only inline script: allowed by its hash, nothing else inline runs.
        this.csp = "default-src 'self'; script-src 'self' 'sha256-" + sha256(importMap) + "'; style-src 'self' "
                + "'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                + "frame-ancestors 'none'; form-action 'self'";
    }

    public void register(Javalin app) {
        for (String path : new String[] {"/", "/login", "/setup", "/invite/{token}", "/e/{appId}",
                "/e/{appId}/<rest>"}) {
            app.get(path, this::serveShell);
        }
        app.get("/app/{hash}/{file}", ctx -> {
            if (!ctx.pathParam("hash").equals(assets.hash())) {
                // An older deploy's page asks for its modules: they are gone, the page must be reloaded.
                throw new HindsightException(ErrorCode.NOT_FOUND, "No such version of the web app: reload the page");
            }
            String file = ctx.pathParam("file");
            byte[] body = assets.appFile(file).orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND,
                    "No web app file " + file));
            serveImmutable(ctx, file, body);
        });
        app.get("/_static/<path>", ctx -> {
            String path = ctx.pathParam("path");
            byte[] body = assets.libraryFile(path).orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND,
                    "No library file " + path));
            serveImmutable(ctx, path, body);
        });
        // How many events an environment holds: the Install screen's check that the first one arrived.
        app.get("/api/environments/{appId}/activity", ctx -> {
            Environment env = access.environment(ctx, ctx.pathParam("appId"));
            ctx.json(Map.of("app_id", env.appId(), "events", store.countEvents(env.id())));
        });
        // Every environment a member may open, for the app's switcher: names and public app ids, never a key
        // (GET /api/projects, with keys, is for admins).
        app.get("/api/environments", ctx -> {
            access.caller(ctx);
            List<Map<String, Object>> out = new ArrayList<>();
            projects.all().forEach(p -> p.environments().forEach(e -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("project_id", p.id());
                row.put("project", p.name());
                row.put("name", e.name());
                row.put("app_id", e.appId());
                out.add(row);
            }));
            ctx.json(Map.of("environments", out));
        });
    }

    private void serveShell(Context ctx) {
        ctx.header("Cache-Control", "no-cache");
        ctx.header("Content-Security-Policy", csp);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.contentType("text/html; charset=utf-8").result(shell);
    }

    private static void serveImmutable(Context ctx, String name, byte[] body) {
        ctx.header("Cache-Control", IMMUTABLE);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType(WebAssets.contentType(name)).result(body);
    }

    private static String importMapJson(Map<String, String> imports) {
        try {
            // Inside a <script> element: no '<' may appear raw (none does in paths, but keep it impossible).
            return Json.MAPPER.writeValueAsString(Map.of("imports", imports)).replace("<", "\\u003c");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String shell(String prefix, String importMap, List<String> preloads) {
        StringBuilder links = new StringBuilder();
        for (String p : preloads) {
            links.append("<link rel=\"modulepreload\" href=\"").append(p).append("\">\n");
        }
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Hindsight</title>
                <link rel="icon" href="data:,">
                <link rel="stylesheet" href="%1$sapp.css">
                <script type="importmap">%2$s</script>
                <link rel="modulepreload" href="%1$smain.js">
                %3$s<script type="module" src="%1$smain.js"></script>
                </head>
                <body>
                <hs-app>Loading Hindsight…<noscript> Hindsight's web app needs JavaScript.</noscript></hs-app>
                </body>
                </html>
                """.formatted(prefix, importMap, links);
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
