package dev.hindsight.store.duckdb;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * A write-time dictionary table {@code (id INTEGER, <key> VARCHAR)} that gives each distinct string an integer id,
 * for the writer's thread only: recent ids from an LRU cache, the rest looked up in the table, new ones appended in
 * the caller's transaction (a rollback loses the ids, never reuses them; {@link #committed} fills the cache only
 * after the commit). Analyses then group, join and match on integers instead of strings. {@link KnownKeys}, a filter
 * of every string in the table, spares the lookup for strings never seen (a new device), which would otherwise scan a table
 * that grows with the store on every batch.
 */
final class Dictionary {
    private final DuckDBConnection writer;
    private final String table;
    private final String key;
    private final Map<String, Integer> cache;
    private final KnownKeys known;
    private int last;

    Dictionary(DuckDBConnection writer, String table, String key, int cacheSize) throws SQLException {
        this.writer = writer;
        this.table = table;
        this.key = key;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                return size() > cacheSize;
            }
        };
        try (Statement st = writer.createStatement();
                ResultSet rs = st.executeQuery("SELECT coalesce(max(id), 0) FROM " + table)) {
            rs.next();
            last = rs.getInt(1);
        }
        known = new KnownKeys(writer, table, key);
    }

    /** Waits until the filter is built (or its building failed): for measurements that must not overlap it. */
    void awaitFilter() throws InterruptedException {
        known.awaitFilter();
    }

    /**
     * The id of every string given (nulls are skipped), creating the missing ones in the caller's transaction. A
     * statement must have run in it: the driver begins a transaction at a statement, and an Appender is none, so
     * new rows appended before one would commit on their own and outlive a rollback.
     */
    Ids ids(Collection<String> strings) throws SQLException {
        Map<String, Integer> ids = new HashMap<>();
        Set<String> unknown = new LinkedHashSet<>();
        Set<String> fresh = new LinkedHashSet<>();
        List<String> learned = new ArrayList<>();
        for (String s : strings) {
            if (s == null || ids.containsKey(s)) {
                continue;
            }
            Integer id = cache.get(s);
            if (id != null) {
                ids.put(s, id);
            } else if (known.mightContain(s)) {
                unknown.add(s);
            } else {
                fresh.add(s);
            }
        }
        List<String> all = new ArrayList<>(unknown);
        for (int from = 0; from < all.size(); from += 500) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + 500));
            String sql = "SELECT " + key + ", id FROM " + table + " WHERE " + key + " IN ("
                    + "?, ".repeat(chunk.size() - 1) + "?)";
            try (PreparedStatement ps = writer.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.put(rs.getString(1), rs.getInt(2));
                        unknown.remove(rs.getString(1));
                        learned.add(rs.getString(1));
                    }
                }
            }
        }
        fresh.addAll(unknown);
        if (!fresh.isEmpty()) {
            try (DuckDBAppender a = writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, table)) {
                for (String s : fresh) {
                    int id = ++last;
                    a.beginRow();
                    a.append(id);
                    a.append(s);
                    a.endRow();
                    ids.put(s, id);
                }
            }
        }
        return new Ids(ids, learned, new ArrayList<>(fresh));
    }

    /**
     * The ids of a batch's strings ({@code all}); of those, the ones read from the table ({@code learned}) and the
     * ones new to it ({@code fresh}): only these two need remembering once the batch commits, the rest were cached.
     */
    record Ids(Map<String, Integer> all, List<String> learned, List<String> fresh) {
    }

    /** Remembers ids handed out by {@link #ids} once their transaction committed. */
    void committed(Ids ids) {
        for (String s : ids.learned()) {
            cache.put(s, ids.all().get(s));
        }
        for (String s : ids.fresh()) {
            cache.put(s, ids.all().get(s));
        }
        known.committed(ids.fresh());
    }
}
