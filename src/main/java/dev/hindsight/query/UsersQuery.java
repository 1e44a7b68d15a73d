package dev.hindsight.query;

import dev.hindsight.define.EventFilter;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.PropertyFilter;
import dev.hindsight.define.Rule;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.Users;
import dev.hindsight.define.EventFilter.PropertyMatches;
import dev.hindsight.store.SqlRunner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The users analysis: request {@code {event?, did_not?: bool, properties?: [{key, op, value}], limit?: 1..1000}},
 * answer {@code {users: [{identity, user_key, properties, event_count, first_seen, last_seen}], total}}.
 *
 * <p>Exact semantics. A user is a {@code user_key} after identity resolution (see {@link Identities}): an
 * identified user, or an anonymous device ({@code identity} null). The users considered are those with at least one
 * event in [from, to). With an {@code event}, "did" keeps those with at least one matching event in the range;
 * {@code did_not: true} keeps those with none. Property filters are AND-ed over the user's properties (the
 * user_properties of its identity; an anonymous user's are its device's, set before identify), with the operators
 * of event property filters:
 * {@code !=} and {@code is_not_set} match a missing property, every other operator needs it. {@code event_count},
 * {@code first_seen} and {@code last_seen} cover all of the user's events in the range. {@code total} counts every
 * user that qualifies; {@code users} lists the first {@code limit} (default 100), most recently seen first, then by
 * user_key.
 */
final class UsersQuery {
    private UsersQuery() {
    }

    static Users parse(JsonNode body, Scope scope, Function<String, EventSpec> events) {
        EventSpec event = body.hasNonNull("event") ? events.apply("/event") : null;
        boolean didNot = QueryLimits.bool(body, "did_not", "did_not", false);
        if (didNot && event == null) {
            throw HindsightException.field("event", "is required with did_not");
        }
        List<PropertyMatches> props = new ArrayList<>();
        JsonNode p = body.get("properties");
        if (p != null && !p.isNull()) {
            List<PropertyFilter> filters;
            try {
                filters = List.of(Json.MAPPER.treeToValue(p, PropertyFilter[].class));
            } catch (Exception e) {
                throw HindsightException.field("properties", "must be an array of {key, op, value}");
            }
            // The definition rules check keys, operators and values the same way for user properties.
            try {
                Definitions.check(List.of(new Rule("pageview", null, null, null, null, null, null, null, null, null,
                        null, filters)));
            } catch (HindsightException e) {
                throw HindsightException.field("properties",
                        e.errors().isEmpty() ? e.getMessage() : e.errors().get(0).message());
            }
            filters.forEach(f -> props.add(new PropertyMatches(f.key(), f.op(), f.value())));
        }
        int limit = QueryLimits.whole(body, "limit", "limit", 100, 1, 1000);
        return new Users(scope, event, didNot, props, limit);
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
        for (PropertyMatches p : u.properties()) {
            sql.append(" AND coalesce(").append(d.filter(p)).append(", FALSE)");
        }
        // Ties of last_ms are ordered by the users' text, worked out for the users listed and their ties only.
        return sql.append("), page AS (SELECT *, (SELECT count(*) FROM sel) AS total FROM sel WHERE last_ms >= (SELECT min(last_ms)"
                        + " FROM (SELECT last_ms FROM sel ORDER BY last_ms DESC LIMIT ").param(u.limit()).append(")))")
                .append(" SELECT il.label, ul.label, properties, n, first_ms, last_ms, total FROM page"
                        + " LEFT JOIN " + d.userLabels() + " ul ON ul.user_key = page.user_key"
                        + " LEFT JOIN " + d.userLabels() + " il ON il.user_key = page.identity_key"
                        + " ORDER BY last_ms DESC, ul.label LIMIT ").param(u.limit());
    }

    static Map<String, Object> run(Users u, Dialect d, SqlRunner runner) {
        Sql q = sql(u, d);
        long[] total = {0};
        List<Map<String, Object>> users = runner.query(q.text(), q.params(), rs -> {
            Map<String, Object> user = new LinkedHashMap<>();
            user.put("identity", rs.getString(1));
            user.put("user_key", rs.getString(2));
            try {
                user.put("properties", Json.MAPPER.readValue(rs.getString(3), new TypeReference<Map<String, Object>>() {
                }));
            } catch (Exception e) {
                throw new IllegalStateException("user properties are not a JSON object: " + rs.getString(3), e);
            }
            user.put("event_count", rs.getLong(4));
            user.put("first_seen", Instant.ofEpochMilli(rs.getLong(5)).toString());
            user.put("last_seen", Instant.ofEpochMilli(rs.getLong(6)).toString());
            total[0] = rs.getLong(7);
            return user;
        });
        return Map.of("users", users, "total", total[0]);
    }
}
