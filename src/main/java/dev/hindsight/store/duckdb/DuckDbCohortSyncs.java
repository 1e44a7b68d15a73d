package dev.hindsight.store.duckdb;

import dev.hindsight.activate.sync.CohortSyncStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Cohort syncs and their run log in the DuckDB file. */
public final class DuckDbCohortSyncs implements CohortSyncStore {
    private static final String SYNC = "SELECT env_id, id, cohort_id, destination_id, schedule_minutes, audience_id,"
            + " baseline, last_success_at, next_due_at, created_at FROM cohort_syncs";
    private final DuckDb db;

    public DuckDbCohortSyncs(DuckDb db) {
        this.db = db;
    }

    @Override
    public long nextSyncId() {
        return db.query("SELECT nextval('cohort_sync_ids')", List.of(), rs -> rs.getLong(1)).get(0);
    }

    @Override
    public long nextRunId() {
        return db.query("SELECT nextval('cohort_sync_run_ids')", List.of(), rs -> rs.getLong(1)).get(0);
    }

    @Override
    public void saveSync(SyncRow r) {
        List<Object> values = new ArrayList<>();
        values.add(r.envId());
        values.add(r.id());
        values.add(r.cohortId());
        values.add(r.destinationId());
        values.add(r.scheduleMinutes());
        values.add(r.audienceId());
        values.add(r.baselineJson());
        values.add(r.lastSuccessAt());
        values.add(r.nextDueAt());
        values.add(r.createdAt());
        replace("DELETE FROM cohort_syncs WHERE id = ?", List.of(r.id()),
                "INSERT INTO cohort_syncs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values);
    }

    @Override
    public void deleteSync(long envId, long id) {
        replace("DELETE FROM cohort_syncs WHERE env_id = ? AND id = ?", List.of(envId, id),
                "DELETE FROM cohort_sync_runs WHERE env_id = ? AND sync_id = ?", List.of(envId, id));
    }

    @Override
    public Optional<SyncRow> sync(long envId, long id) {
        return db.query(SYNC + " WHERE env_id = ? AND id = ?", List.of(envId, id), DuckDbCohortSyncs::sync)
                .stream().findFirst();
    }

    @Override
    public List<SyncRow> syncs() {
        return db.query(SYNC + " ORDER BY id", List.of(), DuckDbCohortSyncs::sync);
    }

    @Override
    public void saveRun(long envId, RunRow r) {
        List<Object> values = new ArrayList<>();
        values.add(envId);
        values.add(r.syncId());
        values.add(r.id());
        values.add(r.startedAt());
        values.add(r.finishedAt());
        values.add(r.joined());
        values.add(r.left());
        values.add(r.status());
        values.add(r.answerStatus());
        values.add(r.answerBody());
        values.add(r.reason());
        replace("DELETE FROM cohort_sync_runs WHERE id = ?", List.of(r.id()),
                "INSERT INTO cohort_sync_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values);
    }

    @Override
    public List<RunRow> runs(long syncId, int limit) {
        return db.query("SELECT sync_id, id, started_at, finished_at, joined, left_count, status, answer_status,"
                + " answer_body, reason FROM cohort_sync_runs WHERE sync_id = ? ORDER BY id DESC LIMIT ?",
                List.of(syncId, limit), rs -> new RunRow(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                        (Long) rs.getObject(4), rs.getInt(5), rs.getInt(6), rs.getString(7),
                        (Integer) rs.getObject(8), rs.getString(9), rs.getString(10)));
    }

    private static SyncRow sync(ResultSet rs) throws SQLException {
        return new SyncRow(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getString(6),
                rs.getString(7), (Long) rs.getObject(8), rs.getLong(9), rs.getLong(10));
    }

    /** Two statements in one transaction. */
    private void replace(String first, List<Object> a, String second, List<Object> b) {
        db.inTransaction(c -> {
            run(c.prepareStatement(first), a);
            run(c.prepareStatement(second), b);
            return null;
        });
    }

    private static void run(PreparedStatement ps, List<Object> params) throws SQLException {
        try (ps) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            ps.executeUpdate();
        }
    }
}
