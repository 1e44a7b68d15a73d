package dev.hindsight.error;

/**
 * A stable error code that clients may switch on: its {@link ErrorType}, a slug (the last part of its problem
 * type URI over HTTP) and a short title. The HTTP layer alone maps codes to statuses.
 */
public enum ErrorCode {
    VALIDATION(ErrorType.USER_ERROR, "validation", "Invalid input"),
    MALFORMED_JSON(ErrorType.USER_ERROR, "malformed-json", "Malformed JSON"),
    LIMIT_EXCEEDED(ErrorType.USER_ERROR, "limit-exceeded", "Limit exceeded"),
    UNAUTHORIZED(ErrorType.UNAUTHENTICATED, "unauthorized", "Missing or invalid credentials"),
    FORBIDDEN(ErrorType.PERMISSION_DENIED, "forbidden", "Not allowed"),
    CSRF(ErrorType.PERMISSION_DENIED, "csrf", "Missing or wrong CSRF token"),
    ORIGIN_NOT_ALLOWED(ErrorType.PERMISSION_DENIED, "origin-not-allowed", "Origin not allowed"),
    NOT_FOUND(ErrorType.NOT_FOUND, "not-found", "Not found"),
    UNKNOWN_APP_ID(ErrorType.NOT_FOUND, "unknown-app-id", "Unknown app id"),
    GONE(ErrorType.NOT_FOUND, "gone", "No longer valid"),
    REQUEST_TIMEOUT(ErrorType.USER_ERROR, "request-timeout", "Request timeout"),
    CONFLICT(ErrorType.CONFLICT, "conflict", "Conflict"),
    EVENT_ID_CONFLICT(ErrorType.CONFLICT, "event-id-conflict", "Event id taken by another payload"),
    PAYLOAD_TOO_LARGE(ErrorType.USER_ERROR, "payload-too-large", "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(ErrorType.USER_ERROR, "unsupported-media-type", "Unsupported media type"),
    RATE_LIMITED(ErrorType.THROTTLED, "rate-limited", "Too many requests"),
    OVERLOADED(ErrorType.OVERLOADED, "overloaded", "Server overloaded"),
    QUERY_TIMEOUT(ErrorType.OVERLOADED, "query-timeout", "Query timed out"),
    UNAVAILABLE(ErrorType.UNAVAILABLE, "unavailable", "Service unavailable"),
    INTERNAL(ErrorType.INTERNAL, "internal", "Internal error");

    private final ErrorType errorType;
    private final String slug;
    private final String title;

    ErrorCode(ErrorType errorType, String slug, String title) {
        this.errorType = errorType;
        this.slug = slug;
        this.title = title;
    }

    public ErrorType errorType() {
        return errorType;
    }

    /** The code's stable name in lower case with dashes; it names documentation anchors in the README's "Errors". */
    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }
}
