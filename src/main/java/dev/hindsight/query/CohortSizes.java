package dev.hindsight.query;

import java.util.List;

/**
 * A cohort's size over time (see {@link UserList#sizes}): a point per {@code interval} (day or week) of the range,
 * and the range as answers echo it.
 */
public record CohortSizes(CohortRef cohort, String interval, List<Point> points, Answer.Range range) {
    /** The cohort's size at {@code at} (an instant: the end of the interval starting at {@code t}, or now). */
    public record Point(String t, String at, int size) {
    }
}
