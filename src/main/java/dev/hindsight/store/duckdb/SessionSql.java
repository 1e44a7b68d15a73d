package dev.hindsight.store.duckdb;

/**
 * The SQL that groups events into sessions, shared by paths and sessions: an event belongs to the session named
 * by its {@code session_id}; an event without one (server-side events, say) belongs to a session of its user
 * that a gap of more than {@link #GAP_MINUTES} minutes between that user's session-less events ends.
 */
final class SessionSql {
    /** The inactivity that ends a session of events without a session id, as Heap and Google Analytics use. */
    static final int GAP_MINUTES = 30;
    static final long GAP_MS = GAP_MINUTES * 60_000L;

    /**
     * The order of events within a session: by time, and events of the same millisecond in the order the store
     * received them ({@code seq}), which is the order a tracker captured them in.
     */
    static final String ORDER = "time, seq";

    private SessionSql() {
    }

    /**
     * CTEs after {@code ev} (see {@link Identities#events}): {@code ss}, every row of {@code ev} with a
     * {@code sess_key}: {@code 's:' || session_id}, or {@code 'u:' || user_key || ':' || n} for the n-th
     * gap-delimited session of the user's session-less events (unlike the store's {@code session_key}, which
     * session-less events lack).
     */
    static String sessions(Dialect d) {
        String w = "(PARTITION BY user_key, session_id IS NULL ORDER BY " + ORDER + ")";
        return ", sk AS (SELECT *, CASE WHEN session_id IS NULL AND " + gapStarts(d, w) + " THEN 1 ELSE 0 END AS brk"
                + " FROM ev)"
                + ", ss AS (SELECT *, CASE WHEN session_id IS NOT NULL THEN 's:' || session_id"
                + " ELSE 'u:' || CAST(user_key AS VARCHAR) || ':' || sum(brk) OVER (PARTITION BY user_key, session_id IS NULL ORDER BY "
                + ORDER + " ROWS UNBOUNDED PRECEDING) END AS sess_key FROM sk)";
    }

    /**
     * The condition that a session-less event starts a session: it is its user's first in {@code window} (a user's
     * session-less events in {@link #ORDER}), or comes more than {@link #GAP_MINUTES} minutes after the previous.
     */
    static String gapStarts(Dialect d, String window) {
        return "(lag(time) OVER " + window + " IS NULL OR " + d.epochMs("time") + " - "
                + d.epochMs("lag(time) OVER " + window) + " > " + GAP_MS + ")";
    }
}
