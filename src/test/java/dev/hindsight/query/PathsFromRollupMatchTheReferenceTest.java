package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random paths queries on the generated dataset of {@link GeneratedTraffic}, read from the rollup of sessions'
 * steps (see SessionSteps) and from the events after it, answer what the brute-force reference computes: first
 * with half of every session's events rolled up (the other half arrived after the roll-up, many of them earlier in
 * time), then with all of them.
 */
class PathsFromRollupMatchTheReferenceTest {
    private static final long SEED = 20261130L;
    private static TestServer s;
    private static Traffic t;
    private static GeneratedTraffic g;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        t = new Traffic(s);
        g = GeneratedTraffic.send(s, t, SEED, 1, () -> assertThat(s.app().rollUp()).isPositive());
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void pathsMatchTheReferenceWithSessionsPartlyAndWhollyRolledUp() {
        QueriesMatchTheReferenceTest.assertRandomPathsMatchTheReference(s, t, g.data(), g.events(), g.eventJson(), SEED);
        assertThat(s.app().rollUp()).as("events after the first roll-up").isPositive();
        QueriesMatchTheReferenceTest.assertRandomPathsMatchTheReference(s, t, g.data(), g.events(), g.eventJson(),
                SEED + 1);
    }

    @Test
    void manyEventsAfterTheRollupAreReadForTheStartSessionsOnlyThroughAJoin() {
        matchesWith(QueryTuning.DEFAULT.withUnjoinedTail(0), SEED + 3);
    }

    @Test
    void startSessionsFarApartAreFoundThroughTheirSortedKeys() {
        matchesWith(QueryTuning.DEFAULT.withDenseSlack(-(1L << 40)), SEED + 2);
    }

    /** On a server of its own with {@code tuning}: random paths match, half the sessions' events rolled up, then all. */
    private static void matchesWith(QueryTuning tuning, long seed) {
        try (TestServer tuned = TestServer.start(tuning)) {
            Traffic u = new Traffic(tuned);
            GeneratedTraffic h = GeneratedTraffic.send(tuned, u, SEED, 1,
                    () -> assertThat(tuned.app().rollUp()).isPositive());
            QueriesMatchTheReferenceTest.assertRandomPathsMatchTheReference(tuned, u, h.data(), h.events(),
                    h.eventJson(), seed);
            assertThat(tuned.app().rollUp()).as("events after the first roll-up").isPositive();
            QueriesMatchTheReferenceTest.assertRandomPathsMatchTheReference(tuned, u, h.data(), h.events(),
                    h.eventJson(), seed);
        }
    }
}
