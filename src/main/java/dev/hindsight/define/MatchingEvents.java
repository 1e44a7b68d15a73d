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
}
