package dev.hindsight.store.duckdb;

import dev.hindsight.catalog.CatalogStore;
import dev.hindsight.define.EventFilter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog's summary in DuckDB: small tables per environment that a refresh merges the events appended since the
 * last one into (by {@code seq}, as {@link SessionSteps} does), so that autocomplete reads thousands of rows, not the
 * events. Each table is capped per environment (least frequent rows dropped): below the caps every count is exact.
 */
public final class DuckDbEventCatalog implements CatalogStore {
    /** Most events one refresh reads: bounds its memory and how long it holds its transaction. */
    static final int SLICE = 1_000_000;
    /** Caps per environment: custom names, property keys (with types), values per key, interaction groups. */
    static final int MAX_NAMES = 10_000;
    static final int MAX_PROPERTIES = 2_000;
    static final int MAX_VALUES = 200;
    static final int MAX_INTERACTIONS = 20_000;

    private static final String[] SCHEMA = {
        // How far the summary has read the events (by seq); one row, or none before the first pass.
        "CREATE TABLE IF NOT EXISTS catalog_seq (seq BIGINT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS catalog_names (env_id BIGINT, kind VARCHAR, name VARCHAR,
          count BIGINT, first_seen TIMESTAMP, last_seen TIMESTAMP)""",
        """
        CREATE TABLE IF NOT EXISTS catalog_properties (env_id BIGINT, key VARCHAR, type VARCHAR,
          count BIGINT, first_seen TIMESTAMP, last_seen TIMESTAMP)""",
        """
        CREATE TABLE IF NOT EXISTS catalog_values (env_id BIGINT, key VARCHAR, type VARCHAR, value VARCHAR,
          count BIGINT, first_seen TIMESTAMP, last_seen TIMESTAMP)""",
        // One row per kind, element, text, link and path, with the latest event's properties: definitions are
        // matched against these rows with the analyses' own filter SQL.
        """
        CREATE TABLE IF NOT EXISTS catalog_interactions (env_id BIGINT, kind VARCHAR, hierarchy_id INTEGER,
          target_text VARCHAR, href VARCHAR, path VARCHAR, count BIGINT, first_seen TIMESTAMP, last_seen TIMESTAMP,
          properties VARCHAR, last_seq BIGINT)""",
        """
        CREATE TABLE IF NOT EXISTS catalog_definitions (env_id BIGINT, definition_id BIGINT, rules VARCHAR,
          count BIGINT, first_seen TIMESTAMP, last_seen TIMESTAMP)""",
    };

    private static final String TYPE = "CASE j.type WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean'"
            + " WHEN 'BIGINT' THEN 'number' WHEN 'UBIGINT' THEN 'number' WHEN 'DOUBLE' THEN 'number'"
            + " ELSE lower(j.type) END";

    private static final String COUNTS = "count(*) AS count, min(time) AS first_seen, max(time) AS last_seen";

    private final DuckDb db;
    private final Dialect dialect;

    public DuckDbEventCatalog(DuckDb db, Dialect dialect) {
        this.db = db;
        this.dialect = dialect;
        db.withConnection(c -> {
            try (Statement st = c.createStatement()) {
                for (String ddl : SCHEMA) {
                    st.execute(ddl);
                }
            }
            return null;
        });
    }

    @Override
    public synchronized boolean refresh(List<TrackedDefinition> definitions) {
        return db.withConnection(c -> {
            c.setAutoCommit(false);
            try {
                long from = single(c, "SELECT coalesce(max(seq), -1) FROM catalog_seq");
                long max = single(c, "SELECT coalesce(max(seq), " + from + ") FROM events WHERE seq > " + from);
                long to = Math.min(max, from + SLICE);
                if (to > from) {
                    mergeEvents(c, from, to);
                }
                syncDefinitions(c, definitions, from, to);
                exec(c, "DELETE FROM catalog_seq");
                exec(c, "INSERT INTO catalog_seq VALUES (?)", to);
                c.commit();
                return max > to;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    private static void mergeEvents(Connection c, long from, long to) throws SQLException {
        String range = " FROM events e WHERE seq > " + from + " AND seq <= " + to;
        merge(c, "catalog_names", "env_id, kind, name", "",
                "SELECT env_id, kind, name, " + COUNTS + range + " GROUP BY ALL",
                "PARTITION BY env_id ORDER BY count DESC, kind, name", MAX_NAMES);
        String each = " FROM events e, json_each(e.properties) j WHERE seq > " + from + " AND seq <= " + to;
        merge(c, "catalog_properties", "env_id, key, type", "",
                "SELECT env_id, j.key AS key, " + TYPE + " AS type, " + COUNTS + each + " GROUP BY ALL",
                "PARTITION BY env_id ORDER BY count DESC, key, type", MAX_PROPERTIES);
        merge(c, "catalog_values", "env_id, key, type, value", "",
                "SELECT env_id, j.key AS key, " + TYPE + " AS type, json_extract_string(j.value, '$') AS value, " + COUNTS
                        + each + " GROUP BY ALL",
                "PARTITION BY env_id, key ORDER BY count DESC, value, type", MAX_VALUES);
        merge(c, "catalog_interactions", "env_id, kind, hierarchy_id, target_text, href, path",
                ", arg_max(properties, last_seq) AS properties, max(last_seq) AS last_seq",
                "SELECT env_id, kind, hierarchy_id, target_text, href, path, " + COUNTS + ","
                        + " arg_max(properties, seq) AS properties, max(seq) AS last_seq" + range
                        + " AND kind IN ('click', 'submit', 'change') GROUP BY ALL",
                "PARTITION BY env_id ORDER BY count DESC, last_seen DESC", MAX_INTERACTIONS);
    }

    /**
     * Adds the rows of {@code fresh} (keys, count, first, last, extras) to {@code table}: the touched environments'
     * rows are summed with the new ones and written back, cut to the {@code cap} most frequent of each partition.
     */
    private static void merge(Connection c, String table, String keys, String extras, String fresh, String window,
            int cap) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE OR REPLACE TEMP TABLE catalog_fresh AS " + fresh);
            String touched = "env_id IN (SELECT DISTINCT env_id FROM catalog_fresh)";
            st.execute("CREATE OR REPLACE TEMP TABLE catalog_merged AS SELECT * FROM (SELECT " + keys
                    + ", sum(count)::BIGINT AS count, min(first_seen) AS first_seen, max(last_seen) AS last_seen" + extras
                    + " FROM (SELECT * FROM " + table + " WHERE " + touched
                    + " UNION ALL BY NAME SELECT * FROM catalog_fresh) GROUP BY " + keys
                    + ") QUALIFY row_number() OVER (" + window + ") <= " + cap);
            st.execute("DELETE FROM " + table + " WHERE " + touched);
            st.execute("INSERT INTO " + table + " SELECT * FROM catalog_merged");
            st.execute("DROP TABLE catalog_fresh");
            st.execute("DROP TABLE catalog_merged");
        }
    }

    /**
     * Counts each definition over the new events, or over all events up to {@code to} when its rules changed since
     * it was counted (or it is new), and forgets deleted definitions.
     */
    private void syncDefinitions(Connection c, List<TrackedDefinition> definitions, long from, long to)
            throws SQLException {
        Map<Long, String> counted = new HashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT definition_id, rules FROM catalog_definitions")) {
            while (rs.next()) {
                counted.put(rs.getLong(1), rs.getString(2));
            }
        }
        Map<Long, List<TrackedDefinition>> fresh = new LinkedHashMap<>();
        Map<Long, List<TrackedDefinition>> changed = new LinkedHashMap<>();
        for (TrackedDefinition d : definitions) {
            boolean same = d.rules().equals(counted.remove(d.id()));
            (same ? fresh : changed).computeIfAbsent(d.envId(), k -> new ArrayList<>()).add(d);
            if (!same) {
                exec(c, "DELETE FROM catalog_definitions WHERE definition_id = ?", d.id());
                exec(c, "INSERT INTO catalog_definitions VALUES (?, ?, ?, 0, NULL, NULL)", d.envId(), d.id(), d.rules());
            }
        }
        for (long gone : counted.keySet()) {
            exec(c, "DELETE FROM catalog_definitions WHERE definition_id = ?", gone);
        }
        if (to > from) {
            for (var e : fresh.entrySet()) {
                count(c, e.getKey(), e.getValue(), from, to);
            }
        }
        for (var e : changed.entrySet()) {
            count(c, e.getKey(), e.getValue(), -1, to);
        }
    }

    /** Adds the definitions' matches among an environment's events with a seq in (from, to], in one scan. */
    private void count(Connection c, long envId, List<TrackedDefinition> defs, long from, long to) throws SQLException {
        Sql sql = new Sql().append("SELECT ");
        for (int i = 0; i < defs.size(); i++) {
            Sql f = dialect.filter(defs.get(i).filter());
            sql.append(i == 0 ? "" : ", ").append("count(*) FILTER (WHERE ").append(f).append("), epoch_ms(min(time) FILTER (WHERE ")
                    .append(f).append(")), epoch_ms(max(time) FILTER (WHERE ").append(f).append("))");
        }
        sql.append(" FROM events WHERE env_id = ").param(envId).append(" AND seq > ").param(from)
                .append(" AND seq <= ").param(to);
        long[][] out = new long[defs.size()][];
        try (PreparedStatement ps = prepare(c, sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            for (int i = 0; i < defs.size(); i++) {
                long n = rs.getLong(3 * i + 1);
                out[i] = n == 0 ? null : new long[] {n, rs.getLong(3 * i + 2), rs.getLong(3 * i + 3)};
            }
        }
        for (int i = 0; i < defs.size(); i++) {
            if (out[i] != null) {
                exec(c, "UPDATE catalog_definitions SET count = count + ?, first_seen = least(coalesce(first_seen,"
                        + " epoch_ms(?::BIGINT)), epoch_ms(?::BIGINT)), last_seen = greatest(coalesce(last_seen,"
                        + " epoch_ms(?::BIGINT)), epoch_ms(?::BIGINT)) WHERE definition_id = ?",
                        out[i][0], out[i][1], out[i][1], out[i][2], out[i][2], defs.get(i).id());
            }
        }
    }

    @Override
    public List<NameStat> names(long envId, String prefix, int limit) {
        return db.query("SELECT kind, name, count, epoch_ms(first_seen), epoch_ms(last_seen) FROM catalog_names"
                + " WHERE env_id = ? AND (kind <> 'custom' AND ? = '' OR starts_with(lower(name), lower(?)))"
                + " QUALIFY row_number() OVER (PARTITION BY kind = 'custom' ORDER BY count DESC, kind, name) <= ?"
                + " ORDER BY count DESC, kind, name", List.of(envId, prefix, prefix, limit),
                rs -> new NameStat(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
    }

    @Override
    public List<DefinitionStat> definitions(long envId) {
        return db.query("SELECT definition_id, count, coalesce(epoch_ms(first_seen), 0), coalesce(epoch_ms(last_seen), 0)"
                + " FROM catalog_definitions WHERE env_id = ?", List.of(envId),
                rs -> new DefinitionStat(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
    }

    /** The event properties' summary, or the users' current properties (a small table, read as it is). */
    private static String source(Scope scope, boolean values) {
        if (scope == Scope.EVENT) {
            return values ? "catalog_values" : "catalog_properties";
        }
        String type = TYPE.replace("j.type", "json_type(value::JSON)");
        return "(SELECT env_id, key, " + type + " AS type, json_extract_string(value, '$') AS value, 1 AS count,"
                + " updated_at AS first_seen, updated_at AS last_seen FROM user_properties)";
    }

    @Override
    public List<PropertyStat> properties(long envId, Scope scope, String prefix, int limit, int topValues) {
        List<PropertyStat> keys = db.query("SELECT key, list(type || ':' || n ORDER BY n DESC, type), NULL,"
                + " sum(n)::BIGINT AS total, epoch_ms(min(f)), epoch_ms(max(l)) FROM (SELECT key, type, sum(count)::BIGINT AS n,"
                + " min(first_seen) AS f, max(last_seen) AS l FROM " + source(scope, false)
                + " WHERE env_id = ? AND starts_with(lower(key), lower(?)) GROUP BY key, type)"
                + " GROUP BY key ORDER BY total DESC, key LIMIT ?", List.of(envId, prefix, limit), rs -> {
                    List<TypeStat> t = new ArrayList<>();
                    for (Object typeAndCount : (Object[]) rs.getArray(2).getArray()) {
                        String tc = String.valueOf(typeAndCount);
                        int colon = tc.lastIndexOf(':');
                        t.add(new TypeStat(tc.substring(0, colon), Long.parseLong(tc.substring(colon + 1))));
                    }
                    return new PropertyStat(rs.getString(1), t, rs.getLong(4), rs.getLong(5), rs.getLong(6), List.of());
                });
        if (keys.isEmpty() || topValues == 0) {
            return keys;
        }
        Map<String, List<ValueStat>> top = new HashMap<>();
        List<Object> params = new ArrayList<>(List.of(envId));
        keys.forEach(k -> params.add(k.name()));
        params.add(topValues);
        db.forEach("SELECT key, value, type, n, epoch_ms(f), epoch_ms(l) FROM (SELECT key, value, type,"
                + " sum(count)::BIGINT AS n, min(first_seen) AS f, max(last_seen) AS l FROM " + source(scope, true)
                + " WHERE env_id = ? AND key IN (" + "?, ".repeat(keys.size() - 1) + "?) GROUP BY key, value, type)"
                + " QUALIFY row_number() OVER (PARTITION BY key ORDER BY n DESC, value) <= ? ORDER BY key, n DESC, value",
                params, rs -> top.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(
                        new ValueStat(rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6))));
        return keys.stream().map(k -> new PropertyStat(k.name(), k.types(), k.count(), k.firstSeenMs(), k.lastSeenMs(),
                top.getOrDefault(k.name(), List.of()))).toList();
    }

    @Override
    public List<ValueStat> values(long envId, Scope scope, String key, String prefix, int limit) {
        return db.query("SELECT value, type, sum(count)::BIGINT AS n, epoch_ms(min(first_seen)), epoch_ms(max(last_seen))"
                + " FROM " + source(scope, true) + " WHERE env_id = ? AND key = ? AND starts_with(lower(value), lower(?))"
                + " GROUP BY value, type ORDER BY n DESC, value LIMIT ?", List.of(envId, key, prefix, limit),
                rs -> new ValueStat(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
    }

    @Override
    public List<InteractionStat> candidates(long envId, List<String> kinds, List<EventFilter> covered, int limit) {
        // The rows take the events' column names, so the definitions' filters read them as they read events.
        Sql sql = new Sql().append("SELECT kind, h.hierarchy, target_text, href, path, count, epoch_ms(first_seen),"
                + " epoch_ms(last_seen) FROM (SELECT *, NULL::VARCHAR AS name, NULL::VARCHAR AS url"
                + " FROM catalog_interactions WHERE env_id = ").param(envId).append(" AND kind IN (").list(kinds)
                .append(")) e LEFT JOIN hierarchies h ON h.id = e.hierarchy_id");
        if (!covered.isEmpty()) {
            EventFilter any = covered.size() == 1 ? covered.get(0) : new EventFilter.Any(covered);
            sql.append(" WHERE NOT coalesce(").append(dialect.filter(any)).append(", FALSE)");
        }
        sql.append(" ORDER BY count DESC, last_seen DESC, h.hierarchy LIMIT ").param(limit);
        return db.query(sql.text(), sql.params(), rs -> new InteractionStat(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6), rs.getLong(7), rs.getLong(8)));
    }

    private static PreparedStatement prepare(Connection c, Sql sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql.text());
        for (int i = 0; i < sql.params().size(); i++) {
            ps.setObject(i + 1, sql.params().get(i));
        }
        return ps;
    }

    private static void exec(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = prepare(c, new Sql().append(sql).params(params))) {
            ps.execute();
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
