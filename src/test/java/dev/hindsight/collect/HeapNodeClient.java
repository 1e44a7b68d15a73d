package dev.hindsight.collect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Heap's own Node.js server-side client, npm {@code heap-api} 1.0.1, installed unmodified from the npm registry
 * into {@code target/heap-api} (kept between runs), and a script that makes each of its calls.
 */
final class HeapNodeClient {
    static final String PACKAGE = "heap-api@1.0.1";
    private static final Path DIR = Path.of("target", "heap-api").toAbsolutePath();

    private HeapNodeClient() {
    }

    /** Installs the client with npm unless it is there already. */
    static synchronized void install() {
        Path installed = DIR.resolve("node_modules/heap-api/package.json");
        try {
            if (!Files.exists(installed) || !Files.readString(installed).contains("\"version\": \"1.0.1\"")) {
                Files.createDirectories(DIR);
                run(List.of("npm", "install", "--no-audit", "--no-fund", "--no-save", "--no-package-lock",
                        "--prefix", DIR.toString(), PACKAGE), 600);
            }
            try (InputStream script = HeapNodeClient.class.getResourceAsStream("/heap-api/calls.js")) {
                Files.copy(script, DIR.resolve("calls.js"), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes every call of the client for {@code identity} against the server; one result per call. */
    static List<JsonNode> callAll(TestServer server, String appId, String identity) {
        String out = run(List.of("node", DIR.resolve("calls.js").toString(), DIR.resolve("node_modules").toString(),
                server.baseUrl(), appId, identity), 120);
        try {
            List<JsonNode> results = new ArrayList<>();
            TestServer.JSON.readTree(out.lines().reduce((a, b) -> b).orElse("[]")).forEach(results::add);
            return results;
        } catch (IOException e) {
            throw new IllegalStateException("The client's script printed no results: " + out, e);
        }
    }

    private static String run(List<String> command, int timeoutSeconds) {
        try {
            // Output goes to a file, not a pipe, so that the timeout holds even when the process hangs.
            Path log = Files.createTempFile(DIR, "run", ".log");
            Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + timeoutSeconds
                        + " s: " + Files.readString(log));
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            Files.delete(log);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + command.get(0) + " (Node.js and npm must be installed; "
                    + ".ci/run installs them): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
