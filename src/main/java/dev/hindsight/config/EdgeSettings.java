package dev.hindsight.config;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The settings of the HTTP edge: how long and how slowly a client may hold a connection, how large its headers may
 * be, how many requests it may send, and who may read {@code /metrics}. Part of {@link Settings}, read from the same
 * flags and {@code HINDSIGHT_*} variables.
 *
 * @param idleTimeout        a connection that sends nothing for this long is closed (a request body waiting for
 *                           bytes gets 408)
 * @param minRequestRate     bytes per second a request body must average from its first byte on, or it gets 408;
 *                           0: no minimum
 * @param maxHeaderBytes     most bytes of a request's line and headers together (431 or 414 beyond)
 * @param maxConnections     most open connections; beyond, new ones wait in the operating system's backlog
 * @param maxThreads         most threads serving requests
 * @param rateAppId          requests per second one app id may send to {@code /h}; 0: unlimited
 * @param rateAddress        requests per second one client address may send to {@code /h}; 0: unlimited
 * @param rateKey            requests per second one secret key may send to the server API; 0: unlimited
 * @param rateBurstSeconds   a limit lets this many seconds' worth of requests through at once
 * @param rateTrackedKeys    most app ids, addresses or keys each limit remembers (least recently seen go first)
 * @param trustedProxies     addresses of reverse proxies whose {@code X-Forwarded-For} names the client
 * @param metricsPublic      {@code /metrics} answers without a token
 * @param metricsToken       a bearer token that may read {@code /metrics} (besides the admin token)
 */
public record EdgeSettings(Duration idleTimeout, int minRequestRate, int maxHeaderBytes, int maxConnections,
        int maxThreads, int rateAppId, int rateAddress, int rateKey, int rateBurstSeconds, int rateTrackedKeys,
        Set<String> trustedProxies, boolean metricsPublic, Optional<String> metricsToken) {

    /** The edge settings among {@code values} (flag names without dashes, as {@link Settings#from} gathers them). */
    public static EdgeSettings from(Map<String, String> values) {
        int burst = intValue(values, "rate-burst-seconds", 2);
        if (burst < 1) {
            throw new IllegalArgumentException("Setting 'rate-burst-seconds' must be at least 1");
        }
        if (intValue(values, "http-threads", 250) < 8) {
            throw new IllegalArgumentException("Setting 'http-threads' must be at least 8 (Jetty's acceptor and "
                    + "selectors take some)");
        }
        String metricsPublic = values.getOrDefault("metrics-public", "false").trim();
        if (!metricsPublic.equals("true") && !metricsPublic.equals("false")) {
            throw new IllegalArgumentException("Setting 'metrics-public' must be 'true' or 'false', not '"
                    + metricsPublic + "'");
        }
        Set<String> proxies = java.util.Arrays.stream(values.getOrDefault("trusted-proxies", "").split(","))
                .map(String::strip).filter(p -> !p.isEmpty()).collect(Collectors.toUnmodifiableSet());
        for (String p : proxies) {
            if (!p.matches("\\d{1,3}(\\.\\d{1,3}){3}") && !p.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
                throw new IllegalArgumentException("Setting 'trusted-proxies' must list IP addresses, not '" + p + "'");
            }
        }
        return new EdgeSettings(
                Duration.ofSeconds(intValue(values, "idle-timeout-seconds", 30)),
                intValue(values, "min-request-rate", 1024),
                intValue(values, "max-header-bytes", 16 * 1024),
                intValue(values, "max-connections", 10_000),
                intValue(values, "http-threads", 250),
                intValue(values, "rate-app-id", 5_000),
                intValue(values, "rate-address", 500),
                intValue(values, "rate-key", 2_000),
                burst,
                intValue(values, "rate-tracked-keys", 100_000),
                proxies,
                metricsPublic.equals("true"),
                Optional.ofNullable(values.get("metrics-token")).filter(s -> !s.isBlank()));
    }

    private static int intValue(Map<String, String> values, String key, int fallback) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 0) {
                throw new IllegalArgumentException("Setting '" + key + "' must not be negative, not '" + v + "'");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Setting '" + key + "' must be a whole number, not '" + v + "'");
        }
    }
}
