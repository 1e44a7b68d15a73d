package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The paths kernel against a plain walk of every session, on rows in the shapes the engine may hand over: shuffled
 * within and across sessions, sessions far apart and negative (session-less) ones, and sessions long enough that the
 * kernel gives up on its insertion sort.
 */
class PathsKernelTest {

    private record Event(int session, int label, long timeUs, long seq) {
    }

    @Test
    void countsEveryStartOccurrenceLikeAPlainWalkInBothDirections() {
        Random random = new Random(7);
        List<Event> events = new ArrayList<>();
        List<Long> startSeqs = new ArrayList<>();
        long seq = 1;
        for (int s = 0; s < 16_500; s++) {
            // Dense keys (enough rows that a bucket takes more than one block), far ones (other buckets), and
            // session-less ones (negative).
            int session = s < 16_000 ? s + 1 : s < 16_400 ? 5_000_000 + s : -(s - 16_399);
            int n = s % 500 == 0 ? 300 : 1 + random.nextInt(12);
            long time = 1_000_000L * random.nextInt(1000);
            for (int i = 0; i < n; i++) {
                // Same-millisecond events now and then, which only seq orders.
                time += random.nextInt(4) == 0 ? 0 : 1000L * (1 + random.nextInt(50));
                Event e = new Event(session, 1 + random.nextInt(6), time, seq++);
                events.add(e);
                if (random.nextInt(5) == 0) {
                    startSeqs.add(e.seq());
                }
            }
        }
        // Mostly in order, as the engine reads stored events, with some far out of place.
        List<Event> rows = new ArrayList<>(events);
        for (int i = 0; i < rows.size() / 50; i++) {
            Collections.swap(rows, random.nextInt(rows.size()), random.nextInt(rows.size()));
        }
        Collections.reverse(rows.subList(0, 300));
        for (boolean before : new boolean[] {false, true}) {
            for (int depth : new int[] {1, 3, 10}) {
                try (PathsKernel kernel = new PathsKernel(depth, before)) {
                    for (Event e : rows) {
                        kernel.add(((long) e.session() << 32) + e.label(), e.timeUs(), e.seq());
                    }
                    Map<Long, Event> bySeq = new HashMap<>();
                    events.forEach(e -> bySeq.put(e.seq(), e));
                    for (long s : startSeqs) {
                        Event e = bySeq.get(s);
                        kernel.add((long) e.session() << 32, e.timeUs(), s);
                    }
                    assertThat(asMap(kernel.rows())).as("before %s, depth %d", before, depth)
                            .isEqualTo(plainWalk(events, startSeqs, depth, before));
                }
            }
        }
    }

    @Test
    void noRowsGiveNoOccurrences() {
        try (PathsKernel kernel = new PathsKernel(5, false)) {
            assertThat(kernel.rows()).containsExactly(new PathsKernel.Row(0, 0, 0, 0));
        }
    }

    private static Map<String, Long> asMap(List<PathsKernel.Row> rows) {
        Map<String, Long> out = new HashMap<>();
        rows.forEach(r -> out.merge(r.step() + ":" + r.prev() + ":" + r.label(), r.count(), Long::sum));
        return out;
    }

    private static Map<String, Long> plainWalk(List<Event> events, List<Long> startSeqs, int depth, boolean before) {
        Map<Integer, List<Event>> sessions = new HashMap<>();
        events.forEach(e -> sessions.computeIfAbsent(e.session(), k -> new ArrayList<>()).add(e));
        java.util.Set<Long> starts = new java.util.HashSet<>(startSeqs);
        Map<String, Long> out = new HashMap<>();
        long occurrences = 0;
        for (List<Event> session : sessions.values()) {
            session.sort((a, b) -> a.timeUs() != b.timeUs() ? Long.compare(a.timeUs(), b.timeUs())
                    : Long.compare(a.seq(), b.seq()));
            List<Integer> runs = new ArrayList<>();
            List<Integer> startRuns = new ArrayList<>();
            for (Event e : session) {
                if (runs.isEmpty() || runs.get(runs.size() - 1) != e.label()) {
                    runs.add(e.label());
                }
                if (starts.contains(e.seq())) {
                    startRuns.add(runs.size() - 1);
                }
            }
            for (int r : startRuns) {
                occurrences++;
                int prev = 0;
                for (int k = 1; k <= depth; k++) {
                    int at = before ? r - k : r + k;
                    if (at < 0 || at >= runs.size()) {
                        break;
                    }
                    out.merge(k + ":" + prev + ":" + runs.get(at), 1L, Long::sum);
                    prev = runs.get(at);
                }
            }
        }
        out.put("0:0:0", occurrences);
        return out;
    }
}
