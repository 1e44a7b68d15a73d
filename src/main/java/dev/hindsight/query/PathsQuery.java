package dev.hindsight.query;

import dev.hindsight.define.EventFilter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.store.SqlRunner;
import dev.hindsight.store.Steps;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The paths analysis: request {@code {start: event, direction: "after"|"before", depth: 1..10, label_with?:
 * [definition id or event]}}, answer {@code {nodes: [{id, step, label, count}], edges: [{source, target,
 * count}]}}, ready for a Sankey diagram.
 *
 * <p>Exact semantics. Only events in [from, to) take part. Events are grouped into sessions (see
 * {@link SessionSql}) and ordered as there. Each event gets a label: with {@code label_with}, the
 * name of the first listed event it matches, else, if it matches the start event, the start event's label, else
 * none (and it is left out of paths entirely); without {@code label_with}, a raw label: {@code "pageview <path>"},
 * {@code "<kind> <text>"} for click, submit and change (when the target has no text, the last hierarchy level's
 * tag, id and classes, such as {@code "click button#buy.primary"}), and the event name for custom events (see
 * RawEvent#label; a custom event without a name has none). Within
 * a session, consecutive events with the same label collapse into one step. For every occurrence of the start
 * event, the steps are the next {@code depth} collapsed steps after it (or before it, counted backwards), in its
 * session; the occurrence's own step is never repeated as step 1 (a reload of the start page is not a step), and
 * paths that run out of session end early. Step 0 is one node, labelled with the start event's label, counting
 * every occurrence; a node {@code "k:label"} counts the occurrences whose k-th step has that label; an edge counts
 * the occurrences passing through both of its nodes. Edges point forward in time: from step k-1 to step k after
 * the start, from step k to step k-1 before it. Every occurrence counts, so two start events in a row give two
 * paths.
 *
 * <p>The engine reads the sessions' events (labels and sessions as the store's integers, see {@link #sql}), and
 * {@link PathsKernel} orders, collapses and counts them. With raw labels, sessions' events come mostly from the
 * rollup of sessions' steps instead, in order already (see {@link RolledUpSessions}).
 */
final class PathsQuery {
    static final int MAX_DEPTH = 10;

    private PathsQuery() {
    }

    /** Parses a paths request; {@code events} resolves an event node at a JSON pointer. */
    static Paths parse(JsonNode body, Scope scope, BiFunction<JsonNode, String, EventSpec> events) {
        EventSpec start = events.apply(body.get("start"), "/start");
        String direction = QueryLimits.text(body, "direction", "direction", "after");
        if (!direction.equals("after") && !direction.equals("before")) {
            throw HindsightException.field("direction", "must be 'after' or 'before'");
        }
        int depth = QueryLimits.whole(body, "depth", "depth", 5, 1, MAX_DEPTH);
        List<EventSpec> labelWith = new ArrayList<>();
        JsonNode lw = body.get("label_with");
        if (lw != null && !lw.isNull()) {
            if (!lw.isArray()) {
                throw HindsightException.field("label_with", "must be an array of definition ids");
            }
            if (lw.size() > QueryLimits.MAX_LABEL_WITH) {
                throw QueryLimits.exceeded("label_with", "has " + lw.size() + " events; paths label with at most "
                        + QueryLimits.MAX_LABEL_WITH);
            }
            for (int i = 0; i < lw.size(); i++) {
                JsonNode n = lw.get(i);
                // A bare id is shorthand for {"definition": id}.
                JsonNode node = n.isIntegralNumber() ? Json.MAPPER.createObjectNode().put("definition", n.asLong()) : n;
                labelWith.add(events.apply(node, "/label_with/" + i));
            }
        }
        return new Paths(scope, start, direction.equals("before"), depth, labelWith);
    }

    /**
     * What the query's rows look like: whether the scope has session-less events (only then does the query window
     * them into sessions; asking first costs a millisecond when there are none, where the windows cost tens), and
     * whether each event's order fits one integer. It does when the milliseconds of the range and the spread of the
     * seqs in it fit {@link #packedBits} bits together: then {@code ord} is the event's millisecond in the range
     * times 2^{@code seqBits} plus its seq less {@code seqBase}, one column fewer to read (a column costs the reader
     * about as much as a row does). Events that arrive after this is taken have seqs beyond {@code seqMax} and are
     * left out, so that the query reads one state of the store.
     *
     * <p>{@code rolled}, when not -1, is the seq up to which sessions' events are read from the {@code session_steps}
     * rollup (see SessionSteps) rather than from the events table: when the labels are raw (the rollup's) and there
     * is a rollup. Then the order is not packed.
     */
    record Layout(boolean sessionless, boolean packed, long seqBase, long seqMax, int seqBits, long rolled) {
    }

    /** The bits a packed order may take; tests lower it to read events in the unpacked layout. */
    static int packedBits = 62;
    /**
     * Most events after the rollup that the query reads whole; when there are more, it reads only those of the start
     * sessions, which costs a join. Tests lower it.
     */
    static long unjoinedTail = 200_000;

    static Layout layout(Paths p, Dialect d, SqlRunner runner) {
        Sql q = new Sql().append("SELECT min(seq), max(seq), (SELECT count(*) FROM (SELECT 1 FROM events WHERE ")
                .append(range(p, d)).append(" AND session_key IS NULL LIMIT 1) x), " + Steps.ROLLED_SEQ
                        + " FROM events WHERE ").append(range(p, d));
        return runner.query(q.text(), q.params(), rs -> {
            boolean sessionless = rs.getLong(3) > 0;
            long rollup = rs.getLong(4);
            long min = rs.getLong(1);
            if (rs.wasNull()) {
                return new Layout(sessionless, false, 0, -1, 0, -1);
            }
            long max = rs.getLong(2);
            if (p.labelWith().isEmpty() && rollup >= 0) {
                return new Layout(sessionless, false, min, max, 0, Math.min(rollup, max));
            }
            int seqBits = 64 - Long.numberOfLeadingZeros(max - min);
            int timeBits = 64 - Long.numberOfLeadingZeros(p.scope().toMs() - p.scope().fromMs() - 1);
            return new Layout(sessionless, seqBits + timeBits <= packedBits, min, max, seqBits, -1);
        }).get(0);
    }

    /**
     * The query's rows, in no particular order, for {@link PathsKernel}, in as few integers as the layout allows:
     * {@code sl}, the session times 2^32 plus the label, then the event's order, {@code ord} (see {@link Layout}), or
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
     * <p>When the layout reads the rollup ({@link Layout#rolled()}), the rows of sessions with a key are only their
     * start marks and the events after the rollup (all of them when they are few: no join to find their sessions),
     * and {@link RolledUpSessions} reads the rest.
     */
    static Sql sql(Paths p, Dialect d, Layout layout) {
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
        Sql sql = new Sql().append("WITH st AS (SELECT session_key, time, seq FROM events WHERE ").append(range(p, d, layout))
                .append(" AND session_key IS NOT NULL AND ").append(d.filter(p.start().filter())).append(")");
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
    private static Sql order(Dialect d, String t, Paths p, Layout layout) {
        if (!layout.packed()) {
            return new Sql().append(d.epochUs(t + "time") + " AS time_us, " + t + "seq AS seq");
        }
        return new Sql().append("(" + d.epochMs(t + "time") + " - ").param(p.scope().fromMs())
                .append(") * " + (1L << layout.seqBits()) + " + (" + t + "seq - ").param(layout.seqBase()).append(") AS ord");
    }

    private static Sql seqLimit(Layout layout) {
        return new Sql().append(" AND seq <= ").param(layout.seqMax());
    }

    private static Sql range(Paths p, Dialect d, Layout layout) {
        return range(p, d).append(seqLimit(layout));
    }

    private static Sql range(Paths p, Dialect d) {
        return new Sql().append("env_id = ").param(p.scope().envId()).append(" AND time >= " + d.timestampParam())
                .params(p.scope().fromMs()).append(" AND time < " + d.timestampParam()).params(p.scope().toMs());
    }

    /** The text of each label the rows name: raw labels from the store's dictionary, else the listed events' names. */
    private static Map<Integer, String> labels(Paths p, List<PathsKernel.Row> rows, SqlRunner runner) {
        Map<Integer, String> out = new java.util.HashMap<>();
        if (!p.labelWith().isEmpty()) {
            for (int i = 0; i < p.labelWith().size(); i++) {
                out.put(i + 1, p.labelWith().get(i).label());
            }
            out.put(p.labelWith().size() + 1, p.start().label());
            return out;
        }
        java.util.Set<Integer> ids = new java.util.TreeSet<>();
        rows.forEach(r -> {
            if (r.step() > 0) {
                ids.add(r.label());
                ids.add(r.prev());
            }
        });
        ids.remove(0);
        List<Integer> all = new ArrayList<>(ids);
        for (int from = 0; from < all.size(); from += 2000) {
            Sql q = new Sql().append("SELECT id, label FROM labels WHERE id IN (")
                    .list(all.subList(from, Math.min(all.size(), from + 2000))).append(")");
            runner.query(q.text(), q.params(), rs -> out.put(rs.getInt(1), rs.getString(2)));
        }
        return out;
    }

    static Map<String, Object> run(Paths p, Dialect d, SqlRunner runner) {
        return run(p, d, runner, QueryBudget.unlimited());
    }

    static Map<String, Object> run(Paths p, Dialect d, SqlRunner runner, QueryBudget budget) {
        Layout layout = layout(p, d, runner);
        Sql q = sql(p, d, layout);
        List<PathsKernel.Row> rows;
        try (PathsKernel kernel = new PathsKernel(p.depth(), p.before(), budget)) {
            if (layout.rolled() >= 0) {
                RolledUpSessions rolled = new RolledUpSessions(p, d, layout, kernel);
                runner.forEach(q.text(), q.params(), rs -> rolled.add(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
                rolled.read(runner);
            } else if (layout.packed()) {
                runner.forEach(q.text(), q.params(), rs -> {
                    long ord = rs.getLong(2);
                    kernel.add(rs.getLong(1), ord, ord);
                });
            } else {
                runner.forEach(q.text(), q.params(), rs -> kernel.add(rs.getLong(1), rs.getLong(2), rs.getLong(3)));
            }
            rows = kernel.rows();
        }
        Map<Integer, String> names = labels(p, rows, runner);
        Map<String, Long> nodeCounts = new LinkedHashMap<>();
        Map<List<String>, Long> edgeCounts = new LinkedHashMap<>();
        String startId = "0:" + p.start().label();
        for (PathsKernel.Row r : rows) {
            if (r.step() == 0) {
                if (r.count() > 0) {
                    nodeCounts.put(startId, r.count());
                }
                continue;
            }
            String id = r.step() + ":" + names.get(r.label());
            String prev = r.step() == 1 ? startId : (r.step() - 1) + ":" + names.get(r.prev());
            nodeCounts.merge(id, r.count(), Long::sum);
            edgeCounts.merge(p.before() ? List.of(id, prev) : List.of(prev, id), r.count(), Long::sum);
        }
        List<Map<String, Object>> nodes = new ArrayList<>();
        nodeCounts.forEach((id, n) -> {
            int colon = id.indexOf(':');
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("id", id);
            node.put("step", Integer.parseInt(id.substring(0, colon)));
            node.put("label", id.substring(colon + 1));
            node.put("count", n);
            nodes.add(node);
        });
        nodes.sort(Comparator.<Map<String, Object>>comparingInt(n -> (Integer) n.get("step"))
                .thenComparing(n -> -(Long) n.get("count")).thenComparing(n -> (String) n.get("label")));
        List<Map<String, Object>> edges = new ArrayList<>();
        edgeCounts.forEach((e, n) -> {
            Map<String, Object> edge = new LinkedHashMap<>();
            edge.put("source", e.get(0));
            edge.put("target", e.get(1));
            edge.put("count", n);
            edges.add(edge);
        });
        edges.sort(Comparator.<Map<String, Object>>comparingLong(e -> -(Long) e.get("count"))
                .thenComparing(e -> (String) e.get("source")).thenComparing(e -> (String) e.get("target")));
        return Map.of("nodes", nodes, "edges", edges);
    }
}
