package dev.hindsight.store.duckdb;

import dev.hindsight.activate.DeliveryReports;
import dev.hindsight.store.RawEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The destinations' health, reconciliation and trace reads over the outbox, its log and the canonical events. */
public final class DuckDbDeliveryReports implements DeliveryReports {
    private final DuckDb db;

    public DuckDbDeliveryReports(DuckDb db) {
        this.db = db;
    }

    @Override
    public Map<Long, Health> health(long envId, Collection<Long> destinationIds, long fromMs, long toMs) {
        Map<Long, long[]> counts = new HashMap<>();
        Map<Long, Long[]> latency = new HashMap<>();
        if (destinationIds.isEmpty()) {
            return Map.of();
        }
        String in = in(destinationIds.size());
        List<Object> params = new ArrayList<>(List.of(envId, fromMs, toMs));
        params.addAll(destinationIds);
        db.forEach("SELECT destination_id, count(*) FILTER (WHERE state = 'delivered'), count(*) FILTER (WHERE state IN"
                + " ('pending', 'sending')), count(*) FILTER (WHERE state = 'retrying'), count(*) FILTER (WHERE state ="
                + " 'dead'), count(*) FILTER (WHERE state = 'skipped') FROM outbox WHERE env_id = ? AND created_at >= ?"
                + " AND created_at < ? AND destination_id IN (" + in + ") GROUP BY destination_id", params,
                rs -> counts.put(rs.getLong(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6)}));
        // The request time of the attempts that delivered, made in the period (a row's answer time, not its wait).
        db.forEach("SELECT destination_id, quantile_disc(latency_ms, 0.5), quantile_disc(latency_ms, 0.95) FROM"
                + " delivery_log WHERE env_id = ? AND attempted_at >= ? AND attempted_at < ? AND destination_id IN ("
                + in + ") AND outcome = 'delivered' AND latency_ms IS NOT NULL GROUP BY destination_id", params,
                rs -> latency.put(rs.getLong(1), new Long[] {rs.getLong(2), rs.getLong(3)}));
        Map<Long, Health> out = new LinkedHashMap<>();
        for (Long id : destinationIds) {
            long[] c = counts.getOrDefault(id, new long[5]);
            Long[] l = latency.getOrDefault(id, new Long[2]);
            out.put(id, new Health(c[0], c[1], c[2], c[3], c[4], l[0], l[1]));
        }
        return out;
    }

    @Override
    public Captured captured(long envId, Collection<String> events, long fromMs, long toMs) {
        if (events.isEmpty()) {
            return new Captured(0, 0, Map.of());
        }
        List<Object> params = new ArrayList<>(List.of(envId, fromMs, toMs));
        params.addAll(events);
        String where = " FROM canonical_events WHERE env_id = ? AND received_at >= ? AND received_at < ? AND event IN ("
                + in(events.size()) + ")";
        long[] n = new long[2];
        db.forEach("SELECT count(*), count(*) FILTER (WHERE status = 'deliverable')" + where, params, rs -> {
            n[0] = rs.getLong(1);
            n[1] = rs.getLong(2);
        });
        Map<String, Long> types = new LinkedHashMap<>();
        db.forEach("SELECT t, count(*) FROM (SELECT DISTINCT event_id, unnest(json_extract_string(violations,"
                + " '$[*].type')) AS t" + where + " AND status = 'violating') GROUP BY t ORDER BY count(*) DESC, t",
                params, rs -> types.put(rs.getString(1), rs.getLong(2)));
        return new Captured(n[0], n[1], types);
    }

    @Override
    public List<Outcome> outcomes(long envId, long destinationId, Collection<String> events, long fromMs, long toMs) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<Object> params = new ArrayList<>(List.of(envId, destinationId, fromMs, toMs));
        params.addAll(events);
        // A skipped row's reason starts with its code ("no-consent: user lacks ..."); a dead or retrying row's reason
        // is the destination's answer, grouped whole. The row's creation time is its event's received time.
        return db.query("SELECT CASE WHEN o.state = 'sending' THEN 'pending' ELSE o.state END AS st, CASE WHEN o.state"
                + " = 'skipped' THEN split_part(coalesce(o.last_reason, ''), ':', 1) WHEN o.state IN ('dead', 'retrying')"
                + " THEN coalesce(o.last_reason, '') ELSE '' END AS reason, min(o.last_reason), count(*) FROM outbox o"
                + " JOIN canonical_events c ON c.env_id = o.env_id AND c.event_id = o.event_id WHERE o.env_id = ? AND"
                + " o.destination_id = ? AND o.created_at >= ? AND o.created_at < ? AND c.event IN ("
                + in(events.size()) + ") GROUP BY st, reason ORDER BY st, count(*) DESC, reason", params,
                rs -> new Outcome(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)));
    }

    @Override
    public Map<String, Long> countingAnswers(long envId, long destinationId, long fromMs, long toMs, int limit) {
        Map<String, Long> out = new LinkedHashMap<>();
        db.forEach("SELECT last_body, count(*) FROM outbox WHERE env_id = ? AND destination_id = ? AND state ="
                + " 'delivered' AND created_at >= ? AND created_at < ? AND contains(last_body, '\"events_received\"')"
                + " GROUP BY last_body ORDER BY last_body LIMIT ?", List.of(envId, destinationId, fromMs, toMs, limit),
                rs -> out.put(rs.getString(1), rs.getLong(2)));
        return out;
    }

    @Override
    public Canonical canonical(long envId, String eventId) {
        List<Canonical> r = db.query("SELECT event_id, event, source, received_at, payload, status, violations FROM"
                + " canonical_events WHERE env_id = ? AND event_id = ?", List.of(envId, eventId),
                rs -> new Canonical(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5),
                        rs.getString(6), rs.getString(7)));
        return r.isEmpty() ? null : r.get(0);
    }

    @Override
    public List<RawEvent> rawAt(long envId, long timeMs, String deviceId, String identity, int limit) {
        // The events' time is in microseconds: the millisecond of the canonical event's timestamp.
        List<Object> params = new ArrayList<>(Arrays.asList(envId, timeMs * 1000, (timeMs + 1) * 1000, deviceId,
                identity, limit));
        return db.query("SELECT " + DuckDbEventStore.EVENT_COLUMNS + " FROM events WHERE env_id = ? AND time >="
                + " make_timestamp(?) AND time < make_timestamp(?) AND coalesce(library, '') <> 'capture' AND (device_id = ? OR"
                + " identity = ?) ORDER BY event_id LIMIT ?", params, DuckDbEventStore::readEvent);
    }

    private static String in(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
