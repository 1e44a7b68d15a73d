package dev.hindsight.store.duckdb;

import dev.hindsight.store.CanonicalRow;
import dev.hindsight.store.WriteOp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The canonical-event part of one commit of the writer: decides, inside the commit's transaction, whether each
 * {@link WriteOp.Capture} is new, a duplicate or a conflict (looking its event id up in {@code canonical_events} and
 * among the captures before it in the same batch), turns the new ones into the ops the event store applies as usual
 * (the raw event and the ops that join it), and writes the canonical rows, conflicts and status changes before the
 * commit.
 */
final class CanonicalWrites {
    private final List<WriteOp> flat = new ArrayList<>();
    /** For each flat op, the index of the op it came from. */
    private final List<Integer> origin = new ArrayList<>();
    private final List<CanonicalRow> rows = new ArrayList<>();
    private final List<CanonicalRow> conflicts = new ArrayList<>();
    private final List<WriteOp.SetCanonicalStatus> statuses = new ArrayList<>();
    private final List<Integer> statusAt = new ArrayList<>();
    private final List<WriteOp.Enqueue> outbox = new ArrayList<>();
    private final List<Integer> outboxAt = new ArrayList<>();
    private final CanonicalRow.Outcome[] outcomes;

    private CanonicalWrites(int size) {
        outcomes = new CanonicalRow.Outcome[size];
    }

    static boolean any(List<WriteOp> ops) {
        for (WriteOp op : ops) {
            if (op instanceof WriteOp.Capture || op instanceof WriteOp.SetCanonicalStatus
                    || op instanceof WriteOp.Enqueue) {
                return true;
            }
        }
        return false;
    }

    /** Decides every capture of {@code ops} on the writer's connection, inside its open transaction. */
    static CanonicalWrites decide(Connection c, List<WriteOp> ops) throws SQLException {
        CanonicalWrites w = new CanonicalWrites(ops.size());
        Map<String, String> batch = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT payload_hash FROM canonical_events WHERE env_id = ? AND event_id = ?")) {
            for (int i = 0; i < ops.size(); i++) {
                WriteOp op = ops.get(i);
                switch (op) {
                    case WriteOp.Capture cap -> {
                        CanonicalRow row = cap.row();
                        String key = row.envId() + "\u0000" + row.eventId();
                        String known = batch.get(key);
                        if (known == null) {
                            ps.setLong(1, row.envId());
                            ps.setString(2, row.eventId());
                            try (ResultSet rs = ps.executeQuery()) {
                                known = rs.next() ? rs.getString(1) : null;
                            }
                        }
                        CanonicalRow.Outcome outcome;
                        if (known == null) {
                            outcome = CanonicalRow.Outcome.STORED;
                            batch.put(key, row.payloadHash());
                            w.rows.add(row);
                            w.add(new WriteOp.Append(cap.event()), i);
                            for (WriteOp joined : cap.with()) {
                                if (joined instanceof WriteOp.Enqueue e) {
                                    w.outbox.add(e);
                                } else {
                                    w.add(joined, i);
                                }
                            }
                        } else if (known.equals(row.payloadHash())) {
                            outcome = CanonicalRow.Outcome.DUPLICATE;
                        } else {
                            outcome = CanonicalRow.Outcome.CONFLICT;
                            w.conflicts.add(row);
                        }
                        w.outcomes[i] = outcome;
                        cap.result().set(outcome);
                    }
                    case WriteOp.SetCanonicalStatus st -> {
                        w.statuses.add(st);
                        w.statusAt.add(i);
                    }
                    case WriteOp.Enqueue e -> {
                        w.outbox.add(e);
                        w.outboxAt.add(i);
                    }
                    default -> w.add(op, i);
                }
            }
        }
        return w;
    }

    private void add(WriteOp op, int from) {
        flat.add(op);
        origin.add(from);
    }

    /** The ops the event store applies as it always does: everything but the canonical ones, captures expanded. */
    List<WriteOp> flat() {
        return flat;
    }

    /** Writes the canonical rows, conflicts and status changes, in the open transaction. */
    void write(Connection c) throws SQLException {
        if (!rows.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO canonical_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (CanonicalRow r : rows) {
                    bind(ps, 1, r);
                    ps.setString(8, r.status());
                    ps.setString(9, r.violationsJson());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!conflicts.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO canonical_conflicts VALUES (nextval('canonical_conflict_ids'), ?, ?, ?, ?, ?, ?, ?)")) {
                for (CanonicalRow r : conflicts) {
                    bind(ps, 1, r);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        if (!outbox.isEmpty()) {
            Outbox.enqueue(c, outbox);
        }
        if (!statuses.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE canonical_events SET status = ?, violations = ? WHERE env_id = ? AND event_id = ?")) {
                for (WriteOp.SetCanonicalStatus st : statuses) {
                    ps.setString(1, st.status());
                    ps.setString(2, st.violationsJson());
                    ps.setLong(3, st.envId());
                    ps.setString(4, st.eventId());
                    ps.executeUpdate();
                }
            }
        }
    }

    private static void bind(PreparedStatement ps, int from, CanonicalRow r) throws SQLException {
        ps.setLong(from, r.envId());
        ps.setString(from + 1, r.eventId());
        ps.setString(from + 2, r.event());
        ps.setString(from + 3, r.source());
        ps.setString(from + 4, r.payloadHash());
        ps.setString(from + 5, r.payloadJson());
        ps.setLong(from + 6, r.receivedAt());
    }

    /** What each original op changed, from what the flat ops changed. */
    boolean[] changed(boolean[] flatChanged, int size) {
        boolean[] out = new boolean[size];
        for (int k = 0; k < flat.size(); k++) {
            out[origin.get(k)] |= flatChanged[k];
        }
        for (int i = 0; i < size; i++) {
            if (outcomes[i] != null) {
                out[i] = outcomes[i] != CanonicalRow.Outcome.DUPLICATE;
            }
        }
        for (int i : statusAt) {
            out[i] = true;
        }
        for (int i : outboxAt) {
            out[i] = true;
        }
        return out;
    }
}
