package dev.hindsight.store.duckdb;

import dev.hindsight.activate.RegistryStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** The schema registry's versions in the DuckDB file ({@code registry_versions}). */
public final class DuckDbRegistry implements RegistryStore {
    private static final String COLUMNS = "kind, key, version, body, deleted, changed_by, changed_at, change";

    private final DuckDb db;

    public DuckDbRegistry(DuckDb db) {
        this.db = db;
    }

    @Override
    public List<Version> versions(long envId, String kind, String key) {
        return db.query("SELECT " + COLUMNS + " FROM registry_versions WHERE env_id = ? AND kind = ? AND key = ?"
                + " ORDER BY version", List.of(envId, kind, key), DuckDbRegistry::read);
    }

    @Override
    public List<Version> latest(long envId, String kind) {
        return db.query("SELECT " + COLUMNS + " FROM registry_versions WHERE env_id = ? AND kind = ?"
                + " QUALIFY version = max(version) OVER (PARTITION BY key) ORDER BY key", List.of(envId, kind),
                DuckDbRegistry::read);
    }

    @Override
    public boolean append(long envId, Version v) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO registry_versions VALUES "
                    + "(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setLong(1, envId);
                ps.setString(2, v.kind());
                ps.setString(3, v.key());
                ps.setInt(4, v.version());
                ps.setString(5, v.bodyJson());
                ps.setBoolean(6, v.deleted());
                ps.setString(7, v.changedBy());
                ps.setLong(8, v.changedAt());
                ps.setString(9, v.change());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public long nextMappingId() {
        return db.query("SELECT nextval('registry_mapping_ids')", List.of(), rs -> rs.getLong(1)).get(0);
    }

    private static Version read(ResultSet rs) throws SQLException {
        return new Version(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getBoolean(5),
                rs.getString(6), rs.getLong(7), rs.getString(8));
    }
}
