package dev.hindsight.http;

import dev.hindsight.error.HindsightException;
import dev.hindsight.error.ErrorCode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hindsight.config.EdgeSettings;
import dev.hindsight.project.Environment;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The request rate limits of the HTTP edge: token buckets (Bucket4j) per app id and per client address on
 * {@code /h}, and per secret key on the server API. A refused request gets 429 with {@code Retry-After} and a
 * problem naming the limit. Each limit remembers at most {@code rate-tracked-keys} buckets (Caffeine, least recently
 * used first), and forgets a bucket once it would have refilled, so that a client rotating addresses or app ids
 * cannot grow the server's memory.
 */
public final class RateLimits {
    /** What a limit counts requests by. */
    public enum Limit {
        APP_ID("app_id", "HINDSIGHT_RATE_APP_ID"),
        ADDRESS("address", "HINDSIGHT_RATE_ADDRESS"),
        KEY("key", "HINDSIGHT_RATE_KEY");

        private final String label;
        private final String setting;

        Limit(String label, String setting) {
            this.label = label;
            this.setting = setting;
        }
    }

    private final Limiter appIds;
    private final Limiter addresses;
    private final Limiter keys;
    private final Set<String> trustedProxies;

    public RateLimits(EdgeSettings settings, Clock clock, MeterRegistry metrics) {
        this.appIds = new Limiter(Limit.APP_ID, settings.rateAppId(), settings, clock, metrics);
        this.addresses = new Limiter(Limit.ADDRESS, settings.rateAddress(), settings, clock, metrics);
        this.keys = new Limiter(Limit.KEY, settings.rateKey(), settings, clock, metrics);
        this.trustedProxies = settings.trustedProxies().stream().map(p -> {
            String c = canonical(p);
            if (c == null) {
                throw new IllegalArgumentException("HINDSIGHT_TRUSTED_PROXIES lists '" + p + "', which is not an IP address");
            }
            return c;
        }).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** Counts a request of {@code appId} (a known app id: unknown ones are refused before they cost a bucket). */
    public void byAppId(String appId) {
        appIds.acquire(appId, "app id '" + appId + "'");
    }

    /** Counts a request from the client address of {@code ctx} (see {@link #clientAddress}). */
    public void byAddress(Context ctx) {
        String address = clientAddress(ctx);
        addresses.acquire(network(address), "address " + address);
    }

    /** Counts a request made with the secret key of {@code env}. */
    public void byKey(Environment env) {
        keys.acquire(env.appId(), "the secret key of app id '" + env.appId() + "'");
    }

    /**
     * The client's address: the socket's peer, unless that is a trusted proxy, in which case the last address of
     * {@code X-Forwarded-For} that is not itself a trusted proxy (the ones before it could be made up by the client).
     */
    public String clientAddress(Context ctx) {
        String peer = canonical(ctx.req().getRemoteAddr());
        if (peer == null) {
            return ctx.req().getRemoteAddr();
        }
        if (!trustedProxies.contains(peer)) {
            return peer;
        }
        List<String> forwarded = java.util.Collections.list(ctx.req().getHeaders("X-Forwarded-For"));
        String client = peer;
        for (int i = forwarded.size() - 1; i >= 0; i--) {
            String[] hops = forwarded.get(i).split(",");
            for (int j = hops.length - 1; j >= 0; j--) {
                String hop = canonical(hops[j].strip());
                if (hop == null) {
                    return client; // not an address: what comes before it cannot be trusted either
                }
                client = hop;
                if (!trustedProxies.contains(hop)) {
                    return hop;
                }
            }
        }
        return client;
    }

    private static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** An IP literal in its one canonical text, or null for anything else (never a name lookup). */
    static String canonical(String address) {
        if (address == null) {
            return null;
        }
        String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1)
                : address;
        // InetAddress parses a literal without a lookup only when it is one: IPv4 digits, or a ':' (IPv6).
        if (!IPV4.matcher(a).matches() && !a.contains(":")) {
            return null;
        }
        try {
            return InetAddress.getByName(a).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An IPv6 client holds a whole /64 (one rotates through it at will): the /64 is what is counted. */
    private static String network(String address) {
        if (!address.contains(":")) {
            return address;
        }
        try {
            if (InetAddress.getByName(address) instanceof Inet6Address v6) {
                return java.util.HexFormat.of().formatHex(v6.getAddress(), 0, 8) + "::/64";
            }
        } catch (UnknownHostException e) {
            // not a literal: counted as it is
        }
        return address;
    }

    /** One limit: a bucket per key, each refilled at {@code perSecond} and holding a burst's worth. */
    private static final class Limiter {
        private final Limit limit;
        private final int perSecond;
        private final long capacity;
        private final Cache<String, Bucket> buckets;
        private final TimeMeter time;
        private final Counter refused;

        Limiter(Limit limit, int perSecond, EdgeSettings settings, Clock clock, MeterRegistry metrics) {
            this.limit = limit;
            this.perSecond = perSecond;
            this.capacity = (long) perSecond * settings.rateBurstSeconds();
            this.time = new TimeMeter() {
                @Override
                public long currentTimeNanos() {
                    return clock.millis() * 1_000_000L;
                }

                @Override
                public boolean isWallClockBased() {
                    return true;
                }
            };
            // A bucket untouched for a burst's length is full again: forgetting it loses nothing.
            // Evictions run on the calling thread: the bound holds after every request, not eventually.
            this.buckets = Caffeine.newBuilder().maximumSize(settings.rateTrackedKeys())
                    .expireAfterAccess(Duration.ofSeconds(settings.rateBurstSeconds() + 1L))
                    .ticker(time::currentTimeNanos).executor(Runnable::run).build();
            this.refused = Counter.builder("hindsight.http.throttled").tag("limit", limit.label)
                    .description("Requests refused with 429 by a rate limit").register(metrics);
            Gauge.builder("hindsight.http.rate.tracked", buckets, c -> {
                        c.cleanUp();
                        return c.estimatedSize();
                    }).tag("limit", limit.label)
                    .description("Keys a rate limit currently remembers").register(metrics);
        }

        void acquire(String key, String who) {
            if (perSecond <= 0) {
                return;
            }
            Bucket bucket = buckets.get(key, k -> Bucket.builder()
                    .addLimit(b -> b.capacity(capacity).refillGreedy(perSecond, Duration.ofSeconds(1)))
                    .withCustomTimePrecision(time).build());
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (probe.isConsumed()) {
                return;
            }
            refused.increment();
            int retryAfter = (int) Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
            throw new HindsightException(ErrorCode.RATE_LIMITED, "More than " + perSecond + " requests per second "
                    + "from " + who + " (rate limit '" + limit.label + "', setting " + limit.setting + "); retry after "
                    + retryAfter + " s", List.of(), Map.of("limit", limit.label, "limit_per_second", perSecond),
                    retryAfter);
        }
    }
}
