package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinWorkerThread;
import org.junit.jupiter.api.Test;

/** The analyses and their kernels' parallel passes run on a bounded pool of their own, as the tuning sizes it. */
class AnalysisPoolTest {
    private static final int THREADS = 7;

    @Test
    void funnelsAndPathsRunOnAPoolOfTheTunedSizeAndNoThreadMore() {
        // The cap of one query at a time leaves the pool at the tuned size.
        try (TestServer s = TestServer.start(Map.of("max-concurrent-queries", "1"),
                QueryTuning.DEFAULT.withParallelism(THREADS))) {
            Traffic t = new Traffic(s);
            GeneratedTraffic.send(s, t, 20261204L, 1);
            String from = Instant.ofEpochMilli(GeneratedTraffic.NOV10).toString();
            String to = Instant.ofEpochMilli(GeneratedTraffic.NOV10 + GeneratedTraffic.DAY).toString();
            JsonNode funnel = t.query(s.dev(), "funnel", from, to,
                    "\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"click\"},{\"kind\":\"pageview\"}]");
            JsonNode paths = t.query(s.dev(), "paths", from, to, "\"start\":{\"kind\":\"pageview\"},\"depth\":3");
            assertThat(funnel.get("steps").get(0).get("count").asLong()).isPositive();
            assertThat(paths.get("nodes")).isNotEmpty();

            List<ForkJoinWorkerThread> pool = Thread.getAllStackTraces().keySet().stream()
                    .filter(th -> th.getName().startsWith("hindsight-analysis-"))
                    .map(ForkJoinWorkerThread.class::cast)
                    .filter(th -> th.getPool().getParallelism() == THREADS).toList();
            assertThat(pool).as("the analysis pool's threads").isNotEmpty().hasSizeLessThanOrEqualTo(THREADS);
        }
    }
}
