package dev.hindsight.store.duckdb;

import dev.hindsight.define.EventFilter;
import dev.hindsight.query.Analysis;
import dev.hindsight.query.Engine;
import dev.hindsight.query.Engine.Part;
import java.util.List;

/**
 * The identity resolution every analysis runs on (see {@link Engine}), as SQL: each event's user is the identity
 * it was sent with, else the identity its device was linked to at the event's time (a device's first link also covers its
 * earlier history; an undone link covers nothing), else the anonymous device itself. Stored events are never
 * rewritten: a merge or an un-merge changes every analysis of the past at once.
 *
 * <p>Users are integers ({@code user_key}): the id of the identity or of the device in the store's dictionary of
 * devices and identities, one id space for both, so that analyses group, sort and join on integers. Only the users
 * an answer lists are turned back into text, with {@link Dialect#userLabels}. {@code UserResolver} in the query
 * package applies the same rule in memory.
 */
final class Identities {
    private Identities() {
    }

    /**
     * A CTE named {@code ev}: the scope's events matching {@code filter}, all their columns, with {@code user_key}.
     */
    static Sql events(Dialect d, Analysis.Scope scope, EventFilter filter) {
        Sql sql = links(d, scope.envId())
                .append(", ev AS (SELECT e.*, " + USER_KEY + " FROM (SELECT * FROM events WHERE ")
                .append(range(d, scope.envId(), scope.fromMs(), scope.toMs()))
                .append(" AND ").append(d.filter(filter)).append(") e").append(JOIN);
        return sql.append(cohort(d, scope.envId(), scope.cohort(), " WHERE ")).append(")");
    }

    /**
     * The condition (after {@code glue}) that a row's resolved user is a member (or, with {@code not}, is not) of
     * the scope's cohort, over the aliases of {@link #JOIN}; nothing without a cohort filter.
     */
    static Sql cohort(Dialect d, long envId, Analysis.CohortFilter c, String glue) {
        if (c == null) {
            return new Sql();
        }
        return new Sql().append(glue + "coalesce(e.identity_key, l.identity_key, e.device_key)"
                        + (c.not() ? " NOT IN (" : " IN ("))
                .append(CohortSql.members(d, envId, c.cohort().definition(), c.nowMs())).append(")");
    }

    /**
     * The rows of {@code rows} (a SELECT over the events table with all its columns) whose resolved user the
     * cohort filter keeps, as a subquery with the same columns.
     */
    static Sql kept(Dialect d, long envId, Sql rows, Analysis.CohortFilter c) {
        Sql links = links(d, envId);
        return new Sql().append("(SELECT e.* FROM (").append(rows).append(") e LEFT JOIN (")
                .append(links.text().substring("links AS (".length(), links.text().length() - 1)).params(links.params().toArray())
                .append(") l ON l.device_key = e.device_key AND l.undone_at IS NULL AND e.time >= l.span_from AND e.time < l.span_to")
                .append(cohort(d, envId, c, " WHERE ")).append(")");
    }

    /**
     * The CTE {@code cl}: the links of an environment (as {@link #links}), named apart from {@code links} so that
     * cohort membership nests inside an analysis's own CTEs.
     */
    static Sql memberLinks(Dialect d, long envId) {
        Sql links = links(d, envId);
        return new Sql().append("cl" + links.text().substring("links".length())).params(links.params().toArray());
    }

    /**
     * A subquery of the events of [fromMs, toMs) matching {@code where}, resolved through the CTE {@code cl}
     * ({@link #memberLinks}): {@code user_key}, {@code time}, then {@code columns} (over the events table, with
     * their names), reading only the columns it needs.
     */
    static Sql memberScan(Dialect d, long envId, long fromMs, long toMs, Sql columns, Sql where) {
        Sql sql = new Sql().append("(SELECT " + USER_KEY + ", e.* EXCLUDE (device_key, identity_key) FROM (SELECT time,"
                + " device_key, identity_key");
        if (columns != null) {
            sql.append(", ").append(columns);
        }
        return sql.append(" FROM events WHERE ").append(range(d, envId, fromMs, toMs)).append(" AND ").append(where)
                .append(") e").append(JOIN.replace("JOIN links l", "JOIN cl l")).append(")");
    }

