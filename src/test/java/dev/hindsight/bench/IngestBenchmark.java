package dev.hindsight.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.duckdb.DuckDb;
import dev.hindsight.store.duckdb.DuckDbEventStore;
import java.io.IOException;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ingest benchmark: N events over HTTP to {@code /h} in batches from K concurrent clients against a server in
 * its own JVM (heap capped by {@code --server-heap}), printing events/s and acknowledgement latency; and in the
 * same run the store's raw append throughput with no HTTP in front (the ceiling), and the ratio of the two.
 *
 * <p>Run it with {@code scripts/bench-ingest.sh [--events=N] [--clients=K] [--batch=B] [--raw-events=N]
 * [--rollup-seconds=S] [--warmup-events=N]}; rollup-seconds is the server's (how often it rolls up sessions' steps
 * for paths while taking events; its default when not given), and the warm-up runs the same load before the
 * measured run (default 300,000 events).
 */
public final class IngestBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        long events = longArg(args, "events", 1_000_000);
        int clients = (int) longArg(args, "clients", 64);
        int batch = (int) longArg(args, "batch", 50);
        long rawEvents = longArg(args, "raw-events", Math.min(events, 2_000_000));
        String heap = stringArg(args, "server-heap", "1g");
        String rollup = stringArg(args, "rollup-seconds", null);
        long warmupEvents = longArg(args, "warmup-events", 300_000);
        System.out.printf(Locale.ROOT, "Hindsight ingest benchmark: %,d events, %d clients, batches of %d, server heap %s,"
                + " rollup every %s s, %d cores%n", events, clients, batch, heap, rollup == null ? "(default)" : rollup,
                Runtime.getRuntime().availableProcessors());

        int rawBatch = (int) longArg(args, "raw-batch", 5000);
        double raw = rawAppend(rawEvents, rawBatch);
        Path dir = Files.createTempDirectory("hindsight-bench");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process server = startServer(dir, port, heap, rollup);
        try {
            String base = "http://localhost:" + port;
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            awaitHealthy(http, base);
            String appId = devAppId(http, base);
            warmUp(http, base, appId, batch);
            if (warmupEvents > 0) {
                // The same load as the measured run, so that the JIT has compiled the server's paths for it: what
                // a server that has run for an hour does, and what a cold one pays once.
                drive(port, appId, warmupEvents, clients, batch, false);
            }
            double clientCpu0 = processCpuSeconds();
            double serverCpu0 = serverCpuSeconds(server);
            Result r = drive(port, appId, events, clients, batch, true);
            double clientCpu = processCpuSeconds() - clientCpu0;
            double serverCpu = serverCpuSeconds(server) - serverCpu0;
            System.out.printf(Locale.ROOT, "HTTP end-to-end: %,d events in %.1f s = %,.0f durable events/s; ack latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d failed requests%n",
                    r.events, r.seconds, r.events / r.seconds, r.p50, r.p99, r.max, r.failures);
            System.out.printf(Locale.ROOT, "CPU during the HTTP run: server %.1f s (%.1f us/event), load generator %.1f s; %d cores x %.1f s wall = %.1f s available%n",
                    serverCpu, serverCpu * 1e6 / r.events, clientCpu, Runtime.getRuntime().availableProcessors(), r.seconds,
                    Runtime.getRuntime().availableProcessors() * r.seconds);
            System.out.printf(Locale.ROOT, "Ratio end-to-end / raw append: %.2f%n", (r.events / r.seconds) / raw);
            String metrics = get(http, base + "/metrics", "bench");
            System.gc();
            System.out.printf(Locale.ROOT, "Server after ingest: heap used %.0f MiB (max %s), store %.0f MiB, %,.0f commits, mean commit batch %.0f ops,"
                    + " %,.0f events not yet rolled up%n",
                    metric(metrics, "jvm_memory_used_bytes\\{area=\"heap\"[^}]*\\}") / 1048576.0, heap,
                    metric(metrics, "hindsight_store_size_bytes") / 1048576.0,
                    metric(metrics, "hindsight_commit_batch_size_count"),
                    metric(metrics, "hindsight_commit_batch_size_sum") / metric(metrics, "hindsight_commit_batch_size_count"),
                    metric(metrics, "hindsight_rollup_behind"));
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    /** Events per second the store appends and commits with nothing in front, in commits of 5,000. */
    private static double rawAppend(long n, int batch) throws IOException {
        Path dir = Files.createTempDirectory("hindsight-bench-raw");
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            SyntheticEvents gen = new SyntheticEvents(7);
            long now = System.currentTimeMillis();
            List<WriteOp> ops = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                ops.add(new WriteOp.Append(gen.row(1, now)));
            }
            store.write(ops);
            // Only the time inside store.write counts: making the rows is the benchmark's cost, not the store's.
            long nanos = 0;
            long written = 0;
            double cpu0 = processCpuSeconds();
            while (written < n) {
                ops.clear();
                for (int i = 0; i < batch; i++) {
                    RawEvent e = gen.row(1, now);
                    ops.add(new WriteOp.Append(e));
                }
                long t0 = System.nanoTime();
                store.write(ops);
                nanos += System.nanoTime() - t0;
                written += ops.size();
            }
            double seconds = nanos / 1e9;
            double rate = written / seconds;
            double cpu = processCpuSeconds() - cpu0;
            System.out.printf(Locale.ROOT, "Raw store append (no HTTP, commits of %,d): %,d events in %.1f s = %,.0f events/s, %.1f us of CPU/event%n", batch, written, seconds, rate, cpu * 1e6 / written);
            return rate;
        }
    }

    private record Result(long events, double seconds, double p50, double p99, double max, long failures) {
    }

    private static Result drive(int port, String appId, long events, int clients, int batch, boolean report)
            throws InterruptedException {
        long requests = events / batch;
        AtomicLong next = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long[][] latencies = new long[clients][];
        long[][] ends = new long[clients][];
        Thread[] threads = new Thread[clients];
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads[c] = Thread.ofPlatform().start(() -> {
                SyntheticEvents gen = new SyntheticEvents(1000 + client);
                long[] mine = new long[(int) (requests / clients + 2)];
                long[] ended = new long[mine.length];
                int count = 0;
                try (RawHttpClient conn = new RawHttpClient("localhost", port)) {
                    while (next.getAndIncrement() < requests) {
                        byte[] body = gen.batch(appId, batch, System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8);
                        long t0 = System.nanoTime();
                        if (conn.post("/h", body, "text/plain", SyntheticEvents.USER_AGENT) != 200) {
                            failures.incrementAndGet();
                        }
                        if (count == mine.length) {
                            mine = Arrays.copyOf(mine, count * 2);
                            ended = Arrays.copyOf(ended, count * 2);
                        }
                        long t1 = System.nanoTime();
                        ended[count] = t1 - start;
                        mine[count++] = t1 - t0;
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                    System.err.println("client " + client + " failed: " + e);
                }
                latencies[client] = Arrays.copyOf(mine, count);
                ends[client] = Arrays.copyOf(ended, count);
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (report) {
            printSlowSeconds(latencies, ends, seconds);
        }
        long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result(requests * batch, seconds, all[all.length / 2] / 1e6, all[(int) (all.length * 0.99)] / 1e6,
                all[all.length - 1] / 1e6, failures.get());
    }

    /** The seconds of the run in which acknowledgements took over 250 ms: where the p99 comes from. */
    private static void printSlowSeconds(long[][] latencies, long[][] ends, double seconds) {
        int n = (int) Math.ceil(seconds) + 1;
        long[] slow = new long[n];
        long[] worst = new long[n];
        for (int c = 0; c < latencies.length; c++) {
            for (int i = 0; i < latencies[c].length; i++) {
                int second = (int) (ends[c][i] / 1_000_000_000L);
                worst[second] = Math.max(worst[second], latencies[c][i]);
                if (latencies[c][i] > 250_000_000L) {
                    slow[second]++;
                }
            }
        }
        StringBuilder line = new StringBuilder("Acknowledgements over 250 ms, by second of the run:");
        boolean any = false;
        for (int s = 0; s < n; s++) {
            if (slow[s] > 0) {
                line.append(String.format(Locale.ROOT, " %ds: %d (max %.0f ms);", s, slow[s], worst[s] / 1e6));
                any = true;
            }
        }
        System.out.println(any ? line : line + " none");
    }

    private static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    private static double serverCpuSeconds(Process server) {
        return server.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private static void warmUp(HttpClient http, String base, String appId, int batch) throws Exception {
        SyntheticEvents gen = new SyntheticEvents(1);
        for (int i = 0; i < 2000; i++) {
            http.send(HttpRequest.newBuilder(URI.create(base + "/h")).header("User-Agent", SyntheticEvents.USER_AGENT)
                    .POST(HttpRequest.BodyPublishers.ofString(gen.batch(appId, batch, System.currentTimeMillis()))).build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    private static Process startServer(Path dir, int port, String heap, String rollup) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = Path.of("target", "hindsight.jar").toAbsolutePath().toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED"));
        String extra = System.getenv("BENCH_SERVER_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        // All 64 clients come from one address (loopback), as no real site's visitors do: the per-address limit is off.
        cmd.addAll(List.of("-jar", jar, "--port=" + port, "--data=" + dir, "--admin-token=bench", "--rate-address=0"));
        if (rollup != null) {
            cmd.add("--rollup-seconds=" + rollup);
        }
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

    private static String devAppId(HttpClient http, String base) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/projects"))
                .header("Authorization", "Bearer bench").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode env : JSON.readTree(r.body()).get(0).get("environments")) {
            if (env.get("name").asText().equals("development")) {
                return env.get("app_id").asText();
            }
        }
        throw new IllegalStateException("no development environment: " + r.body());
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String get(HttpClient http, String url, String bearer) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + bearer).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double metric(String scrape, String namePattern) {
        Matcher m = Pattern.compile("(?m)^" + namePattern + "\\s+([0-9.eE+-]+)").matcher(scrape);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
            found = true;
        }
        return found ? sum : Double.NaN;
    }

    private static long longArg(String[] args, String name, long fallback) {
        String v = stringArg(args, name, null);
        return v == null ? fallback : Long.parseLong(v.replace("_", ""));
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
