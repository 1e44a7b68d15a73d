package dev.hindsight.store.duckdb;

import dev.hindsight.activate.CanonicalStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The kept canonical events and conflicts in the DuckDB file, for the violations API and reprocessing. */
public final class DuckDbCanonical implements CanonicalStore {
    private static final String CONFLICT_TYPE = "event_id_conflict";

    private final DuckDb db;

    public DuckDbCanonical(DuckDb db) {
        this.db = db;
    }

    @Override
    public List<Row> violations(long envId, String type, String event, long offset, int limit) {
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT * FROM (");
        boolean events = type == null || !type.equals(CONFLICT_TYPE);
        boolean conflicts = type == null || type.equals(CONFLICT_TYPE);
        if (events) {
            sql.append("SELECT event_id, event, source, received_at, payload, violations, NULL::BIGINT AS conflict_id"
                    + " FROM canonical_events WHERE env_id = ? AND status = 'violating'");
            params.add(envId);
            if (type != null) {
                // Types are fixed slugs, so the JSON text holds "type":"<slug>" exactly when a violation has it.
                sql.append(" AND contains(violations, ?)");
                params.add("\"type\":\"" + type + "\"");
            }
            if (event != null) {
                sql.append(" AND event = ?");
                params.add(event);
            }
        }
        if (events && conflicts) {
            sql.append(" UNION ALL ");
        }
        if (conflicts) {
            sql.append("SELECT event_id, event, source, received_at, payload, NULL AS violations, id AS conflict_id"
                    + " FROM canonical_conflicts"
                    + " WHERE env_id = ?");
            params.add(envId);
            if (event != null) {
                sql.append(" AND event = ?");
                params.add(event);
            }
        }
        sql.append(") ORDER BY received_at, event_id, conflict_id NULLS FIRST LIMIT ? OFFSET ?");
        params.add(limit);
        params.add(offset);
        return db.query(sql.toString(), params, DuckDbCanonical::read);
    }

    @Override
    public Map<String, Long> counts(long envId, String event) {
        Map<String, Long> out = new LinkedHashMap<>();
        String byEvent = event == null ? "" : " AND event = ?";
        List<Object> params = event == null ? List.of(envId) : List.of(envId, event);
        db.query("SELECT t, count(*) FROM (SELECT DISTINCT event_id, unnest(json_extract_string(violations, "
                + "'$[*].type')) AS t FROM canonical_events WHERE env_id = ? AND status = 'violating'" + byEvent
                + ") GROUP BY t ORDER BY t", params, rs -> out.put(rs.getString(1), rs.getLong(2)));
        long conflicts = db.query("SELECT count(*) FROM canonical_conflicts WHERE env_id = ?" + byEvent, params,
                rs -> rs.getLong(1)).get(0);
        if (conflicts > 0) {
            out.put(CONFLICT_TYPE, conflicts);
        }
        return out;
    }

    @Override
    public List<Row> violating(long envId, String afterEventId, int limit) {
        return db.query("SELECT event_id, event, source, received_at, payload, violations, NULL FROM canonical_events"
                + " WHERE env_id = ? AND status = 'violating' AND event_id > ? ORDER BY event_id LIMIT ?",
                List.of(envId, afterEventId == null ? "" : afterEventId, limit), DuckDbCanonical::read);
    }

    @Override
    public String status(long envId, String eventId) {
        List<String> s = db.query("SELECT status FROM canonical_events WHERE key = ?",
                List.of(DuckDb.canonicalKey(envId, eventId)), rs -> rs.getString(1));
        return s.isEmpty() ? null : s.get(0);
    }

    private static Row read(ResultSet rs) throws SQLException {
        long conflict = rs.getLong(7);
        Long conflictId = rs.wasNull() ? null : conflict;
        return new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                rs.getString(6), conflictId);
    }
}
