package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.project.Environment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cohort parts of a query request: the top-level filter {@code "cohort": id} or {@code {"id": id, "not": true}},
 * and the breakdown {@code {"cohorts": [id, ...]}} of graphs and funnels. Membership is evaluated at the request's
 * now.
 */
final class CohortArgs {
    /** Most cohorts one breakdown splits by. */
    static final int MAX_BREAKDOWN_COHORTS = 10;

    private CohortArgs() {
    }

    /** The request's cohort filter, or null without one. */
    static Analysis.CohortFilter filter(JsonNode body, Environment env, CohortLookup lookup,
            CohortLookup.EventParser events, long nowMs) {
        JsonNode c = body.get("cohort");
        if (c == null || c.isNull()) {
            return null;
        }
        boolean not = false;
        JsonNode id = c;
        if (c.isObject()) {
            for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!key.equals("id") && !key.equals("not")) {
                    throw HindsightException.field("cohort." + key, "is not a field here; expected one of [id, not]");
                }
            }
            JsonNode n = c.get("not");
            if (n != null && !n.isBoolean()) {
                throw HindsightException.field("cohort.not", "must be true or false");
            }
            not = n != null && n.asBoolean();
            id = c.get("id");
            return new Analysis.CohortFilter(find(env, id, "cohort.id", lookup, events), not, nowMs);
        }
        return new Analysis.CohortFilter(find(env, id, "cohort", lookup, events), not, nowMs);
    }

    /** Whether the request's breakdown splits by cohorts. */
    static boolean byCohorts(JsonNode body) {
        JsonNode b = body.get("breakdown");
        return b != null && b.isObject() && b.has("cohorts");
    }

    /** The breakdown {@code {"cohorts": [id, ...]}}: 1 to 10 distinct cohorts; labels are their names. */
    static Analysis.Breakdown breakdown(JsonNode body, Environment env, CohortLookup lookup,
            CohortLookup.EventParser events, long nowMs) {
        JsonNode b = body.get("breakdown");
        if (b.has("property") || b.has("limit")) {
            throw HindsightException.field("breakdown.cohorts", "splits by cohorts: give either cohorts or a property");
        }
        JsonNode ids = b.get("cohorts");
        if (ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > MAX_BREAKDOWN_COHORTS) {
            throw HindsightException.field("breakdown.cohorts", "must be an array of 1 to " + MAX_BREAKDOWN_COHORTS
                    + " cohort ids");
        }
        List<Analysis.CohortSpec> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            Analysis.CohortSpec c = find(env, ids.get(i), "breakdown.cohorts[" + i + "]", lookup, events);
            if (!seen.add(c.id())) {
                throw HindsightException.field("breakdown.cohorts[" + i + "]", "lists cohort " + c.id() + " twice");
            }
            // Two cohorts of one name stay apart: the later ones are labelled with their ids.
            String label = names.add(c.name()) ? c.name() : c.name() + " (" + c.id() + ")";
            out.add(new Analysis.CohortSpec(c.id(), label, c.definition()));
        }
        return new Analysis.Breakdown(null, 0, out, nowMs);
    }

    private static Analysis.CohortSpec find(Environment env, JsonNode id, String field, CohortLookup lookup,
            CohortLookup.EventParser events) {
        if (id == null || !id.isIntegralNumber() || !id.canConvertToLong()) {
            throw HindsightException.field(field, "must be a cohort's id (a whole number)");
        }
        long n = id.asLong();
        return lookup.cohort(env, n, events).orElseThrow(() -> new HindsightException(ErrorCode.VALIDATION,
                field + ": no cohort " + n + " in this environment",
                List.of(FieldError.of(field, "no cohort " + n + " in this environment")), Map.of(), null));
    }
}
