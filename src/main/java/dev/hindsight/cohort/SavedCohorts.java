package dev.hindsight.cohort;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import dev.hindsight.query.Analysis.CohortSpec;
import dev.hindsight.query.CohortLookup;
import dev.hindsight.query.Membership;
import java.util.Optional;

/**
 * The saved cohorts as analyses find them: a definition is read again at each query, so that the event
 * definitions it names apply as they are now (retroactively, like everything else).
 */
public final class SavedCohorts implements CohortLookup {
    private final CohortCatalog catalog;

    public SavedCohorts(CohortCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public Optional<CohortSpec> cohort(Environment env, long id, EventParser events) {
        return catalog.cohort(env.id(), id).map(c -> new CohortSpec(c.id(), c.name(), membership(c, events)));
    }

    /** A cohort's rule: its uploaded list (at its current version), or its definition read. */
    static Membership membership(Cohort c, EventParser events) {
        if (c.isStatic()) {
            return new Membership.Listed(c.id(), c.updatedAt());
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(c.definition());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cohort " + c.id() + " has an unreadable definition", e);
        }
        return CohortDefinitions.parse(tree, "definition", events);
    }
}
