package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.project.Environment;
import java.util.Optional;

/**
 * The port through which analyses find saved cohorts by id (the cohort package implements it), so that the query
 * package needs nothing of how cohorts are stored.
 */
public interface CohortLookup {

    /** Parses an event of a request or a cohort definition, as {@code POST /api/query} reads events. */
    @FunctionalInterface
    interface EventParser {
        Analysis.EventSpec parse(JsonNode node, String pointer);
    }

    /** The cohort {@code id} of {@code env}, its definition's events read by {@code events}; empty when it has none. */
    Optional<Analysis.CohortSpec> cohort(Environment env, long id, EventParser events);

    /** No cohorts at all. */
    CohortLookup NONE = (env, id, events) -> Optional.empty();
}
