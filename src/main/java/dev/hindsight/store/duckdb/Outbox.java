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

    /**
     * Adds the rows of canonical events new in this very commit, which no row can exist for yet: a statement per
     * 500 rows, ids in the rows' order (a destination sends its rows in id order).
     */
    static void add(Connection c, List<WriteOp.Enqueue> rows) throws SQLException {
        for (int from = 0; from < rows.size(); from += 500) {
            List<WriteOp.Enqueue> chunk = rows.subList(from, Math.min(rows.size(), from + 500));
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox (id, env_id, destination_id, event_id,"
                    + " user_key, created_at, state, attempts, due_at, updated_at) VALUES "
                    + "(nextval('outbox_ids'), ?, ?, ?, ?, ?, 'pending', 0, ?, ?), ".repeat(chunk.size() - 1)
                    + "(nextval('outbox_ids'), ?, ?, ?, ?, ?, 'pending', 0, ?, ?)")) {
                int p = 1;
                for (WriteOp.Enqueue e : chunk) {
                    ps.setLong(p++, e.envId());
                    ps.setLong(p++, e.destinationId());
                    ps.setString(p++, e.eventId());
                    ps.setString(p++, e.userKey());
                    ps.setLong(p++, e.at());
                    ps.setLong(p++, e.at());
                    ps.setLong(p++, e.at());
                }
                ps.executeUpdate();
            }
        }
    }

    /** Adds rows of events kept before (a reprocess), unless a row of the same event and destination is kept. */
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
