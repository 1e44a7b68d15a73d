package dev.hindsight.store.duckdb;

import dev.hindsight.define.EventFilter;
import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.query.Engine.PathsLayout;
import dev.hindsight.store.SqlRunner;

/**
 * The SQL of the paths analysis (semantics in the query package's PathsQuery, rows as {@code Engine#pathRows}
 * gives them): the engine reads the sessions' events, labels and sessions as the store's integers, and the paths
 * kernel orders, collapses and counts them.
 */
final class PathsSql {
    private PathsSql() {
    }

    /**
     * What the query's rows look like (see {@link PathsLayout}): asking first whether the scope has session-less
     * events costs a millisecond when there are none, where the windows over them cost tens; a packed order is one
     * column fewer to read (a column costs the reader about as much as a row does).
     */
    static PathsLayout layout(Paths p, Dialect d, SqlRunner runner, int packedBits) {
        Sql q = new Sql().append("SELECT min(seq), max(seq), (SELECT count(*) FROM (SELECT 1 FROM events WHERE ")
                .append(range(p, d)).append(" AND session_key IS NULL LIMIT 1) x), " + SessionSteps.ROLLED_SEQ
                        + " FROM events WHERE ").append(range(p, d));
        return runner.query(q.text(), q.params(), rs -> {
            boolean sessionless = rs.getLong(3) > 0;
            long rollup = rs.getLong(4);
            long min = rs.getLong(1);
            if (rs.wasNull()) {
                return new PathsLayout(sessionless, false, 0, -1, 0, -1);
            }
            long max = rs.getLong(2);
            if (p.labelWith().isEmpty() && rollup >= 0) {
                return new PathsLayout(sessionless, false, min, max, 0, Math.min(rollup, max));
            }
            int seqBits = 64 - Long.numberOfLeadingZeros(max - min);
            int timeBits = 64 - Long.numberOfLeadingZeros(p.scope().toMs() - p.scope().fromMs() - 1);
            return new PathsLayout(sessionless, seqBits + timeBits <= packedBits, min, max, seqBits, -1);
        }).get(0);
    }

