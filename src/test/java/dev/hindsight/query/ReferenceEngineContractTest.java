package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hindsight.TestServer;
import dev.hindsight.define.EventFilter;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Series;
import dev.hindsight.query.reference.ReferenceEngine;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The brute-force reference engine keeps the analysis contract too, held to the store's DuckDB engine (which the
 * whole-answer references of the {@code *MatchReference*} tests hold), so that the oracle of every other engine's
 * test is itself checked on the same random queries.
 */
class ReferenceEngineContractTest extends AnalysisContract {
    @Override
    protected Engine engine(TestServer server) {
        return new ReferenceEngine(data);
    }

    @Override
    protected Engine oracle(TestServer server) {
        return server.app().queries().engine();
    }

    @Test
    void aConditionTheReferenceEngineCannotAnswerIsRefusedByName() {
        Engine e = engine(server);
        Graph g = new Graph(new Scope(server.dev().id(), GeneratedTraffic.NOV10, GeneratedTraffic.NOV10 + GeneratedTraffic.DAY),
                "day", List.of(new Series(new EventSpec("Opened the docs", new EventFilter.TextMatches(
                        EventFilter.Column.HREF, EventFilter.TextOp.EQUALS, "/docs")), "count")), null);
        assertThatThrownBy(() -> e.graphSeries(g, g.series().get(0))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("href");
    }

    @Test
    void aBuiltInPropertyIsRefusedByNameRatherThanReadAsMissing() {
        Engine e = engine(server);
        Graph g = new Graph(new Scope(server.dev().id(), GeneratedTraffic.NOV10, GeneratedTraffic.NOV10 + GeneratedTraffic.DAY),
                "day", List.of(new Series(new EventSpec("pageview", new EventFilter.KindIs("pageview")), "count")),
                new Analysis.Breakdown("$browser", 3));
        assertThatThrownBy(() -> e.graphSeries(g, g.series().get(0))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("$browser");
    }
}
