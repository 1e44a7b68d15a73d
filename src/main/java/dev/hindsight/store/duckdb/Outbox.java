package dev.hindsight.store.duckdb;

import dev.hindsight.store.WriteOp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** Writes delivery outbox rows inside the writer's open transaction (the commit of their canonical event). */
final class Outbox {
    private Outbox() {
    }

    static void enqueue(Connection c, List<WriteOp.Enqueue> rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox (id, env_id, destination_id, event_id,"
                + " user_key, created_at, state, attempts, due_at, updated_at) SELECT nextval('outbox_ids'), ?, ?, ?, ?,"
                + " ?, 'pending', 0, ?, ? WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE env_id = ? AND destination_id = ?"
                + " AND event_id = ?)")) {
            for (WriteOp.Enqueue e : rows) {
                ps.setLong(1, e.envId());
                ps.setLong(2, e.destinationId());
                ps.setString(3, e.eventId());
                ps.setString(4, e.userKey());
                ps.setLong(5, e.at());
                ps.setLong(6, e.at());
                ps.setLong(7, e.at());
                ps.setLong(8, e.envId());
                ps.setLong(9, e.destinationId());
                ps.setString(10, e.eventId());
                ps.executeUpdate();
            }
        }
    }
}
