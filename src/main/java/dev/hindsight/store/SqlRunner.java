package dev.hindsight.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Runs a read-only SQL query against the event store's engine; the query package builds the SQL. */
public interface SqlRunner {

    <T> List<T> query(String sql, List<Object> params, RowMapper<T> mapper);

    /** Maps the current row. */
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }
}
