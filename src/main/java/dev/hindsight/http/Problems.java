package dev.hindsight.http;

import dev.hindsight.error.HindsightException;
import dev.hindsight.error.ErrorCode;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes errors as RFC 9457 problem+json bodies. */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {
    }

    public static void write(Context ctx, HindsightException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type(e.code()));
        body.put("title", e.code().title());
        body.put("status", status(e.code()));
        body.put("detail", e.getMessage());
        if (!e.errors().isEmpty()) {
            body.put("errors", e.errors());
        }
        body.putAll(e.extra());
        if (e.retryAfterSeconds() != null) {
            ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        ctx.status(status(e.code())).json(body).contentType(CONTENT_TYPE);
    }

    /** Javalin's own errors (unknown route, wrong method) in the same shape. */
    public static void write(Context ctx, HttpResponseException e) {
        ErrorCode mapped = codeFor(e.getStatus());
        ErrorCode code = mapped != null ? mapped : e.getStatus() < 500 ? ErrorCode.VALIDATION : ErrorCode.INTERNAL;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type(code));
        body.put("title", code.title());
        body.put("status", e.getStatus());
        body.put("detail", e.getMessage());
        ctx.status(e.getStatus()).json(body).contentType(CONTENT_TYPE);
    }

    /** The problem type URI of a code; it names documentation anchors in the README's "Errors" section. */
    public static String type(ErrorCode code) {
        return "https://hindsight.dev/problems/" + code.slug();
    }

    /** The HTTP status that answers a code. */
    public static int status(ErrorCode code) {
        return switch (code) {
            case VALIDATION, MALFORMED_JSON, LIMIT_EXCEEDED -> 400;
            case UNAUTHORIZED -> 401;
            case FORBIDDEN, ORIGIN_NOT_ALLOWED, CSRF -> 403;
            case NOT_FOUND, UNKNOWN_APP_ID -> 404;
            case REQUEST_TIMEOUT -> 408;
            case CONFLICT, EVENT_ID_CONFLICT -> 409;
            case GONE -> 410;
            case PAYLOAD_TOO_LARGE -> 413;
            case UNSUPPORTED_MEDIA_TYPE -> 415;
            case RATE_LIMITED -> 429;
            case INTERNAL -> 500;
            case OVERLOADED, QUERY_TIMEOUT, UNAVAILABLE -> 503;
        };
    }

    /** The error code answered with {@code status}, or null when none is (such as 405 or 431). */
    static ErrorCode codeFor(int status) {
        return switch (status) {
            case 400 -> ErrorCode.VALIDATION;
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 408 -> ErrorCode.REQUEST_TIMEOUT;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            case 429 -> ErrorCode.RATE_LIMITED;
            case 500 -> ErrorCode.INTERNAL;
            case 503 -> ErrorCode.UNAVAILABLE;
            default -> null;
        };
    }
}
