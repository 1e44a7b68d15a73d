package dev.hindsight.report;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hindsight.query.Analysis;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

/**
 * The answers of saved reports, each reused until it could differ: keyed on the parsed analysis and its
 * environment's data version. The analysis is a value holding everything an answer depends on besides the stored
 * data: the compiled rules and names of the definitions it uses (so editing one of them misses, editing another
 * does not), and its range as resolved when it was parsed (so a relative range such as the last 7 days misses once
 * it resolves to another range). The data version grows with every commit to the environment (see
 * {@link dev.hindsight.store.VersionedStore}). Nothing expires by time; entries are evicted by total size.
 */
public final class AnswerCache {

    /** An answer as JSON, when it was computed, and whether this request reused it. */
    public record Answer(byte[] json, Instant computedAt, boolean cached) {
    }

    private record Key(Analysis analysis, long dataVersion) {
    }

    private record Entry(byte[] json, Instant computedAt) {
    }

    private final Cache<Key, Entry> cache;
    private final LongUnaryOperator dataVersion;
    private final Clock clock;

    /**
     * A cache of at most {@code maxBytes} of answers; {@code dataVersion} gives an environment's data version, read
     * before an answer is computed so that the answer holds at least the data of its version.
     */
    public AnswerCache(long maxBytes, LongUnaryOperator dataVersion, Clock clock, MeterRegistry metrics) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                // The key's analysis is small beside the answer; 256 bytes stands for it.
                .<Key, Entry>weigher((k, e) -> (int) Math.min(Integer.MAX_VALUE, e.json().length + 256L))
                .recordStats()
                .build();
        this.dataVersion = dataVersion;
        this.clock = clock;
        CaffeineCacheMetrics.monitor(metrics, cache, "reports");
    }

    /** The answer to {@code analysis} of environment {@code envId}: reused when still current, else computed. */
    public Answer answer(long envId, Analysis analysis, Function<Analysis, byte[]> compute) {
        Key key = new Key(analysis, dataVersion.applyAsLong(envId));
        Entry hit = cache.getIfPresent(key);
        if (hit != null) {
            return new Answer(hit.json(), hit.computedAt(), true);
        }
        // Not Caffeine's get(key, loader): a query may run for a minute, and a loader blocks other keys meanwhile.
        // Two requests that miss together both compute; the later answer replaces the earlier, which is as current.
        Entry fresh = new Entry(compute.apply(analysis), clock.instant());
        cache.put(key, fresh);
        return new Answer(fresh.json(), fresh.computedAt(), false);
    }
}
