package dev.hindsight.http;

import dev.hindsight.error.HindsightException;
import io.javalin.http.Context;

/** Query-string parameters read strictly: a value out of its range is a 400 naming the parameter. */
public final class Params {

    private Params() {
    }

    /** The whole number {@code name} within [min, max], or {@code fallback} when the request does not give it. */
    public static long whole(Context ctx, String name, long fallback, long min, long max) {
        String v = ctx.queryParam(name);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Refused below with the range.
        }
        throw HindsightException.field(name, "must be a whole number from " + min + " to " + max);
    }
}
