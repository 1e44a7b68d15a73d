package dev.hindsight.query;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The users analysis: request {@code {event?, did_not?: bool, properties?: [{key, op, value}], limit?: 1..1000}},
 * answer {@code {users: [{identity, user_key, properties, event_count, first_seen, last_seen}], total}}.
 *
 * <p>Exact semantics. A user is a {@code user_key} after identity resolution (see {@link Engine}): an
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
            for (int i = 0; i < filters.size(); i++) {
                if (filters.get(i) != null && dev.hindsight.define.BuiltIns.isBuiltIn(filters.get(i).key())) {
                    throw HindsightException.field("properties[" + i + "].key", "filters user properties; filter on"
                            + " built-in properties such as '" + filters.get(i).key() + "' with the top-level 'filters'");
                }
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

    static Answer.Users run(Users u, Engine engine) {
        List<Engine.UserRow> rows = engine.users(u);
        return new Answer.Users(view(rows), rows.isEmpty() ? 0 : rows.get(rows.size() - 1).total());
    }

    /** The users of {@code rows}, as answers list them. */
    static List<Answer.User> view(List<Engine.UserRow> rows) {
        List<Answer.User> users = new ArrayList<>();
        for (Engine.UserRow row : rows) {
            JsonNode properties;
            try {
                properties = Json.MAPPER.readTree(row.propertiesJson());
            } catch (Exception e) {
                throw new IllegalStateException("user properties are not a JSON object: " + row.propertiesJson(), e);
            }
            if (properties == null || !properties.isObject()) {
                throw new IllegalStateException("user properties are not a JSON object: " + row.propertiesJson());
            }
            users.add(new Answer.User(row.identity(), row.userKey(), properties, row.eventCount(),
                    Instant.ofEpochMilli(row.firstMs()).toString(), Instant.ofEpochMilli(row.lastMs()).toString()));
        }
        return users;
    }
}
