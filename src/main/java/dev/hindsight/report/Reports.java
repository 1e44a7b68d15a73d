package dev.hindsight.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import dev.hindsight.query.Analysis;
import dev.hindsight.query.QueryRoutes;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saved reports' queries: checked when saved by parsing them exactly as {@code POST /api/query} does, and answered
 * through the {@link AnswerCache}.
 */
final class Reports {
    private final QueryRoutes queries;
    private final AnswerCache cache;

    Reports(QueryRoutes queries, AnswerCache cache) {
        this.queries = queries;
        this.cache = cache;
    }

    /**
     * The {@code query} member of a report body as the JSON text to save: a query of {@code env} that parses, without
     * its {@code app_id} (which may only name {@code env}). A query that does not parse is refused as {@code
     * POST /api/query} would refuse it, its fields named under {@code query}.
     */
    String check(Environment env, JsonNode body) {
        JsonNode q = body.get("query");
        if (q == null || !q.isObject()) {
            throw HindsightException.field("query", "is required: a POST /api/query body (an object)");
        }
        ObjectNode query = ((ObjectNode) q).deepCopy();
        JsonNode appId = query.remove("app_id");
        if (appId != null && !(appId.isTextual() && appId.asText().equals(env.appId()))) {
            throw HindsightException.field("query.app_id", "must be the report's app_id '" + env.appId()
                    + "' (or left out)");
        }
        String text;
        try {
            text = Json.MAPPER.writeValueAsString(query);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (text.length() > ReportLimits.QUERY_BYTES) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "query: is " + text.length() + " bytes of JSON; a "
                    + "saved query is at most " + ReportLimits.QUERY_BYTES, List.of(FieldError.of("query",
                            "must be at most " + ReportLimits.QUERY_BYTES + " bytes of JSON")), Map.of(), null);
        }
        try {
            queries.parse(env, query);
        } catch (HindsightException e) {
            throw underQuery(e, e.code() == ErrorCode.NOT_FOUND ? ErrorCode.VALIDATION : e.code(),
                    "The query is not valid: " + e.getMessage());
        }
        return text;
    }

    /** A report's answer, reused from the cache while its data and definitions are unchanged. */
    AnswerCache.Answer run(Environment env, Report r) {
        Analysis analysis;
        try {
            analysis = queries.parse(env, Json.MAPPER.readTree(r.query()));
        } catch (HindsightException e) {
            // Saved queries parsed when saved: one that no longer does lost a definition it uses since.
            throw underQuery(e, ErrorCode.CONFLICT, "Report " + r.id() + "'s query no longer parses (" + e.getMessage()
                    + "); update the report with PUT or PATCH /api/reports/" + r.id());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Report " + r.id() + " holds unreadable JSON", e);
        }
        return cache.answer(env.id(), analysis, queries::answer);
    }

    private static HindsightException underQuery(HindsightException e, ErrorCode code, String detail) {
        if (dev.hindsight.http.Problems.status(e.code()) >= 500) {
            return e;
        }
        List<FieldError> errors = e.errors().isEmpty() ? List.of(FieldError.of("query", e.getMessage()))
                : e.errors().stream().map(f -> new FieldError("query." + f.field(), f.index(), f.message())).toList();
        return new HindsightException(code, detail, errors, e.extra(), e.retryAfterSeconds());
    }

    /** A report as answers show it. */
    static Map<String, Object> view(Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("name", r.name());
        m.put("description", r.description());
        try {
            m.put("query", Json.MAPPER.readTree(r.query()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Report " + r.id() + " holds unreadable JSON", e);
        }
        m.put("owner", r.owner());
        m.put("created_at", Instant.ofEpochMilli(r.createdAt()).toString());
        m.put("updated_at", Instant.ofEpochMilli(r.updatedAt()).toString());
        return m;
    }

    /** The members an answer adds to a report's view: whether it was cached, when computed, and the result. */
    static Map<String, Object> answered(AnswerCache.Answer a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cached", a.cached());
        m.put("computed_at", a.computedAt().toString());
        m.put("result", new com.fasterxml.jackson.databind.util.RawValue(
                new String(a.json(), java.nio.charset.StandardCharsets.UTF_8)));
        return m;
    }

    /** A refusal as the problem+json member {@code error} of one report on a dashboard. */
    static Map<String, Object> problem(HindsightException e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", dev.hindsight.http.Problems.type(e.code()));
        m.put("title", e.code().title());
        m.put("status", dev.hindsight.http.Problems.status(e.code()));
        m.put("detail", e.getMessage());
        if (!e.errors().isEmpty()) {
            m.put("errors", e.errors());
        }
        return m;
    }
}
