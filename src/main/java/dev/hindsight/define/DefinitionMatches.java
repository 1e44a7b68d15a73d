package dev.hindsight.define;

import dev.hindsight.error.HindsightException;
import dev.hindsight.store.RawEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Which of an environment's definitions raw events match, by the definitions' compiled rules (the same filters the
 * preview and the analyses use): the live view and a user's event stream show them next to each event.
 */
public final class DefinitionMatches {
    private final DefinitionCatalog catalog;
    private final MatchingEvents queries;

    public DefinitionMatches(DefinitionCatalog catalog, MatchingEvents queries) {
        this.catalog = catalog;
        this.queries = queries;
    }

    /** An environment's definitions with their filters, in id order; one whose rules no longer compile is left out. */
    public record Compiled(List<Definition> definitions, List<EventFilter> filters) {
        /** The definitions matched, as {@code {id, name}}, from one row of match flags. */
        public List<Map<String, Object>> named(boolean[] matches) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (int i = 0; matches != null && i < definitions.size(); i++) {
                if (matches[i]) {
                    out.add(Map.of("id", definitions.get(i).id(), "name", definitions.get(i).name()));
                }
            }
            return out;
        }
    }

    public Compiled compiled(long envId) {
        List<Definition> all = new ArrayList<>(catalog.list(envId));
        all.sort(Comparator.comparingLong(Definition::id));
        List<Definition> defs = new ArrayList<>();
        List<EventFilter> filters = new ArrayList<>();
        for (Definition d : all) {
            try {
                filters.add(Definitions.compile(d.rules()));
                defs.add(d);
            } catch (HindsightException e) {
                // A definition saved before a rule existed no longer compiles: it matches nothing here.
            }
        }
        return new Compiled(defs, filters);
    }

    /** For each event, the definitions it matches as {@code {id, name}}, in the events' order. */
    public List<List<Map<String, Object>>> of(long envId, List<RawEvent> events) {
        Compiled c = compiled(envId);
        Map<UUID, boolean[]> m = queries.matches(envId, events.stream().map(RawEvent::eventId).toList(), c.filters());
        return events.stream().map(e -> c.named(m.get(e.eventId()))).toList();
    }
}
