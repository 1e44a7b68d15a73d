package dev.hindsight;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Hindsight server in its own JVM ({@code java -cp <test class path> dev.hindsight.Hindsight}), so that
 * tests can kill it with SIGKILL and read everything it wrote to stdout and stderr (the log).
 */
public final class ServerProcess implements AutoCloseable {
    public static final String ADMIN = "process-admin-token-7f3c";

    private final Process process;
    private final int port;
    private final Path stdout;
    private final Path stderr;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ServerProcess(Process process, int port, Path stdout, Path stderr) {
        this.process = process;
        this.port = port;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts a server on a free port over {@code dataDir} and waits until {@code GET /health} answers 200. */
    public static ServerProcess start(Path dataDir, String... extraFlags) {
        try {
            int port = freePort();
            Path logs = Files.createTempDirectory("hindsight-proc-logs");
            Path out = logs.resolve("stdout.txt");
            Path err = logs.resolve("stderr.txt");
            String java = ProcessHandle.current().info().command().orElseThrow();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
                    // The production log levels (src/main's simplelogger.properties is shadowed by the test
                    // one on the test class path), with Hindsight's own loggers at debug.
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                    "-Dorg.slf4j.simpleLogger.log.dev.hindsight=debug",
                    "-Dorg.slf4j.simpleLogger.log.org.eclipse.jetty=warn",
                    "-Dorg.slf4j.simpleLogger.log.io.javalin=warn",
                    "-cp", System.getProperty("java.class.path"), "dev.hindsight.Hindsight",
                    "--port=" + port, "--data=" + dataDir, "--admin-token=" + ADMIN));
            cmd.addAll(List.of(extraFlags));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("HINDSIGHT_"));
            ServerProcess sp = new ServerProcess(pb.start(), port, out, err);
            sp.awaitHealthy();
            return sp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private void awaitHealthy() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The server process exited with " + process.exitValue()
                        + "; stderr:\n" + stderr());
            }
            try {
                if (get("/health").statusCode() == 200) {
                    return;
                }
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException("The server did not become healthy within 90 s; stderr:\n" + stderr());
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public HttpClient client() {
        return http;
    }

    public HttpResponse<String> get(String path, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET(), headers);
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)), headers);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.timeout(Duration.ofSeconds(60));
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET /api/projects with the admin token, parsed. */
    public JsonNode projects() {
        HttpResponse<String> r = get("/api/projects", "Authorization", "Bearer " + ADMIN);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /api/projects answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return TestServer.JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The default project's environment with this name, as GET /api/projects shows it. */
    public JsonNode environment(String name) {
        for (JsonNode env : projects().get(0).get("environments")) {
            if (env.get("name").asText().equals(name)) {
                return env;
            }
        }
        throw new IllegalStateException("No environment " + name);
    }

    /** Sends SIGKILL (no shutdown hook runs) and waits for the process to be gone. */
    public void killHard() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Everything the process printed on stdout so far. */
    public String stdout() {
        return read(stdout);
    }

    /** Everything the process printed on stderr so far: slf4j-simple's log goes there. */
    public String stderr() {
        return read(stderr);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the process gracefully (SIGTERM runs the shutdown hook), or kills it when it does not stop. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
