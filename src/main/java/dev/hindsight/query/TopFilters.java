package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.EventFilter;
import dev.hindsight.define.PropertyFilter;
import dev.hindsight.define.Rule;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.query.Analysis.EventSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A query's top-level {@code filters: [{key, op, value}]}: conditions on event properties, built-in ones
 * ({@code $channel}, {@code $browser}, ...) included, that every kind of analysis applies. They restrict what the
 * analysis counts: each graph series's events, each funnel step, retention's start and return events, the start
 * event of paths; the users considered by a users query (those with an event in the range that matches); the
 * sessions listed by a sessions query (those with an event in the range that matches).
 */
final class TopFilters {
    /** Most filters in one query: each is a condition on every event read. */
    static final int MAX = 50;

    private TopFilters() {
    }

    /** The filters of a query body as one condition ({@link EventFilter.Always} when there are none). */
    static EventFilter parse(JsonNode body) {
        JsonNode node = body.get("filters");
        if (node == null || node.isNull()) {
            return new EventFilter.Always();
        }
        if (!node.isArray()) {
            throw HindsightException.field("filters", "must be an array of {key, op, value}");
        }
        if (node.size() > MAX) {
            throw QueryLimits.exceeded("filters", "has " + node.size() + " filters; a query has at most " + MAX);
        }
        List<PropertyFilter> filters = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            try {
                filters.add(Json.MAPPER.treeToValue(node.get(i), PropertyFilter.class));
            } catch (Exception e) {
                throw HindsightException.field("filters[" + i + "]", "must be an object {key, op, value}");
            }
        }
        if (filters.isEmpty()) {
            return new EventFilter.Always();
        }
        try {
            Definitions.check(List.of(new Rule("pageview", null, null, null, null, null, null, null, null, null, null,
                    filters)));
        } catch (HindsightException e) {
            // The rules' checker names rules[0].properties[i]; here they are filters[i].
            List<FieldError> errors = e.errors().stream()
                    .map(f -> FieldError.of(f.field().replace("rules[0].properties", "filters"), f.message())).toList();
            throw HindsightException.validation(errors.isEmpty() ? e.getMessage()
                    : errors.get(0).field() + " " + errors.get(0).message(), errors);
        }
        List<EventFilter> all = filters.stream()
                .map(f -> (EventFilter) new EventFilter.PropertyMatches(f.key(), f.op(), f.value())).toList();
        return all.size() == 1 ? all.get(0) : new EventFilter.All(all);
    }

    /** {@code event} restricted to the events that also satisfy {@code filter}. */
    static EventSpec and(EventSpec event, EventFilter filter) {
        if (filter instanceof EventFilter.Always) {
            return event;
        }
        return new EventSpec(event.label(), new EventFilter.All(List.of(event.filter(), filter)));
    }
}
