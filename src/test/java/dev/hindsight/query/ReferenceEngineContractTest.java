package dev.hindsight.query;

import dev.hindsight.TestServer;
import dev.hindsight.query.reference.ReferenceEngine;

/**
 * The brute-force reference engine keeps the analysis contract too, held to the store's DuckDB engine, so that
 * the oracle of every other engine's test is itself checked on the same random queries.
 */
class ReferenceEngineContractTest extends AnalysisContract {
    @Override
    protected Engine engine(TestServer server) {
        return new ReferenceEngine(server.dev().id(), traffic.data());
    }

    @Override
    protected Engine oracle(TestServer server, GeneratedTraffic traffic) {
        return server.app().queries().engine();
    }
}
