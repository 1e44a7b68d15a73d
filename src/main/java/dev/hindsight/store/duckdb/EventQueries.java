package dev.hindsight.store.duckdb;

import dev.hindsight.define.EventFilter;
import dev.hindsight.define.MatchingEvents;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.SqlRunner;
import java.time.Instant;
import java.util.List;

/** Small queries over raw events that definitions need: per-day counts and samples for a preview. */
public final class EventQueries implements MatchingEvents {
    private final SqlRunner runner;
    private final Dialect dialect;
    private final String sampleColumns;
    private final SqlRunner.RowMapper<RawEvent> sampleMapper;

    /** Samples are read as {@code sampleColumns} of the events table, mapped by {@code sampleMapper}. */
    public EventQueries(SqlRunner runner, String sampleColumns, SqlRunner.RowMapper<RawEvent> sampleMapper) {
        this.runner = runner;
        this.dialect = new DuckDbDialect();
        this.sampleColumns = sampleColumns;
        this.sampleMapper = sampleMapper;
    }

    @Override
    public List<DayCount> dailyCounts(long envId, EventFilter filter, long fromMs, long toMs) {
        Sql sql = new Sql().append("SELECT " + dialect.epochMs(dialect.truncate("day", "time")) + " AS d, count(*) FROM events")
                .append(" WHERE env_id = ").param(envId)
                .append(" AND time >= " + dialect.timestampParam()).params(fromMs)
                .append(" AND time < " + dialect.timestampParam()).params(toMs)
                .append(" AND ").append(dialect.filter(filter))
                .append(" GROUP BY d ORDER BY d");
        return runner.query(sql.text(), sql.params(), rs -> new DayCount(Instant.ofEpochMilli(rs.getLong(1)), rs.getLong(2)));
    }

    @Override
    public List<RawEvent> samples(long envId, EventFilter filter, long fromMs, long toMs, int limit) {
        Sql sql = new Sql().append("SELECT " + sampleColumns + " FROM events WHERE env_id = ").param(envId)
                .append(" AND time >= " + dialect.timestampParam()).params(fromMs)
                .append(" AND time < " + dialect.timestampParam()).params(toMs)
                .append(" AND ").append(dialect.filter(filter))
                .append(" ORDER BY time DESC LIMIT ").param(limit);
        return runner.query(sql.text(), sql.params(), sampleMapper);
    }

    @Override
    public List<Arrival> arrivals(long envId, long afterSeq, int limit, List<EventFilter> filters) {
        int first = sampleColumns.split(",").length + 1;
        Sql sql = new Sql().append("SELECT " + sampleColumns + ", seq");
        for (EventFilter f : filters) {
            // SQL's unknown (a missing property) is no match.
            sql.append(", coalesce((").append(dialect.filter(f)).append("), false)");
        }
        sql.append(" FROM events WHERE env_id = ").param(envId).append(" AND seq > ").param(afterSeq)
                .append(" ORDER BY seq DESC LIMIT ").param(limit);
        return runner.query(sql.text(), sql.params(), rs -> {
            boolean[] matches = new boolean[filters.size()];
            for (int i = 0; i < matches.length; i++) {
                matches[i] = rs.getBoolean(first + 1 + i);
            }
            return new Arrival(rs.getLong(first), sampleMapper.map(rs), matches);
        });
    }

    @Override
    public java.util.Map<java.util.UUID, boolean[]> matches(long envId, java.util.Collection<java.util.UUID> eventIds,
            List<EventFilter> filters) {
        java.util.Map<java.util.UUID, boolean[]> out = new java.util.HashMap<>();
        if (eventIds.isEmpty() || filters.isEmpty()) {
            return out;
        }
        Sql sql = new Sql().append("SELECT event_id");
        for (EventFilter f : filters) {
            sql.append(", coalesce((").append(dialect.filter(f)).append("), false)");
        }
        sql.append(" FROM events WHERE env_id = ").param(envId).append(" AND event_id IN (").list(eventIds).append(")");
        runner.forEach(sql.text(), sql.params(), rs -> {
            boolean[] m = new boolean[filters.size()];
            for (int i = 0; i < m.length; i++) {
                m[i] = rs.getBoolean(2 + i);
            }
            out.merge((java.util.UUID) rs.getObject(1), m, (a, b) -> {
                boolean[] or = a.clone();
                for (int i = 0; i < or.length; i++) {
                    or[i] |= b[i];
                }
                return or;
            });
        });
        return out;
    }
}
