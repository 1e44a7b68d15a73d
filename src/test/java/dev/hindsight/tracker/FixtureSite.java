package dev.hindsight.tracker;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hindsight.TestServer;
import dev.hindsight.collect.TrackerRoutes;
import dev.hindsight.project.Environment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A second web server for the tracker tests: it serves the HTML fixtures of {@code src/test/resources/fixtures/}
 * from another origin ({@code http://127.0.0.1:<port>}) than the Hindsight server ({@code http://localhost:<port>}),
 * with {@code {{SNIPPET}}} replaced by the environment's snippet. Any path serves the page named by the
 * {@code page} query parameter, so SPA routes and reloads work; {@code snippet=off} serves a page without the
 * tracker (for comparisons).
 */
public final class FixtureSite implements AutoCloseable {
    private final HttpServer http;
    private final TestServer hindsight;

    public FixtureSite(TestServer hindsight) {
        this(hindsight, null);
    }

    /**
     * A site that also serves the files under {@code root} at their relative paths (a request without a
     * {@code page} parameter), as a real site's pages and assets; its {@code .html} files get the snippet
     * right after {@code <head>}.
     */
    public FixtureSite(TestServer hindsight, Path root) {
        this.hindsight = hindsight;
        Path base = root == null ? null : root.toAbsolutePath().normalize();
        try {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        http.createContext("/", exchange -> {
            String query = exchange.getRequestURI().getRawQuery();
            String page = param(query, "page");
            Path file = base == null || page != null ? null
                    : base.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (file != null && file.startsWith(base) && Files.isRegularFile(file)) {
                serveFile(exchange, file, query);
                return;
            }
            byte[] body;
            int status = 200;
            try (InputStream in = FixtureSite.class.getResourceAsStream("/fixtures/" + page + ".html")) {
                if (page == null || in == null) {
                    body = ("no fixture " + page).getBytes(StandardCharsets.UTF_8);
                    status = 404;
                } else {
                    String html = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                            .replace("{{SNIPPET}}", snippet(query));
                    body = html.getBytes(StandardCharsets.UTF_8);
                }
            }
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
    }

    private String snippet(String query) throws IOException {
        if ("off".equals(param(query, "snippet"))) {
            return "";
        }
        String opts = param(query, "opts");
        Map<String, Object> options = opts == null ? Map.of()
                : TestServer.JSON.readValue(opts, new TypeReference<Map<String, Object>>() { });
        Environment e = "production".equals(param(query, "env")) ? hindsight.prod() : hindsight.dev();
        return TrackerRoutes.snippet(e, hindsight.baseUrl(), options);
    }

    private void serveFile(HttpExchange exchange, Path file, String query) throws IOException {
        String name = file.getFileName().toString();
        byte[] body = Files.readAllBytes(file);
        if (name.endsWith(".html")) {
            String html = new String(body, StandardCharsets.UTF_8);
            int head = html.indexOf("<head>");
            body = (head < 0 ? snippet(query) + html
                    : html.substring(0, head + 6) + snippet(query) + html.substring(head + 6))
                    .getBytes(StandardCharsets.UTF_8);
        }
        String type = Files.probeContentType(file);
        exchange.getResponseHeaders().set("Content-Type", name.endsWith(".html") ? "text/html; charset=utf-8"
                : name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css"
                : type == null ? "application/octet-stream" : type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The origin pages are served from. */
    public String origin() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** The URL of a fixture page at {@code path}, with tracker options for {@code hindsight.load}. */
    public String url(String page, String path, Map<String, Object> options) {
        try {
            return origin() + path + (path.contains("?") ? "&" : "?") + "page=" + page + "&opts="
                    + URLEncoder.encode(TestServer.JSON.writeValueAsString(options), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url(String page) {
        return url(page, "/" + page, Map.of());
    }

    private static String param(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
