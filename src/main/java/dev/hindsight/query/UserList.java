package dev.hindsight.query;

import dev.hindsight.error.HindsightException;
import dev.hindsight.query.Analysis.CohortFilter;
import dev.hindsight.query.Analysis.CohortSpec;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Analysis.UserCursor;
import dev.hindsight.query.Analysis.Users;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The users list ({@code GET /api/users}, and a cohort's members) and a cohort's figures over time, on the users
 * analysis and the engine's membership relation.
 *
 * <p>The list holds every user with an event, most recently seen first, then by their text (the identity, or
 * {@code device:<id>}); {@code search} keeps users whose text or one of whose property values contains it, ignoring
 * case. A page is at most {@value #MAX_LIMIT} users; {@code next_cursor} (absent on the last page) names where the
 * next one starts, so that paging is exact while users keep arriving.
 */
final class UserList {
    static final int MAX_LIMIT = 1000;
    static final int MAX_SEARCH = 200;
    /** Most points of a cohort's size over time: each is a membership evaluation. */
    static final int MAX_SIZE_POINTS = 92;
    /** Users' last events are read up to here: every stored time is before it. */
    private static final long END_OF_TIME = 253_402_300_799_000L;

    private UserList() {
    }

    /** A users analysis of a page of the list. */
    static Users analysis(long envId, String search, CohortFilter cohort, int limit, String cursor) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw HindsightException.field("limit", "must be a whole number from 1 to " + MAX_LIMIT);
        }
        if (search != null && search.length() > MAX_SEARCH) {
            throw HindsightException.field("search", "must be at most " + MAX_SEARCH + " characters");
        }
        String s = search == null || search.isEmpty() ? null : search.toLowerCase(Locale.ROOT);
        Scope scope = new Scope(envId, 0, END_OF_TIME).withCohort(cohort);
        // One more than asked: whether it comes says whether there is a next page.
        return new Users(scope, null, false, List.of(), limit + 1, s, cursor == null ? null : decode(cursor));
    }

    /** The page: {@code users}, {@code total} (every user that qualifies) and {@code next_cursor}. */
    static UserPage page(Users u, Engine engine) {
        List<Engine.UserRow> rows = engine.users(u);
        int limit = u.limit() - 1;
        List<Engine.UserRow> shown = rows.subList(0, Math.min(limit, rows.size()));
        Engine.UserRow last = shown.isEmpty() ? null : shown.get(shown.size() - 1);
        return new UserPage(UsersQuery.view(shown), rows.isEmpty() ? 0 : rows.get(0).total(),
                rows.size() > limit ? encode(new UserCursor(last.lastMs(), last.userKey())) : null);
    }

    static String encode(UserCursor c) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((c.lastMs() + ":" + c.label())
                .getBytes(StandardCharsets.UTF_8));
    }

    static UserCursor decode(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int colon = text.indexOf(':');
            return new UserCursor(Long.parseLong(text.substring(0, colon)), text.substring(colon + 1));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw HindsightException.field("cursor", "is not a cursor this list gave (take next_cursor as it is)");
        }
    }

    /**
     * A cohort's size at the end of each {@code interval} (day or week) of [from, to) in {@code zone}: its members
     * at the bucket's end, or at now for a bucket that has not ended.
     */
    static CohortSizes sizes(Engine engine, long envId, CohortSpec c, DateRange range, String interval,
            Clock clock) {
        if (!interval.equals("day") && !interval.equals("week")) {
            throw HindsightException.field("interval", "must be day or week");
        }
        List<Long> starts = Buckets.between(range.fromMs(), range.toMs(), interval, range.zone());
        if (starts.size() > MAX_SIZE_POINTS) {
            throw QueryLimits.exceeded("interval", "the range has " + starts.size() + " " + interval + "s; a cohort's"
                    + " size is given for at most " + MAX_SIZE_POINTS + " of them: narrow the range or take weeks");
        }
        long now = clock.millis();
        List<CohortSizes.Point> points = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            long end = Math.min(i + 1 < starts.size() ? starts.get(i + 1) : range.toMs(), now);
            points.add(new CohortSizes.Point(Instant.ofEpochMilli(starts.get(i)).toString(),
                    Instant.ofEpochMilli(end).toString(), engine.cohortMembers(envId, c.definition(), end).length));
        }
        return new CohortSizes(CohortRef.of(c), interval, points, range.echo());
    }

    /** Who joined and who left a cohort between {@code since} (an instant) and now, by their text, sorted. */
    static CohortChanges changes(Engine engine, long envId, CohortSpec c, String since, Clock clock) {
        long now = clock.millis();
        long from;
        try {
            from = Instant.parse(since == null ? "" : since).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw HindsightException.field("since", "is required: an instant such as 2026-11-01T00:00:00Z");
        }
        if (from > now) {
            throw HindsightException.field("since", "must not be after now (" + Instant.ofEpochMilli(now) + ")");
        }
        Set<Long> before = keys(engine.cohortMembers(envId, c.definition(), from));
        Set<Long> after = keys(engine.cohortMembers(envId, c.definition(), now));
        Set<Long> added = new TreeSet<>(after);
        added.removeAll(before);
        Set<Long> removed = new TreeSet<>(before);
        removed.removeAll(after);
        Set<Long> all = new TreeSet<>(added);
        all.addAll(removed);
        Map<Long, String> labels = all.isEmpty() ? Map.of() : engine.userLabels(all);
        return new CohortChanges(CohortRef.of(c), Instant.ofEpochMilli(from).toString(),
                Instant.ofEpochMilli(now).toString(), added.stream().map(labels::get).sorted().toList(),
                removed.stream().map(labels::get).sorted().toList());
    }

    private static Set<Long> keys(int[] members) {
        Set<Long> out = new TreeSet<>();
        for (int m : members) {
            out.add((long) m);
        }
        return out;
    }
}
