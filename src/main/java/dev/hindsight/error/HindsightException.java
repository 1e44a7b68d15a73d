package dev.hindsight.error;

import java.util.List;
import java.util.Map;

/**
 * The one exception type for a refused or failed request: a stable {@link ErrorCode}, a human detail, and
 * optionally field errors and extra members (over HTTP they end up in the problem+json body).
 */
public class HindsightException extends RuntimeException {
    private final ErrorCode code;
    private final List<FieldError> errors;
    private final Map<String, Object> extra;
    private final Integer retryAfterSeconds;

    public HindsightException(ErrorCode code, String detail) {
        this(code, detail, List.of(), Map.of(), null);
    }

    public HindsightException(ErrorCode code, String detail, List<FieldError> errors, Map<String, Object> extra,
            Integer retryAfterSeconds) {
        super(detail);
        this.code = code;
        this.errors = List.copyOf(errors);
        this.extra = Map.copyOf(extra);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static HindsightException validation(String detail, List<FieldError> errors) {
        return new HindsightException(ErrorCode.VALIDATION, detail, errors, Map.of(), null);
    }

    public static HindsightException field(String field, String message) {
        return validation(field + ": " + message, List.of(FieldError.of(field, message)));
    }

    public static HindsightException overloaded(String detail, int retryAfterSeconds) {
        return new HindsightException(ErrorCode.OVERLOADED, detail, List.of(), Map.of(), retryAfterSeconds);
    }

    public ErrorCode code() {
        return code;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public Map<String, Object> extra() {
        return extra;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
