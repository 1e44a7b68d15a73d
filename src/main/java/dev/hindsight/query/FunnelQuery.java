package dev.hindsight.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.query.Analysis.Breakdown;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Funnel;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.FunnelKernel.Group;
import java.time.Duration;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The funnel analysis: request {@code {steps: [event, ...], window: "P14D", breakdown?: {property, limit}}}, answer
 * {@code {steps: [{label, count, conversion, conversion_from_previous, median_seconds_from_previous}],
 * dropped_off: [{step, users}], breakdowns?: [{value, steps, dropped_off}]}}.
 *
 * <p>Exactly:
 * <ul>
 * <li>A user is a resolved user of the {@link Engine}: a merged device's events, anonymous ones before the
 * identify included, belong to its user, so step 1 on one device and step 2 on another of the same user convert.
 * Only the request's environment is read.
 * <li>Every step-1 event inside [from, to) is an attempt. For an attempt at t1, step k (k &ge; 2) is the user's
 * earliest step-k event strictly after the attempt's step k-1 and at most {@code window} after t1, both ends
 * inclusive: an event exactly {@code window} after t1 converts, one millisecond later does not. Later steps may
 * fall after {@code to} (inside the window). Events at the same instant as the previous step do not count (stored
 * times are microseconds: a device's tracker events of one millisecond are apart in the order they happened, see
 * RawEvent), and neither do steps done out of order (step 2 before step 1 is not a conversion).
 * <li>Taking the earliest next event per attempt reaches the furthest step possible for that attempt. A user's
 * result is the attempt reaching furthest; among those the earliest (then the smallest breakdown value). Users
 * are counted once: {@code count} of step k is the users whose result reaches k.
 * <li>{@code conversion} is count / count of step 1, {@code conversion_from_previous} count / count of step k-1
 * (both 1 for step 1, 0 when the divisor is 0). {@code median_seconds_from_previous} is the median (the mean of
 * the middle two for an even number) over users reaching step k of their result attempt's time from step k-1 to
 * step k, in seconds; null for step 1 and for steps nobody reached.
 * <li>{@code dropped_off} lists for each step k &lt; n the users whose furthest step is k, by user key, sorted:
 * all of them when there are at most {@value FunnelKernel#DROPPED_USERS}, else that many of them (those the store
 * saw first).
 * <li>A breakdown splits users by the property of their result attempt's step-1 event: the {@code limit} values
 * with most users, the rest as "(other)", a missing property as "(none)"; each user is in exactly one group.
 * Groups are listed by users at step 1, most first, then by value.
 * </ul>
 * The window is an ISO-8601 duration ({@code PT1H}, {@code P14D}) or a period of days or weeks ({@code P2W}).
 */
final class FunnelQuery {
    static final long MAX_WINDOW_MS = Duration.ofDays(366).toMillis();
    static final int MAX_STEPS = 20;
    /** The most users one page of {@code users} lists. */
    static final int MAX_USERS = 1000;

    private FunnelQuery() {
    }

