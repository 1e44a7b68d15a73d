package dev.hindsight.collect;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hindsight.config.Settings;
import dev.hindsight.account.Access;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * Serves the tracker ({@code GET /js/hindsight.js}, gzipped once at start, cached by browsers for an hour
 * and revalidated by ETag) and the ready-to-paste snippet of an environment.
 *
 * <p>The snippet loads the tracker from {@code ?tracking_server=} (an absolute http(s) URL), else from the
 * configured public URL ({@code HINDSIGHT_PUBLIC_URL}), else from {@code http://localhost:<port>} with a comment
 * saying so: never from the request's Host header, which a client chooses. Every value in it is JSON escaped for
 * a script element, so no setting can close the element or start another.
 */
public final class TrackerRoutes {
    /** The loader: stubs every method to queue its calls until the tracker arrives, as Heap's snippet does. */
    private static final String LOADER = "window.hindsight=window.hindsight||[],hindsight.load=function(e,t){"
            + "window.hindsight.appid=e,window.hindsight.config=t=t||{};var r=document.createElement(\"script\");"
            + "r.type=\"text/javascript\",r.async=!0,r.src=(t.trackingServer?(/^https?:/.test(t.trackingServer)?\"\":"
            + "\"https://\")+t.trackingServer.replace(/\\/$/,\"\"):%s)+\"/js/hindsight.js\";"
            + "var a=document.getElementsByTagName(\"script\")[0];a.parentNode.insertBefore(r,a);"
            + "for(var n=function(e){return function(){hindsight.push([e].concat(Array.prototype.slice.call(arguments,0)))}},"
            + "p=[\"addEventProperties\",\"addUserProperties\",\"clearEventProperties\",\"identify\",\"resetIdentity\","
            + "\"removeEventProperty\",\"setEventProperties\",\"track\",\"unsetEventProperty\",\"startTracking\","
            + "\"stopTracking\"],o=0;o<p.length;o++)hindsight[p[o]]=n(p[o]);t.heapCompat&&(window.heap=hindsight)};";

    private static final String NOSNIFF = "X-Content-Type-Options";

    private final Access access;
    private final Optional<String> publicUrl;
    private final byte[] script;
    private final byte[] gzipped;
    private final String etag;
    private final byte[] labeling;
    private final String labelingEtag;

    public TrackerRoutes(Access access, Optional<String> publicUrl) {
        this.access = access;
        this.publicUrl = publicUrl;
        this.script = resource("/static/js/hindsight.js");
        this.gzipped = gzip(script);
        this.etag = "\"" + sha256(script).substring(0, 16) + "\"";
        this.labeling = resource("/static/js/labeling.js");
        this.labelingEtag = "\"" + sha256(labeling).substring(0, 16) + "\"";
    }

    public void register(Javalin app) {
        app.get("/js/hindsight.js", this::serveScript);
        // Visual labeling's toolbar: loaded by the tracker only on a labeling link, so not in its size budget.
        app.get("/js/labeling.js", ctx -> {
            ctx.header("Cache-Control", "no-cache");
            ctx.header("ETag", labelingEtag);
            ctx.header("Access-Control-Allow-Origin", "*");
            ctx.header(NOSNIFF, "nosniff");
            ctx.contentType("text/javascript; charset=utf-8");
            if (labelingEtag.equals(ctx.header("If-None-Match"))) {
                ctx.status(304);
            } else {
                ctx.result(labeling);
            }
        });
        app.get("/api/environments/{appId}/snippet", ctx -> {
            ctx.header(NOSNIFF, "nosniff");
            Environment env = access.environment(ctx, ctx.pathParam("appId"));
            String server = ctx.queryParam("tracking_server");
            String note = null;
            if (server != null) {
                server = server.strip().replaceAll("/+$", "");
                if (!Settings.isHttpUrl(server)) {
                    throw HindsightException.field("tracking_server", "must be an absolute http(s) URL such as "
                            + "https://t.example.com, without user, query or fragment");
                }
            } else if (publicUrl.isPresent()) {
                server = publicUrl.get();
            } else {
                // The socket's own port, not the Host header's, which the client chooses.
                server = "http://localhost:" + ctx.req().getLocalPort();
                note = "HINDSIGHT_PUBLIC_URL is not set, so this snippet loads the tracker from " + server
                        + ", which works on this machine only: set it to the URL browsers reach Hindsight at.";
            }
            ctx.contentType("text/plain; charset=utf-8").result(snippet(env, server, Map.of(), note));
        });
    }

    /** The HTML to paste into a page's head for this environment, loading the tracker from {@code server}. */
    public static String snippet(Environment env, String server) {
        return snippet(env, server, Map.of());
    }

    /** The snippet with extra {@code hindsight.load} options (such as {@code heapCompat}). */
    public static String snippet(Environment env, String server, Map<String, Object> extraOptions) {
        return snippet(env, server, extraOptions, null);
    }

    private static String snippet(Environment env, String server, Map<String, Object> extraOptions, String note) {
        Map<String, Object> options = new LinkedHashMap<>(extraOptions);
        if (!env.queryBlocklist().isEmpty() && !options.containsKey("queryBlocklist")) {
            options.put("queryBlocklist", env.queryBlocklist());
        }
        String loader = String.format(LOADER, scriptJson(server.replaceAll("/$", "")));
        return "<script type=\"text/javascript\">\n" + (note == null ? "" : "// " + note + "\n") + loader
                + "\nhindsight.load(" + scriptJson(env.appId()) + ", " + scriptJson(options) + ");\n</script>\n";
    }

    /**
     * JSON that is safe inside a script element: {@code <}, {@code >} and {@code &} (which could close the element
     * or open a comment) and U+2028/U+2029 (line ends in older JavaScript) as JSON escapes. JSON has them only
     * inside strings, where the escapes mean the same characters.
     */
    static String scriptJson(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value).replace("<", "\\u003c").replace(">", "\\u003e")
                    .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void serveScript(Context ctx) {
        ctx.header("Cache-Control", "public, max-age=3600");
        ctx.header("ETag", etag);
        ctx.header("Vary", "Accept-Encoding");
        ctx.header("Access-Control-Allow-Origin", "*");
        ctx.header(NOSNIFF, "nosniff");
        // RFC 9239: text/javascript is the JavaScript media type; application/javascript is obsolete.
        ctx.contentType("text/javascript; charset=utf-8");
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        // Compressed once at start, not per request; Javalin must not compress it again.
        ctx.disableCompression();
        String accept = ctx.header("Accept-Encoding");
        if (accept != null && accept.contains("gzip")) {
            ctx.header("Content-Encoding", "gzip");
            ctx.result(gzipped);
        } else {
            ctx.result(script);
        }
    }

    private static byte[] resource(String path) {
        try (InputStream in = TrackerRoutes.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the class path: build with ./mvnw package, "
                        + "which minifies the tracker");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
