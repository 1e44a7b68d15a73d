package dev.hindsight.query;

/** How one SQL engine spells what the analyses need; DuckDB now, ClickHouse as a second implementation. */
public interface Dialect {

    /** The condition for an event filter, over the columns of the events table. */
    Sql filter(EventFilter f);

    /** The expression for an epoch-millisecond parameter as a timestamp. */
    String timestampParam();

    /** The expression truncating {@code column} to the start of {@code unit} (hour, day, week, month). */
    String truncate(String unit, String column);
}
