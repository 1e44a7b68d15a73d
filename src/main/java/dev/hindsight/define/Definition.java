package dev.hindsight.define;

import java.util.List;

/**
 * A named event defined after the fact over raw events: one or more {@link Rule}s, OR-ed. Evaluated at query
 * time, so it applies to all history and an edit changes past counts too.
 */
public record Definition(long id, long envId, String name, String description, String category, String owner,
        String status, List<Rule> rules, long createdAt, long updatedAt) {

    public static final List<String> STATUSES = List.of("draft", "verified");
}
