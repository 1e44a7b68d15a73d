package dev.hindsight.query;

import dev.hindsight.store.SqlRunner;
import java.time.Instant;
import java.util.List;

/** Small queries over raw events that definitions need: per-day counts and samples for a preview. */
public final class EventQueries {
    private final SqlRunner runner;
    private final Dialect dialect;

    public EventQueries(SqlRunner runner, Dialect dialect) {
        this.runner = runner;
        this.dialect = dialect;
    }

    /** One day's count of matching events. */
    public record DayCount(Instant day, long count) {
    }

    public List<DayCount> dailyCounts(long envId, EventFilter filter, long fromMs, long toMs) {
        Sql sql = new Sql().append("SELECT " + dialect.epochMs(dialect.truncate("day", "time")) + " AS d, count(*) FROM events")
                .append(" WHERE env_id = ").param(envId)
                .append(" AND time >= " + dialect.timestampParam()).params(fromMs)
                .append(" AND time < " + dialect.timestampParam()).params(toMs)
                .append(" AND ").append(dialect.filter(filter))
                .append(" GROUP BY d ORDER BY d");
        return runner.query(sql.text(), sql.params(), rs -> new DayCount(Instant.ofEpochMilli(rs.getLong(1)), rs.getLong(2)));
    }

    /** The newest matching events (as the store's row mapper reads them). */
    public <T> List<T> samples(long envId, EventFilter filter, long fromMs, long toMs, int limit, String columns,
            SqlRunner.RowMapper<T> mapper) {
        Sql sql = new Sql().append("SELECT " + columns + " FROM events WHERE env_id = ").param(envId)
                .append(" AND time >= " + dialect.timestampParam()).params(fromMs)
                .append(" AND time < " + dialect.timestampParam()).params(toMs)
                .append(" AND ").append(dialect.filter(filter))
                .append(" ORDER BY time DESC LIMIT ").param(limit);
        return runner.query(sql.text(), sql.params(), mapper);
    }
}
