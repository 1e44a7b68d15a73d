package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Retention;
import dev.hindsight.query.Analysis.Scope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The retention analysis: request {@code {start: event, return: event, period: "day" | "week", periods: N}},
 * answer {@code {cohorts: [{start, users, retained: [n0 .. nN], rates: [...]}]}}.
 *
 * <p>Exactly:
 * <ul>
 * <li>A user is a resolved user of the {@link Engine} (merged devices are one user, their anonymous events
 * before the identify included); only the request's environment and events inside [from, to) are read.
 * <li>A user's cohort is the period (day, or week from Monday, of the query's time zone: see {@link Buckets})
 * holding their first start event inside [from, to). A cohort may start before {@code from} when {@code from} is
 * not at a period's start.
 * <li>The user is retained in period k (0 &le; k &le; N) when they did the return event inside the k-th period
 * after the cohort's (a local day of 23 or 25 hours is one period) and at or after their first start event.
 * Period 0 therefore counts a return later in the cohort's own period, and the first start event itself when it
 * also matches the return event. A user counts once per period however often they return.
 * <li>Every period of the range is a cohort, in order, also those without users. {@code retained[k]} is null when
 * period k starts at or after {@code to} (it has not begun); a period that has begun but not ended by
 * {@code to} counts the returns so far. {@code rates[k]} is retained[k] / users, null when retained[k] is null
 * or the cohort is empty.
 * </ul>
 */
final class RetentionQuery {
    static final List<String> PERIODS = List.of("day", "week");
    static final int MAX_PERIODS = 60;

    private RetentionQuery() {
    }

    /** Parses a retention request; {@code events} resolves the event at a JSON pointer of the body. */
    static Retention parse(JsonNode body, Scope scope, Function<String, EventSpec> events) {
        String period = QueryLimits.text(body, "period", "period", "day");
        if (!PERIODS.contains(period)) {
            throw HindsightException.field("period", "must be one of " + PERIODS);
        }
        int periods = QueryLimits.whole(body, "periods", "periods", 7, 1, MAX_PERIODS);
        long cohorts = Buckets.count(scope.fromMs(), scope.toMs(), period, scope.zone());
        if (cohorts > QueryLimits.MAX_COHORTS) {
            throw QueryLimits.exceeded("period", "the range has " + cohorts + " " + period + "s; a retention grid has"
                    + " at most " + QueryLimits.MAX_COHORTS + " cohorts: narrow the range or take weeks");
        }
        return new Retention(scope, events.apply("/start"), events.apply("/return"), period, periods);
    }

    static Map<String, Object> run(Retention r, Engine engine) {
        java.time.ZoneId zone = r.scope().zone();
        LocalTimes local = LocalTimes.of(zone, r.scope().fromMs(), r.scope().toMs());
        Map<Long, Long> users = new HashMap<>();
        Map<Long, Map<Integer, Long>> retained = new HashMap<>();
        for (Engine.RetentionRow row : engine.retention(r)) {
            long cohort = local.bucketStart(r.period(), row.cohortMs());
            if (row.k() < 0) {
                users.put(cohort, row.users());
            } else {
                retained.computeIfAbsent(cohort, t -> new HashMap<>()).put(row.k(), row.users());
            }
        }
        List<Map<String, Object>> cohorts = new ArrayList<>();
        for (long start : Buckets.between(r.scope().fromMs(), r.scope().toMs(), r.period(), zone)) {
            java.time.LocalDate first = Buckets.localDate(start, zone);
            long size = users.getOrDefault(start, 0L);
            Map<Integer, Long> byPeriod = retained.getOrDefault(start, Map.of());
            List<Long> counts = new ArrayList<>();
            List<Double> rates = new ArrayList<>();
            for (int k = 0; k <= r.periods(); k++) {
                long periodStart = Buckets.startOf(r.period().equals("day") ? first.plusDays(k) : first.plusWeeks(k),
                        zone);
                Long count = periodStart < r.scope().toMs() ? byPeriod.getOrDefault(k, 0L) : null;
                counts.add(count);
                rates.add(count == null || size == 0 ? null : (double) count / size);
            }
            Map<String, Object> cohort = new LinkedHashMap<>();
            cohort.put("start", Instant.ofEpochMilli(start).toString());
            cohort.put("users", size);
            cohort.put("retained", counts);
            cohort.put("rates", rates);
            cohorts.add(cohort);
        }
        return Map.of("cohorts", cohorts);
    }
}
