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
        // Many events after the rollup: those of the start sessions only, through a join.
        long unjoined = PathsQuery.unjoinedTail;
        PathsQuery.unjoinedTail = 0;
        try {
            QueriesMatchTheReferenceTest.assertRandomPathsMatchTheReference(s, t, g.data(), g.events(), g.eventJson(),
                    SEED + 3);
        } finally {
            PathsQuery.unjoinedTail = unjoined;
        }
        assertThat(s.app().rollUp()).as("events after the first roll-up").isPositive();
        QueriesMatchTheReferenceTest.assertRandomPathsMatchTheReference(s, t, g.data(), g.events(), g.eventJson(),
                SEED + 1);
    }

    @Test
    void startSessionsFarApartAreFoundThroughTheirSortedKeys() {
        long slack = RolledUpSessions.denseSlack;
        RolledUpSessions.denseSlack = -(1L << 40);
        try {
            QueriesMatchTheReferenceTest.assertRandomPathsMatchTheReference(s, t, g.data(), g.events(), g.eventJson(),
                    SEED + 2);
        } finally {
            RolledUpSessions.denseSlack = slack;
        }
    }
}
