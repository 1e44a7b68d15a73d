package dev.hindsight.store.duckdb;

import dev.hindsight.store.CanonicalRow;
import dev.hindsight.store.WriteOp;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The canonical-event part of one commit of the writer: decides, inside the commit's transaction, whether each
 * {@link WriteOp.Capture} is new, a duplicate or a conflict (by its event id in {@code canonical_events} and among
 * the captures before it in the same batch), turns the new ones into the ops the event store applies as usual
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
    /** Outbox rows of events new in this commit: none can be kept already. */
    private final List<WriteOp.Enqueue> fresh = new ArrayList<>();
    /** Outbox rows of a reprocess, which another may have added meanwhile. */
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

    /**
     * Decides every capture of {@code ops} on the writer's connection, inside its open transaction. The event ids
     * {@code known} has never seen (nearly all) are new without a lookup; the others are looked up in one query per
     * 500, in the key's index.
     */
    static CanonicalWrites decide(Connection c, List<WriteOp> ops, KnownKeys known) throws SQLException {
        CanonicalWrites w = new CanonicalWrites(ops.size());
        Map<String, String> kept = lookUp(c, ops, known);
        Map<String, String> batch = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            WriteOp op = ops.get(i);
            switch (op) {
                case WriteOp.Capture cap -> {
                    CanonicalRow row = cap.row();
                    String key = DuckDb.canonicalKey(row.envId(), row.eventId());
                    String seen = batch.containsKey(key) ? batch.get(key) : kept.get(key);
                    CanonicalRow.Outcome outcome;
                    if (seen == null) {
                        outcome = CanonicalRow.Outcome.STORED;
                        batch.put(key, row.payloadHash());
                        w.rows.add(row);
                        w.add(new WriteOp.Append(cap.event()), i);
                        for (WriteOp joined : cap.with()) {
                            if (joined instanceof WriteOp.Enqueue e) {
                                w.fresh.add(e);
                            } else {
                                w.add(joined, i);
                            }
                        }
                    } else if (seen.equals(row.payloadHash())) {
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
        return w;
    }

    /** The payload hash of each capture's event id already kept, by key, of those {@code known} might hold. */
    private static Map<String, String> lookUp(Connection c, List<WriteOp> ops, KnownKeys known) throws SQLException {
        Set<String> maybe = new LinkedHashSet<>();
        for (WriteOp op : ops) {
            if (op instanceof WriteOp.Capture cap) {
                String key = DuckDb.canonicalKey(cap.row().envId(), cap.row().eventId());
                if (known.mightContain(key)) {
                    maybe.add(key);
                }
            }
        }
        Map<String, String> kept = new HashMap<>();
        List<String> all = new ArrayList<>(maybe);
        for (int from = 0; from < all.size(); from += 500) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + 500));
            try (PreparedStatement ps = c.prepareStatement("SELECT key, payload_hash FROM canonical_events"
                    + " WHERE key IN ("
                    + "?, ".repeat(chunk.size() - 1) + "?)")) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        kept.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
        }
        return kept;
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
    void write(DuckDBConnection c) throws SQLException {
        if (!rows.isEmpty()) {
            try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "canonical_events")) {
                for (CanonicalRow r : rows) {
                    a.beginRow();
                    a.append(r.envId());
                    a.append(r.eventId());
                    a.append(r.event());
                    nullable(a, r.source());
                    a.append(r.payloadHash());
                    a.append(r.payloadJson());
                    a.append(r.receivedAt());
                    a.append(r.status());
                    a.append(r.violationsJson());
                    a.append(DuckDb.canonicalKey(r.envId(), r.eventId()));
                    a.endRow();
                }
            }
        }
        if (!conflicts.isEmpty()) {
            // A conflicting payload is kept once, however often a client retries it.
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO canonical_conflicts SELECT"
                    + " nextval('canonical_conflict_ids'), ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM"
                    + " canonical_conflicts WHERE env_id = ? AND event_id = ? AND payload_hash = ?)")) {
                for (CanonicalRow r : conflicts) {
                    bind(ps, 1, r);
                    ps.setLong(8, r.envId());
                    ps.setString(9, r.eventId());
                    ps.setString(10, r.payloadHash());
                    ps.executeUpdate();
                }
            }
        }
        if (!fresh.isEmpty()) {
            Outbox.add(c, fresh);
        }
        if (!outbox.isEmpty()) {
            Outbox.enqueue(c, outbox);
        }
        if (!statuses.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE canonical_events SET status = ?, violations = ? WHERE key = ?")) {
                for (WriteOp.SetCanonicalStatus st : statuses) {
                    ps.setString(1, st.status());
                    ps.setString(2, st.violationsJson());
                    ps.setString(3, DuckDb.canonicalKey(st.envId(), st.eventId()));
                    ps.executeUpdate();
                }
            }
        }
    }

    /** The keys of the canonical rows written, for {@link KnownKeys#committed} once they committed. */
    List<String> keys() {
        List<String> out = new ArrayList<>(rows.size());
        for (CanonicalRow r : rows) {
            out.add(DuckDb.canonicalKey(r.envId(), r.eventId()));
        }
        return out;
    }

    private static void nullable(DuckDBAppender a, String s) throws SQLException {
        if (s == null) {
            a.appendNull();
        } else {
            a.append(s);
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
