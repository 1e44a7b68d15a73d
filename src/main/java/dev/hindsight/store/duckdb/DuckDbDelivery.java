package dev.hindsight.store.duckdb;

import dev.hindsight.activate.DeliveryStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Destinations, the delivery outbox and its log in the DuckDB file. */
public final class DuckDbDelivery implements DeliveryStore {
    private static final String ITEM = "o.id, o.env_id, o.destination_id, o.event_id, o.user_key, o.created_at, o.state,"
            + " o.attempts, o.due_at, o.last_status, o.last_body, o.last_reason, o.done_at, o.updated_at, c.payload";
    private static final String FROM = " FROM outbox o LEFT JOIN canonical_events c ON c.env_id = o.env_id"
            + " AND c.event_id = o.event_id";

    private final DuckDb db;

    public DuckDbDelivery(DuckDb db) {
        this.db = db;
    }

    @Override
    public long nextDestinationId() {
        return db.query("SELECT nextval('destination_ids')", List.of(), rs -> rs.getLong(1)).get(0);
    }

    @Override
    public void saveDestination(DestinationRow r) {
        db.inTransaction(c -> {
            try (PreparedStatement d = c.prepareStatement("DELETE FROM destinations WHERE id = ?")) {
                d.setLong(1, r.id());
                d.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO destinations VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, r.envId());
                ps.setLong(2, r.id());
                ps.setString(3, r.configJson());
                ps.setBoolean(4, r.enabled());
                ps.setLong(5, r.createdAt());
                ps.setLong(6, r.updatedAt());
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void deleteDestination(long envId, long id) {
        update("DELETE FROM destinations WHERE env_id = ? AND id = ?", List.of(envId, id));
    }

    @Override
    public List<DestinationRow> destinations() {
        return db.query("SELECT env_id, id, config, enabled, created_at, updated_at FROM destinations ORDER BY id",
                List.of(), rs -> new DestinationRow(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getBoolean(4),
                        rs.getLong(5), rs.getLong(6)));
    }

    @Override
    public List<Item> due(long destinationId, long now, int limit) {
        // The due rows are chosen (and limited) before their payloads are joined: joined first, DuckDB hashed the
        // whole canonical_events table on every pass of every lane (about 190 ms at a million rows, against 2 ms).
        return db.query("WITH o AS (SELECT * FROM outbox WHERE id IN (SELECT min(id) FROM outbox WHERE destination_id"
                + " = ? AND state IN ('pending', 'retrying', 'sending') GROUP BY user_key) AND state <> 'sending'"
                + " AND due_at <= ? ORDER BY id LIMIT ?) SELECT " + ITEM + " FROM o LEFT JOIN canonical_events c"
                + " ON c.env_id = o.env_id AND c.event_id = o.event_id ORDER BY o.id",
                List.of(destinationId, now, limit), DuckDbDelivery::item);
    }

    @Override
    public Long nextDue(long destinationId) {
        List<Long> r = db.query("SELECT min(due_at) FROM outbox WHERE destination_id = ? AND state IN ('pending',"
                + " 'retrying')", List.of(destinationId), rs -> {
                    long v = rs.getLong(1);
                    return rs.wasNull() ? null : v;
                });
        return r.isEmpty() ? null : r.get(0);
    }

    @Override
    public void claim(List<Long> ids, long now) {
        if (ids.isEmpty()) {
            return;
        }
        StringBuilder in = new StringBuilder();
        List<Object> params = new ArrayList<>();
        params.add(now);
        for (Long id : ids) {
            in.append(in.isEmpty() ? "?" : ", ?");
            params.add(id);
        }
        update("UPDATE outbox SET state = 'sending', updated_at = ? WHERE id IN (" + in + ")", params);
    }

    @Override
    public void finish(long id, String state, int attempts, long dueAt, Integer status, String body, String reason,
            long now, Attempt a) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET state = ?, attempts = ?, due_at = ?,"
                    + " last_status = ?, last_body = ?, last_reason = ?, done_at = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, state);
                ps.setInt(2, attempts);
                ps.setLong(3, dueAt);
                ps.setObject(4, status);
                ps.setString(5, body);
                ps.setString(6, reason);
                boolean done = !state.equals(RETRYING) && !state.equals(PENDING);
                ps.setObject(7, done ? now : null);
                ps.setLong(8, now);
                ps.setLong(9, id);
                ps.executeUpdate();
            }
            if (a != null) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO delivery_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setLong(1, a.outboxId());
                    ps.setLong(2, a.envId());
                    ps.setLong(3, a.destinationId());
                    ps.setString(4, a.eventId());
                    ps.setInt(5, a.attempt());
                    ps.setLong(6, a.at());
                    ps.setString(7, a.outcome());
                    ps.setObject(8, a.status());
                    ps.setString(9, a.body());
                    ps.setString(10, a.reason());
                    ps.setObject(11, a.latencyMs());
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public int resetInFlight(long now) {
        return update("UPDATE outbox SET state = 'retrying', due_at = ?, updated_at = ? WHERE state = 'sending'",
                List.of(now, now));
    }

    @Override
    public int replay(long destinationId, List<String> eventIds, long now) {
        List<Object> params = new ArrayList<>(List.of(now, now, destinationId));
        StringBuilder sql = new StringBuilder("UPDATE outbox SET state = 'pending', due_at = ?, updated_at = ?,"
                + " done_at = NULL WHERE destination_id = ? AND state = 'dead'");
        if (eventIds != null && !eventIds.isEmpty()) {
            sql.append(" AND event_id IN (");
            for (int i = 0; i < eventIds.size(); i++) {
                sql.append(i == 0 ? "?" : ", ?");
                params.add(eventIds.get(i));
            }
            sql.append(")");
        }
        return update(sql.toString(), params);
    }

    @Override
    public List<Item> items(long destinationId, String eventId, String state, int limit) {
        List<Object> params = new ArrayList<>(List.of(destinationId));
        StringBuilder sql = new StringBuilder("SELECT " + ITEM + FROM + " WHERE o.destination_id = ?");
        if (eventId != null) {
            sql.append(" AND o.event_id = ?");
            params.add(eventId);
        }
        if (state != null) {
            sql.append(" AND o.state = ?");
            params.add(state);
        }
        sql.append(" ORDER BY o.id DESC LIMIT ?");
        params.add(limit);
        return db.query(sql.toString(), params, DuckDbDelivery::item);
    }

    @Override
    public List<Item> trace(long envId, String eventId) {
        return db.query("SELECT " + ITEM + FROM + " WHERE o.env_id = ? AND o.event_id = ? ORDER BY o.destination_id",
                List.of(envId, eventId), DuckDbDelivery::item);
    }

    @Override
    public List<Attempt> log(long destinationId, String eventId, int limit) {
        List<Object> params = new ArrayList<>(List.of(destinationId));
        String byEvent = "";
        if (eventId != null) {
            byEvent = " AND event_id = ?";
            params.add(eventId);
        }
        params.add(limit);
        return db.query("SELECT outbox_id, env_id, destination_id, event_id, attempt, attempted_at, outcome, status, body, reason,"
                + " latency_ms FROM delivery_log WHERE destination_id = ?" + byEvent + " ORDER BY attempted_at, outbox_id, attempt"
                + " LIMIT ?", params, rs -> new Attempt(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4),
                        rs.getInt(5), rs.getLong(6), rs.getString(7), intOrNull(rs, 8), rs.getString(9),
                        rs.getString(10), longOrNull(rs, 11)));
    }

    private int update(String sql, List<Object> params) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                }
                return ps.executeUpdate();
            }
        });
    }

    private static Item item(ResultSet rs) throws SQLException {
        return new Item(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                rs.getString(7), rs.getInt(8), rs.getLong(9), intOrNull(rs, 10), rs.getString(11), rs.getString(12),
                longOrNull(rs, 13), rs.getLong(14), rs.getString(15));
    }

    private static Integer intOrNull(ResultSet rs, int i) throws SQLException {
        int v = rs.getInt(i);
        return rs.wasNull() ? null : v;
    }

    private static Long longOrNull(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }
}
