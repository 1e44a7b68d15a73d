package dev.hindsight.collect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * The clock skew of each recent page load (the tracker's {@code page_id}), as its first batch measured it.
 *
 * <p>Why one per page load: every batch measures the skew with its own network delay, so correcting each batch by
 * its own measure shifts one batch against the next by the difference of their delays, enough to store an event
 * before one that happened earlier. One measure per page load keeps the page's events in the order of its clock.
 * Bounded (least recently used pages go first) and in memory: a page forgotten, or seen again after a restart,
 * takes the skew of its next batch, as every batch did before.
 */
final class PageSkews {
    static final int DEFAULT_PAGES = 200_000;

    private final Cache<String, Long> skews;

    PageSkews(int pages) {
        this.skews = Caffeine.newBuilder().maximumSize(pages).expireAfterAccess(Duration.ofHours(12)).build();
    }

    /** The page's skew in milliseconds: the one remembered for it, else {@code batchSkew}, which is remembered. */
    long skew(long envId, String pageId, long batchSkew) {
        return skews.get(envId + ":" + pageId, k -> batchSkew);
    }
}
