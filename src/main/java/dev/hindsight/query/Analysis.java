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
     * midnights start the days, weeks and months of the answer (see {@link Buckets}), the request's top-level
     * {@code filters} (see {@link TopFilters}), and with a {@code cohort} filter (null: none), only the events whose
     * resolved user the filter keeps. The filters are already part of the events of graphs, funnels, retention and
     * paths; users and sessions, which read every event of the range, take them from here.
     */
    record Scope(long envId, long fromMs, long toMs, ZoneId zone, EventFilter filter, CohortFilter cohort) {
        /** A scope in UTC. */
        public Scope(long envId, long fromMs, long toMs) {
            this(envId, fromMs, toMs, ZoneOffset.UTC);
        }

        /** A scope of every user, without top-level filters. */
        public Scope(long envId, long fromMs, long toMs, ZoneId zone) {
            this(envId, fromMs, toMs, zone, new EventFilter.Always(), null);
        }

        /** This scope with the cohort filter {@code c} (null: none). */
        public Scope withCohort(CohortFilter c) {
            return new Scope(envId, fromMs, toMs, zone, filter, c);
        }
    }

    /**
     * A saved cohort as an analysis uses it: its id, its name (a breakdown's label) and its definition.
     */
    record CohortSpec(long id, String name, Membership definition) {
    }

    /**
     * The top-level {@code "cohort"} of a request: only the events of users who are members of {@code cohort}
     * (or, with {@code not}, who are not), membership evaluated at {@code nowMs}.
     */
    record CohortFilter(CohortSpec cohort, boolean not, long nowMs) {
    }

    /** An event a query counts: a compiled filter and the label answers show for it. */
    record EventSpec(String label, EventFilter filter) {
    }

    /**
     * Events per interval: one series per event and measure, optionally broken down by a property, and formulas
     * over the series (see {@link Formula}).
     */
    record Graph(Scope scope, String interval, List<Series> series, Breakdown breakdown, List<Formula> formulas)
            implements Analysis {
        /** A graph without formulas. */
        public Graph(Scope scope, String interval, List<Series> series, Breakdown breakdown) {
            this(scope, interval, series, breakdown, List.of());
        }
    }

    /**
     * Users moving through ordered steps: each later step strictly after the previous one and at most
     * {@code windowMs} after the first (see {@link FunnelQuery} for the exact semantics).
     */
    record Funnel(Scope scope, List<EventSpec> steps, long windowMs, Breakdown breakdown, FunnelUsers users)
            implements Analysis {
        /** A funnel that lists no step's users. */
        public Funnel(Scope scope, List<EventSpec> steps, long windowMs, Breakdown breakdown) {
            this(scope, steps, windowMs, breakdown, null);
        }
    }

    /**
     * The users a funnel lists besides its counts: those {@code converted} at {@code step} (1-based: they reached
     * it) or {@code dropped} there (they reached the step before and not this one), a page of them.
     */
    record FunnelUsers(int step, boolean converted, int offset, int limit) {
    }

    /**
     * The cohort grid: users by the {@code period} (day, week or month) of their first {@code start} event, and how many
     * did {@code returning} in each of the following {@code periods} periods, optionally also split by a
     * {@code breakdown} (null: none) of each user's first start event or by cohorts (see {@link RetentionQuery}).
     */
    record Retention(Scope scope, EventSpec start, EventSpec returning, String period, int periods,
            Breakdown breakdown) implements Analysis {

        /** A grid without a breakdown. */
        public Retention(Scope scope, EventSpec start, EventSpec returning, String period, int periods) {
            this(scope, start, returning, period, periods, null);
        }

        /**
         * The length of a day or week period in milliseconds on the local wall clock (see {@link LocalTimes}), where
         * every day has 24 hours; a month has no fixed length.
         */
        public long periodMs() {
            return switch (period) {
                case "day" -> 86_400_000L;
                case "week" -> 7 * 86_400_000L;
                default -> throw new IllegalArgumentException("a " + period + " has no fixed length");
            };
        }

        /**
         * The period k, counted from a cohort's start, that a moment falls in: both are wall-clock times as epoch ms
         * (see {@link LocalTimes}); months are calendar months, so January 31 to February 1 is one month on.
         */
        public int periodOf(long cohortLocalMs, long localMs) {
            if (!period.equals("month")) {
                return (int) Math.floorDiv(localMs - cohortLocalMs, periodMs());
            }
            java.time.LocalDateTime a = java.time.LocalDateTime.ofEpochSecond(Math.floorDiv(cohortLocalMs, 1000), 0,
                    java.time.ZoneOffset.UTC);
            java.time.LocalDateTime b = java.time.LocalDateTime.ofEpochSecond(Math.floorDiv(localMs, 1000), 0,
                    java.time.ZoneOffset.UTC);
            return (b.getYear() * 12 + b.getMonthValue()) - (a.getYear() * 12 + a.getMonthValue());
        }
    }

    /**
     * One line of a graph. {@code measure} is count, users or sessions; or sum, avg, min, max, median or p90 of the
     * numeric values of the event property {@code property}; or per_user: {@code aggregate} (avg, min, max, median or
     * p90) over the users of each user's event count, or with {@code property} each user's sum of it. A value is
     * numeric when it is a JSON number, or text in JSON's number syntax (as numbers too big for a double are
     * stored), and finite as a double; other values are left out. {@code property} and {@code aggregate} are null
     * where the measure takes none.
     */
    record Series(EventSpec event, String measure, String property, String aggregate) {
        /** A series counting events, users or sessions. */
        public Series(EventSpec event, String measure) {
            this(event, measure, null, null);
        }

        /** Whether the measure counts (count, users, sessions), so that its values are whole numbers and 0 when none. */
        public boolean counts() {
            return GraphQuery.MEASURES.contains(measure);
        }
    }

    /**
     * Split by an event property (the {@code limit} most frequent values, the rest as "other"), or, when
     * {@code cohorts} is not empty (and {@code property} null), by cohort: one group per cohort with its members
     * at {@code nowMs}, a user in several cohorts in each of them.
     */
    record Breakdown(String property, int limit, List<CohortSpec> cohorts, long nowMs) {
        /** A breakdown by an event property. */
        public Breakdown(String property, int limit) {
            this(property, limit, List.of(), 0);
        }

        /** Whether this splits by cohort rather than by a property. */
        public boolean byCohort() {
            return !cohorts.isEmpty();
        }
    }

    /**
     * Paths from or to a start event: the {@code depth} labelled steps after (or before) each occurrence, in its
     * session; {@code labelWith} names events by definitions (empty: raw labels). See {@link PathsQuery}.
     */
    record Paths(Scope scope, EventSpec start, boolean before, int depth, List<EventSpec> labelWith) implements Analysis {
    }

    /**
     * Users seen in the range who did (or, {@code didNot}, did not) do {@code event} (null: every user seen), with
     * user property filters; the users list ({@link UserList}) also keeps only those matching {@code search}
     * (lower-cased; null: all) and starts {@code after} a cursor (null: at the start). See {@link UsersQuery}.
     */
    record Users(Scope scope, EventSpec event, boolean didNot, List<EventFilter.PropertyMatches> properties,
            int limit, String search, UserCursor after) implements Analysis {
        /** A users analysis without search or paging. */
        public Users(Scope scope, EventSpec event, boolean didNot, List<EventFilter.PropertyMatches> properties,
                int limit) {
            this(scope, event, didNot, properties, limit, null, null);
        }
    }

    /**
     * Where a page of users starts: after the user last seen at {@code lastMs} whose text is {@code label}, in the
     * order of last seen (newest first), then the text.
     */
    record UserCursor(long lastMs, String label) {
    }

    /** Sessions in the range, newest first, optionally of one user. See {@link SessionsQuery}. */
    record Sessions(Scope scope, String identity, int limit) implements Analysis {
    }
}
