package dev.hindsight.report;

/**
 * A saved report: a named {@code POST /api/query} body of one environment. {@code query} is the body as compact
 * JSON text, without {@code app_id} (the report's environment is its app id); {@code owner} is who saved it
 * ({@code admin} or {@code secret-key} until accounts exist); times are epoch milliseconds.
 */
public record Report(long id, long envId, String name, String description, String query, String owner,
        long createdAt, long updatedAt) {
}
