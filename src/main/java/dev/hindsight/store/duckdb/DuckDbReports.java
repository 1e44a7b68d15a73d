package dev.hindsight.store.duckdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.hindsight.http.Json;
import dev.hindsight.report.Dashboard;
import dev.hindsight.report.Report;
import dev.hindsight.report.ReportCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Saved reports and dashboards in the DuckDB file; a dashboard's report ids are kept as a JSON array. */
public final class DuckDbReports implements ReportCatalog {
    private static final String REPORT = "id, env_id, name, description, query, owner, epoch_ms(created_at), "
            + "epoch_ms(updated_at)";
    private static final String DASHBOARD = "id, env_id, name, description, report_ids, owner, epoch_ms(created_at), "
            + "epoch_ms(updated_at)";
    private static final TypeReference<List<Long>> IDS = new TypeReference<>() {
    };

    private final DuckDb db;

    public DuckDbReports(DuckDb db) {
        this.db = db;
    }

    @Override
    public List<Report> reports(long envId, long afterId, int limit) {
        return db.query("SELECT " + REPORT + " FROM reports WHERE env_id = ? AND id > ? ORDER BY id LIMIT ?",
                List.of(envId, afterId, limit), DuckDbReports::report);
    }

    @Override
    public int countReports(long envId) {
        return db.query("SELECT count(*) FROM reports WHERE env_id = ?", List.of(envId), rs -> rs.getInt(1)).get(0);
    }

    @Override
    public Optional<Report> report(long envId, long id) {
        return db.query("SELECT " + REPORT + " FROM reports WHERE env_id = ? AND id = ?", List.of(envId, id),
                DuckDbReports::report).stream().findFirst();
    }

    @Override
    public Report insert(Report r) {
        long id = inserted("INSERT INTO reports (id, env_id, name, description, query, owner, created_at, updated_at)"
                + " VALUES (nextval('report_ids'), ?, ?, ?, ?, ?, epoch_ms(?::BIGINT), epoch_ms(?::BIGINT))"
                + " RETURNING id",
                r.envId(), r.name(), r.description(), r.query(), r.owner(), r.createdAt(), r.updatedAt());
        return new Report(id, r.envId(), r.name(), r.description(), r.query(), r.owner(), r.createdAt(),
                r.updatedAt());
    }

    @Override
    public void update(Report r) {
        update("UPDATE reports SET name = ?, description = ?, query = ?, updated_at = epoch_ms(?::BIGINT) "
                + "WHERE env_id = ? AND id = ?", r.name(), r.description(), r.query(), r.updatedAt(), r.envId(),
                r.id());
    }

    @Override
    public boolean deleteReport(long envId, long id) {
        return db.withConnection(c -> {
            c.setAutoCommit(false);
            try {
                boolean deleted = execute(c, "DELETE FROM reports WHERE env_id = ? AND id = ?", envId, id) > 0;
                for (Dashboard d : dashboards(c, envId)) {
                    if (d.reportIds().contains(id)) {
                        List<Long> left = new ArrayList<>(d.reportIds());
                        left.remove(Long.valueOf(id));
                        execute(c, "UPDATE dashboards SET report_ids = ? WHERE id = ?", json(left), d.id());
                    }
                }
                c.commit();
                return deleted;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        });
    }

    @Override
    public List<Dashboard> dashboards(long envId, long afterId, int limit) {
        return db.query("SELECT " + DASHBOARD + " FROM dashboards WHERE env_id = ? AND id > ? ORDER BY id LIMIT ?",
                List.of(envId, afterId, limit), DuckDbReports::dashboard);
    }

    @Override
    public int countDashboards(long envId) {
        return db.query("SELECT count(*) FROM dashboards WHERE env_id = ?", List.of(envId), rs -> rs.getInt(1)).get(0);
    }

    @Override
    public Optional<Dashboard> dashboard(long envId, long id) {
        return db.query("SELECT " + DASHBOARD + " FROM dashboards WHERE env_id = ? AND id = ?", List.of(envId, id),
                DuckDbReports::dashboard).stream().findFirst();
    }

    @Override
    public Dashboard insert(Dashboard d) {
        long id = inserted("INSERT INTO dashboards (id, env_id, name, description, report_ids, owner, created_at, "
                + "updated_at) VALUES (nextval('dashboard_ids'), ?, ?, ?, ?, ?, epoch_ms(?::BIGINT),"
                + " epoch_ms(?::BIGINT)) RETURNING id", d.envId(), d.name(), d.description(), json(d.reportIds()),
                d.owner(), d.createdAt(), d.updatedAt());
        return new Dashboard(id, d.envId(), d.name(), d.description(), d.reportIds(), d.owner(), d.createdAt(),
                d.updatedAt());
    }

    @Override
    public void update(Dashboard d) {
        update("UPDATE dashboards SET name = ?, description = ?, report_ids = ?, updated_at = epoch_ms(?::BIGINT) "
                + "WHERE env_id = ? AND id = ?", d.name(), d.description(), json(d.reportIds()), d.updatedAt(),
                d.envId(), d.id());
    }

    @Override
    public boolean deleteDashboard(long envId, long id) {
        return db.withConnection(c -> execute(c, "DELETE FROM dashboards WHERE env_id = ? AND id = ?", envId, id) > 0);
    }

    /** Runs an INSERT ... RETURNING id in one statement (one commit) and returns the id. */
    private long inserted(String sql, Object... params) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private void update(String sql, Object... params) {
        db.withConnection(c -> execute(c, sql, params));
    }

    private static int execute(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    private static List<Dashboard> dashboards(Connection c, long envId) throws SQLException {
        List<Dashboard> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + DASHBOARD + " FROM dashboards WHERE env_id = ?")) {
            ps.setLong(1, envId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(dashboard(rs));
                }
            }
        }
        return out;
    }

    private static Report report(ResultSet rs) throws SQLException {
        return new Report(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getLong(7), rs.getLong(8));
    }

    private static Dashboard dashboard(ResultSet rs) throws SQLException {
        List<Long> ids;
        try {
            ids = Json.MAPPER.readValue(rs.getString(5), IDS);
        } catch (JsonProcessingException e) {
            throw new SQLException("Dashboard " + rs.getLong(1) + " has unreadable report ids", e);
        }
        return new Dashboard(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), ids, rs.getString(6),
                rs.getLong(7), rs.getLong(8));
    }

    private static String json(List<Long> ids) {
        try {
            return Json.MAPPER.writeValueAsString(ids);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
