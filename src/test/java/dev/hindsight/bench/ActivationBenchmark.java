package dev.hindsight.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The activation benchmark, against a server in its own JVM:
 * <ol>
 * <li>capture throughput: N canonical events to {@code POST /api/capture} in bulk batches of 100 from K clients
 * (unique {@code event_id}s, a registry schema so that they are deliverable), durable events/s and acknowledgement
 * p50/p99; then the same N as {@code POST /api/track} bulk events (with {@code idempotency_key}s) in the same run,
 * and the ratio;</li>
 * <li>delivery throughput: a webhook destination (concurrency C) pointing at a stand-in that answers after 200 ms;
 * M events captured, and the time until the server counts all of them delivered;</li>
 * <li>backlog drain: the stand-in answers 503 while M events are captured (an outage's backlog, compressed), then
 * answers normally again: the time until the backlog is delivered.</li>
 * </ol>
 *
 * <p>Run it with {@code scripts/bench-activation.sh [--events=N] [--delivery-events=M] [--concurrency=C]
 * [--clients=K] [--warmup-events=W] [--server-heap=1g]}.
 */
public final class ActivationBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "bench";
    private static final int BATCH = 100;
    private static final long STAND_IN_MILLIS = 200;
    private static final String SECRET = "whsec_bench_0123456789abcdef";

    public static void main(String[] args) throws Exception {
        long events = longArg(args, "events", 200_000);
        long deliveryEvents = longArg(args, "delivery-events", 20_000);
        int concurrency = (int) longArg(args, "concurrency", 8);
        int clients = (int) longArg(args, "clients", 16);
        long warmup = longArg(args, "warmup-events", 20_000);
        String heap = stringArg(args, "server-heap", "1g");
        System.out.printf(Locale.ROOT, "Hindsight activation benchmark: %,d capture/track events (batches of %d, %d clients,"
                + " warm-up %,d each), %,d delivery events, webhook concurrency %d, stand-in answering in %d ms,"
                + " server heap %s, %d cores%n", events, BATCH, clients, warmup, deliveryEvents, concurrency,
                STAND_IN_MILLIS, heap, Runtime.getRuntime().availableProcessors());

        Path dir = Files.createTempDirectory("hindsight-bench-activation");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process server = startServer(dir, port, heap);
        StandIn hook = new StandIn();
        try {
            String base = "http://localhost:" + port;
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            awaitHealthy(http, base);
            JsonNode env = devEnvironment(http, base);
            String appId = env.get("app_id").asText();
            String key = env.get("secret_key").asText();
            String envPath = base + "/api/environments/" + appId;
            HttpResponse<String> schema = admin(http, "POST", envPath + "/registry/schemas", Map.of("event", "purchase",
                    "properties", Map.of("order_id", Map.of("type", "string"), "value", Map.of("type", "number"),
                            "currency", Map.of("type", "string"))));
            check(schema, 201);

            // 1. Capture against track: the same events, the same load, one after the other.
            if (warmup > 0) {
                drive(port, key, "/api/capture", warmup, clients, i -> captureItem("w", i, "u" + (i % 10_000)), appId);
                drive(port, key, "/api/track", warmup, clients, i -> trackItem("w", i), appId);
            }
            Result capture = drive(port, key, "/api/capture", events, clients, i -> captureItem("c", i, "u" + (i % 10_000)), appId);
            print("Capture (/api/capture)", capture);
            Result track = drive(port, key, "/api/track", events, clients, i -> trackItem("t", i), appId);
            print("Track (/api/track)", track);
            System.out.printf(Locale.ROOT, "Ratio capture / track: %.2f%n", capture.rate() / track.rate());

            // 2. Delivery to a webhook answering in 200 ms. Every event has its own user: a destination never has
            // two events of one user in flight, so one user's events would be sent one at a time.
            long dest = createWebhook(http, envPath, hook.url(), concurrency);
            long t0 = System.nanoTime();
            Result captured = drive(port, key, "/api/capture", deliveryEvents, Math.min(clients, 4),
                    i -> captureItem("d", i, "d" + i), appId);
            double toDelivered = awaitDelivered(http, base, dest, deliveryEvents, t0);
            System.out.printf(Locale.ROOT, "Delivery: %,d events captured in %.1f s, all delivered %.1f s after the first"
                    + " capture = %,.1f events/s delivered (ceiling %d in flight / %.1f s = %.0f/s); stand-in saw %,d"
                    + " requests, %,d distinct ids, at most %d at once%n", captured.events(), captured.seconds(),
                    toDelivered, deliveryEvents / toDelivered, concurrency, STAND_IN_MILLIS / 1000.0,
                    concurrency * 1000.0 / STAND_IN_MILLIS, hook.requests.get(), hook.ids.size(), hook.maxInFlight.get());
            admin(http, "DELETE", envPath + "/destinations/" + dest, null);

            // 3. Backlog: the stand-in is down (503) while the events are captured, then comes back.
            hook.reset();
            hook.down = true;
            long dest2 = createWebhook(http, envPath, hook.url(), concurrency);
            Result backlog = drive(port, key, "/api/capture", deliveryEvents, Math.min(clients, 4),
                    i -> captureItem("b", i, "b" + i), appId);
            String before = get(http, base + "/metrics");
            long refused = hook.requests.get();
            hook.down = false;
            long up = System.nanoTime();
            double drain = awaitDelivered(http, base, dest2, deliveryEvents, up);
            String after = get(http, base + "/metrics");
            System.out.printf(Locale.ROOT, "Backlog drain: %,d events captured in %.1f s while the stand-in answered 503"
                    + " (%,d refused attempts, %,.0f delivered meanwhile), then drained %.1f s after it came back ="
                    + " %,.1f events/s; %,.0f retries in all, %,.0f dead-lettered; stand-in saw %,d distinct ids%n",
                    backlog.events(), backlog.seconds(), refused, delivered(before, dest2), drain,
                    deliveryEvents / drain, metric(after, "hindsight_delivery_retrying_total", dest2),
                    metric(after, "hindsight_delivery_dead_lettered_total", dest2), hook.ids.size());
        } finally {
            hook.close();
            server.destroy();
            server.waitFor();
        }
    }

    private record Result(long events, double seconds, double p50, double p99, double max, long failures) {
        double rate() {
            return events / seconds;
        }
    }

    private static void print(String what, Result r) {
        System.out.printf(Locale.ROOT, "%s: %,d events in %.1f s = %,.0f durable events/s; ack latency p50 %.1f ms,"
                + " p99 %.1f ms, max %.1f ms; %d failed requests%n", what, r.events, r.seconds, r.rate(), r.p50, r.p99,
                r.max, r.failures);
    }

    private static String captureItem(String run, long i, String user) {
        return "{\"event\":\"purchase\",\"event_id\":\"" + run + "-" + i + "\",\"user_id\":\"" + user
                + "\",\"properties\":{\"order_id\":\"o" + i + "\",\"value\":" + (i % 500) + ".5,\"currency\":\"EUR\"},"
                + "\"source\":\"bench\"}";
    }

    private static String trackItem(String run, long i) {
        return "{\"identity\":\"u" + (i % 10_000) + "\",\"event\":\"purchase\",\"properties\":{\"order_id\":\"o" + i
                + "\",\"value\":" + (i % 500) + ".5,\"currency\":\"EUR\"},\"idempotency_key\":\"" + run + "-" + i + "\"}";
    }

    /** Sends {@code events} items in bulk batches of 100 from {@code clients} threads; item i from {@code item}. */
    private static Result drive(int port, String key, String path, long events, int clients,
            java.util.function.LongFunction<String> item, String appId) throws InterruptedException {
        long requests = (events + BATCH - 1) / BATCH;
        AtomicLong next = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long[][] latencies = new long[clients][];
        Thread[] threads = new Thread[clients];
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads[c] = Thread.ofPlatform().start(() -> {
                long[] mine = new long[(int) (requests / clients + 2)];
                int count = 0;
                StringBuilder body = new StringBuilder(BATCH * 200);
                try (RawHttpClient conn = new RawHttpClient("localhost", port)) {
                    for (long r = next.getAndIncrement(); r < requests; r = next.getAndIncrement()) {
                        body.setLength(0);
                        body.append("{\"app_id\":\"").append(appId).append("\",\"events\":[");
                        for (long i = r * BATCH; i < Math.min(events, (r + 1) * BATCH); i++) {
                            if (i > r * BATCH) {
                                body.append(',');
                            }
                            body.append(item.apply(i));
                        }
                        body.append("]}");
                        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
                        long t0 = System.nanoTime();
                        int status = conn.post(path, bytes, "application/json", "hindsight-bench", key);
                        if (status != 200) {
                            if (failures.incrementAndGet() <= 3) {
                                System.err.println(path + " answered " + status);
                            }
                        }
                        if (count == mine.length) {
                            mine = Arrays.copyOf(mine, count * 2);
                        }
                        mine[count++] = System.nanoTime() - t0;
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                    System.err.println("client " + client + " failed: " + e);
                }
                latencies[client] = Arrays.copyOf(mine, count);
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result(events, seconds, all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6,
                all[all.length - 1] / 1e6, failures.get());
    }

    private static long createWebhook(HttpClient http, String envPath, String url, int concurrency) throws Exception {
        HttpResponse<String> r = admin(http, "POST", envPath + "/destinations", Map.of("name", "bench hook", "kind",
                "webhook", "settings", Map.of("url", url, "secrets", List.of(SECRET)), "mapping",
                Map.of("purchase", Map.of("name", "order.completed")), "concurrency", concurrency));
        check(r, 201);
        return JSON.readTree(r.body()).get("id").asLong();
    }

    /** Polls {@code /metrics} until the destination counts {@code n} delivered; seconds since {@code since}. */
    private static double awaitDelivered(HttpClient http, String base, long dest, long n, long since) throws Exception {
        long lastPrint = System.nanoTime();
        double budget = 120 + 5.0 * n * STAND_IN_MILLIS / 1000.0; // far beyond one request at a time
        while (true) {
            String m = get(http, base + "/metrics");
            double delivered = delivered(m, dest);
            double dead = metric(m, "hindsight_delivery_dead_lettered_total", dest);
            double seconds = (System.nanoTime() - since) / 1e9;
            if (delivered >= n) {
                return seconds;
            }
            if (dead > 0 || seconds > budget) {
                throw new IllegalStateException(String.format(Locale.ROOT, "destination %d: %.0f of %d delivered, %.0f"
                        + " dead-lettered after %.0f s", dest, delivered, n, dead, seconds));
            }
            if (System.nanoTime() - lastPrint > 30e9) {
                System.err.printf(Locale.ROOT, "  ... %.0f s: %,.0f of %,d delivered%n", seconds, delivered, n);
                lastPrint = System.nanoTime();
            }
            Thread.sleep(100);
        }
    }

    private static double delivered(String metrics, long dest) {
        double v = metric(metrics, "hindsight_delivery_delivered_total", dest);
        return Double.isNaN(v) ? 0 : v;
    }

    private static double metric(String scrape, String name, long dest) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*destination=\"" + dest + "\"[^}]*\\}\\s+([0-9.eE+-]+)")
                .matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /**
     * The webhook receiver: answers 200 after 200 ms (a virtual thread per request), or 503 at once while
     * {@link #down}; counts requests and the distinct {@code Hindsight-Event-Id}s it accepted.
     */
    private static final class StandIn implements AutoCloseable {
        final HttpServer server;
        volatile boolean down;
        final AtomicLong requests = new AtomicLong();
        final Set<String> ids = ConcurrentHashMap.newKeySet();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();

        StandIn() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/hook", ex -> {
                try (InputStream in = ex.getRequestBody()) {
                    in.readAllBytes();
                }
                requests.incrementAndGet();
                byte[] answer;
                int status;
                if (down) {
                    status = 503;
                    answer = "{\"error\":\"down\"}".getBytes(StandardCharsets.UTF_8);
                } else {
                    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(STAND_IN_MILLIS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        inFlight.decrementAndGet();
                    }
                    String id = ex.getRequestHeaders().getFirst("Hindsight-Event-Id");
                    if (id != null) {
                        ids.add(id);
                    }
                    status = 200;
                    answer = "{\"received\":true}".getBytes(StandardCharsets.UTF_8);
                }
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(status, answer.length);
                ex.getResponseBody().write(answer);
                ex.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        void reset() {
            requests.set(0);
            ids.clear();
            maxInFlight.set(0);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static Process startServer(Path dir, int port, String heap) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = Path.of("target", "hindsight.jar").toAbsolutePath().toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED"));
        String extra = System.getenv("BENCH_SERVER_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        // One address and one key send everything: the per-address, per-key and per-app-id limits are off.
        cmd.addAll(List.of("-jar", jar, "--port=" + port, "--data=" + dir, "--admin-token=" + ADMIN,
                "--rate-address=0", "--rate-key=0", "--rate-app-id=0"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
        return pb.start();
    }

    private static void awaitHealthy(HttpClient http, String base) throws Exception {
        for (int i = 0; i < 300; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the server is still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("The server did not become healthy in 30 s");
    }

    private static JsonNode devEnvironment(HttpClient http, String base) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/projects"))
                .header("Authorization", "Bearer " + ADMIN).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode env : JSON.readTree(r.body()).get(0).get("environments")) {
            if (env.get("name").asText().equals("development")) {
                return env;
            }
        }
        throw new IllegalStateException("no development environment: " + r.body());
    }

    private static HttpResponse<String> admin(HttpClient http, String method, String url, Object body) throws Exception {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json").method(method, p).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void check(HttpResponse<String> r, int status) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(r.request().method() + " " + r.uri() + " answered " + r.statusCode() + ": "
                    + r.body());
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + ADMIN).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long longArg(String[] args, String name, long fallback) {
        String v = stringArg(args, name, null);
        return v == null ? fallback : Long.parseLong(v.replace("_", "").replace(",", ""));
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith("--" + name + "=")) {
                return a.substring(name.length() + 3);
            }
        }
        return fallback;
    }
}
