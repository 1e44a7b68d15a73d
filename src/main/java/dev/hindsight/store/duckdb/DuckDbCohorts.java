package dev.hindsight.store.duckdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hindsight.cohort.Cohort;
import dev.hindsight.cohort.CohortCatalog;
import dev.hindsight.http.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Cohorts in the DuckDB file; a static cohort's identities in {@code cohort_members}, each row one span of an
 * identity's listing ({@code added_at} to {@code removed_at}, open while listed). A list travels to the engine as
 * one JSON array parameter, so that an upload of 100,000 identities is one statement.
 */
public final class DuckDbCohorts implements CohortCatalog {
    private static final String COHORT = "id, env_id, name, description, definition, epoch_ms(created_at), "
            + "epoch_ms(updated_at)";
    private static final String LISTED = "(SELECT DISTINCT unnest(from_json(?, '[\"VARCHAR\"]')) AS identity)";

    private final DuckDb db;

    public DuckDbCohorts(DuckDb db) {
        this.db = db;
    }

    @Override
    public List<Cohort> cohorts(long envId, long afterId, int limit) {
        return db.query("SELECT " + COHORT + " FROM cohorts WHERE env_id = ? AND id > ? ORDER BY id LIMIT ?",
                List.of(envId, afterId, limit), DuckDbCohorts::cohort);
    }

    @Override
    public int count(long envId) {
        return db.query("SELECT count(*) FROM cohorts WHERE env_id = ?", List.of(envId), rs -> rs.getInt(1)).get(0);
    }

    @Override
    public Optional<Cohort> cohort(long envId, long id) {
        return db.query("SELECT " + COHORT + " FROM cohorts WHERE env_id = ? AND id = ?", List.of(envId, id),
                DuckDbCohorts::cohort).stream().findFirst();
    }

    @Override
    public Cohort insert(Cohort c) {
        long id = db.withConnection(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO cohorts (id, env_id, name, description,"
                    + " definition, created_at, updated_at) VALUES (nextval('cohort_ids'), ?, ?, ?, ?,"
                    + " epoch_ms(?::BIGINT), epoch_ms(?::BIGINT)) RETURNING id")) {
                bind(ps, c.envId(), c.name(), c.description(), c.definition(), c.createdAt(), c.updatedAt());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        return new Cohort(id, c.envId(), c.name(), c.description(), c.definition(), c.createdAt(), c.updatedAt());
    }

    @Override
    public void update(Cohort c) {
        db.withConnection(conn -> execute(conn, "UPDATE cohorts SET name = ?, description = ?, definition = ?,"
                + " updated_at = epoch_ms(?::BIGINT) WHERE env_id = ? AND id = ?", c.name(), c.description(),
                c.definition(), c.updatedAt(), c.envId(), c.id()));
    }

    @Override
    public boolean delete(long envId, long id) {
        return db.withConnection(conn -> {
            conn.setAutoCommit(false);
            try {
                boolean deleted = execute(conn, "DELETE FROM cohorts WHERE env_id = ? AND id = ?", envId, id) > 0;
                if (deleted) {
                    execute(conn, "DELETE FROM cohort_members WHERE cohort_id = ?", id);
                }
                conn.commit();
                return deleted;
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            }
        });
    }

    @Override
    public int addMembers(long cohortId, Collection<String> identities, long nowMs) {
        return db.withConnection(conn -> add(conn, cohortId, json(identities), nowMs));
    }

    @Override
    public void replaceMembers(long cohortId, Collection<String> identities, long nowMs) {
        String list = json(identities);
        db.withConnection(conn -> {
            conn.setAutoCommit(false);
            try {
                execute(conn, "UPDATE cohort_members SET removed_at = epoch_ms(?::BIGINT) WHERE cohort_id = ?"
                        + " AND removed_at IS NULL AND identity NOT IN " + LISTED, nowMs, cohortId, list);
                add(conn, cohortId, list, nowMs);
                conn.commit();
                return null;
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            }
        });
    }

    @Override
    public int countMembers(long cohortId) {
        return db.query("SELECT count(*) FROM cohort_members WHERE cohort_id = ? AND removed_at IS NULL",
                List.of(cohortId), rs -> rs.getInt(1)).get(0);
    }

    private static int add(Connection conn, long cohortId, String list, long nowMs) throws SQLException {
        return execute(conn, "INSERT INTO cohort_members (cohort_id, identity, added_at) SELECT ?, identity,"
                + " epoch_ms(?::BIGINT) FROM " + LISTED + " l WHERE identity NOT IN (SELECT identity FROM cohort_members"
                + " WHERE cohort_id = ? AND removed_at IS NULL)", cohortId, nowMs, list, cohortId);
    }

    private static int execute(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }

    private static String json(Collection<String> identities) {
        try {
            return Json.MAPPER.writeValueAsString(identities);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Cohort cohort(ResultSet rs) throws SQLException {
        return new Cohort(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getLong(6), rs.getLong(7));
    }
}
