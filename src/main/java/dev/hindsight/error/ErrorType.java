package dev.hindsight.error;

/**
 * The kind of an {@link ErrorCode}, independent of any transport: whose fault a failure is and whether trying
 * again can help (as Trino's {@code ErrorType} classifies its error codes). The HTTP layer maps codes to statuses;
 * nothing else needs to know about statuses.
 */
public enum ErrorType {
    /** The request itself is wrong (bad input, too big, too slow to arrive); the same request fails again. */
    USER_ERROR,
    /** The caller did not prove who it is. */
    UNAUTHENTICATED,
    /** The caller is known but may not do this. */
    PERMISSION_DENIED,
    /** What the request names does not exist. */
    NOT_FOUND,
    /** The request contradicts the current state (such as a name already taken). */
    CONFLICT,
    /** The caller sent more than its share; it may try again later. */
    THROTTLED,
    /** The server has no capacity for the request now; it may be tried again later. */
    OVERLOADED,
    /** A part the request needs (such as the store) is failing. */
    UNAVAILABLE,
    /** A fault of the server. */
    INTERNAL
}
