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
        ErrorCode code = switch (e.getStatus()) {
            case 404 -> ErrorCode.NOT_FOUND;
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 503 -> ErrorCode.UNAVAILABLE;
            default -> e.getStatus() < 500 ? ErrorCode.VALIDATION : ErrorCode.INTERNAL;
        };
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", code.type());
        body.put("title", code.title());
        body.put("status", e.getStatus());
        body.put("detail", e.getMessage());
        ctx.status(e.getStatus()).json(body).contentType(CONTENT_TYPE);
    }
}
