package dev.hindsight.activate;

import dev.hindsight.define.EventFilter;
import dev.hindsight.store.RawEvent;
import java.util.List;

/**
 * What the promoter of definition mappings reads and keeps, implemented by each store engine: raw events by their
 * arrival number ({@code seq}), the promoter's position, and what a mapping produced.
 */
public interface PromotionStore {

    /**
     * A raw event with its arrival number and its session's session-level built-ins ({@code $channel},
     * {@code $utm_source}, {@code $landing_page}, ...: those of the session's first event), by name; a built-in the
     * session has no value of is absent.
     */
    record Arrival(long seq, RawEvent event, java.util.Map<String, Object> session) {
    }

    /**
     * How many canonical events a mapping produced, when the last one was kept (epoch ms; null: none), and the
     * payloads of the latest few, newest first.
     */
    record Produced(long count, Long lastAt, List<String> latest) {
    }

    /** The arrival number of the newest committed event (-1 when none). */
    long newestSeq();

    /** Where the promoter stopped: every event up to this seq was promoted; null when it never ran. */
    Long position();

    void savePosition(long seq);

    /**
     * The events of an environment with {@code afterSeq < seq <= upToSeq} and, when given, a time in
     * {@code [fromMs, toMs)}, that match {@code filter}, oldest arrival first, at most {@code limit}. Canonical events
     * (captured or promoted) are never among them: a promoted event is not promoted again.
     */
    List<Arrival> matching(long envId, EventFilter filter, long afterSeq, long upToSeq, Long fromMs, Long toMs,
            int limit);

    /** The canonical events of an environment whose event id starts with {@code eventIdPrefix}; {@code latest} payloads. */
    Produced produced(long envId, String eventIdPrefix, int latest);
}
