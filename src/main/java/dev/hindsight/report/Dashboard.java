package dev.hindsight.report;

import java.util.List;

/**
 * A dashboard: a named, ordered list of saved reports of one environment. {@code owner} is as {@link Report}'s;
 * times are epoch milliseconds.
 */
public record Dashboard(long id, long envId, String name, String description, List<Long> reportIds, String owner,
        long createdAt, long updatedAt) {
    public Dashboard {
        reportIds = List.copyOf(reportIds);
    }
}
