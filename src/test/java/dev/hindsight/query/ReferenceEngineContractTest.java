package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hindsight.TestServer;
import dev.hindsight.define.EventFilter;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Graph;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Series;
import dev.hindsight.query.reference.GraphReference;
import dev.hindsight.query.reference.ReferenceEngine;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The brute-force reference engine keeps the analysis contract too, held to the store's DuckDB engine (which the
 * whole-answer references of the {@code *MatchReference*} tests hold), so that the oracle of every other engine's
 * test is itself checked on the same random queries; its graphs are also held to {@code GraphReference}'s whole
 * answers, and what it cannot answer it refuses by name.
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

    /**
     * Besides DuckDB's answers, the reference engine's graphs are held to {@link GraphReference}, which computes whole
     * answers from the events without the port or the analysis code.
     */
    @Test
    void randomGraphsAnswerWhatTheGraphReferenceComputes() {
        Random r = new Random(7);
        List<String> names = new ArrayList<>(traffic.events().keySet());
        long hour = 3_600_000L;
        for (int q = 0; q < 40; q++) {
            String name = pick(r, names);
            String measure = pick(r, GraphQuery.ALL_MEASURES);
            String property = GraphQuery.PROPERTY_MEASURES.contains(measure)
                    || measure.equals(GraphQuery.PER_USER) && r.nextBoolean() ? "seats" : null;
            String aggregate = measure.equals(GraphQuery.PER_USER) ? pick(r, GraphQuery.AGGREGATES) : null;
            String interval = pick(r, List.of("hour", "day", "week"));
            String zone = pick(r, List.of("UTC", "Asia/Kolkata", "America/New_York"));
            String breakdown = r.nextBoolean() ? pick(r, List.of("plan", "seats")) : null;
            int limit = 1 + r.nextInt(4);
            long from = GeneratedTraffic.NOV10 - 12 * hour + r.nextInt(9 * 24) * hour;
            long to = from + (interval.equals("hour") ? 6 + r.nextInt(48) : 24 + r.nextInt(9 * 24)) * hour;
            String fields = "\"interval\":\"" + interval + "\",\"series\":[{\"event\":" + traffic.eventJson().get(name)
                    + ",\"measure\":\"" + measure + "\"" + (property == null ? "" : ",\"property\":\"" + property + "\"")
                    + (aggregate == null ? "" : ",\"aggregate\":\"" + aggregate + "\"") + "}]"
                    + (breakdown == null ? "" : ",\"breakdown\":{\"property\":\"" + breakdown + "\",\"limit\":" + limit + "}");
            Analysis a = parse(server.dev(), "graph", from, to, zone, fields);

            Map<String, Map<Long, Double>> expected = new HashMap<>();
            for (GraphReference.MeasuredLine line : GraphReference.measured(traffic.data(), from, to, interval,
                    traffic.events().get(name), measure, property, aggregate, breakdown, limit, ZoneId.of(zone))) {
                expected.put(line.breakdown(), line.points());
            }
            Map<String, Map<Long, Double>> actual = new HashMap<>();
            for (Answer.Line line : ((Answer.Graph) answer(engine(server), a)).series()) {
                Map<Long, Double> points = new LinkedHashMap<>();
                for (Answer.Point p : line.points()) {
                    points.put(Instant.parse(p.t()).toEpochMilli(), p.value() == null ? null : p.value().doubleValue());
                }
                actual.put(line.breakdown(), points);
            }
            assertThat(actual.keySet()).as(a.toString()).isEqualTo(expected.keySet());
            expected.forEach((line, points) -> {
                assertThat(actual.get(line).keySet()).as(a + " " + line).containsExactlyElementsOf(points.keySet());
                points.forEach((t, v) -> {
                    Double got = actual.get(line).get(t);
                    if (v == null || got == null) {
                        assertThat(got).as(a + " " + line + " at " + t).isEqualTo(v);
                    } else {
                        assertThat(got).as(a + " " + line + " at " + t).isCloseTo(v, within(1e-9 * Math.max(1, Math.abs(v))));
                    }
                });
            });
        }
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
