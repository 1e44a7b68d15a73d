package dev.hindsight.query;

/** A saved cohort as answers name it: its id and name. */
public record CohortRef(long id, String name) {
    /** The reference to the cohort {@code c}. */
    public static CohortRef of(Analysis.CohortSpec c) {
        return new CohortRef(c.id(), c.name());
    }
}
