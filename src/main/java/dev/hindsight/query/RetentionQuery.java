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
 * The retention analysis: request {@code {start: event, return: event, period: "day" | "week" | "month", periods: N,
 * breakdown?: property | {property, limit} | {cohorts: [id, ...]}}}, answer {@code {cohorts: [{start, users,
 * retained: [n0 .. nN], rates: [...]}], breakdowns?: [{value, cohorts: [...]}]}}.
 *
 * <p>Exactly:
 * <ul>
 * <li>A user is a resolved user of the {@link Engine} (merged devices are one user, their anonymous events
 * before the identify included); only the request's environment and events inside [from, to) are read.
 * <li>A user's cohort is the period (day, week from Monday, or calendar month of the query's time zone: see {@link Buckets})
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
 * <li>A breakdown by a property puts each user in one group, by the property's value on their first start event (of
 * several at that instant, a value before none, then the smallest): the {@code limit} values with most users, the
 * rest as "(other)", no value as "(none)"; groups are listed by users, most first, then by value, and only those
 * with users. A breakdown by cohorts has a group per cohort (its members at the request's now), in the request's
 * order, empty ones too; a user in several is in each, a user in none in no group. Each group's {@code cohorts}
 * is a grid of the same shape as the top-level one, which still counts every user.
 * </ul>
 */
final class RetentionQuery {
    static final List<String> PERIODS = List.of("day", "week", "month");
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
        Analysis.Breakdown breakdown = FunnelQuery.breakdown(body);
        if (breakdown != null) {
            checkCells(breakdown.limit() + 2, cohorts, periods,
                    body.get("breakdown").isTextual() ? "breakdown" : "breakdown.limit");
        }
        return new Retention(scope, events.apply("/start"), events.apply("/return"), period, periods, breakdown);
    }

    /**
     * Refuses a breakdown whose grids could have more than {@link QueryLimits#MAX_CELLS} cells: {@code groups}
     * breakdown values (for a property, its limit and "(other)" and "(none)") times cohorts times periods 0..N.
     */
    static void checkCells(long groups, long cohorts, int periods, String field) {
        long cells = groups * cohorts * (periods + 1);
        if (cells > QueryLimits.MAX_CELLS) {
            throw QueryLimits.exceeded(field, "the breakdown's grids could have " + cells + " cells (" + groups
                    + " values times " + cohorts + " cohorts times " + (periods + 1) + " periods); a retention answer"
                    + " has at most " + QueryLimits.MAX_CELLS + ": fewer values or cohorts, a narrower range, fewer"
                    + " periods or weeks");
        }
    }

    static Answer.Retention run(Retention r, Engine engine) {
        LocalTimes local = LocalTimes.of(r.scope().zone(), r.scope().fromMs(), r.scope().toMs());
        // Per breakdown group (null: every user), per cohort start: the size (k = -1) and the users per period.
        Map<String, Map<Long, Map<Integer, Long>>> cells = new LinkedHashMap<>();
        if (r.breakdown() != null && r.breakdown().byCohort()) {
            // Every cohort has its grid, in the request's order, even without users.
            r.breakdown().cohorts().forEach(c -> cells.put(c.name(), new HashMap<>()));
        }
        for (Engine.RetentionRow row : engine.retention(r)) {
            long cohort = local.bucketStart(r.period(), row.cohortMs());
            cells.computeIfAbsent(row.breakdown(), b -> new HashMap<>()).computeIfAbsent(cohort, c -> new HashMap<>())
                    .put(row.k(), row.users());
        }
        List<Answer.RetentionGroup> breakdowns = null;
        if (r.breakdown() != null) {
            List<Map.Entry<String, Map<Long, Map<Integer, Long>>>> groups = new ArrayList<>(cells.entrySet());
            groups.removeIf(e -> e.getKey() == null);
            if (!r.breakdown().byCohort()) {
                // Property values by their users, most first, then by value (as funnels list them).
                groups.sort(java.util.Comparator.comparingLong((Map.Entry<String, Map<Long, Map<Integer, Long>>> e)
                        -> -size(e.getValue())).thenComparing(Map.Entry::getKey));
            }
            breakdowns = new ArrayList<>();
            for (Map.Entry<String, Map<Long, Map<Integer, Long>>> g : groups) {
                breakdowns.add(new Answer.RetentionGroup(g.getKey(), grid(r, g.getValue())));
            }
        }
        return new Answer.Retention(grid(r, cells.getOrDefault(null, Map.of())), breakdowns);
    }

    /** The users of a group's grid: the sum of its cohorts' sizes. */
    private static long size(Map<Long, Map<Integer, Long>> grid) {
        return grid.values().stream().mapToLong(c -> c.getOrDefault(-1, 0L)).sum();
    }

    /** One grid: a cohort per period of the range, from its cells by cohort start and k (-1: the size). */
    private static List<Answer.Cohort> grid(Retention r, Map<Long, Map<Integer, Long>> cells) {
        java.time.ZoneId zone = r.scope().zone();
        List<Answer.Cohort> cohorts = new ArrayList<>();
        for (long start : Buckets.between(r.scope().fromMs(), r.scope().toMs(), r.period(), zone)) {
            java.time.LocalDate first = Buckets.localDate(start, zone);
            Map<Integer, Long> byPeriod = cells.getOrDefault(start, Map.of());
            long size = byPeriod.getOrDefault(-1, 0L);
            List<Long> counts = new ArrayList<>();
            List<Double> rates = new ArrayList<>();
            for (int k = 0; k <= r.periods(); k++) {
                long periodStart = Buckets.startOf(switch (r.period()) {
                    case "day" -> first.plusDays(k);
                    case "week" -> first.plusWeeks(k);
                    default -> first.plusMonths(k);
                }, zone);
                Long count = periodStart < r.scope().toMs() ? byPeriod.getOrDefault(k, 0L) : null;
                counts.add(count);
                rates.add(count == null || size == 0 ? null : (double) count / size);
            }
            cohorts.add(new Answer.Cohort(Instant.ofEpochMilli(start).toString(), size, counts, rates));
        }
        return cohorts;
    }
}
