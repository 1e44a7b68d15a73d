package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.http.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.store.SqlRunner;
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
 * {@link SessionSql}) and ordered by time (then event id). Each event gets a label: with {@code label_with}, the
 * name of the first listed event it matches, else, if it matches the start event, the start event's label, else
 * none (and it is left out of paths entirely); without {@code label_with}, a raw label: {@code "pageview <path>"},
 * {@code "<kind> <text>"} for click, submit and change (when the target has no text, the last hierarchy level's
 * tag, id and classes, such as {@code "click button#buy.primary"}), and the event name for custom events. Within
 * a session, consecutive events with the same label collapse into one step. For every occurrence of the start
 * event, the steps are the next {@code depth} collapsed steps after it (or before it, counted backwards), in its
 * session; the occurrence's own step is never repeated as step 1 (a reload of the start page is not a step), and
 * paths that run out of session end early. Step 0 is one node, labelled with the start event's label, counting
 * every occurrence; a node {@code "k:label"} counts the occurrences whose k-th step has that label; an edge counts
 * the occurrences passing through both of its nodes. Edges point forward in time: from step k-1 to step k after
 * the start, from step k to step k-1 before it. Every occurrence counts, so two start events in a row give two
 * paths.
 */
final class PathsQuery {
    static final int MAX_DEPTH = 10;

    private PathsQuery() {
    }