    /**
     * A CTE named {@code ev}: the scope's events matching {@code filter}, all their columns, users left unresolved,
     * for a measure that needs no user (the join with the links is most of a small query's time).
     */
    static Sql unresolvedEvents(Dialect d, Analysis.Scope scope, EventFilter filter) {
        return new Sql().append("ev AS (SELECT * FROM events WHERE ")
                .append(range(d, scope.envId(), scope.fromMs(), scope.toMs()))
                .append(" AND ").append(d.filter(filter)).append(")");
    }

    /**
     * A CTE named {@code ev} with the columns {@code part} (1 for the first part, 2 for the next...), {@code time},
     * {@code user_key} and {@code value}: the events of each part, resolved. An event in several parts is there
     * once per part. Each part is its own scan with its filter as the scan's condition, which the engine can push
     * down and evaluate column by column, where one scan for all parts would compute every part's condition on
     * every row it reads.
     */
    static Sql parts(Dialect d, long envId, List<Part> parts) {
        return parts(d, envId, parts, null);
    }

    /** As {@link #parts(Dialect, long, List)}, only the events of the users {@code cohort} keeps (null: all). */
    static Sql parts(Dialect d, long envId, List<Part> parts, Analysis.CohortFilter cohort) {
        return links(d, envId).append(", ev AS (SELECT e.part, e.time, e.value, " + USER_KEY + " FROM (")
                .append(scans(d, envId, parts, true, k -> k + " AS part, time, device_key, identity_key"))
                .append(") e").append(JOIN).append(cohort(d, envId, cohort, " WHERE ")).append(")");
    }

