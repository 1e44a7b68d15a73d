package dev.hindsight.store.duckdb;

import java.util.ArrayList;
import java.util.List;

/** SQL text with its positional parameters, built up piece by piece. */
public final class Sql {
    private final StringBuilder text = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    public Sql append(String s) {
        text.append(s);
        return this;
    }

    /** Appends a {@code ?} bound to {@code value}. */
    public Sql param(Object value) {
        text.append('?');
        params.add(value);
        return this;
    }

    /** Appends {@code ?, ?, ...}, one placeholder bound to each value: the inside of an IN list. */
    public Sql list(java.util.Collection<?> values) {
        String sep = "";
        for (Object v : values) {
            text.append(sep).append('?');
            params.add(v);
            sep = ", ";
        }
        return this;
    }

    /** Binds values to {@code ?} placeholders already written by {@link #append(String)}. */
    public Sql params(Object... values) {
        params.addAll(java.util.Arrays.asList(values));
        return this;
    }

    public Sql append(Sql other) {
        text.append(other.text);
        params.addAll(other.params);
        return this;
    }

    public String text() {
        return text.toString();
    }

    public List<Object> params() {
        return params;
    }

    @Override
    public String toString() {
        return text + " " + params;
    }
}
