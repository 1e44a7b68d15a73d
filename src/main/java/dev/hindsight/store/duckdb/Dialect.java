package dev.hindsight.store.duckdb;

import dev.hindsight.define.EventFilter;

/**
 * How one SQL engine spells what the analyses need; DuckDB now, ClickHouse as a second implementation. The
 * analyses' SQL is otherwise plain: CTEs, joins, window functions with named windows, CASE, coalesce and
 * {@code ||}; everything an engine spells its own way comes from here.
 */
public interface Dialect {

    /** The condition for an event filter, over the columns of the events table. */
    Sql filter(EventFilter f);

    /** The expression for an epoch-millisecond parameter as a timestamp. */
    String timestampParam();

    /** A constant timestamp, such as {@code 1970-01-01} or {@code 9999-12-31}. */
    String timestamp(String isoDate);

    /** The epoch milliseconds of a timestamp expression, as a 64-bit integer. */
    String epochMs(String timestamp);

    /** The epoch microseconds of a timestamp expression, as a 64-bit integer. */
    String epochUs(String timestamp);

    /** The expression truncating {@code column} to the start of {@code unit} (hour, day, week, month). */
    String truncate(String unit, String column);

    /** The timestamp {@code ms} milliseconds (a constant, negative or positive) after the timestamp {@code timestamp}. */
    String plusMs(String timestamp, long ms);

    /** An event property's value as text, NULL when the event does not have it. */
    String property(String key);

    /**
     * An event property's value as a DOUBLE when it is numeric: a JSON number, or text in JSON's number syntax (as
     * the store keeps numbers a double cannot hold exactly), finite as a double; NULL otherwise.
     */
    String number(String key);

    /** Integer division rounding towards minus infinity of two non-negative integers. */
    String intDiv(String a, String b);

    /** The expression numbering {@code timestamp}'s calendar month: year times 12 plus month, so months subtract. */
    String monthNumber(String timestamp);

    /** The aggregate value of {@code value} in the first row by {@code order} where {@code condition} holds. */
    String firstIf(String value, String order, String condition);

    /** The aggregate JSON object text of {@code key} to {@code jsonValue} (a JSON literal as text). */
    String jsonObjectAgg(String key, String jsonValue);

    /**
     * A table of {@code (user_key, label)}: the text each user key (see {@link Identities}) stands for, the identity
     * or {@code device:<device id>} for an anonymous device. Join it to the few users an answer lists (the engine
     * then reads only their rows), rather than asking it row by row.
     */
    String userLabels();

    /** A subquery of the user keys whose label (see {@link #userLabels}) is the parameter {@code label}. */
    Sql userKeysLabelled(String label);

    /** A table of {@code (identity, user_key)}: the user key of every identity the store has seen. */
    String identityUserKeys();

    /** A table of {@code (device_id, user_key)}: the user key of every device the store has seen. */
    String deviceUserKeys();
}
