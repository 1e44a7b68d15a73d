package dev.hindsight.privacy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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

    private final Set<String> names = new HashSet<>(DEFAULTS);

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
