package dev.hindsight.cohort;

/**
 * A saved cohort of one environment: {@code definition} is its rule as compact JSON text (dynamic, see
 * {@link CohortDefinitions}), or {@code {"type":"static"}} for an uploaded list of identities kept beside it; times
 * are epoch milliseconds, and {@code updatedAt} also moves when a static list changes.
 */
public record Cohort(long id, long envId, String name, String description, String definition, long createdAt,
        long updatedAt) {

    /** Whether this is a static list of identities rather than a rule. */
    public boolean isStatic() {
        return definition.equals(CohortDefinitions.STATIC);
    }
}
