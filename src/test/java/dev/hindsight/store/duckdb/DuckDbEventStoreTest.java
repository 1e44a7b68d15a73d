package dev.hindsight.store.duckdb;

import dev.hindsight.store.EventStore;
import dev.hindsight.store.EventStoreContract;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

/** The embedded DuckDB store against the store contract. */
class DuckDbEventStoreTest extends EventStoreContract {
    private final Map<EventStore, DuckDb> databases = new IdentityHashMap<>();

    @Override
    protected EventStore newStore(Path dir) {
        DuckDb db = new DuckDb(dir);
        EventStore store = new DuckDbEventStore(db);
        databases.put(store, db);
        return store;
    }

    @Override
    protected void closeStore(EventStore store) {
        store.close();
        DuckDb db = databases.remove(store);
        if (db != null) {
            db.close();
        }
    }
}
