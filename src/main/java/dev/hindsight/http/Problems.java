package dev.hindsight.http;

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
        body.put("type", e.code().type());
        body.put("title", e.code().title());
        body.put("status", e.code().status());
        body.put("detail", e.getMessage());
        if (!e.errors().isEmpty()) {
            body.put("errors", e.errors());
        }
        body.putAll(e.extra());
        if (e.retryAfterSeconds() != null) {
            ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        ctx.status(e.code().status()).json(body).contentType(CONTENT_TYPE);
    }

    /** Javalin's own errors (unknown route, wrong method) in the same shape. */
    public static void write(Context ctx, HttpResponseException e) {
        ErrorCode mapped = codeFor(e.getStatus());
        ErrorCode code = mapped != null ? mapped : e.getStatus() < 500 ? ErrorCode.VALIDATION : ErrorCode.INTERNAL;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", code.type());
        body.put("title", code.title());
        body.put("status", e.getStatus());
        body.put("detail", e.getMessage());
        ctx.status(e.getStatus()).json(body).contentType(CONTENT_TYPE);
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
