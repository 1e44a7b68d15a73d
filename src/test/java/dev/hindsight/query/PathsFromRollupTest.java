package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;

/**
 * The hand-computed paths of {@link PathsQueryTest}, with every session rolled up into {@code session_steps}
 * (see SessionSteps): the same answers, read from the rollup rather than from the events.
 */
class PathsFromRollupTest extends PathsQueryTest {
    @BeforeAll
    static void rollUp() {
        assertThat(s.app().rollUp()).isPositive();
    }
}
