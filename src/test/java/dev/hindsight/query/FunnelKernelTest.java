package dev.hindsight.query;

import dev.hindsight.define.EventFilter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Funnel;
import dev.hindsight.query.Analysis.Scope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The funnel kernel against a plain walk of every user, with user keys both dense and far apart (the kernel ranks
 * sparse keys) and events in no particular order.
 */
class FunnelKernelTest {
    private static final long WINDOW_MS = 3_600_000L;

    @Test
    void countsEachUsersFurthestAttemptLikeAPlainWalkWhateverTheUserKeys() {
        Random random = new Random(11);
        int steps = 3;
        Map<Integer, List<long[]>> byUser = new HashMap<>();
        List<long[]> rows = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            // Identity keys (actors from 0 up resolve to themselves), spread over many buckets and dense in one.
            int user = i < 2000 ? i * 997 : 5_000_000 + i;
            long time = 1_000_000L * random.nextInt(100_000);
            for (int e = 0; e < 1 + random.nextInt(8); e++) {
                time += 1000L * random.nextInt(2_000_000);
                int step = 1 + random.nextInt(steps);
                rows.add(new long[] {time * 1000 * Engine.PART_SPAN + step, user});
                byUser.computeIfAbsent(user, k -> new ArrayList<>()).add(new long[] {time * 1000, step});
            }
        }
        java.util.Collections.shuffle(rows, random);
        Funnel f = new Funnel(new Scope(1, 0, Long.MAX_VALUE), List.of(spec("a"), spec("b"), spec("c")), WINDOW_MS, null);
        FunnelKernel kernel = new FunnelKernel(f);
        rows.forEach(r -> kernel.add(r[0], (int) r[1], null));
        assertThat(kernel.groups(UserResolver.withoutLinks()).get(0).counts()).containsExactly(plainCounts(byUser, steps));
    }

    @Test
    void noEventsGiveNoUsers() {
        Funnel f = new Funnel(new Scope(1, 0, 1), List.of(spec("a"), spec("b")), WINDOW_MS, null);
        assertThat(new FunnelKernel(f).groups(UserResolver.withoutLinks()).get(0).counts()).containsExactly(0, 0);
    }

    private static EventSpec spec(String label) {
        return new EventSpec(label, new EventFilter.Always());
    }

    /** Users reaching each step: per user the attempt (from each step-1 event) that gets furthest in the window. */
    private static long[] plainCounts(Map<Integer, List<long[]>> byUser, int steps) {
        long[] counts = new long[steps];
        for (List<long[]> events : byUser.values()) {
            events.sort((a, b) -> Long.compare(a[0], b[0]));
            int best = 0;
            for (long[] first : events) {
                if (first[1] != 1) {
                    continue;
                }
                long at = first[0];
                int reach = 1;
                for (int k = 2; k <= steps; k++) {
                    long next = nextOfStep(events, k, at);
                    if (next == Long.MAX_VALUE || next / 1000 > first[0] / 1000 + WINDOW_MS) {
                        break;
                    }
                    at = next;
                    reach++;
                }
                best = Math.max(best, reach);
            }
            for (int k = 0; k < best; k++) {
                counts[k]++;
            }
        }
        return counts;
    }

    private static long nextOfStep(List<long[]> events, int step, long after) {
        return events.stream().filter(e -> e[1] == step && e[0] > after).mapToLong(e -> e[0]).min().orElse(Long.MAX_VALUE);
    }
}
