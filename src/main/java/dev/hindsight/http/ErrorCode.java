package dev.hindsight.http;

/**
 * A stable error code: each maps to one HTTP status and one problem type URI that clients may switch on.
 */
public enum ErrorCode {
    VALIDATION(400, "validation", "Invalid input"),
    MALFORMED_JSON(400, "malformed-json", "Malformed JSON"),
    LIMIT_EXCEEDED(400, "limit-exceeded", "Limit exceeded"),
    UNAUTHORIZED(401, "unauthorized", "Missing or invalid credentials"),
    FORBIDDEN(403, "forbidden", "Not allowed"),
    ORIGIN_NOT_ALLOWED(403, "origin-not-allowed", "Origin not allowed"),
    NOT_FOUND(404, "not-found", "Not found"),
    UNKNOWN_APP_ID(404, "unknown-app-id", "Unknown app id"),
    REQUEST_TIMEOUT(408, "request-timeout", "Request timeout"),
    CONFLICT(409, "conflict", "Conflict"),
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    RATE_LIMITED(429, "rate-limited", "Too many requests"),
    OVERLOADED(503, "overloaded", "Server overloaded"),
    QUERY_TIMEOUT(503, "query-timeout", "Query timed out"),
    UNAVAILABLE(503, "unavailable", "Service unavailable"),
    INTERNAL(500, "internal", "Internal error");

    private final int status;
    private final String slug;
    private final String title;

    ErrorCode(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The problem type URI; it names documentation anchors in the README's "Errors" section. */
    public String type() {
        return "https://hindsight.dev/problems/" + slug;
    }
}
