package dev.hindsight.define;

import dev.hindsight.store.RawEvent;
import java.time.Instant;
import java.util.List;

/** What a definition's preview reads: the raw events of an environment that match a filter in a time range. */
public interface MatchingEvents {

    /** One day's count of matching events. */
    record DayCount(Instant day, long count) {
    }

    /** The matching events' count per UTC day, days in order; days without one are left out. */
    List<DayCount> dailyCounts(long envId, EventFilter filter, long fromMs, long toMs);

    /** The newest {@code limit} matching events, newest first. */
    List<RawEvent> samples(long envId, EventFilter filter, long fromMs, long toMs, int limit);

    /** A received event for the live view: its arrival number, and for each filter asked about whether it matches. */
    record Arrival(long seq, RawEvent event, boolean[] matches) {
    }

    /**
     * The newest {@code limit} events of an environment received after arrival number {@code afterSeq} (-1: any),
     * newest first, each with whether it matches each of {@code filters} (in their order).
     */
    List<Arrival> arrivals(long envId, long afterSeq, int limit, List<EventFilter> filters);

    /** For each of an environment's events named by id, whether it matches each of {@code filters} (in order). */
    java.util.Map<java.util.UUID, boolean[]> matches(long envId, java.util.Collection<java.util.UUID> eventIds,
            List<EventFilter> filters);
}
