package dev.hindsight.cohort;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Durable storage of cohorts and of static cohorts' identities, per environment (the store implements it). A
 * static cohort's identities are kept with when each was added and removed, so that its membership at any moment
 * is known.
 */
public interface CohortCatalog {

    /** At most {@code limit} cohorts of an environment with an id above {@code afterId}, by id. */
    List<Cohort> cohorts(long envId, long afterId, int limit);

    int count(long envId);

    Optional<Cohort> cohort(long envId, long id);

    /** Stores a new cohort and returns it with its id. */
    Cohort insert(Cohort c);

    void update(Cohort c);

    /** Deletes a cohort and its identities; whether it existed. */
    boolean delete(long envId, long id);

    /** Adds the identities not listed yet at {@code nowMs}; how many were new. */
    int addMembers(long cohortId, Collection<String> identities, long nowMs);

    /** Removes at {@code nowMs} every listed identity not in {@code identities}, then adds the new ones. */
    void replaceMembers(long cohortId, Collection<String> identities, long nowMs);

    /** How many identities are listed now. */
    int countMembers(long cohortId);
}
