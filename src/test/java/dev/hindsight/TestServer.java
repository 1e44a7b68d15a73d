package dev.hindsight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hindsight.config.Settings;
import dev.hindsight.project.Environment;
import dev.hindsight.query.QueryTuning;
import dev.hindsight.store.EventStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A real Hindsight server for tests: its own temporary data directory, a free port, the admin token
 * {@link #ADMIN}, and a small HTTP client. {@link #restart()} reopens the same data directory.
 */
public final class TestServer implements AutoCloseable {
    public static final String ADMIN = "test-admin-token";
    public static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Map<String, String> settings;
    private final Clock clock;
    private final UnaryOperator<EventStore> storeDecorator;
    private final QueryTuning tuning;
    private final HttpClient http = HttpClient.newHttpClient();
    private Hindsight app;

    private TestServer(Path dir, Map<String, String> settings, Clock clock, UnaryOperator<EventStore> storeDecorator,
            QueryTuning tuning) {
        this.tuning = tuning;
        this.dir = dir;
        this.settings = settings;
        this.clock = clock;
        this.storeDecorator = storeDecorator;
        this.app = boot();
    }

    public static TestServer start() {
        return start(Map.of(), Clock.systemUTC());
    }

    /** A server with extra settings (flag names without dashes, such as {@code queue-capacity}) and a clock. */
    public static TestServer start(Map<String, String> settings, Clock clock) {
        return start(settings, clock, UnaryOperator.identity());
    }

    /** A server whose event store is wrapped by {@code storeDecorator} (to inject store failures). */
    public static TestServer start(Map<String, String> settings, Clock clock, UnaryOperator<EventStore> storeDecorator) {
        return start(settings, clock, storeDecorator, QueryTuning.DEFAULT);
    }

    /** A server whose analyses read as {@code tuning} says (to force each way of reading). */
    public static TestServer start(QueryTuning tuning) {
        return start(Map.of(), Clock.systemUTC(), UnaryOperator.identity(), tuning);
    }

    /** A server with extra settings whose analyses read as {@code tuning} says. */
    public static TestServer start(Map<String, String> settings, QueryTuning tuning) {
        return start(settings, Clock.systemUTC(), UnaryOperator.identity(), tuning);
    }

    private static TestServer start(Map<String, String> settings, Clock clock, UnaryOperator<EventStore> storeDecorator,
            QueryTuning tuning) {
        try {
            return new TestServer(Files.createTempDirectory("hindsight-test"), settings, clock, storeDecorator, tuning);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Hindsight boot() {
        // Tests roll up sessions' steps when they choose (app().rollUp()), unless they set rollup-seconds.
        List<String> args = new ArrayList<>(List.of("--port=0", "--data=" + dir, "--admin-token=" + ADMIN,
                "--rollup-seconds=0"));
        settings.forEach((k, v) -> args.add("--" + k + "=" + v));
        return Hindsight.start(Settings.from(args.toArray(String[]::new), Map.of()), clock, storeDecorator, tuning);
    }

    /** Stops the server gracefully and starts it again on the same data directory. */
    public void restart() {
        app.close();
        app = boot();
    }

    /** Stops the server, runs {@code whileStopped} (on its data directory, say), and starts it again. */
    public void restart(Runnable whileStopped) {
        app.close();
        whileStopped.run();
        app = boot();
    }

    public Hindsight app() {
        return app;
    }

    public Path dataDir() {
        return dir;
    }

    public String baseUrl() {
        return "http://localhost:" + app.port();
    }

    /** The default project's development environment (any origin allowed). */
    public Environment dev() {
        return env("development");
    }

    /** The default project's production environment (listed origins only). */
    public Environment prod() {
        return env("production");
    }

    private Environment env(String name) {
        return app.projects().all().get(0).environments().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow();
    }

    public Response post(String path, String body, String... headers) {
        return send("POST", path, body, headers);
    }

    public Response put(String path, String body, String... headers) {
        return send("PUT", path, body, headers);
    }

    public Response get(String path, String... headers) {
        return send("GET", path, (byte[]) null, headers);
    }

    /** Sends a request; {@code headers} alternate name and value. */
    public Response send(String method, String path, String body, String... headers) {
        return send(method, path, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
    }

    /** Sends raw bytes (for bodies that are not valid UTF-8 text, or exact sizes). */
    public Response send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code Authorization: Bearer <token>} as a header pair. */
    public static String[] bearer(String token) {
        return new String[] {"Authorization", "Bearer " + token};
    }

    /** JSON text from alternating keys and values, for short bodies. */
    public static String json(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        app.close();
    }

    /** An HTTP answer with its body parsed when it is JSON. */
    public record Response(int status, Map<String, List<String>> headers, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("Not JSON (status " + status + "): " + body, e);
            }
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }
}
