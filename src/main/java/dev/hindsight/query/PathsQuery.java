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

    /** The label of an event without {@code label_with}, as SQL over the columns of the events table. */
    static final String RAW_LABEL = "CASE WHEN kind = 'pageview' THEN concat_ws(' ', 'pageview', path)"
            + " WHEN kind = 'custom' THEN name"
            + " ELSE concat_ws(' ', kind, coalesce(nullif(target_text, ''),"
            // The last level's leading part: tag, #id and .classes, before attributes and positions.
            + " nullif(url_decode(regexp_extract(hierarchy, '([^|\\[:]*)[^|]*$', 1)), ''))) END";

    static Sql sql(Paths p, Dialect d) {
        Sql sql = new Sql().append("WITH ").append(Identities.events(d, p.scope(), new EventFilter.Always()))
                .append(SessionSql.sessions())
                .append(", lab AS (SELECT session_key, time, event_id, coalesce(").append(d.filter(p.start().filter()))
                .append(", FALSE) AS is_start, ");
        if (p.labelWith().isEmpty()) {
            sql.append(RAW_LABEL);
        } else {
            sql.append("CASE");
            for (EventSpec e : p.labelWith()) {
                sql.append(" WHEN coalesce(").append(d.filter(e.filter())).append(", FALSE) THEN ").param(e.label());
            }
            sql.append(" WHEN coalesce(").append(d.filter(p.start().filter())).append(", FALSE) THEN ")
                    .param(p.start().label()).append(" END");
        }
        String order = "(PARTITION BY session_key ORDER BY " + SessionSql.ORDER + ")";
        String range = p.before() ? "o.run - " + p.depth() + " AND o.run - 1" : "o.run + 1 AND o.run + " + p.depth();
        return sql.append(" AS label FROM ss)")
                .append(", chg AS (SELECT *, CASE WHEN label IS NOT DISTINCT FROM lag(label) OVER " + order
                        + " THEN 0 ELSE 1 END AS c FROM lab WHERE label IS NOT NULL)")
                .append(", stream AS (SELECT *, sum(c) OVER (PARTITION BY session_key ORDER BY " + SessionSql.ORDER
                        + " ROWS UNBOUNDED PRECEDING) AS run FROM chg)")
                .append(", runs AS (SELECT session_key, run, any_value(label) AS label FROM stream GROUP BY session_key, run)")
                .append(", occ AS (SELECT session_key, run, row_number() OVER () AS occ FROM stream WHERE is_start)")
                .append(", steps AS (SELECT o.occ, abs(r.run - o.run) AS step, r.label FROM occ o JOIN runs r"
                        + " ON r.session_key = o.session_key AND r.run BETWEEN " + range + ")")
                .append(" SELECT 0 AS step, NULL AS prev, NULL AS label, count(*) AS n FROM occ UNION ALL"
                        + " SELECT step, prev, label, count(*) FROM (SELECT step, label,"
                        + " lag(label) OVER (PARTITION BY occ ORDER BY step) AS prev FROM steps) GROUP BY step, prev, label");
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
