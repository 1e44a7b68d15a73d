package dev.hindsight.query;

import dev.hindsight.TestServer;

/** DuckDB's engine, the store's own, keeps the analysis contract: it answers as the brute-force reference engine. */
class DuckDbEngineContractTest extends AnalysisContract {
    @Override
    protected Engine engine(TestServer server) {
        return server.app().queries().engine();
    }
}