    /** One scan per part, UNION ALL: {@code columns} of part k (from 1), then with {@code values} the part's value. */
    private static Sql scans(Dialect d, long envId, List<Part> parts, boolean values,
            java.util.function.IntFunction<String> columns) {
        Sql sql = new Sql();
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            sql.append(i == 0 ? "" : " UNION ALL ").append("SELECT " + columns.apply(i + 1));
            // A session-level built-in's value comes from a join to the sessions' kept values (see BuiltInSql).
            boolean joined = values && p.property() != null && BuiltInSql.isSessionLevel(p.property());
            if (values) {
                sql.append(", ").append(p.property() == null ? "CAST(NULL AS VARCHAR)"
                        : joined ? BuiltInSql.joinedValue(p.property()) : d.property(p.property())).append(" AS value");
            }
            if (joined) {
                sql.append(" FROM events LEFT JOIN ").append(SessionFirsts.relation(d, envId, p.toMs()))
                        .append(" sf ON sf_key = session_key WHERE ");
            } else {
                sql.append(" FROM events WHERE ");
            }
            sql.append(range(d, envId, p.fromMs(), p.toMs())).append(" AND ").append(d.filter(p.filter()));
        }
        return sql;
    }

    /**
     * The rows of each part with identities left unresolved (see {@link Engine#partRows}), in two integers (a third
     * column costs the reader as much again): {@code tp}, the event's time in epoch microseconds times
     * {@value #PART_SPAN} plus the part (1 for the first part...; fewer than {@value #PART_SPAN} parts), and
     * {@code actor}, the event's identity key, or, for an event without one, minus one minus its device key; then,
     * if some part has one, {@code value}. In no particular order. Each part is its own scan, as in {@link #parts}.
     */
    static Sql partRows(Dialect d, long envId, List<Part> parts) {
        if (parts.size() >= PART_SPAN) {
            throw new IllegalArgumentException("at most " + (PART_SPAN - 1) + " parts");
        }
        return scans(d, envId, parts, parts.stream().anyMatch(p -> p.property() != null),
                k -> d.epochUs("time") + " * " + PART_SPAN + " + " + k + " AS tp, coalesce(identity_key, -1 - device_key) AS actor");
    }

    /**
     * {@link #partRows} with the values coded, for parts of which some has a property: rows (tp, actor, code, NULL),
     * {@code code} the value's {@link #VALUE_CODE} (NULL for none), and, among them in no particular order, one row
     * (NULL, NULL, code, value) per distinct value of the parts with a property. A text column costs the reader
     * about as much as the two integers (at 2 million events 110 ms more for the funnel's step 1), where a value
     * takes a handful of distinct texts: each is read once.
     */
    static Sql codedPartRows(Dialect d, long envId, List<Part> parts) {
        return new Sql().append("SELECT tp, actor, " + VALUE_CODE + " AS code, CAST(NULL AS VARCHAR) AS label FROM (")
                .append(partRows(d, envId, parts))
                .append(") r UNION ALL SELECT NULL, NULL, " + VALUE_CODE + ", value FROM (")
                .append(labels(d, envId, parts.stream().filter(p -> p.property() != null).toList()))
                .append(") v WHERE value IS NOT NULL GROUP BY value");
    }

    /**
     * The values the parts' rows may take, as a relation of one column {@code value}: a session-level built-in's are
     * the values kept for the environment's sessions (a few distinct ones over a small table, where the parts' own
     * rows would repeat the join to it), with those of the part's events without a session; any other property's
     * are its part's own values. A superset is harmless: only the codes the rows carry are looked up.
     */
    private static Sql labels(Dialect d, long envId, List<Part> parts) {
        Sql sql = new Sql();
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            sql.append(i == 0 ? "" : " UNION ALL ");
            if (!BuiltInSql.isSessionLevel(p.property())) {
                sql.append(scans(d, envId, List.of(p), true, k -> "NULL AS tp"));
                continue;
            }
            sql.append("SELECT NULL AS tp, " + SessionFirsts.column(p.property()) + " AS value FROM session_firsts"
                    + " WHERE sf_env = ").param(envId).append(" UNION ALL SELECT NULL, " + BuiltInSql.session(p.property(), c -> c)
                            + " FROM events WHERE ").append(range(d, envId, p.fromMs(), p.toMs())).append(" AND ")
                    .append(d.filter(p.filter())).append(" AND session_key IS NULL");
        }
        return sql;
    }

    /**
     * A value's code in {@link #codedPartRows}: 63 bits of DuckDB's hash of the text (NULL for none). Two texts with
     * one code (about one chance in 10^7 with a million distinct values) fail the query rather than merge.
     */
    static final String VALUE_CODE = "CASE WHEN value IS NULL THEN NULL ELSE CAST(hash(value) >> 1 AS BIGINT) END";

    /** See {@link #partRows}. */
    static final int PART_SPAN = Engine.PART_SPAN;

    /**
     * Every identity link of an environment, undone ones included (they still end the span of the link before
     * them): {@code device_key}, {@code identity_key}, whether it is undone, and {@code valid_from} in epoch
     * microseconds, ordered by device, then as {@link #links} orders a device's links.
     */
    static Sql linkRows(Dialect d, long envId) {
        return new Sql().append("SELECT device_key, identity_key, undone_at IS NOT NULL, " + d.epochUs("valid_from")
                + " FROM identity_links WHERE env_id = ").param(envId).append(" ORDER BY device_key, valid_from, id");
    }

    private static final String USER_KEY = "coalesce(e.identity_key, l.identity_key, e.device_key) AS user_key";

    // No "e.identity_key IS NULL" in the ON clause: coalesce already prefers the event's own identity, and a
    // condition on the preserved side turns the hash join into a nested loop (80 s instead of 0.1 s at 2M).
    private static final String JOIN = " LEFT JOIN links l ON l.device_key = e.device_key AND l.undone_at IS NULL"
            + " AND e.time >= l.span_from AND e.time < l.span_to";

    /** The CTE {@code links}: each link of the environment with the span of its device's time it covers. */
    private static Sql links(Dialect d, long envId) {
        return new Sql().append("links AS (SELECT device_key, identity_key, undone_at,"
                        + " CASE WHEN row_number() OVER w = 1 THEN " + d.timestamp("1970-01-01") + " ELSE valid_from END AS span_from,"
                        + " coalesce(lead(valid_from) OVER w, " + d.timestamp("9999-12-31") + ") AS span_to"
                        + " FROM identity_links WHERE env_id = ").param(envId)
                .append(" WINDOW w AS (PARTITION BY device_key ORDER BY valid_from, id))");
    }

    private static Sql range(Dialect d, long envId, long fromMs, long toMs) {
        return new Sql().append("env_id = ").param(envId)
                .append(" AND time >= " + d.timestampParam()).params(fromMs)
                .append(" AND time < " + d.timestampParam()).params(toMs);
    }

    /**
     * The identity's key of a row of {@code ev}, or NULL for an anonymous device: {@code user_key} is the device's
     * key exactly when no identity applies (the dictionary gives devices and identities distinct ids).
     */
    static final String IDENTITY_KEY = "CASE WHEN user_key = device_key THEN NULL ELSE user_key END";
}
