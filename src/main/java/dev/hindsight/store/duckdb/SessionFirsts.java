package dev.hindsight.store.duckdb;

import dev.hindsight.define.BuiltIns;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The table {@code session_firsts}: per session, its first event (by time, then seq) as the store received it
 * (referrer, url, path, query: the {@code r_} columns) and the session-level built-in properties worked out from it
 * (the {@code sf_} columns: {@code sf_channel}, {@code sf_utm_source}, ...). Analyses look each event's session up
 * in it, which costs a join on an integer, where working the channel out per event costs a second per million.
 * It is derived data, never raw: the writer keeps it with each commit ({@link #UPSERT}), a store made before it gets
 * it filled from its events, and when the rules of the built-ins change (a new version), the {@code sf_} columns
 * are worked out again from the {@code r_} ones at the next start.
 */
final class SessionFirsts {
    private SessionFirsts() {
    }

    /** The session-level built-ins, in the order of their columns. */
    static final List<String> KEYS = BuiltIns.ALL.entrySet().stream()
            .filter(e -> e.getValue() == BuiltIns.Level.SESSION).map(java.util.Map.Entry::getKey).toList();

    /**
     * The kept sessions an environment's events before {@code toMs} can be in, as a relation to join on
     * {@code sf_key}: a session's first event comes before any of its events. The bounds are also what makes
     * DuckDB build the join's hash table on this side: without them it takes the filtered events for the smaller
     * side (it guesses 5 to 8 times too few) and builds millions of wide rows (1.6 times the time over 4.7 million
     * page views).
     */
    static Sql relation(Dialect d, long envId, long toMs) {
        return new Sql().append("(SELECT * FROM session_firsts WHERE sf_env = ").param(envId)
                .append(" AND sf_time < " + d.timestampParam() + ")").params(toMs);
    }

    /** The column of a session-level built-in. */
    static String column(String key) {
        return "sf_" + key.substring(1);
    }

    private static final List<String> RAW = List.of("referrer", "url", "path", "query");

    /** Each built-in's expression over the raw columns as {@code col} names them, as a SELECT list. */
    private static String values(java.util.function.UnaryOperator<String> col) {
        return KEYS.stream().map(k -> BuiltInSql.session(k, col) + " AS " + column(k)).collect(Collectors.joining(", "));
    }

    /** The first event of each session among the events matching {@code where}, with its built-ins. */
    private static String firsts(String where) {
        return "SELECT k, env, t, s, referrer, url, path, query, " + values(c -> c) + " FROM (SELECT session_key AS k,"
                + " env_id AS env, time AS t, seq AS s, referrer, url, path, query FROM events WHERE " + where
                + " AND session_key IS NOT NULL QUALIFY row_number() OVER (PARTITION BY session_key ORDER BY time, seq) = 1)";
    }

    /**
     * Brings the table up to date with the events of seqs [?, ?): each of their sessions' first event among them,
     * kept where it comes before the one already there (a session's events may arrive out of order).
     */
    static final String UPSERT = "INSERT INTO session_firsts " + firsts("seq >= ? AND seq < ?")
            + " ON CONFLICT (sf_key) DO UPDATE SET sf_env = excluded.sf_env, sf_time = excluded.sf_time,"
            + " sf_seq = excluded.sf_seq, " + RAW.stream().map(c -> "r_" + c + " = excluded.r_" + c)
                    .collect(Collectors.joining(", "))
            + ", " + KEYS.stream().map(k -> column(k) + " = excluded." + column(k)).collect(Collectors.joining(", "))
            + " WHERE excluded.sf_time < session_firsts.sf_time"
            + " OR (excluded.sf_time = session_firsts.sf_time AND excluded.sf_seq < session_firsts.sf_seq)";

    /** A fingerprint of the rules: the text of the built-ins' SQL. */
    private static long rules() {
        return values(c -> "r_" + c).hashCode();
    }

    /**
     * Creates and fills the table in a store made before it, in one transaction, and works the built-ins out again
     * when their rules changed since the last start.
     */
    static void upgrade(Connection c, Statement st) throws SQLException {
        DuckDb.upgrade(c, st, "session_firsts", "sf_key",
                "CREATE TABLE session_firsts (sf_key INTEGER PRIMARY KEY, sf_env BIGINT NOT NULL,"
                        + " sf_time TIMESTAMP NOT NULL, sf_seq BIGINT NOT NULL, "
                        + RAW.stream().map(r -> "r_" + r + " VARCHAR").collect(Collectors.joining(", ")) + ", "
                        + KEYS.stream().map(k -> column(k) + " VARCHAR").collect(Collectors.joining(", ")) + ")",
                "INSERT INTO session_firsts " + firsts("TRUE"),
                "INSERT OR REPLACE INTO rollups VALUES ('session_firsts_rules', " + rules() + ")");
        long stored;
        try (ResultSet rs = st.executeQuery("SELECT seq FROM rollups WHERE name = 'session_firsts_rules'")) {
            stored = rs.next() ? rs.getLong(1) : 0;
        }
        if (stored != rules()) {
            c.setAutoCommit(false);
            try {
                st.execute("UPDATE session_firsts SET " + KEYS.stream()
                        .map(k -> column(k) + " = " + BuiltInSql.session(k, col -> "r_" + col))
                        .collect(Collectors.joining(", ")));
                try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO rollups VALUES (?, ?)")) {
                    ps.setString(1, "session_firsts_rules");
                    ps.setLong(2, rules());
                    ps.execute();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }
}