    /** Parses a funnel request; {@code events} resolves the event at a JSON pointer of the body. */
    static Funnel parse(JsonNode body, Scope scope, Function<String, EventSpec> events) {
        JsonNode steps = body.get("steps");
        if (steps != null && steps.isArray() && steps.size() > MAX_STEPS) {
            throw QueryLimits.exceeded("steps", "has " + steps.size() + " steps; a funnel has at most " + MAX_STEPS);
        }
        if (steps == null || !steps.isArray() || steps.size() < 2) {
            throw HindsightException.field("steps", "is required: an array of 2 to " + MAX_STEPS + " events");
        }
        List<EventSpec> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            out.add(events.apply("/steps/" + i));
        }
        return new Funnel(scope, out, window(QueryLimits.text(body, "window", "window", "P14D")), breakdown(body),
                users(body.get("users"), out.size()));
    }

    /** The optional {@code users}: {@code {step, status: "converted" | "dropped", offset?, limit?}}. */
    static Analysis.FunnelUsers users(JsonNode u, int steps) {
        if (u == null || u.isNull()) {
            return null;
        }
        if (!u.isObject()) {
            throw HindsightException.field("users", "must be {step, status, offset?, limit?}");
        }
        String status = QueryLimits.text(u, "status", "users.status", null);
        if (!"converted".equals(status) && !"dropped".equals(status)) {
            throw HindsightException.field("users.status", "must be converted or dropped");
        }
        boolean converted = status.equals("converted");
        if (!u.has("step")) {
            throw HindsightException.field("users.step", "is required: the step (from 1) whose users to list");
        }
        int step = QueryLimits.whole(u, "step", "users.step", 1, converted ? 1 : 2, steps);
        int offset = QueryLimits.whole(u, "offset", "users.offset", 0, 0, Integer.MAX_VALUE);
        int limit = QueryLimits.whole(u, "limit", "users.limit", 100, 1, MAX_USERS);
        return new Analysis.FunnelUsers(step, converted, offset, limit);
    }

    /** A conversion window in milliseconds: a duration ({@code PT1H}, {@code P14D}) or days and weeks ({@code P2W}). */
    static long window(String text) {
        long ms;
        try {
            ms = Duration.parse(text).toMillis();
        } catch (ArithmeticException e) {
            throw HindsightException.field("window", "must be positive and at most 366 days");
        } catch (DateTimeParseException e) {
            try {
                Period p = Period.parse(text);
                // Months and years have no fixed length; a window must.
                if (p.getYears() != 0 || p.getMonths() != 0) {
                    throw HindsightException.field("window", "must be in days, weeks or smaller units, not months or years");
                }
                ms = Duration.ofDays(p.getDays()).toMillis();
            } catch (ArithmeticException e2) {
                throw HindsightException.field("window", "must be positive and at most 366 days");
            } catch (DateTimeParseException e2) {
                throw HindsightException.field("window", "must be an ISO-8601 duration such as P14D, P2W or PT1H");
            }
        }
        if (ms <= 0 || ms > MAX_WINDOW_MS) {
            throw HindsightException.field("window", "must be positive and at most 366 days");
        }
        return ms;
    }

    /** The optional {@code breakdown}: a property name or {@code {property, limit}} (as graphs take it). */
    static Breakdown breakdown(JsonNode body) {
        JsonNode b = body.get("breakdown");
        if (b == null || b.isNull()) {
            return null;
        }
        if (!b.isTextual() && !b.isObject()) {
            throw HindsightException.field("breakdown", "must be a property name or {property, limit}");
        }
        String property = b.isTextual() ? b.asText() : QueryLimits.text(b, "property", "breakdown.property", null);
        if (property == null || property.isBlank()) {
            throw HindsightException.field("breakdown.property", "is required: the event property to split by");
        }
        if (dev.hindsight.define.BuiltIns.isBuiltIn(property) && dev.hindsight.define.BuiltIns.problem(property) != null) {
            throw HindsightException.field("breakdown.property", dev.hindsight.define.BuiltIns.problem(property));
        }
        int limit = b.isTextual() ? 10 : QueryLimits.whole(b, "limit", "breakdown.limit", 10, 1, 100);
        return new Breakdown(property, limit);
    }

    static Answer.Funnel run(Funnel f, Engine engine) {
        return run(f, engine, QueryBudget.unlimited());
    }

    static Answer.Funnel run(Funnel f, Engine engine, QueryBudget budget) {
        // The links are read while the engine runs the scan.
        CompletableFuture<UserResolver> links = CompletableFuture.supplyAsync(
                () -> UserResolver.load(engine, f.scope().envId()), Thread::startVirtualThread);
        List<Group> groups;
        List<Long> listed = new ArrayList<>();
        try {
            FunnelKernel kernel = new FunnelKernel(f, budget);
            engine.partRows(f.scope().envId(), parts(f), kernel::add);
            java.util.function.IntPredicate keep = u -> true;
            Analysis.CohortFilter c = f.scope().cohort();
            if (c != null) {
                java.util.function.IntPredicate in = members(engine, f.scope().envId(), c.cohort(), c.nowMs());
                keep = c.not() ? in.negate() : in;
            }
            List<Map.Entry<String, java.util.function.IntPredicate>> cohorts = new ArrayList<>();
            if (f.breakdown() != null && f.breakdown().byCohort()) {
                for (Analysis.CohortSpec spec : f.breakdown().cohorts()) {
                    cohorts.add(Map.entry(spec.name(), members(engine, f.scope().envId(), spec, f.breakdown().nowMs())));
                }
            }
            Analysis.FunnelUsers wanted = f.users();
            groups = kernel.groups(links.join(), keep, cohorts, wanted == null ? null : (user, reached) -> {
                if (wanted.converted() ? reached >= wanted.step() : reached == wanted.step() - 1) {
                    listed.add((long) user);
                }
                return 0;
            });
        } catch (RuntimeException e) {
            // The query's work ends with it: the links' statement too, before the query's slot is given back.
            budget.cancelRunning();
            links.exceptionally(x -> null).join();
            throw e;
        }
        Map<Long, String> labels = labels(groups, engine);
        Group total = groups.get(0);
        List<Answer.FunnelGroup> breakdowns = null;
        if (f.breakdown() != null) {
            // Cohort groups come in the request's order; property values by users at step 1.
            breakdowns = groups.stream().filter(g -> !g.total())
                    .sorted(f.breakdown().byCohort() ? (a, b) -> 0
                            : Comparator.comparingLong((Group g) -> -g.counts()[0]).thenComparing(Group::value))
                    .map(g -> new Answer.FunnelGroup(g.value(), steps(f, g), dropped(g, labels)))
                    .toList();
        }
        return new Answer.Funnel(steps(f, total), dropped(total, labels), breakdowns,
                f.users() == null ? null : page(f.users(), listed, engine));
    }

    /** Whether a user key is a member of the cohort at {@code nowMs}, by the engine's membership relation. */
    private static java.util.function.IntPredicate members(Engine engine, long envId, Analysis.CohortSpec c, long nowMs) {
        int[] keys = engine.cohortMembers(envId, c.definition(), nowMs);
        return u -> java.util.Arrays.binarySearch(keys, u) >= 0;
    }

    /**
     * What the engine reads: the events of each step, with step 1's breakdown value. Each step is its own part, so
     * that its filter is its scan's condition. Step 1 reads [from, to); later steps may fall after {@code to}, as
     * long as they are inside the window of an attempt that started before it.
     */
    static List<Engine.Part> parts(Funnel f) {
        List<Engine.Part> parts = new ArrayList<>();
        for (int k = 1; k <= f.steps().size(); k++) {
            long to = k == 1 ? f.scope().toMs() : f.scope().toMs() + f.windowMs();
            String property = k == 1 && f.breakdown() != null ? f.breakdown().property() : null;
            parts.add(new Engine.Part(f.scope().fromMs(), to, f.steps().get(k - 1).filter(), property));
        }
        return parts;
    }

    /** One page of the listed users, by user key (the order the store first saw them), as identities. */
    private static Answer.StepUsers page(Analysis.FunnelUsers u, List<Long> keys, Engine engine) {
        java.util.Collections.sort(keys);
        int from = (int) Math.min(keys.size(), (long) u.offset());
        int to = (int) Math.min(keys.size(), (long) from + u.limit());
        List<Long> shown = keys.subList(from, to);
        Map<Long, String> labels = shown.isEmpty() ? Map.of() : engine.userLabels(shown);
        return new Answer.StepUsers(u.step(), u.converted() ? "converted" : "dropped", keys.size(),
                shown.stream().map(labels::get).toList(), to < keys.size() ? Integer.valueOf(to) : null);
    }

    /** The labels of every user key the groups list. */
    private static Map<Long, String> labels(List<Group> groups, Engine engine) {
        java.util.Set<Long> keys = new java.util.TreeSet<>();
        groups.forEach(g -> g.dropped().forEach(keys::addAll));
        if (keys.isEmpty()) {
            return new java.util.HashMap<>();
        }
        return engine.userLabels(keys);
    }

    private static List<Answer.Step> steps(Funnel f, Group g) {
        List<Answer.Step> out = new ArrayList<>();
        long[] c = g.counts();
        for (int k = 0; k < c.length; k++) {
            out.add(new Answer.Step(f.steps().get(k).label(), c[k], ratio(c[k], c[0]),
                    ratio(c[k], c[Math.max(0, k - 1)]), g.medians()[k]));
        }
        return out;
    }

    private static List<Answer.DroppedOff> dropped(Group g, Map<Long, String> labels) {
        List<Answer.DroppedOff> out = new ArrayList<>();
        for (int k = 0; k < g.dropped().size(); k++) {
            out.add(new Answer.DroppedOff(k + 1, g.dropped().get(k).stream().map(labels::get).sorted().toList()));
        }
        return out;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : (double) a / b;
    }
}
