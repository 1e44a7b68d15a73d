package dev.hindsight.store.duckdb;

import dev.hindsight.project.Environment;
import dev.hindsight.project.EnvironmentSettings;
import dev.hindsight.project.Project;
import dev.hindsight.project.ProjectCatalog;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Projects and environments in the DuckDB file. */
public final class DuckDbCatalog implements ProjectCatalog {
    private final DuckDb db;

    public DuckDbCatalog(DuckDb db) {
        this.db = db;
    }

    @Override
    public List<Project> load() {
        return db.withConnection(c -> {
            Map<Long, String> names = new LinkedHashMap<>();
            Map<Long, List<Environment>> envs = new LinkedHashMap<>();
            try (ResultSet rs = c.createStatement().executeQuery("SELECT id, name FROM projects ORDER BY id")) {
                while (rs.next()) {
                    names.put(rs.getLong(1), rs.getString(2));
                    envs.put(rs.getLong(1), new ArrayList<>());
                }
            }
            try (ResultSet rs = c.createStatement().executeQuery("""
                    SELECT id, project_id, name, app_id, secret_key, allow_any_origin, allowed_origins, query_blocklist,
                      accept_app_id_only, identity_verification, identity_secret, time_zone
                    FROM environments ORDER BY id""")) {
                while (rs.next()) {
                    envs.get(rs.getLong(2)).add(new Environment(rs.getLong(1), rs.getLong(2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getBoolean(6), strings(rs.getArray(7)),
                            strings(rs.getArray(8)), settings(rs.getBoolean(9), rs.getString(10), rs.getString(12)),
                            rs.getString(11)));
                }
            }
            List<Project> out = new ArrayList<>();
            names.forEach((id, name) -> out.add(new Project(id, name, List.copyOf(envs.get(id)))));
            return out;
        });
    }

    private static EnvironmentSettings settings(boolean acceptAppIdOnly, String verification, String timeZone) {
        EnvironmentSettings.IdentityVerification v = EnvironmentSettings.IdentityVerification.of(verification);
        // A zone the running JDK's tz database does not know (an older JDK) falls back to the default.
        return new EnvironmentSettings(acceptAppIdOnly,
                v == null ? EnvironmentSettings.DEFAULTS.identityVerification() : v,
                EnvironmentSettings.zoneOf(timeZone) == null ? EnvironmentSettings.DEFAULT_TIME_ZONE : timeZone);
    }

    @Override
    public void setSettings(long envId, EnvironmentSettings settings) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE environments SET accept_app_id_only = ?, identity_verification = ?, time_zone = ? WHERE id = ?")) {
                ps.setBoolean(1, settings.acceptAppIdOnly());
                ps.setString(2, settings.identityVerification().wire());
                ps.setString(3, settings.timeZone());
                ps.setLong(4, envId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void setIdentitySecret(long envId, String identitySecret) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE environments SET identity_secret = ? WHERE id = ?")) {
                ps.setString(1, identitySecret);
                ps.setLong(2, envId);
                return ps.executeUpdate();
            }
        });
    }

    private static List<String> strings(Array array) throws java.sql.SQLException {
        return array == null ? List.of() : Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
    }

    @Override
    public void setQueryBlocklist(long envId, List<String> parameters) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE environments SET query_blocklist = ? WHERE id = ?")) {
                ps.setArray(1, c.createArrayOf("VARCHAR", parameters.toArray()));
                ps.setLong(2, envId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public long createProject(String name) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO projects (id, name) VALUES (nextval('project_ids'), ?) RETURNING id")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public long createEnvironment(long projectId, String name, String appId, String secretKey, boolean allowAnyOrigin) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO environments (id, project_id, name, app_id, secret_key, allow_any_origin, allowed_origins)
                    VALUES (nextval('environment_ids'), ?, ?, ?, ?, ?, []) RETURNING id""")) {
                ps.setLong(1, projectId);
                ps.setString(2, name);
                ps.setString(3, appId);
                ps.setString(4, secretKey);
                ps.setBoolean(5, allowAnyOrigin);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public void setSecretKey(long envId, String secretKey) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE environments SET secret_key = ? WHERE id = ?")) {
                ps.setString(1, secretKey);
                ps.setLong(2, envId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void setOrigins(long envId, boolean allowAnyOrigin, List<String> origins) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE environments SET allow_any_origin = ?, allowed_origins = ? WHERE id = ?")) {
                Array array = c.createArrayOf("VARCHAR", origins.toArray());
                ps.setBoolean(1, allowAnyOrigin);
                ps.setArray(2, array);
                ps.setLong(3, envId);
                return ps.executeUpdate();
            }
        });
    }
}
