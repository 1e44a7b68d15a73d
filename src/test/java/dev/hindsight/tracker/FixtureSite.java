package dev.hindsight.tracker;

import com.fasterxml.jackson.core.type.TypeReference;
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
        this.hindsight = hindsight;
        try {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        http.createContext("/", exchange -> {
            String query = exchange.getRequestURI().getRawQuery();
            String page = param(query, "page");
            byte[] body;
            int status = 200;
            try (InputStream in = FixtureSite.class.getResourceAsStream("/fixtures/" + page + ".html")) {
                if (page == null || in == null) {
                    body = ("no fixture " + page).getBytes(StandardCharsets.UTF_8);
                    status = 404;
                } else {
                    String opts = param(query, "opts");
                    Map<String, Object> options = opts == null ? Map.of()
                            : TestServer.JSON.readValue(opts, new TypeReference<Map<String, Object>>() { });
                    String env = param(query, "env");
                    Environment e = "production".equals(env) ? hindsight.prod() : hindsight.dev();
                    String html = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                            .replace("{{SNIPPET}}", "off".equals(param(query, "snippet")) ? ""
                                    : TrackerRoutes.snippet(e, hindsight.baseUrl(), options));
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
