package dev.hindsight.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Hindsight's settings, read from {@code --key=value} flags and {@code HINDSIGHT_*} environment variables
 * (a flag wins over the variable of the same name: {@code --queue-capacity} and {@code HINDSIGHT_QUEUE_CAPACITY}).
 *
 * @param port           HTTP port; 0 picks a free one
 * @param dataDir        directory holding the DuckDB file
 * @param adminToken     bearer token with admin rights; empty disables the admin API
 * @param ipMode         {@code none} (default: the client IP is not stored) or {@code truncated} (IPv4 /24, IPv6 /48)
 * @param queueCapacity  events the write queue holds before answering 503
 * @param maxCommitBatch most events appended in one commit
 * @param dedupWindow    how long a seen event id is remembered to drop retries
 * @param dedupCapacity  most event ids remembered, whichever limit comes first
 * @param rollupInterval how often new events are rolled up into sessions' steps for paths; zero: never on its own
 * @param edge           the HTTP edge's timeouts, sizes and rate limits
 * @param queries        the bounds of {@code /api/query}: time, memory, concurrency, and the engine's memory
 * @param publicUrl      the absolute http(s) URL browsers reach this server at, which snippets load the tracker
 *                       from; empty: {@code http://localhost:<port>}, for trying Hindsight on one machine
 * @param geoipDb        a MaxMind-format database ({@code .mmdb}, City or Country) that locates the senders of
 *                       browser events (HINDSIGHT_GEOIP_DB); empty: events have no location
 * @param sessionIdle    how long a signed-in session lasts without use (HINDSIGHT_SESSION_IDLE_HOURS, 14 days)
 */
public record Settings(int port, Path dataDir, Optional<String> adminToken, String ipMode, int queueCapacity,
        int maxCommitBatch, Duration dedupWindow, int dedupCapacity, Duration rollupInterval, EdgeSettings edge,
        QueryBounds queries, Optional<String> publicUrl, Optional<Path> geoipDb, Duration sessionIdle) {

    /**
     * How much one query and all queries together may use.
     *
     * @param timeoutMs       a query's time limit; past it the engine's statement is cancelled and the kernels stop
     * @param maxConcurrent   queries running at once; more wait up to {@code waitMs}, then get 503
     * @param waitMs          how long a query waits for a free slot
     * @param memoryMb        Java memory one query's kernels may reserve; 0: the heap / (2 x maxConcurrent)
     * @param engineMemory    DuckDB's memory_limit (such as {@code 2GB}); empty: half the machine's memory
     * @param engineThreads   DuckDB's worker threads; 0: one per core
     * @param maxResultMb     the largest answer, in MiB
     */
    public record QueryBounds(int timeoutMs, int maxConcurrent, int waitMs, int memoryMb, String engineMemory,
            int engineThreads, int maxResultMb) {
    }

    public static Settings from(String[] args, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith("HINDSIGHT_")) {
                values.put(k.substring("HINDSIGHT_".length()).toLowerCase().replace('_', '-'), v);
            }
        });
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("Unrecognised argument '" + arg + "': use --name=value");
            }
            int eq = arg.indexOf('=');
            values.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        String ipMode = values.getOrDefault("ip", "none");
        if (!ipMode.equals("none") && !ipMode.equals("truncated")) {
            throw new IllegalArgumentException("HINDSIGHT_IP must be 'none' or 'truncated', not '" + ipMode + "'");
        }
        return new Settings(
                intValue(values, "port", 8080),
                Path.of(values.getOrDefault("data", "./data")),
                Optional.ofNullable(values.get("admin-token")).filter(s -> !s.isBlank()),
                ipMode,
                intValue(values, "queue-capacity", 200_000),
                intValue(values, "max-commit-batch", 50_000),
                Duration.ofHours(intValue(values, "dedup-window-hours", 24)),
                intValue(values, "dedup-capacity", 4_000_000),
                Duration.ofSeconds(intValue(values, "rollup-seconds", 60)),
                EdgeSettings.from(values),
                new QueryBounds(positive(values, "query-timeout-ms", 60_000),
                        positive(values, "max-concurrent-queries", Math.max(2, Runtime.getRuntime().availableProcessors())),
                        intValue(values, "query-wait-ms", 2_000),
                        intValue(values, "query-memory-mb", 0),
                        values.getOrDefault("duckdb-memory-limit", ""),
                        intValue(values, "duckdb-threads", 0),
                        positive(values, "query-max-result-mb", 32)),
                publicUrl(values.get("public-url")),
                Optional.ofNullable(values.get("geoip-db")).filter(v -> !v.isBlank()).map(Path::of),
                Duration.ofHours(positive(values, "session-idle-hours", 14 * 24)));
    }

    private static int positive(Map<String, String> values, String key, int fallback) {
        int v = intValue(values, key, fallback);
        if (v < 1) {
            throw new IllegalArgumentException("Setting '" + key + "' must be at least 1, not " + v);
        }
        return v;
    }

    private static Optional<String> publicUrl(String v) {
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        String url = v.strip().replaceAll("/+$", "");
        if (!isHttpUrl(url)) {
            throw new IllegalArgumentException("HINDSIGHT_PUBLIC_URL must be an absolute http(s) URL such as "
                    + "https://hindsight.example.com, not '" + v + "'");
        }
        return Optional.of(url);
    }

    /** Whether {@code s} is an absolute http or https URL with a host and no user, query or fragment. */
    public static boolean isHttpUrl(String s) {
        try {
            java.net.URI u = new java.net.URI(s);
            return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
                    && u.getHost() != null && !u.getHost().isEmpty() && u.getRawUserInfo() == null
                    && u.getRawQuery() == null && u.getRawFragment() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static int intValue(Map<String, String> values, String key, int fallback) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Setting '" + key + "' must be a whole number, not '" + v + "'");
        }
    }
}
