package dev.hindsight.store.duckdb;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.duckdb.DuckDBConnection;
import org.slf4j.LoggerFactory;

/**
 * A {@link KeyFilter} of every key a table holds, for its writer: a key the filter has never seen needs no lookup in
 * a table that grows with the store (a new device, a new canonical event id). The filter is built in the background
 * on a connection of its own (reading millions of keys must not hold up the server's start or the writer), learns
 * the keys each commit adds, and is rebuilt twice as big once full. While it is being built every key "might" be
 * there, which costs lookups, never a wrong answer.
 */
final class KnownKeys {
    private final DuckDBConnection writer;
    private final String table;
    private final String key;
    // Null while a filter is being built (every key then takes the lookup); keys committed meanwhile wait in
    // pending, so the new filter misses none of them.
    private volatile KeyFilter known;
    private boolean loading;
    private final List<String> pending = new ArrayList<>();

    /** Keys of {@code table}, as the SQL expression {@code key} over its rows reads them. */
    KnownKeys(DuckDBConnection writer, String table, String key) throws SQLException {
        this.writer = writer;
        this.table = table;
        this.key = key;
        reload();
    }

    /** Whether {@code k} may be in the table; false means it certainly is not. */
    boolean mightContain(String k) {
        KeyFilter f = known;
        return f == null || f.mightContain(k);
    }

    /** Builds a filter of every key in the table, sized for twice as many. */
    private void reload() throws SQLException {
        DuckDBConnection c = (DuckDBConnection) writer.duplicate();
        synchronized (this) {
            known = null;
            loading = true;
            pending.clear();
        }
        Thread.ofVirtual().name("known-keys-" + table).start(() -> {
            try (c; Statement st = c.createStatement()) {
                long n;
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
                    rs.next();
                    n = rs.getLong(1);
                }
                KeyFilter f = new KeyFilter(2 * (n + 1000));
                try (ResultSet rs = st.executeQuery("SELECT " + key + " FROM " + table)) {
                    while (rs.next()) {
                        f.add(rs.getString(1));
                    }
                }
                synchronized (this) {
                    pending.forEach(f::add);
                    known = f;
                }
            } catch (SQLException e) {
                // Without a filter every key is looked up: slower, never wrong.
                LoggerFactory.getLogger(KnownKeys.class).warn("Cannot build the {} filter: {}", table, e.getMessage());
            } finally {
                synchronized (this) {
                    loading = false;
                    pending.clear();
                    notifyAll();
                }
            }
        });
    }

    /** Waits until the filter is built (or its building failed): for measurements that must not overlap it. */
    synchronized void awaitFilter() throws InterruptedException {
        while (loading) {
            wait();
        }
    }

    /** Learns the keys a transaction added, once it committed. */
    void committed(Collection<String> fresh) {
        KeyFilter filter;
        synchronized (this) {
            filter = known;
            if (filter == null) {
                // Keys in the table before the filter's reading began are in it; these came after, or during.
                if (loading) {
                    pending.addAll(fresh);
                }
                return;
            }
            fresh.forEach(filter::add);
        }
        if (filter.full()) {
            try {
                reload();
            } catch (SQLException e) {
                // The full filter stays right, only less selective; the next commit tries again.
                LoggerFactory.getLogger(KnownKeys.class).warn("Cannot resize the {} filter: {}", table, e.getMessage());
            }
        }
    }
}
