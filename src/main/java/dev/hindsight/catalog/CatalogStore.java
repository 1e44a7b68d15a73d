package dev.hindsight.catalog;

import dev.hindsight.define.EventFilter;
import java.util.List;

/**
 * The catalog's port to an engine: a small per-environment summary of the events (names, properties, top values,
 * raw interactions, definitions' counts) kept up to date incrementally, and the reads that serve autocomplete from it
 * without scanning the events. {@code store.duckdb} implements it.
 */
public interface CatalogStore {

    /**
     * Reads at most one slice of the events appended since the last call (by the store's {@code seq}) into the
     * summary, and brings every definition's counts in line with its current rules, in one transaction; whether
     * events remain to be read. Only one thread calls it at a time.
     */
    boolean refresh(List<TrackedDefinition> definitions);

    /**
     * Custom event names that start with {@code prefix}, most frequent first, at most {@code limit}; with no prefix,
     * also the other kinds (with a null name), at most {@code limit} of them.
     */
    List<NameStat> names(long envId, String prefix, int limit);

    /** The counts of an environment's definitions, by definition id (a definition no event matched has none). */
    List<DefinitionStat> definitions(long envId);

    /** Event or user properties whose name starts with {@code prefix}, most frequent first, each with top values. */
    List<PropertyStat> properties(long envId, Scope scope, String prefix, int limit, int topValues);

    /** A property's values that start with {@code prefix}, most frequent first. */
    List<ValueStat> values(long envId, Scope scope, String key, String prefix, int limit);

    /** The most frequent raw interactions of {@code kinds} that none of {@code covered} matches. */
    List<InteractionStat> candidates(long envId, List<String> kinds, List<EventFilter> covered, int limit);

    /** A definition as the summary counts it: its filter, and its rules' text (a change of text is a recount). */
    record TrackedDefinition(long envId, long id, String rules, EventFilter filter) {
    }

    /** Whose properties: the events' or the users'. */
    enum Scope {
        EVENT, USER
    }

    record NameStat(String kind, String name, long count, long firstSeenMs, long lastSeenMs) {
    }

    record DefinitionStat(long id, long count, long firstSeenMs, long lastSeenMs) {
    }

    record TypeStat(String type, long count) {
    }

    record ValueStat(String value, String type, long count, long firstSeenMs, long lastSeenMs) {
    }

    record PropertyStat(String name, List<TypeStat> types, long count, long firstSeenMs, long lastSeenMs,
            List<ValueStat> topValues) {
    }

    /** Raw interactions alike in kind, element hierarchy, text, link and page path. */
    record InteractionStat(String kind, String hierarchy, String text, String href, String path, long count,
            long firstSeenMs, long lastSeenMs) {
    }
}
