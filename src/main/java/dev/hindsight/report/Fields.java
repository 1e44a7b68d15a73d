package dev.hindsight.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Params;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;

/** Reading the members and parameters of report and dashboard requests, each refusal naming its field. */
final class Fields {
    private Fields() {
    }

    /** A required name: text, at most {@link ReportLimits#NAME_CHARS} characters once stripped. */
    static String name(JsonNode body) {
        JsonNode n = body.get("name");
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw HindsightException.field("name", "is required: a text of 1 to " + ReportLimits.NAME_CHARS
                    + " characters");
        }
        return bounded(n.asText().strip(), "name", ReportLimits.NAME_CHARS);
    }

    /** An optional description: text or null, at most {@link ReportLimits#DESCRIPTION_CHARS} characters. */
    static String description(JsonNode body) {
        JsonNode n = body.get("description");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw HindsightException.field("description", "must be a text (or null)");
        }
        return bounded(n.asText(), "description", ReportLimits.DESCRIPTION_CHARS);
    }

    private static String bounded(String s, String field, int max) {
        if (s.codePointCount(0, s.length()) > max) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, field + ": is longer than " + max + " characters",
                    List.of(FieldError.of(field, "must be at most " + max + " characters")), java.util.Map.of(), null);
        }
        return s;
    }

    /** A list of ids: an array of whole numbers, at most {@code max} of them, none twice. */
    static List<Long> ids(JsonNode n, String field, int max) {
        if (n == null || !n.isArray()) {
            throw HindsightException.field(field, "must be an array of report ids");
        }
        if (n.size() > max) {
            throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, field + ": a dashboard holds at most " + max
                    + " reports", List.of(FieldError.of(field, "must hold at most " + max + " reports")),
                    java.util.Map.of(), null);
        }
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            long id = id(n.get(i), field + "[" + i + "]");
            if (ids.contains(id)) {
                throw HindsightException.field(field + "[" + i + "]", "report " + id + " is listed twice");
            }
            ids.add(id);
        }
        return ids;
    }

    /** A report or dashboard id in a body: a whole number. */
    static long id(JsonNode n, String field) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw HindsightException.field(field, "must be a report id (a whole number)");
        }
        return n.asLong();
    }

    /** The {@code {id}} (or another) path parameter: a whole number. */
    static long pathId(Context ctx, String param) {
        try {
            return Long.parseLong(ctx.pathParam(param));
        } catch (NumberFormatException e) {
            throw HindsightException.field(param, "must be a whole number, not '" + ctx.pathParam(param) + "'");
        }
    }

    /** A required text parameter, such as {@code app_id}. */
    static String param(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) {
            throw HindsightException.field(name, "is required");
        }
        return v;
    }

    /** The required text member {@code app_id} of a body. */
    static String appId(JsonNode body) {
        JsonNode n = body.get("app_id");
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw HindsightException.field("app_id", "is required");
        }
        return n.asText();
    }

    /** A page: {@code limit} (1 to {@link ReportLimits#PAGE_MAX}) items after the id {@code cursor}. */
    record Page(long after, int limit) {
        static Page of(Context ctx) {
            return new Page(Params.whole(ctx, "cursor", 0, 0, Long.MAX_VALUE),
                    (int) Params.whole(ctx, "limit", ReportLimits.PAGE_DEFAULT, 1, ReportLimits.PAGE_MAX));
        }

        /** The cursor of the next page after items with {@code ids}, or null when this page was the last. */
        String next(List<Long> ids) {
            return ids.size() < limit ? null : String.valueOf(ids.get(ids.size() - 1));
        }
    }


    /** Refuses a body on a request that takes none, so that a body meant for another endpoint is not ignored. */
    static void noBody(Context ctx) {
        byte[] body = dev.hindsight.http.Bodies.read(ctx, dev.hindsight.http.Bodies.MIB);
        if (!new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            throw HindsightException.field("body", "this request takes no body; pass app_id as a query parameter");
        }
    }
}