    /** Parses a paths request; {@code events} resolves an event node at a JSON pointer. */
    static Paths parse(JsonNode body, Scope scope, BiFunction<JsonNode, String, EventSpec> events) {
        EventSpec start = events.apply(body.get("start"), "/start");
        String direction = body.path("direction").asText("after");
        if (!direction.equals("after") && !direction.equals("before")) {
            throw HindsightException.field("direction", "must be 'after' or 'before'");
        }
        JsonNode d = body.get("depth");
        int depth = d == null ? 5 : d.asInt(-1);
        if (d != null && !d.canConvertToInt() || depth < 1 || depth > MAX_DEPTH) {
            throw HindsightException.field("depth", "must be a whole number from 1 to " + MAX_DEPTH);
        }
        List<EventSpec> labelWith = new ArrayList<>();
        JsonNode lw = body.get("label_with");
        if (lw != null && !lw.isNull()) {
            if (!lw.isArray()) {
                throw HindsightException.field("label_with", "must be an array of definition ids");
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

    /** The label of an event without {@code label_with}, as SQL over the columns of {@link #COLUMNS} and {@code tag}. */
    static String rawLabel(Dialect d) {
        return "CASE WHEN kind = 'pageview' THEN " + d.concatWithSpace("'pageview'", "path")
                + " WHEN kind = 'custom' THEN name"
                + " ELSE " + d.concatWithSpace("kind", "coalesce(nullif(target_text, ''), tag)") + " END";
    }

    /**
     * The {@code tag} of each hierarchy in the dictionary: the last level's leading part (tag, #id and .classes,
     * before attributes and positions), decoded, or NULL when empty. Computed once per distinct hierarchy.
     */
    static String tags(Dialect d) {
        return "tags AS (SELECT id AS tag_id, nullif(" + d.urlDecode(d.regexGroup("hierarchy", "([^|\\[:]*)[^|]*$", 1))
                + ", '') AS tag FROM hierarchies)";
    }

    /** The columns of the events a paths query reads: its keys, and what filters and labels look at. */
    static final String COLUMNS = "time, event_id, kind, name, hierarchy_id, target_text, href, url, path, properties";

    /**
     * The query. Only sessions with at least one start event matter, so they are found first and only their
     * events are labelled and windowed, from the session's first start on (after) or up to its last (before):
     * earlier (later) events are never a step, and the run marks of the kept events do not change. Session keys
     * of events with a session id need no window at all (see {@link SessionSql}: the gap rule applies to
     * session-less events only, windowed among themselves), and their start sessions come straight from the events
     * table, without identities. One window pass marks the label of each collapsed step on the first (after) or
     * last (before) event of its run; one more takes each occurrence's next (or previous) {@code depth} step
     * labels, the k-th non-NULL one on, which skips the unmarked events.
     */
    static Sql sql(Paths p, Dialect d) {
        String w = "(PARTITION BY user_key ORDER BY " + SessionSql.ORDER + ")";
        Sql sql = new Sql().append("WITH ").append(Identities.events(d, p.scope(), new EventFilter.Always()))
                // Session keys as SessionSql.sessions gives them, the gap rule windowed over session-less rows only.
                .append(", nk AS (SELECT user_key, " + COLUMNS + ", CASE WHEN " + SessionSql.gapStarts(d, w)
                        + " THEN 1 ELSE 0 END AS brk FROM ev WHERE session_id IS NULL)")
                // Session keys are integers: each start session's number (from 1), or minus the user's key times
                // 2^31 plus the user's n-th gap-delimited session (fewer than 2^31 per user) for session-less events.
                .append(", nss AS (SELECT -(CAST(user_key AS BIGINT) * 2147483648 + sum(brk) OVER (PARTITION BY user_key ORDER BY "
                        + SessionSql.ORDER + " ROWS UNBOUNDED PRECEDING)) AS session_key, " + COLUMNS + " FROM nk)")
                .append(", fs AS (SELECT session_id AS fs_id, row_number() OVER () AS fs_no, min(time) AS first_start,"
                        + " max(time) AS last_start FROM events WHERE ")
                // A bare condition in WHERE (NULL selects nothing, as FALSE does) can be pushed into the scan.
                .append(range(p, d)).append(" AND session_id IS NOT NULL AND (").append(d.filter(p.start().filter()))
                .append(") GROUP BY session_id)")
                .append(", ss AS (SELECT fs_no AS session_key, " + COLUMNS + " FROM events JOIN fs ON fs_id = session_id WHERE ")
                .append(range(p, d)).append(p.before() ? " AND time <= last_start" : " AND time >= first_start")
                .append(" UNION ALL SELECT session_key, " + COLUMNS + " FROM nss WHERE session_key IN (SELECT session_key FROM nss WHERE (")
                .append(d.filter(p.start().filter())).append(")))")
                .append(", ").append(tags(d))
                .append(", lab AS (SELECT session_key, time, event_id, coalesce(").append(d.filter(p.start().filter()))
                .append(", FALSE) AS is_start, ");
        if (p.labelWith().isEmpty()) {
            sql.append(rawLabel(d));
        } else {
            sql.append("CASE");
            for (EventSpec e : p.labelWith()) {
                sql.append(" WHEN coalesce(").append(d.filter(e.filter())).append(", FALSE) THEN ").param(e.label());
            }
            sql.append(" WHEN coalesce(").append(d.filter(p.start().filter())).append(", FALSE) THEN ")
                    .param(p.start().label()).append(" END");
        }
        String order = "(PARTITION BY session_key ORDER BY " + SessionSql.ORDER + ")";
        StringBuilder next = new StringBuilder();
        StringBuilder pick = new StringBuilder();
        StringBuilder prev = new StringBuilder();
        for (int k = 1; k <= p.depth(); k++) {
            next.append(", ").append(d.nthNonNull(!p.before(), "step_label", k, order)).append(" AS l").append(k);
            pick.append(" WHEN ").append(k).append(" THEN l").append(k);
            if (k > 1) {
                prev.append(" WHEN ").append(k).append(" THEN l").append(k - 1);
            }
        }
        // A step's label sits on the first event of each collapsed run (after) or the last (before); the k-th
        // label on from an occurrence is the k-th non-NULL one, so repeats of the start's own step are skipped.
        String mark = p.before() ? "lead" : "lag";
        // The windows carry labels as integers, numbered per query (a site has a few hundred labels where a query
        // windows millions of events), and only the answer's rows are turned back into text.
        return sql.append(" AS label FROM ss LEFT JOIN tags ON tag_id = hierarchy_id)")
                .append(", lid AS (SELECT label, row_number() OVER () AS label_id FROM (SELECT DISTINCT label FROM lab"
                        + " WHERE label IS NOT NULL) x)")
                .append(", chg AS (SELECT session_key, time, event_id, is_start, CASE WHEN label_id = "
                        + mark + "(label_id) OVER " + order + " THEN NULL ELSE label_id END AS step_label"
                        + " FROM lab JOIN lid USING (label))")
                // Rows that are neither a step nor an occurrence are what the k-th non-NULL label skips anyway.
                .append(", occ AS (SELECT * FROM (SELECT is_start" + next + " FROM chg WHERE is_start OR step_label IS NOT NULL) o"
                        + " WHERE is_start)")
                .append(", res AS (SELECT 0 AS step, NULL AS prev, NULL AS label, count(*) AS n FROM occ UNION ALL"
                        + " SELECT step, prev, label, count(*) FROM (SELECT k.step, CASE k.step" + (p.depth() > 1 ? prev : " WHEN 0 THEN NULL")
                        + " END AS prev, CASE k.step" + pick + " END AS label FROM occ, " + d.integers("step", 1, p.depth())
                        + " k) x WHERE label IS NOT NULL GROUP BY step, prev, label)")
                .append(" SELECT res.step, p.label, l.label, res.n FROM res LEFT JOIN lid p ON p.label_id = res.prev"
                        + " LEFT JOIN lid l ON l.label_id = res.label");
    }

    private static Sql range(Paths p, Dialect d) {
        return new Sql().append("env_id = ").param(p.scope().envId()).append(" AND time >= " + d.timestampParam())
                .params(p.scope().fromMs()).append(" AND time < " + d.timestampParam()).params(p.scope().toMs());
    }

    /** One row of the query: how many occurrences have {@code label} at {@code step} after {@code prev}. */
    private record Row(int step, String prev, String label, long count) {
    }

    static Map<String, Object> run(Paths p, Dialect d, SqlRunner runner) {
        Sql q = sql(p, d);
        List<Row> rows = runner.query(q.text(), q.params(),
                rs -> new Row(rs.getInt(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
        Map<String, Long> nodeCounts = new LinkedHashMap<>();
        Map<List<String>, Long> edgeCounts = new LinkedHashMap<>();
        String startId = "0:" + p.start().label();
        for (Row r : rows) {
            if (r.step() == 0) {
                if (r.count() > 0) {
                    nodeCounts.put(startId, r.count());
                }
                continue;
            }
            String id = r.step() + ":" + r.label();
            String prev = r.step() == 1 ? startId : (r.step() - 1) + ":" + r.prev();
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
