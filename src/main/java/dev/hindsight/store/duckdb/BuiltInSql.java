package dev.hindsight.store.duckdb;

import dev.hindsight.define.BuiltIns;
import dev.hindsight.define.EventFilter.PropertyMatches;
import java.util.Collection;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The built-in properties ({@link BuiltIns}) in DuckDB's SQL: each one's value as a VARCHAR expression over a row
 * of the events table (its columns unqualified, whatever the row's relation is called), NULL when the event has none.
 * Session-level ones look the row's session up in {@code session_firsts} ({@link SessionFirsts}), which keeps them
 * per session, through a correlated subquery that DuckDB turns into a join; an event without a session works them
 * out from its own columns.
 */
final class BuiltInSql {
    private BuiltInSql() {
    }

    /** The value of built-in {@code key} (checked with {@link BuiltIns#problem}) for the current events row. */
    static String value(String key) {
        String user = BuiltIns.userProperty(key);
        if (user != null) {
            return userProperty(user);
        }
        String atEvent = BuiltIns.userPropertyAtEvent(key);
        if (atEvent != null) {
            return userPropertyAtEvent(atEvent);
        }
        BuiltIns.Level level = BuiltIns.ALL.get(key);
        if (level == null) {
            throw new IllegalArgumentException("not a built-in property: " + key);
        }
        return switch (level) {
            case EVENT -> event(key);
            case LOCATION -> "nullif(" + key.substring(1) + ", '')";
            // An event without a session is its own session's first event.
            // The store keeps each session's first event in session_firsts (see DuckDb), one row per session.
            // Each session's values are kept in session_firsts (see SessionFirsts): a lookup by the session's key.
            case SESSION -> "(CASE WHEN session_key IS NULL THEN " + session(key, c -> c) + " ELSE (SELECT "
                    + SessionFirsts.column(key) + " FROM session_firsts WHERE sf_key = session_key) END)";
        };
    }

    /**
     * The condition of a filter on a built-in, with the operators' meaning for event properties. On a session-level
     * one it is a semi-join: the sessions whose kept values pass, found once, rather than a lookup per event.
     */
    static Sql filter(PropertyMatches p) {
        if (BuiltIns.ALL.get(p.key()) == BuiltIns.Level.SESSION) {
            return new Sql().append("(CASE WHEN session_key IS NULL THEN coalesce(")
                    .append(condition(p, session(p.key(), c -> c))).append(", FALSE) ELSE session_key IN (SELECT sf_key"
                            + " FROM session_firsts WHERE coalesce(")
                    .append(condition(p, SessionFirsts.column(p.key()))).append(", FALSE)) END)");
        }
        return condition(p, value(p.key()));
    }

    /**
     * The value of a session-level built-in in a relation joined to {@code session_firsts} on the session's key
     * (its {@code sf_} columns at hand); any other built-in's {@link #value}.
     */
    static String joinedValue(String key) {
        if (BuiltIns.ALL.get(key) != BuiltIns.Level.SESSION) {
            return value(key);
        }
        return "(CASE WHEN session_key IS NULL THEN " + session(key, c -> c) + " ELSE " + SessionFirsts.column(key) + " END)";
    }

    /** Whether {@code key} is a session-level built-in (see {@link #joinedValue}). */
    static boolean isSessionLevel(String key) {
        return BuiltIns.ALL.get(key) == BuiltIns.Level.SESSION;
    }

    /** Whether {@code key} is a user property ({@code $user.<name>} or {@code $user_at_event.<name>}). */
    static boolean isUserLevel(String key) {
        return BuiltIns.userProperty(key) != null || BuiltIns.userPropertyAtEvent(key) != null;
    }

    /**
     * The rows of the events relation {@code from} with one more column, {@code bv}: the user-level {@code key}'s
     * value, by the rules of {@link #value}, found by joins rather than a lookup per event. A value at the event's
     * time joins the span of the property's history that holds it (from a set to the owner's next): as correlated
     * lookups, DuckDB compared each event with its user's sets one by one, and an ASOF join was slower still.
     */
    static String userJoined(String key, String from) {
        // The identity whose properties an event reads: its own, else its device's current link.
        String owners = "(SELECT x.*, coalesce(x.identity, dl.l_id) AS u_id FROM " + from + " x LEFT JOIN (SELECT"
                + " env_id AS l_env, device_id AS l_dev, last(identity ORDER BY valid_from, id) AS l_id"
                + " FROM identity_links WHERE undone_at IS NULL GROUP BY env_id, device_id) dl"
                + " ON dl.l_env = x.env_id AND dl.l_dev = x.device_id)";
        String atEvent = BuiltIns.userPropertyAtEvent(key);
        if (atEvent != null) {
            // Each set with the span it holds for: until the owner's next set.
            String spans = "(SELECT env_id AS h_env, left(owner, 1) AS h_kind, substr(owner, 3) AS h_id, valid_from AS h_from,"
                    + " coalesce(lead(valid_from) OVER (PARTITION BY env_id, owner ORDER BY valid_from, value),"
                    + " TIMESTAMP '9999-12-31') AS h_to, json_extract_string(value, '$') AS h_v FROM property_history"
                    + " WHERE name = " + literal(atEvent) + ")";
            return "SELECT o.* EXCLUDE (u_id), CASE WHEN o.identity IS NOT NULL THEN hi.h_v ELSE coalesce(hi.h_v, hd.h_v)"
                    + " END AS bv FROM " + owners + " o LEFT JOIN (SELECT * FROM " + spans + " WHERE h_kind = 'i') hi"
                    + " ON hi.h_env = o.env_id AND hi.h_id = o.u_id AND o.time >= hi.h_from AND o.time < hi.h_to"
                    + " LEFT JOIN (SELECT * FROM " + spans + " WHERE h_kind = 'd') hd ON hd.h_env = o.env_id"
                    + " AND hd.h_id = o.device_id AND o.time >= hd.h_from AND o.time < hd.h_to";
        }
        String name = literal(BuiltIns.userProperty(key));
        return "SELECT o.* EXCLUDE (u_id), CASE WHEN o.identity IS NOT NULL THEN up.u_v ELSE coalesce(up.u_v, dp.d_v)"
                + " END AS bv FROM " + owners + " o LEFT JOIN (SELECT env_id AS u_env, identity AS u_ident,"
                + " json_extract_string(value, '$') AS u_v FROM user_properties WHERE key = " + name + ") up"
                + " ON up.u_env = o.env_id AND up.u_ident = o.u_id LEFT JOIN (SELECT env_id AS d_env, device_id AS d_dev,"
                + " json_extract_string(value, '$') AS d_v FROM device_properties WHERE key = " + name + ") dp"
                + " ON dp.d_env = o.env_id AND dp.d_dev = o.device_id";
    }

    /** {@code p}'s operator applied to the value expression {@code v}. */
    private static Sql condition(PropertyMatches p, String v) {
        return switch (p.op()) {
            case "is_set" -> new Sql().append(v + " IS NOT NULL");
            case "is_not_set" -> new Sql().append(v + " IS NULL");
            case "contains" -> new Sql().append("contains(" + v + ", ").param(String.valueOf(p.value())).append(")");
            case ">", "<", ">=", "<=" -> new Sql().append("TRY_CAST(" + v + " AS DOUBLE) " + p.op() + " ")
                    .param(((Number) p.value()).doubleValue());
            case "=", "!=" -> {
                String op = p.op().equals("=") ? " = " : " IS DISTINCT FROM ";
                yield p.value() instanceof Number n
                        ? new Sql().append("TRY_CAST(" + v + " AS DOUBLE)" + op).param(n.doubleValue())
                        : new Sql().append(v + op).param(String.valueOf(p.value()));
            }
            default -> throw new IllegalArgumentException("unknown property operator " + p.op());
        };
    }

    private static String event(String key) {
        return switch (key) {
            case "$domain" -> host("url");
            case "$browser", "$browser_version", "$os", "$os_version", "$device_type", "$url", "$path", "$title",
                    "$hash" -> "nullif(" + key.substring(1) + ", '')";
            default -> throw new IllegalArgumentException(key);
        };
    }

    /** A session-level built-in over the first event's fields, as {@code col} names them. */
    static String session(String key, UnaryOperator<String> col) {
        return switch (key) {
            case "$referrer" -> "nullif(" + col.apply("referrer") + ", '')";
            case "$referring_domain" -> host(col.apply("referrer"));
            case "$landing_page" -> "nullif(" + col.apply("url") + ", '')";
            case "$landing_path" -> "nullif(" + col.apply("path") + ", '')";
            case "$utm_source", "$utm_medium", "$utm_campaign", "$utm_term", "$utm_content" ->
                    param(col.apply("query"), key.substring(1));
            case "$channel" -> channel(col);
            default -> throw new IllegalArgumentException(key);
        };
    }

    /**
     * {@link BuiltIns#channel}, rule by rule. Each field is worked out once and bound to a lambda's parameter: written
     * out in place, the rules repeat the referrer's host a dozen times, and DuckDB's common-subexpression pass then
     * hoists those regexes out of the CASE that guards them, so they ran for every row of a query, not only for the
     * events without a session (4 s instead of 0.6 s over 2 million events with a session each).
     */
    private static String channel(UnaryOperator<String> col) {
        String query = col.apply("query");
        String fields = "struct_pack(medium := lower(" + param(query, "utm_medium") + "), source := lower("
                + param(query, "utm_source") + "), referrer := " + host(col.apply("referrer")) + ", url := "
                + host(col.apply("url")) + ", query := coalesce(" + query + ", ''))";
        String medium = "f.medium";
        String referrer = "f.referrer";
        String clickIds = "regexp_matches(f.query, '(^|&)(" + String.join("|", BuiltIns.CLICK_IDS) + ")(=|&|$)')";
        String social = "(list_has_any(string_split(" + referrer + ", '.'), " + list(BuiltIns.SOCIAL_LABELS) + ") OR "
                + BuiltIns.SOCIAL_HOSTS.stream().sorted().map(h -> referrer + " = " + literal(h) + " OR ends_with("
                        + referrer + ", " + literal("." + h) + ")").collect(Collectors.joining(" OR ")) + ")";
        String search = "list_has_any(string_split(" + referrer + ", '.'), " + list(BuiltIns.SEARCH_LABELS) + ")";
        return "list_transform([" + fields + "], lambda f: CASE WHEN " + medium + " IN " + in(BuiltIns.PAID_MEDIUMS)
                + " OR starts_with(" + medium + ", 'paid') OR " + clickIds + " THEN 'paid'"
                + " WHEN " + medium + " IN " + in(BuiltIns.EMAIL_MEDIUMS) + " OR f.source IN "
                + in(BuiltIns.EMAIL_SOURCES) + " THEN 'email'"
                + " WHEN " + medium + " IN " + in(BuiltIns.SOCIAL_MEDIUMS) + " OR coalesce(" + social + ", FALSE) THEN 'social'"
                + " WHEN coalesce(" + search + ", FALSE) THEN 'search'"
                + " WHEN " + referrer + " IS NOT NULL AND " + referrer + " IS DISTINCT FROM f.url"
                + " THEN 'referral' ELSE 'direct' END)[1]";
    }

    /** The lower-cased host of a URL expression ({@link BuiltIns#host}), NULL when it has none. */
    static String host(String url) {
        return "nullif(lower(regexp_extract(" + url + ", " + literal(BuiltIns.HOST_REGEX) + ", 1)), '')";
    }

    /** The first value of query parameter {@code name} in a query-string expression, %XX-decoded; NULL when empty. */
    private static String param(String query, String name) {
        return "nullif(url_decode(regexp_extract(" + query + ", '(?:^|&)" + name + "=([^&]*)', 1)), '')";
    }

    /**
     * User property {@code name}'s latest value for the event's user: its own identity, else the identity its device
     * was last linked to (by a link not undone), else, for a device never identified, the device's properties. The
     * stored value is a JSON literal, read as text.
     */
    private static String userProperty(String name) {
        String key = literal(name);
        // One level of correlation per lookup, as in userPropertyAtEvent: a lookup nested in another's condition
        // made the engine compare every event with every user.
        String users = "SELECT env_id AS u_env, identity AS u_id, json_extract_string(value, '$') AS v"
                + " FROM user_properties WHERE key = " + key;
        String linked = "SELECT dl.l_env AS u_env, dl.l_dev AS u_dev, up.v FROM (SELECT env_id AS l_env,"
                + " device_id AS l_dev, last(identity ORDER BY valid_from, id) AS l_id FROM identity_links"
                + " WHERE undone_at IS NULL GROUP BY env_id, device_id) dl JOIN (" + users + ") up"
                + " ON up.u_env = dl.l_env AND up.u_id = dl.l_id";
        return "(CASE WHEN identity IS NOT NULL THEN (SELECT ui.v FROM (" + users + ") ui WHERE ui.u_env = env_id"
                + " AND ui.u_id = identity) ELSE coalesce((SELECT ul.v FROM (" + linked + ") ul WHERE ul.u_env = env_id"
                + " AND ul.u_dev = device_id), (SELECT dp.v FROM (SELECT env_id AS d_env, device_id AS d_id,"
                + " json_extract_string(value, '$') AS v FROM device_properties WHERE key = " + key + ") dp"
                + " WHERE dp.d_env = env_id AND dp.d_id = device_id)) END)";
    }

    /**
     * User property {@code name}'s value at the event's time for the event's user, by the rules of
     * {@link #userProperty}: of the sets in {@code property_history} (see DuckDb) to the user's identity, the last at
     * or before the event's time; else, for an event without an identity, of those to its device. The stored value
     * is a JSON literal, read as text.
     */
    private static String userPropertyAtEvent(String name) {
        String key = literal(name);
        // One level of correlation per lookup, on equalities and the time: a lookup nested in another's condition
        // (the device's link inside the owner's key) makes the engine compare every event with every set.
        String sets = "SELECT env_id AS h_env, owner AS h_owner, valid_from AS h_from, json_extract_string(value, '$') AS v"
                + " FROM property_history WHERE name = " + key;
        String linked = "SELECT dl.l_env AS h_env, dl.l_dev AS h_dev, h.h_from, h.v FROM (SELECT env_id AS l_env,"
                + " device_id AS l_dev, last(identity ORDER BY valid_from, id) AS l_id FROM identity_links"
                + " WHERE undone_at IS NULL GROUP BY env_id, device_id) dl JOIN (" + sets + ") h"
                + " ON h.h_env = dl.l_env AND h.h_owner = 'i:' || dl.l_id";
        return "(CASE WHEN identity IS NOT NULL THEN (SELECT arg_max(pi.v, pi.h_from) FROM (" + sets + ") pi"
                + " WHERE pi.h_env = env_id AND pi.h_owner = 'i:' || identity AND pi.h_from <= time)"
                + " ELSE coalesce((SELECT arg_max(pl.v, pl.h_from) FROM (" + linked + ") pl WHERE pl.h_env = env_id"
                + " AND pl.h_dev = device_id AND pl.h_from <= time), (SELECT arg_max(pd.v, pd.h_from) FROM (" + sets
                + ") pd WHERE pd.h_env = env_id AND pd.h_owner = 'd:' || device_id AND pd.h_from <= time)) END)";
    }

    private static String in(Collection<String> values) {
        return "(" + values.stream().sorted().map(BuiltInSql::literal).collect(Collectors.joining(", ")) + ")";
    }

    private static String list(Collection<String> values) {
        return "[" + values.stream().sorted().map(BuiltInSql::literal).collect(Collectors.joining(", ")) + "]";
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
