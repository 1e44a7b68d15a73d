package dev.hindsight.store.duckdb;

import dev.hindsight.define.EventFilter;
import dev.hindsight.define.EventFilter.PropertyMatches;
import dev.hindsight.query.Analysis.Users;

/**
 * The SQL of the users analysis (semantics in the query package's UsersQuery): each resolved user's figures over
 * the range, whether they did the event, and their properties (the identity's, else the anonymous device's) as a
 * JSON object that the property filters read.
 */
final class UsersSql {
    private UsersSql() {
    }

    static Sql sql(Users u, Dialect d) {
        Sql sql = new Sql().append("WITH ").append(Identities.events(d, u.scope(), new EventFilter.Always()))
                .append(", per AS (SELECT user_key, max(" + Identities.IDENTITY_KEY + ") AS identity_key, count(*) AS n,"
                        + " " + d.epochMs("min(time)") + " AS first_ms, " + d.epochMs("max(time)") + " AS last_ms, max(CASE WHEN coalesce(")
                .append(d.filter(u.event() == null ? new EventFilter.Always() : u.event().filter()))
                .append(", FALSE) THEN 1 ELSE 0 END) = 1 AS did FROM ev GROUP BY user_key)")
                // value is a JSON literal, so the object keeps numbers and booleans typed for the filters.
                .append(", up AS (SELECT ik.user_key AS identity_key, " + d.jsonObjectAgg("key", "value") + " AS properties"
                        + " FROM user_properties p JOIN " + d.identityUserKeys() + " ik ON ik.identity = p.identity"
                        + " WHERE p.env_id = ").param(u.scope().envId()).append(" GROUP BY ik.user_key)")
                .append(", dp AS (SELECT dk.user_key AS device_key, " + d.jsonObjectAgg("key", "value") + " AS properties"
                        + " FROM device_properties p JOIN " + d.deviceUserKeys() + " dk ON dk.device_id = p.device_id"
                        + " WHERE p.env_id = ").param(u.scope().envId()).append(" GROUP BY dk.user_key)")
                .append(", joined AS (SELECT per.*, coalesce(up.properties, dp.properties, '{}') AS properties FROM per"
                        + " LEFT JOIN up ON up.identity_key = per.identity_key"
                        + " LEFT JOIN dp ON per.identity_key IS NULL AND dp.device_key = per.user_key)")
                .append(", sel AS (SELECT * FROM joined WHERE " + (u.didNot() ? "NOT did" : "did"));
        if (!(u.scope().filter() instanceof EventFilter.Always)) {
            // The top-level filters: only users with a matching event in the range.
            sql.append(" AND user_key IN (SELECT user_key FROM ev WHERE ").append(d.filter(u.scope().filter())).append(")");
        }
        for (PropertyMatches p : u.properties()) {
            sql.append(" AND coalesce(").append(d.filter(p)).append(", FALSE)");
        }
        if (u.search() != null) {
            sql.append(" AND ").append(search(u, d));
        }
        sql.append("), rest AS (SELECT * FROM sel");
        if (u.after() != null) {
            // The page after the cursor, in the answer's order: older, or as old with a later text.
            sql.append(" WHERE last_ms < ").param(u.after().lastMs()).append(" OR (last_ms = ").param(u.after().lastMs())
                    .append(" AND user_key IN (SELECT user_key FROM " + d.userLabels() + " ul WHERE label > ")
                    .param(u.after().label()).append("))");
        }
        // Ties of last_ms are ordered by the users' text, worked out for the users listed and their ties only.
        return sql.append("), page AS (SELECT *, (SELECT count(*) FROM sel) AS total FROM rest WHERE last_ms >= (SELECT min(last_ms)"
                        + " FROM (SELECT last_ms FROM rest ORDER BY last_ms DESC LIMIT ").param(u.limit()).append(")))")
                .append(" SELECT il.label, ul.label, properties, n, first_ms, last_ms, total FROM page"
                        + " LEFT JOIN " + d.userLabels() + " ul ON ul.user_key = page.user_key"
                        + " LEFT JOIN " + d.userLabels() + " il ON il.user_key = page.identity_key"
                        + " ORDER BY last_ms DESC, ul.label LIMIT ").param(u.limit());
    }

    /**
     * The condition that a user's text (identity, or device) or one of its property values contains the search,
     * ignoring case: the search comes lower-cased, property values are compared as their text.
     */
    private static Sql search(Users u, Dialect d) {
        String text = u.search();
        String value = "lower(json_extract_string(p.value, '$'))";
        return new Sql().append("(user_key IN (SELECT user_key FROM " + d.userLabels() + " ul WHERE contains(lower(label), ")
                .param(text).append("))")
                .append(" OR identity_key IN (SELECT ik.user_key FROM user_properties p JOIN " + d.identityUserKeys()
                        + " ik ON ik.identity = p.identity WHERE p.env_id = ").param(u.scope().envId())
                .append(" AND contains(" + value + ", ").param(text).append("))")
                .append(" OR identity_key IS NULL AND user_key IN (SELECT dk.user_key FROM device_properties p JOIN "
                        + d.deviceUserKeys() + " dk ON dk.device_id = p.device_id WHERE p.env_id = ").param(u.scope().envId())
                .append(" AND contains(" + value + ", ").param(text).append(")))");
    }
}
