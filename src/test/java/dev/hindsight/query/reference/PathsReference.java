package dev.hindsight.query.reference;

import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Named;
import dev.hindsight.query.reference.Dataset.Resolved;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The paths analysis by brute force: walks every occurrence of the start event through its session's events. */
public final class PathsReference {
    private PathsReference() {
    }

    /** Node ids with counts, and edges ("source -> target") with counts. */
    public record Answer(Map<String, Long> nodes, Map<String, Long> edges) {
    }

    public static Answer paths(Dataset data, long from, long to, Named start, boolean before, int depth,
            List<Named> labelWith) {
        Map<String, Long> nodes = new TreeMap<>();
        Map<String, Long> edges = new TreeMap<>();
        for (List<Resolved> session : data.sessions(from, to)) {
            // The session's labelled events, then the steps: runs of equal labels.
            List<String> labels = new ArrayList<>();
            List<Boolean> starts = new ArrayList<>();
            for (Resolved r : session) {
                String label = label(r.ev(), start, labelWith);
                if (label != null) {
                    labels.add(label);
                    starts.add(start.test().test(r.ev()));
                }
            }
            List<String> steps = new ArrayList<>();
            List<Integer> stepOf = new ArrayList<>();
            for (String label : labels) {
                if (steps.isEmpty() || !steps.get(steps.size() - 1).equals(label)) {
                    steps.add(label);
                }
                stepOf.add(steps.size() - 1);
            }
            for (int i = 0; i < labels.size(); i++) {
                if (!starts.get(i)) {
                    continue;
                }
                String prev = "0:" + start.label();
                nodes.merge(prev, 1L, Long::sum);
                for (int k = 1; k <= depth; k++) {
                    int at = before ? stepOf.get(i) - k : stepOf.get(i) + k;
                    if (at < 0 || at >= steps.size()) {
                        break;
                    }
                    String id = k + ":" + steps.get(at);
                    nodes.merge(id, 1L, Long::sum);
                    edges.merge(before ? id + " -> " + prev : prev + " -> " + id, 1L, Long::sum);
                    prev = id;
                }
            }
        }
        return new Answer(nodes, edges);
    }

    private static String label(Ev e, Named start, List<Named> labelWith) {
        if (labelWith.isEmpty()) {
            return Dataset.rawLabel(e);
        }
        for (Named n : labelWith) {
            if (n.test().test(e)) {
                return n.label();
            }
        }
        return start.test().test(e) ? start.label() : null;
    }
}
