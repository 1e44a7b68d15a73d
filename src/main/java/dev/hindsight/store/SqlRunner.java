package dev.hindsight.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Runs a read-only SQL query against the event store's engine; the query package builds the SQL. */
public interface SqlRunner {

    /** The rows of a query, each mapped. */
    default <T> List<T> query(String sql, List<Object> params, RowMapper<T> mapper) {
        List<T> out = new java.util.ArrayList<>();
        forEach(sql, params, rs -> out.add(mapper.map(rs)));
        return out;
    }

    /** Hands each row of a query to {@code consumer}: for answers of millions of rows, read into arrays. */
    void forEach(String sql, List<Object> params, RowConsumer consumer);

    /**
     * This runner, telling {@code watch} of each statement it runs so that another thread can cancel it, and
     * letting {@code watch} stop a long answer between rows.
     */
    default SqlRunner watched(StatementWatch watch) {
        return this;
    }

    /** Told of each statement a {@link #watched} runner runs. */
    interface StatementWatch {
        /** A watch that never cancels nor stops: an unwatched runner. */
        StatementWatch NONE = new StatementWatch() {
            @Override
            public Registration started(Runnable cancel) {
                return () -> { };
            }

            @Override
            public void check() {
            }
        };

        /** A statement started: {@code cancel} stops it from any thread until the registration is closed. */
        Registration started(Runnable cancel);

        /** Throws to stop the work; called before each statement and every few thousand rows. */
        void check();
    }

    /** A statement's registration with its {@link StatementWatch}; closed when the statement ends. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** Reads the current row. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(ResultSet rs) throws SQLException;
    }

    /** Maps the current row. */
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }
}