    /**
     * The query's rows, in no particular order, for the paths kernel, in as few integers as the layout allows:
     * {@code sl}, the session times 2^32 plus the label, then the event's order, {@code ord} (see {@link PathsLayout}), or
     * {@code time_us} and {@code seq}. A row with a label from 1 up is an event that can be a step: raw labels as the
     * store keeps them ({@code label_id}, see RawEvent#label), or with {@code label_with} the position (from 1) of the
     * first listed event it matches, else, if it matches the start event, one more (unlabelled events are left out).
     * A row with label 0 marks the start event of the same order.
     *
     * <p>Only sessions with a start event matter, so they are found first, and only their events are read, from the
     * session's first start on (after) or up to its last (before): earlier (later) events are never a step, and
     * leaving them out changes no step of the runs after (before) the starts. Sessions are integers: a session id's
     * key in the store ({@code session_key}, from 1), or, for the gap-delimited sessions of session-less events (see
     * {@link SessionSql}), minus their rank, found by windows over those events only.
     *
     * <p>When the layout reads the rollup ({@link PathsLayout#rolled()}), the rows of sessions with a key are only their
     * start marks and the events after the rollup (all of them when they are few: no join to find their sessions),
     * and the rollup gives the rest.
     */
    static Sql sql(Paths p, Dialect d, PathsLayout layout, long unjoinedTail) {
        Sql label = new Sql();
        if (p.labelWith().isEmpty()) {
            label.append("label_id");
        } else {
            label.append("CASE");
            for (int i = 0; i < p.labelWith().size(); i++) {
                label.append(" WHEN coalesce(").append(d.filter(p.labelWith().get(i).filter())).append(", FALSE) THEN " + (i + 1));
            }
            label.append(" WHEN coalesce(").append(d.filter(p.start().filter())).append(", FALSE) THEN "
                    + (p.labelWith().size() + 1) + " END");
        }
        // The bound of a session's events: its last start (before), else its first.
        String bound = p.before() ? "max(time)" : "min(time)";
        String kept = p.before() ? "time <= bound" : "time >= bound";
        String sl = "CAST(session AS BIGINT) * 4294967296 + label";
        String cols = layout.packed() ? "ord" : "time_us, seq";
        Sql starts = new Sql().append("SELECT * FROM events WHERE ").append(range(p, d, layout))
                .append(" AND session_key IS NOT NULL AND ").append(d.filter(p.start().filter()));
        if (p.scope().cohort() != null) {
            // Only the starts of the cohort's users (resolved): their sessions are the only ones read.
            starts = new Sql().append("SELECT * FROM ")
                    .append(Identities.kept(d, p.scope().envId(), starts, p.scope().cohort())).append(" k");
        }
        Sql sql = new Sql().append("WITH st AS (SELECT session_key, time, seq FROM (").append(starts).append(") s)");
        boolean join = layout.rolled() < 0 || layout.seqMax() - layout.rolled() > unjoinedTail;
        if (join) {
            sql.append(", fs AS (SELECT session_key AS fs_key, " + bound + " AS bound FROM st GROUP BY session_key)");
        }
        if (layout.sessionless()) {
            String w = "(PARTITION BY user_key ORDER BY " + SessionSql.ORDER + ")";
            sql.append(", ").append(Identities.events(d, p.scope(), new EventFilter.Always()))
                    // Session-less events: the n-th session of a user by the gap rule, windowed among themselves.
                    .append(", nk AS (SELECT *, CASE WHEN " + SessionSql.gapStarts(d, w) + " THEN 1 ELSE 0 END AS brk"
                            + " FROM ev WHERE session_id IS NULL").append(seqLimit(layout)).append(")")
                    .append(", nn AS (SELECT *, sum(brk) OVER (PARTITION BY user_key ORDER BY " + SessionSql.ORDER
                            + " ROWS UNBOUNDED PRECEDING) AS n, coalesce(")
                    .append(d.filter(p.start().filter())).append(", FALSE) AS is_start FROM nk)")
                    .append(", nss AS (SELECT *, -CAST(dense_rank() OVER (ORDER BY user_key, n) AS INTEGER) AS sk FROM nn)")
                    .append(", nfs AS (SELECT sk AS fs_key, " + bound + " AS bound FROM nss WHERE is_start GROUP BY sk)");
        }
        // The start marks first: the engine tends to keep the branches' order, and the kernel sorts less when a
        // session's mark comes before its events.
        sql.append(" SELECT CAST(session_key AS BIGINT) * 4294967296 AS sl, ").append(order(d, "", p, layout)).append(" FROM st")
                .append(" UNION ALL SELECT " + sl + ", " + cols + " FROM (SELECT e.session_key AS session, ")
                .append(order(d, "e.", p, layout)).append(", ").append(label).append(" AS label FROM events e");
        if (join) {
            sql.append(" JOIN fs ON fs_key = e.session_key WHERE ").append(range(p, d, layout)).append(" AND " + kept);
        } else {
            // Few events after the rollup: all of them, with no join to the start sessions.
            sql.append(" WHERE ").append(range(p, d, layout)).append(" AND session_key IS NOT NULL");
        }
        if (layout.rolled() >= 0) {
            sql.append(" AND seq > ").param(layout.rolled());
        }
        sql.append(") x WHERE label IS NOT NULL");
        if (layout.sessionless()) {
            sql.append(" UNION ALL SELECT CAST(sk AS BIGINT) * 4294967296, ").append(order(d, "", p, layout))
                    .append(" FROM nss WHERE is_start")
                    .append(" UNION ALL SELECT " + sl + ", " + cols + " FROM (SELECT sk AS session, ")
                    .append(order(d, "", p, layout)).append(", ").append(label)
                    .append(" AS label FROM nss JOIN nfs ON fs_key = sk WHERE " + kept + ") y WHERE label IS NOT NULL");
        }
        return sql;
    }

    /** The order columns of the events of table alias {@code t} (with its dot, or empty). */
    private static Sql order(Dialect d, String t, Paths p, PathsLayout layout) {
        if (!layout.packed()) {
            return new Sql().append(d.epochUs(t + "time") + " AS time_us, " + t + "seq AS seq");
        }
        return new Sql().append("(" + d.epochMs(t + "time") + " - ").param(p.scope().fromMs())
                .append(") * " + (1L << layout.seqBits()) + " + (" + t + "seq - ").param(layout.seqBase()).append(") AS ord");
    }

    private static Sql seqLimit(PathsLayout layout) {
        return new Sql().append(" AND seq <= ").param(layout.seqMax());
    }

    private static Sql range(Paths p, Dialect d, PathsLayout layout) {
        return range(p, d).append(seqLimit(layout));
    }

    private static Sql range(Paths p, Dialect d) {
        return new Sql().append("env_id = ").param(p.scope().envId()).append(" AND time >= " + d.timestampParam())
                .params(p.scope().fromMs()).append(" AND time < " + d.timestampParam()).params(p.scope().toMs());
    }
}
