package dev.hindsight.query;

import dev.hindsight.define.EventFilter;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.query.Analysis.Retention;
import dev.hindsight.query.Analysis.Series;
import dev.hindsight.query.Analysis.Sessions;
import dev.hindsight.query.Analysis.Users;
import dev.hindsight.store.SqlRunner;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The engine port: what the analyses read from a store's engine, as logical relations over an environment's
 * events. An event's user is resolved as {@link UserResolver} says (its own identity, else the identity its device
 * was linked to at the event's time, else the device); users are integer keys, turned back into text only for the
 * users an answer lists ({@link #userLabels}). Sessions are the events' session ids, or, for events without one, a
 * user's events that no gap of more than 30 minutes divides; within a session events are in the order of their
 * time, then the order the store received them in.
 *
 * <p>Where an analysis is an aggregation the engine does well (graph, retention, users, sessions), the engine
 * answers it whole; where Java does better (funnel, paths), the engine hands over the rows and the kernels in this
 * package do the rest. Each engine ({@code store.duckdb} now) implements this; the analyses never see its SQL.
 */
public interface Engine {

    /**
     * This engine as one query uses it: it tells {@code watch} of each statement it runs (so that the query's
     * deadline cancels it) and lets it stop a long answer between rows.
     */
    Engine watched(SqlRunner.StatementWatch watch);

    /**
     * One line of one graph series: the bucket's start (epoch ms), the breakdown value or null, the measure (a
     * whole number for the counting measures).
     */
    record GraphRow(long bucketMs, String breakdown, double value) {
    }

    /**
     * A graph series's value per bucket (and, with a breakdown, per value: the {@code limit} values with most
     * events, then "(other)", and "(none)" for events without the property), only for buckets with events, and,
     * for a measure of a property, only those with a numeric value of it (see {@link Analysis.Series}). A per-user
     * measure aggregates, over the users with an event there (and with a property, with a numeric value), each
     * user's event count or sum of the property's values there; the median and p90 interpolate linearly between
     * the two nearest values (at position q (n - 1) of the sorted values).
     */
    List<GraphRow> graphSeries(Graph g, Series s);

    /**
     * One part of a multi-part read: the events of [fromMs, toMs) matching {@code filter}, and, when
     * {@code property} is not null, each one's value of that event property.
     */
    record Part(long fromMs, long toMs, EventFilter filter, String property) {
    }

    /** How {@link PartRow#accept} packs the part into the time: fewer than this many parts. */
    int PART_SPAN = 32;

    /** Takes an event of a part, as {@link #partRows} gives it. */
    @FunctionalInterface
    interface PartRow {
        void accept(long tp, int actor, String value);
    }

    /**
     * The events of each part with their users left unresolved, in no particular order, as two integers: {@code tp},
     * the event's time in epoch microseconds times {@link #PART_SPAN} plus the part (1 for the first), and
     * {@code actor}, the event's identity key, or, for an event without one, minus one minus its device key; then the
     * part's property value (null without one). An event in several parts comes once per part.
     */
    void partRows(long envId, List<Part> parts, PartRow row);

    /** Takes one identity link. */
    @FunctionalInterface
    interface LinkRow {
        void accept(int deviceKey, int identityKey, boolean undone, long validFromUs);
    }

    /**
     * Every identity link of an environment, undone ones included (they still end the span of the link before
     * them), ordered by device, then by {@code valid_from} (epoch microseconds), then as they were made.
     */
    void identityLinks(long envId, LinkRow row);

    /** The text of each user key: the identity, or {@code device:<device id>} for an anonymous device. */
    Map<Long, String> userLabels(Collection<Long> userKeys);

    /**
     * A retention grid's cell: {@code k} = -1 is the cohort's size, k = 0.. the users retained in period k; of every
     * user when {@code breakdown} is null, else of the users of that breakdown group.
     */
    record RetentionRow(long cohortMs, int k, long users, String breakdown) {
        /** A cell of the whole grid. */
        public RetentionRow(long cohortMs, int k, long users) {
            this(cohortMs, k, users, null);
        }
    }

    /**
     * The non-empty cells of a retention grid (semantics in {@link RetentionQuery}), and with a breakdown also those
     * of each group: by property, the {@code limit} values of the users' first start events with most users, then
     * "(other)", and "(none)" for users whose first start event has no value; by cohort, each cohort's members at
     * the breakdown's now, labelled with its name.
     */
    List<RetentionRow> retention(Retention r);

    /** A user of a users answer: its properties as a JSON object's text; {@code total} counts every user that qualifies. */
    record UserRow(String identity, String userKey, String propertiesJson, long eventCount, long firstMs, long lastMs,
            long total) {
    }

    /** The users a users analysis lists, in order (semantics in {@link UsersQuery}). */
    List<UserRow> users(Users u);

    /** One event of a listed session, with its session's figures; {@code total} counts every session. */
    record SessionRow(String sessionKey, String sessionId, String userKey, String identity, long startMs, long endMs,
            String landingPage, String landingPath, String referrer, long eventCount, long total, String kind,
            String name, String path, String text, long timeMs) {
    }

    /** The events of the sessions a sessions analysis lists, session by session, in order (see {@link SessionsQuery}). */
    List<SessionRow> sessions(Sessions s);

    /**
     * How the paths rows come (see {@link #pathRows}): whether the scope has session-less events, and whether each
     * event's order fits one integer. It does when the milliseconds of the range and the spread of the seqs in it
     * fit {@code packedBits} bits together: then {@code ord} is the event's millisecond in the range times
     * 2^{@code seqBits} plus its seq less {@code seqBase}. Events that arrive after this is taken have seqs beyond
     * {@code seqMax} and are left out, so that the query reads one state of the store. {@code rolled}, when not -1,
     * is the seq up to which sessions' events come from the rollup of sessions' steps ({@link #rolledUpSteps})
     * rather than as rows: when the labels are raw and there is a rollup. Then the order is not packed.
     */
    record PathsLayout(boolean sessionless, boolean packed, long seqBase, long seqMax, int seqBits, long rolled) {
    }

    /** The layout of a paths read, packing orders into at most {@code packedBits} bits. */
    PathsLayout pathsLayout(Paths p, int packedBits);

    /** Takes a paths row: {@code sl}, then the order ({@code ord} twice when packed, else time in µs and seq). */
    @FunctionalInterface
    interface PathRow {
        void accept(long sl, long a, long b);
    }

    /**
     * The rows of a paths analysis, in no particular order: {@code sl}, the session times 2^32 plus the label, then
     * the event's order. A row with a label from 1 up is an event that can be a step: raw labels as the store keeps
     * them (see {@link #eventLabels}), or with {@code label_with} the position (from 1) of the first listed event it
     * matches, else, if it matches the start event, one more (unlabelled events are left out). A row with label 0
     * marks the start event of the same order. Sessions are integers: a session id's key (from 1), or, for the
     * gap-delimited sessions of session-less events, minus their rank. Only sessions with a start event come, and
     * only their events from the first start on (after) or up to the last (before). With a rollup, the rows of
     * sessions with a key are only their start marks and the events after the rollup (all of those when there are
     * at most {@code unjoinedTail}, else only those of sessions with a start).
     */
    void pathRows(Paths p, PathsLayout layout, long unjoinedTail, PathRow row);

    /** Takes a block of rolled-up sessions' steps (see {@code store.Steps}). */
    @FunctionalInterface
    interface StepsBlock {
        void accept(int block, byte[] steps);
    }

    /** The rollup's blocks from {@code minBlock} to {@code maxBlock} with sessions that overlap [fromMs, toMs). */
    void rolledUpSteps(long envId, int minBlock, int maxBlock, long fromMs, long toMs, StepsBlock block);

    /**
     * The members of a cohort at {@code nowMs} (see {@link Membership}) as user keys, sorted: the logical relation
     * of cohort membership, for the analyses that resolve users in Java (funnels) and for cohorts' sizes.
     */
    int[] cohortMembers(long envId, Membership m, long nowMs);

    /** The text of raw event labels by the store's ids (see RawEvent#label). */
    Map<Integer, String> eventLabels(Collection<Integer> ids);
}
