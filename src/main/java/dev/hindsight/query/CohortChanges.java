package dev.hindsight.query;

import java.util.List;

/**
 * Who joined and who left a cohort (by their text, sorted) between two instants, {@code since} and {@code until}
 * (now); see {@link UserList#changes}.
 */
public record CohortChanges(CohortRef cohort, String since, String until, List<String> added, List<String> removed) {
}
