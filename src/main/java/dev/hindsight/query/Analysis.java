package dev.hindsight.query;

import dev.hindsight.define.EventFilter;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * An analysis request, parsed and checked: what {@code POST /api/query} runs, reading through the {@link Engine}
 * port; every switch over kinds is exhaustive.
 */
public sealed interface Analysis {
    /** The environment, range and zone the analysis reads. */
    Scope scope();


    /**
     * The environment, the half-open time range [from, to) in epoch milliseconds, the time zone whose local
     * midnights start the days, weeks and months of the answer (see {@link Buckets}), and the request's top-level
     * {@code filters} (see {@link TopFilters}). The filters are already part of the events of graphs, funnels,
     * retention and paths; users and sessions, which read every event of the range, take them from here.
     */
    record Scope(long envId, long fromMs, long toMs, ZoneId zone, EventFilter filter) {
        /** A scope in UTC. */
        public Scope(long envId, long fromMs, long toMs) {
            this(envId, fromMs, toMs, ZoneOffset.UTC);
        }

        /** A scope without top-level filters. */
        public Scope(long envId, long fromMs, long toMs, ZoneId zone) {
            this(envId, fromMs, toMs, zone, new EventFilter.Always());
        }
    }

    /** An event a query counts: a compiled filter and the label answers show for it. */
    record EventSpec(String label, EventFilter filter) {
    }

    /** Events per interval: one series per event and measure, optionally broken down by a property. */
    record Graph(Scope scope, String interval, List<Series> series, Breakdown breakdown) implements Analysis {
    }

    /**
     * Users moving through ordered steps: each later step strictly after the previous one and at most
     * {@code windowMs} after the first (see {@link FunnelQuery} for the exact semantics).
     */
    record Funnel(Scope scope, List<EventSpec> steps, long windowMs, Breakdown breakdown) implements Analysis {
    }

    /**
     * The cohort grid: users by the {@code period} (day or week) of their first {@code start} event, and how many
     * did {@code returning} in each of the following {@code periods} periods (see {@link RetentionQuery}).
     */
    record Retention(Scope scope, EventSpec start, EventSpec returning, String period, int periods) implements Analysis {

        /** The length of a period in milliseconds: UTC days have no daylight-saving changes. */
        public long periodMs() {
            return switch (period) {
                case "day" -> 86_400_000L;
                case "week" -> 7 * 86_400_000L;
                default -> throw new IllegalArgumentException(period);
            };
        }
    }

    /** One line of a graph: {@code measure} is count, users or sessions. */
    record Series(EventSpec event, String measure) {
    }

    /** Split by an event property: the {@code limit} most frequent values, the rest as "other". */
    record Breakdown(String property, int limit) {
    }

    /**
     * Paths from or to a start event: the {@code depth} labelled steps after (or before) each occurrence, in its
     * session; {@code labelWith} names events by definitions (empty: raw labels). See {@link PathsQuery}.
     */
    record Paths(Scope scope, EventSpec start, boolean before, int depth, List<EventSpec> labelWith) implements Analysis {
    }

    /**
     * Users seen in the range who did (or, {@code didNot}, did not) do {@code event} (null: every user seen), with
     * user property filters. See {@link UsersQuery}.
     */
    record Users(Scope scope, EventSpec event, boolean didNot, List<EventFilter.PropertyMatches> properties,
            int limit) implements Analysis {
    }

    /** Sessions in the range, newest first, optionally of one user. See {@link SessionsQuery}. */
    record Sessions(Scope scope, String identity, int limit) implements Analysis {
    }
}
