package dev.hindsight.collect;

import java.math.BigDecimal;

/**
 * A JSON number kept as the text it was sent as, for numbers that neither a long nor a double holds exactly
 * (30-digit integers, {@code 1e400}): an identity given as such a number is this text, never a rounded double.
 * Its {@link #longValue()} saturates at the long range instead of wrapping, so range checks on it stay sound.
 */
public final class SentNumber extends Number {
    private final String text;

    SentNumber(String text) {
        this.text = text;
    }

    /** The number exactly as it appeared in the request body. */
    public String text() {
        return text;
    }

    @Override
    public long longValue() {
        BigDecimal d = new BigDecimal(text);
        if (d.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Long.MAX_VALUE;
        }
        if (d.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
            return Long.MIN_VALUE;
        }
        return d.longValue();
    }

    @Override
    public int intValue() {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, longValue()));
    }

    @Override
    public double doubleValue() {
        return Double.parseDouble(text);
    }

    @Override
    public float floatValue() {
        return Float.parseFloat(text);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SentNumber n && n.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
