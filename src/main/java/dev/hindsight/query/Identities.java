package dev.hindsight.query;

/**
 * The identity resolution every analysis runs on, as SQL: each event's user is the identity it was sent with,
 * else the identity its device was linked to at the event's time (a device's first link also covers its
 * earlier history; an undone link covers nothing), else the anonymous device itself. Stored events are never
 * rewritten: a merge or an un-merge changes every analysis of the past at once.
 */
final class Identities {
    private Identities() {
    }

    /**
     * A CTE named {@code ev}: the scope's events matching {@code filter}, with {@code user_key}. 
     */
    static Sql events(Dialect d, Analysis.Scope scope, EventFilter filter) {
        return new Sql()
                .append("links AS (SELECT device_id, identity, undone_at,"
                        + " CASE WHEN row_number() OVER w = 1 THEN " + d.timestamp("1970-01-01") + " ELSE valid_from END AS span_from,"
                        + " coalesce(lead(valid_from) OVER w, " + d.timestamp("9999-12-31") + ") AS span_to"
                        + " FROM identity_links WHERE env_id = ").param(scope.envId())
                .append(" WINDOW w AS (PARTITION BY device_id ORDER BY valid_from, id)),")
                .append(" ev AS (SELECT e.*, coalesce(e.identity, l.identity, 'device:' || e.device_id) AS user_key")
                .append(" FROM (SELECT * FROM events WHERE env_id = ").param(scope.envId())
                .append(" AND time >= " + d.timestampParam()).params(scope.fromMs())
                .append(" AND time < " + d.timestampParam()).params(scope.toMs())
                .append(" AND ").append(d.filter(filter)).append(") e")
                // No "e.identity IS NULL" in the ON clause: coalesce already prefers the event's own identity, and a
                // condition on the preserved side turns the hash join into a nested loop (80 s instead of 0.1 s at 2M).
                .append(" LEFT JOIN links l ON l.device_id = e.device_id AND l.undone_at IS NULL")
                .append(" AND e.time >= l.span_from AND e.time < l.span_to)");
    }
}
