package dev.hindsight.store.duckdb;

import dev.hindsight.activate.PromotionStore;
import dev.hindsight.define.EventFilter;
import java.sql.PreparedStatement;
import java.util.List;

/**
 * The promoter's reads in the DuckDB file: events by {@code seq}, its position in {@code rollups} (row
 * {@code promoter_seq}), and the canonical events a mapping produced from {@code canonical_events}.
 */
public final class DuckDbPromotions implements PromotionStore {
    private static final String POSITION = "promoter_seq";
    // What Capture writes as the library of a canonical event's raw event.
    private static final String CANONICAL_LIBRARY = "capture";

    private final DuckDb db;
    private final Dialect dialect = new DuckDbDialect();

    public DuckDbPromotions(DuckDb db) {
        this.db = db;
    }

    @Override
    public long newestSeq() {
        return db.query("SELECT coalesce(max(seq), -1) FROM events", List.of(), rs -> rs.getLong(1)).get(0);
    }

    @Override
    public Long position() {
        List<Long> v = db.query("SELECT seq FROM rollups WHERE name = ?", List.of(POSITION), rs -> rs.getLong(1));
        return v.isEmpty() ? null : v.get(0);
    }

    @Override
    public void savePosition(long seq) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO rollups VALUES (?, ?)")) {
                ps.setString(1, POSITION);
                ps.setLong(2, seq);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<Arrival> matching(long envId, EventFilter filter, long afterSeq, long upToSeq, Long fromMs, Long toMs,
            int limit) {
        int seqAt = DuckDbEventStore.EVENT_COLUMNS.split(",").length + 1;
        Sql sql = new Sql().append("SELECT " + DuckDbEventStore.EVENT_COLUMNS + ", seq, session_key FROM events"
                + " WHERE env_id = ")
                .param(envId).append(" AND seq > ").param(afterSeq).append(" AND seq <= ").param(upToSeq)
                .append(" AND library IS DISTINCT FROM ").param(CANONICAL_LIBRARY);
        if (fromMs != null) {
            sql.append(" AND time >= " + dialect.timestampParam()).params(fromMs);
        }
        if (toMs != null) {
            sql.append(" AND time < " + dialect.timestampParam()).params(toMs);
        }
        sql.append(" AND coalesce((").append(dialect.filter(filter)).append("), false)")
                .append(" ORDER BY seq LIMIT ").param(limit);
        List<Integer> keys = new java.util.ArrayList<>();
        List<Arrival> found = db.query(sql.text(), sql.params(), rs -> {
            int key = rs.getInt(seqAt + 1);
            keys.add(rs.wasNull() ? null : key);
            return new Arrival(rs.getLong(seqAt), DuckDbEventStore.readEvent(rs), java.util.Map.of());
        });
        return withIdentities(envId, withSessions(found, keys));
    }

    /** The arrivals with their sessions' built-ins, looked up by the sessions' keys in {@code session_firsts}. */
    private List<Arrival> withSessions(List<Arrival> arrivals, List<Integer> keys) {
        List<Object> distinct = keys.stream().filter(k -> k != null).distinct().map(k -> (Object) k).toList();
        if (distinct.isEmpty()) {
            return arrivals;
        }
        java.util.Map<Integer, java.util.Map<String, Object>> sessions = new java.util.HashMap<>();
        db.forEach("SELECT sf_key, " + SessionFirsts.KEYS.stream().map(SessionFirsts::column)
                .collect(java.util.stream.Collectors.joining(", ")) + " FROM session_firsts WHERE sf_key IN ("
                + "?, ".repeat(distinct.size() - 1) + "?)", distinct, rs -> {
                    java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < SessionFirsts.KEYS.size(); i++) {
                        String v = rs.getString(i + 2);
                        if (v != null) {
                            values.put(SessionFirsts.KEYS.get(i), v);
                        }
                    }
                    sessions.put(rs.getInt(1), values);
                });
        List<Arrival> out = new java.util.ArrayList<>(arrivals.size());
        for (int i = 0; i < arrivals.size(); i++) {
            Arrival a = arrivals.get(i);
            java.util.Map<String, Object> session = keys.get(i) == null ? null : sessions.get(keys.get(i));
            out.add(session == null ? a : new Arrival(a.seq(), a.event(), session));
        }
        return out;
    }

    /**
     * The arrivals, those of anonymous devices since identified as the user the device is linked to now (its latest
     * link not undone): a purchase clicked just before the sign-in that identified the device is the user's.
     */
    private List<Arrival> withIdentities(long envId, List<Arrival> arrivals) {
        List<String> devices = arrivals.stream()
                .filter(a -> a.event().identity() == null && a.event().deviceId() != null)
                .map(a -> a.event().deviceId()).distinct().toList();
        if (devices.isEmpty()) {
            return arrivals;
        }
        java.util.Map<String, String> linked = new java.util.HashMap<>();
        List<Object> params = new java.util.ArrayList<>();
        params.add(envId);
        params.addAll(devices);
        db.forEach("SELECT device_id, arg_max(identity, (valid_from, id)) FROM identity_links WHERE env_id = ?"
                + " AND undone_at IS NULL AND device_id IN (" + "?, ".repeat(devices.size() - 1) + "?)"
                + " GROUP BY device_id",
                params, rs -> linked.put(rs.getString(1), rs.getString(2)));
        return arrivals.stream().map(a -> a.event().identity() == null && linked.containsKey(a.event().deviceId())
                ? new Arrival(a.seq(), a.event().withIdentity(linked.get(a.event().deviceId())), a.session()) : a)
                .toList();
    }

    @Override
    public Produced produced(long envId, String eventIdPrefix, int latest) {
        String where = " FROM canonical_events WHERE env_id = ? AND starts_with(event_id, ?)";
        List<Object> params = List.of(envId, eventIdPrefix);
        long[] count = new long[1];
        Long[] last = new Long[1];
        db.forEach("SELECT count(*), max(received_at)" + where, params, rs -> {
            count[0] = rs.getLong(1);
            last[0] = (Long) rs.getObject(2);
        });
        List<String> payloads = db.query("SELECT payload" + where + " ORDER BY received_at DESC, event_id LIMIT "
                + Math.max(0, latest), params, rs -> rs.getString(1));
        return new Produced(count[0], last[0], payloads);
    }
}
