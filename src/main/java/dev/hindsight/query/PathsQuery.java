package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Paths;
import dev.hindsight.query.Analysis.Scope;
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
 * {@link Engine}) and ordered as there. Each event gets a label: with {@code label_with}, the
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
 * <p>The engine reads the sessions' events (labels and sessions as the store's integers, see {@link Engine#pathRows}), and
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

    /** The text of each label the rows name: raw labels from the store's dictionary, else the listed events' names. */
    private static Map<Integer, String> labels(Paths p, List<PathsKernel.Row> rows, Engine engine) {
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
        out.putAll(engine.eventLabels(ids));
        return out;
    }

    static Answer.Paths run(Paths p, Engine engine) {
        return run(p, engine, QueryBudget.unlimited(), QueryTuning.DEFAULT);
    }

    static Answer.Paths run(Paths p, Engine engine, QueryBudget budget, QueryTuning tuning) {
        Engine.PathsLayout layout = engine.pathsLayout(p, tuning.packedBits());
        List<PathsKernel.Row> rows;
        try (PathsKernel kernel = new PathsKernel(p.depth(), p.before(), budget)) {
            if (layout.rolled() >= 0) {
                RolledUpSessions rolled = new RolledUpSessions(p, layout, kernel, tuning.denseSlack());
                engine.pathRows(p, layout, tuning.unjoinedTail(), rolled::add);
                rolled.read(engine);
            } else {
                engine.pathRows(p, layout, tuning.unjoinedTail(), kernel::add);
            }
            rows = kernel.rows();
        }
        Map<Integer, String> names = labels(p, rows, engine);
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
        List<Answer.Node> nodes = new ArrayList<>();
        nodeCounts.forEach((id, n) -> {
            int colon = id.indexOf(':');
            nodes.add(new Answer.Node(id, Integer.parseInt(id.substring(0, colon)), id.substring(colon + 1), n));
        });
        nodes.sort(Comparator.comparingInt(Answer.Node::step).thenComparingLong(n -> -n.count())
                .thenComparing(Answer.Node::label));
        List<Answer.Edge> edges = new ArrayList<>();
        edgeCounts.forEach((e, n) -> edges.add(new Answer.Edge(e.get(0), e.get(1), n)));
        edges.sort(Comparator.comparingLong((Answer.Edge e) -> -e.count()).thenComparing(Answer.Edge::source)
                .thenComparing(Answer.Edge::target));
        return new Answer.Paths(nodes, edges);
    }
}
