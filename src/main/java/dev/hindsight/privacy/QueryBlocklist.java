package dev.hindsight.privacy;

import dev.hindsight.error.FieldError;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Query parameters that never reach storage: the defaults every environment has, plus the environment's own.
 * The tracker removes them in the browser; the server removes them again, so an old or hand-written client
 * cannot store them either.
 */
public final class QueryBlocklist {
    /** Names of secrets, passwords and card fields; the tracker has the same list (privacy.js, DEFAULT_BLOCKLIST). */
    public static final List<String> DEFAULTS = List.of("token", "session_id", "api_key", "access_token",
            "client_secret", "email", "reset_token", "password", "pw", "pwd", "pass", "passwd", "passcode", "secret",
            "ssn", "cc", "ccnum", "cc_number", "card_number", "cardnumber", "cvv", "cvv2", "cvc", "csc");

    /** The most names an environment may add. */
    public static final int MAX_NAMES = 200;

    /**
     * A parameter name as it reads decoded: letters, digits and the punctuation names use ({@code utm_source},
     * {@code user[email]}, {@code $token}), and nothing that is markup, a quote, a URL separator or a space.
     */
    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N}_.\\-\\[\\]~:$@!*+,;()]{1,100}");

    private final Set<String> names = new HashSet<>(DEFAULTS);

    /** Why each of {@code names} (after trimming) is not a query parameter's name, naming {@code field[i]}. */
    public static List<FieldError> check(String field, List<String> names) {
        List<FieldError> errors = new ArrayList<>();
        if (names.size() > MAX_NAMES) {
            errors.add(FieldError.of(field, "has " + names.size() + " names, more than the limit of " + MAX_NAMES));
            return errors;
        }
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (n == null || !NAME.matcher(n.strip()).matches()) {
                errors.add(FieldError.of(field + "[" + i + "]", "must be a query parameter's name (as it reads decoded): "
                        + "1 to 100 letters, digits and _ . - [ ] ~ : $ @ ! * + , ; ( ), no spaces, quotes, <, >, &, =, #, ?, / or %"));
            }
        }
        return errors;
    }

    public QueryBlocklist(List<String> extra) {
        extra.forEach(n -> names.add(n.toLowerCase(Locale.ROOT)));
    }

    /** The URL without blocked parameters (names compared case-insensitively, after URL-decoding). */
    public String scrub(String url) {
        if (url == null) {
            return null;
        }
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        int h = url.indexOf('#', q);
        int end = h < 0 ? url.length() : h;
        StringBuilder kept = new StringBuilder();
        for (String pair : url.substring(q + 1, end).split("&")) {
            if (pair.isEmpty() || blocked(pair)) {
                continue;
            }
            kept.append(kept.isEmpty() ? "" : "&").append(pair);
        }
        return url.substring(0, q) + (kept.isEmpty() ? "" : "?" + kept) + url.substring(end);
    }

    private boolean blocked(String pair) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        try {
            name = URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            // keep the raw name
        }
        return names.contains(name.toLowerCase(Locale.ROOT));
    }
}
