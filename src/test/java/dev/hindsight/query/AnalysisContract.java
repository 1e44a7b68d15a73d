package dev.hindsight.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.MutableClock;
import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.ReferenceEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The analysis contract every {@link Engine} keeps, as Trino's connectors share {@code BaseConnectorTest}: random
 * graphs (every measure, breakdowns, formulas, every interval), funnels, retention grids, paths, users and sessions
 * queries over random data, in several time zones, each run by the same analysis code on the engine under test and
 * on an engine known to be right, with equal answers. An engine's test is a subclass that says how to build it over
 * the server's store ({@link #engine}); the known-right engine is the brute-force {@link ReferenceEngine} over the
 * same data, unless the subclass names another ({@link #oracle}).
 *
 * <p>The data, sent to a real server: in dev, {@link GeneratedTraffic} over ten days (sessions with and without ids,
 * merged and re-identified devices, event and user properties, three definitions), asked in UTC and five other zones
 * (half-hour offsets among them), and cohorts: random dynamic definitions ({@link RandomCohorts}) and static lists
 * changed at known moments, as filters and breakdowns of every analysis that takes them, their members at random
 * moments, their sizes and changes; in prod, custom events around each daylight-saving change of 2026 in Berlin, New
 * York and Adelaide, asked in those zones over ranges that cross the change. Adding an engine is a subclass of a
 * few lines ({@code DuckDbEngineContractTest} is one).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AnalysisContract {
    private static final long SEED = 20261205L;
    private static final int DAYS = 10;
    /** UTC, zones with daylight-saving time, and zones with half-hour offsets. */
    private static final List<String> ZONES = List.of("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
            "Australia/Adelaide", "Pacific/Auckland");
    private static final List<String> INTERVALS = List.of("hour", "day", "week", "month");
    private static final List<String> BREAKDOWNS = List.of("plan", "seats", "$user_at_event.plan");
    private static final List<String> FORMULAS = List.of("A / B", "A - B", "A * 2 + B", "(A + 1) / (B + 1)", "A / 3");
    private static final List<String> WINDOWS = List.of("PT30M", "PT6H", "P1D", "P3D");

    /** Zones whose daylight-saving changes of 2026 the second dataset crowds around. */
    private static final List<String> DST_ZONES = List.of("Europe/Berlin", "America/New_York", "Australia/Adelaide");
    private static final long HOUR = 3_600_000L;

    protected TestServer server;
    /**
     * The server's clock: it stays where it started, but while cohorts are saved or asked about it shows the moment
     * they are changed at or evaluated at ("now"), inside the data's days.
     */
    protected MutableClock clock;
    private Instant started;
    protected GeneratedTraffic traffic;
    /** The ids of dev's cohorts: {@link #DYNAMIC_COHORTS} random dynamic definitions, then the static lists. */
    private final List<Long> cohorts = new ArrayList<>();
    private static final int DYNAMIC_COHORTS = 12;
    /** The data of each environment as the references see it: {@link #traffic} in dev, the changes' in prod. */
    protected Map<Long, Dataset> data;
    /** The daylight-saving changes of 2026 in {@link #DST_ZONES}, in epoch ms. */
    private final List<Long> changes = new ArrayList<>();
    private Engine engine;
    private Engine oracle;
    /** Queries compared so far, and of those, the ones whose answers hold data. */
    private int queries;
    private int withData;

    /** The engine under test, over the store of {@code server} (which holds {@link #data}). */
    protected abstract Engine engine(TestServer server);

    /** The engine whose answers are right: by default the brute-force reference engine over {@link #data}. */
    protected Engine oracle(TestServer server) {
        return new ReferenceEngine(data);
    }

    @BeforeAll
    void load() {
        started = Instant.now();
        clock = new MutableClock(started);
        server = TestServer.start(Map.of(), clock);
        Traffic t = new Traffic(server);
        // Rolled up midway, so that a store with a rollup of sessions' steps answers paths from both.
        traffic = GeneratedTraffic.send(server, t, SEED, DAYS, () -> assertThat(server.app().rollUp()).isPositive());
        data = Map.of(server.dev().id(), traffic.data().withListings(saveCohorts()), server.prod().id(),
                sendAroundChanges(t));
        engine = engine(server);
        oracle = oracle(server);
    }

    /**
     * Saves dev's cohorts: {@link #DYNAMIC_COHORTS} random dynamic definitions, and two static lists, each listed on
     * the data's second day, replaced on its fifth (some identities dropped, some new) and added to on its seventh
     * (one dropped identity listed again), with an identity the store never saw among them; returns the lists'
     * spans as the reference engine reads them.
     */
    private List<Dataset.Listing> saveCohorts() {
        Random r = new Random(SEED + 10);
        for (int i = 0; i < DYNAMIC_COHORTS; i++) {
            cohorts.add(saveCohort("POST", "/api/cohorts", "{\"name\":\"c" + i + "\",\"definition\":"
                    + RandomCohorts.definition(r, traffic, 0) + "}"));
        }
        List<Dataset.Listing> listings = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<String> identities = new ArrayList<>(List.of("ghost"));
            for (int u = 0; u < 10; u++) {
                identities.add("u" + u);
            }
            java.util.Collections.shuffle(identities, r);
            List<String> listed = identities.subList(0, 6);
            List<String> replaced = identities.subList(3, 9);
            List<String> added = List.of(identities.get(0), identities.get(9));
            long created = GeneratedTraffic.NOV10 + GeneratedTraffic.DAY + i * HOUR;
            long replacedAt = GeneratedTraffic.NOV10 + 4 * GeneratedTraffic.DAY + i * HOUR;
            long addedAt = GeneratedTraffic.NOV10 + 6 * GeneratedTraffic.DAY + i * HOUR;
            clock.set(Instant.ofEpochMilli(created));
            long id = saveCohort("POST", "/api/cohorts", "{\"name\":\"list" + i + "\",\"definition\":"
                    + "{\"type\":\"static\",\"identities\":" + json(listed) + "}}");
            clock.set(Instant.ofEpochMilli(replacedAt));
            saveCohort("PUT", "/api/cohorts/" + id, "{\"name\":\"list" + i + "\",\"definition\":"
                    + "{\"type\":\"static\",\"identities\":" + json(replaced) + "}}");
            clock.set(Instant.ofEpochMilli(addedAt));
            TestServer.Response up = server.post("/api/cohorts/" + id + "/members?app_id=" + server.dev().appId(),
                    json(added), "Authorization", "Bearer " + TestServer.ADMIN, "Content-Type", "application/json");
            assertThat(up.status()).as(up.body()).isEqualTo(200);
            clock.set(started);
            cohorts.add(id);
            // The spans: listed until replaced unless in the new list; the new list's others from then; the added
            // ones not listed at the time from then on.
            for (String x : listed) {
                listings.add(new Dataset.Listing(id, x, created, replaced.contains(x) ? null : replacedAt));
            }
            for (String x : replaced) {
                if (!listed.contains(x)) {
                    listings.add(new Dataset.Listing(id, x, replacedAt, null));
                }
            }
            for (String x : added) {
                if (!replaced.contains(x)) {
                    listings.add(new Dataset.Listing(id, x, addedAt, null));
                }
            }
        }
        return listings;
    }

    /** Sends a cohort's body to dev (adding its app id) as an admin; returns the cohort's id. */
    private long saveCohort(String method, String path, String body) {
        TestServer.Response r = server.send(method, path, "{\"app_id\":\"" + server.dev().appId() + "\","
                + body.substring(1), "Authorization", "Bearer " + TestServer.ADMIN);
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        return r.json().get("id").asLong();
    }

    private static String json(List<String> texts) {
        return "[" + String.join(",", texts.stream().map(x -> "\"" + x + "\"").toList()) + "]";
    }

    /**
     * Sends to prod custom events a, b and c on 15 devices (some identified by the event, most in a session per
     * device and change, some in none) within three days of each daylight-saving change of {@link #DST_ZONES}, a few
     * a millisecond either side of a local midnight; returns them as a dataset.
     */
    private Dataset sendAroundChanges(Traffic t) {
        for (String z : DST_ZONES) {
            var rules = java.time.ZoneId.of(z).getRules();
            var c = rules.nextTransition(Instant.parse("2026-01-01T00:00:00Z"));
            while (c != null && c.getInstant().isBefore(Instant.parse("2027-01-01T00:00:00Z"))) {
                changes.add(c.getInstant().toEpochMilli());
                c = rules.nextTransition(c.getInstant());
            }
        }
        Random r = new Random(SEED - 1);
        List<Dataset.Ev> events = new ArrayList<>();
        List<Map<String, Object>> sent = new ArrayList<>();
        java.util.Set<Long> times = new java.util.HashSet<>();
        for (long change : changes) {
            for (int i = 0; i < 60; i++) {
                long time = change - 3 * 24 * HOUR + (long) (r.nextDouble() * 6 * 24 * HOUR);
                if (i < 6) {
                    java.time.ZoneId zone = java.time.ZoneId.of(pick(r, DST_ZONES));
                    time = Instant.ofEpochMilli(time).atZone(zone).toLocalDate().atStartOfDay(zone).toInstant()
                            .toEpochMilli() - 1 + r.nextInt(3);
                }
                if (!times.add(time)) {
                    continue;
                }
                int d = r.nextInt(15);
                String identity = r.nextInt(8) == 0 ? "w" + r.nextInt(5) : null;
                String session = r.nextInt(5) == 0 ? null : "p" + d + "-" + change;
                Map<String, Object> props = Traffic.map("plan", pick(r, java.util.Arrays.asList("pro", "free", null)));
                Dataset.Ev e = new Dataset.Ev("custom", pick(r, List.of("a", "b", "c")), "p" + d, identity, session,
                        time, "/", null, null, "https://x.com/", null, props);
                events.add(e);
                sent.add(Traffic.map("kind", "custom", "name", e.name(), "device_id", e.device(), "identity", identity,
                        "session_id", session, "time", time, "url", e.url(), "properties", props));
            }
        }
        t.browser(server.prod(), sent);
        return new Dataset(events, List.of(), Map.of());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    /** Most random queries find data: comparing empty answers would prove little. */
    @org.junit.jupiter.api.AfterEach
    void mostAnswersHoldData() {
        assertThat(withData).as(withData + " of " + queries + " answers hold data").isGreaterThanOrEqualTo(queries * 2 / 3);
        queries = 0;
        withData = 0;
    }

    /** A query's members as JSON (without braces), and how many hours its range spans. */
    private record Fields(int hours, String json) {
        Fields with(String more) {
            return new Fields(hours, json + "," + more);
        }
    }

    /** A random graph: one to three series of every measure, maybe a property breakdown, maybe a formula. */
    private Fields graph(Random r, boolean breakdown) {
        StringBuilder series = new StringBuilder();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            String measure = pick(r, GraphQuery.ALL_MEASURES);
            series.append(i == 0 ? "" : ",").append("{\"event\":").append(event(r)).append(",\"measure\":\"")
                    .append(measure).append('"');
            if (GraphQuery.PROPERTY_MEASURES.contains(measure) || measure.equals(GraphQuery.PER_USER) && r.nextBoolean()) {
                // seats is numeric where set; plan never is, so its measures have no values.
                series.append(",\"property\":\"").append(r.nextInt(5) == 0 ? "plan" : "seats").append('"');
            }
            if (measure.equals(GraphQuery.PER_USER)) {
                series.append(",\"aggregate\":\"").append(pick(r, GraphQuery.AGGREGATES)).append('"');
            }
            series.append('}');
        }
        String interval = pick(r, INTERVALS);
        int hours = interval.equals("hour") ? 6 + r.nextInt(60) : 24 + r.nextInt(DAYS * 24);
        StringBuilder fields = new StringBuilder("\"interval\":\"" + interval + "\",\"series\":[" + series + "]");
        if (breakdown && r.nextBoolean()) {
            fields.append(",\"breakdown\":{\"property\":\"").append(pick(r, BREAKDOWNS)).append("\",\"limit\":")
                    .append(1 + r.nextInt(4)).append('}');
        }
        if (n >= 2 && r.nextBoolean()) {
            fields.append(",\"formulas\":[{\"expression\":\"").append(pick(r, FORMULAS)).append("\"}]");
        }
        return new Fields(hours, fields.toString());
    }

    /** A random funnel of two to four steps, maybe broken down by a property. */
    private Fields funnel(Random r, boolean breakdown) {
        int n = 2 + r.nextInt(3);
        List<String> steps = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            steps.add(event(r));
        }
        String fields = "\"steps\":" + steps + ",\"window\":\"" + pick(r, WINDOWS) + "\""
                + (breakdown && r.nextBoolean() ? ",\"breakdown\":{\"property\":\"" + pick(r, BREAKDOWNS)
                + "\",\"limit\":" + (1 + r.nextInt(3)) + "}" : "");
        return new Fields(24 + r.nextInt(DAYS * 24), fields);
    }

    /** A random retention grid's start, return, period and periods. */
    private String retention(Random r) {
        return "\"start\":" + event(r) + ",\"return\":" + event(r) + ",\"period\":\""
                + pick(r, List.of("day", "week", "month")) + "\",\"periods\":" + (1 + r.nextInt(10));
    }

    /** Random paths after or before a start, maybe labelled with events. */
    private Fields paths(Random r) {
        StringBuilder fields = new StringBuilder("\"start\":" + event(r) + ",\"direction\":\""
                + (r.nextBoolean() ? "after" : "before") + "\",\"depth\":" + (1 + r.nextInt(5)));
        if (r.nextInt(3) == 0) {
            List<String> with = new ArrayList<>();
            for (int i = 0; i < 1 + r.nextInt(3); i++) {
                with.add(event(r));
            }
            fields.append(",\"label_with\":").append(with);
        }
        return new Fields(24 + r.nextInt(DAYS * 24), fields.toString());
    }

    private static final List<String> USER_CONDITIONS = List.of("{\"key\":\"plan\",\"op\":\"=\",\"value\":\"pro\"}",
            "{\"key\":\"plan\",\"op\":\"!=\",\"value\":\"pro\"}", "{\"key\":\"seats\",\"op\":\">\",\"value\":4}",
            "{\"key\":\"seats\",\"op\":\"<=\",\"value\":3}", "{\"key\":\"plan\",\"op\":\"is_set\"}",
            "{\"key\":\"plan\",\"op\":\"is_not_set\"}", "{\"key\":\"plan\",\"op\":\"contains\",\"value\":\"r\"}");

    /** A random users query: maybe who did (or did not do) an event, maybe a user property condition. */
    private Fields users(Random r) {
        StringBuilder fields = new StringBuilder("\"limit\":" + (1 + r.nextInt(40)));
        if (r.nextBoolean()) {
            fields.append(",\"event\":").append(event(r)).append(",\"did_not\":").append(r.nextBoolean());
        }
        if (r.nextBoolean()) {
            fields.append(",\"properties\":[").append(pick(r, USER_CONDITIONS)).append(']');
        }
        return new Fields(24 + r.nextInt(DAYS * 24), fields.toString());
    }

    /** A random sessions query: everyone's, an identity's or an anonymous device's. */
    private Fields sessions(Random r) {
        String fields = "\"limit\":" + (1 + r.nextInt(60));
        int who = r.nextInt(3);
        if (who == 1) {
            fields += ",\"identity\":\"u" + r.nextInt(10) + "\"";
        } else if (who == 2) {
            fields += ",\"identity\":\"device:d" + r.nextInt(30) + "\"";
        }
        return new Fields(24 + r.nextInt(DAYS * 24), fields);
    }

    @Test
    void randomGraphsOfEveryMeasureWithBreakdownsAndFormulasAnswerAlike() {
        Random r = new Random(SEED + 1);
        for (int q = 0; q < 40; q++) {
            Fields f = graph(r, true);
            assertSameAnswer(r, "graph", f.hours(), f.json());
        }
    }

    @Test
    void randomFunnelsAnswerAlike() {
        Random r = new Random(SEED + 2);
        for (int q = 0; q < 25; q++) {
            Fields f = funnel(r, true);
            assertSameAnswer(r, "funnel", f.hours(), f.json());
        }
    }

    @Test
    void randomRetentionGridsAnswerAlike() {
        Random r = new Random(SEED + 3);
        for (int q = 0; q < 25; q++) {
            String fields = retention(r);
            assertSameAnswer(r, "retention", 24 + r.nextInt(DAYS * 24), fields);
            // The same grid split by a property of the users' first start events.
            assertSameAnswer(r, "retention", 24 + r.nextInt(DAYS * 24), fields + ",\"breakdown\":{\"property\":\""
                    + pick(r, BREAKDOWNS) + "\",\"limit\":" + (1 + r.nextInt(3)) + "}");
        }
    }

    @Test
    void randomPathsAnswerAlike() {
        Random r = new Random(SEED + 4);
        for (int q = 0; q < 25; q++) {
            Fields f = paths(r);
            assertSameAnswer(r, "paths", f.hours(), f.json());
        }
    }

    @Test
    void randomUsersQueriesAnswerAlike() {
        Random r = new Random(SEED + 5);
        for (int q = 0; q < 25; q++) {
            Fields f = users(r);
            assertSameAnswer(r, "users", f.hours(), f.json());
        }
    }

    @Test
    void randomSessionsQueriesAnswerAlike() {
        Random r = new Random(SEED + 6);
        for (int q = 0; q < 25; q++) {
            Fields f = sessions(r);
            assertSameAnswer(r, "sessions", f.hours(), f.json());
        }
    }

    /** A random moment inside the data's days, when a cohort's membership is taken ("now"). */
    private static long moment(Random r) {
        return GeneratedTraffic.NOV10 + (long) (r.nextDouble() * (DAYS + 1) * GeneratedTraffic.DAY);
    }

    /** Runs {@code what} with the server's clock at {@code now}. */
    private void at(long now, Runnable what) {
        clock.set(Instant.ofEpochMilli(now));
        try {
            what.run();
        } finally {
            clock.set(started);
        }
    }

    /** A cohort of dev as an analysis reads it (its definition read at the time of asking). */
    private Analysis.CohortSpec cohort(long id) {
        return parse(server.dev(), "users", GeneratedTraffic.NOV10, GeneratedTraffic.NOV10 + HOUR, "UTC",
                "\"limit\":1,\"cohort\":" + id).scope().cohort().cohort();
    }

    /** The text of users (by the engine's keys), sorted. */
    private static List<String> labels(Engine e, int[] keys) {
        List<Long> all = new ArrayList<>();
        for (int k : keys) {
            all.add((long) k);
        }
        Map<Long, String> labels = e.userLabels(all);
        return all.stream().map(labels::get).sorted().toList();
    }

    @Test
    void randomCohortsHaveTheSameMembersAtAnyMomentAndTheSameSizesAndChanges() {
        Random r = new Random(SEED + 9);
        long env = server.dev().id();
        int nonEmpty = 0;
        int partial = 0;
        for (long id : cohorts) {
            Analysis.CohortSpec c = cohort(id);
            for (int k = 0; k < 5; k++) {
                long now = moment(r);
                List<String> expected = labels(oracle, oracle.cohortMembers(env, c.definition(), now));
                List<String> actual = labels(engine, engine.cohortMembers(env, c.definition(), now));
                assertThat(actual).as(c + " at " + Instant.ofEpochMilli(now)).isEqualTo(expected);
                long everyone = traffic.data().resolved(0, now).stream().map(Dataset.Resolved::userKey).distinct().count();
                nonEmpty += expected.isEmpty() ? 0 : 1;
                partial += expected.isEmpty() || expected.size() == everyone ? 0 : 1;
            }
            // The size at the end of each day of a random stretch, and who joined and left since a moment, both
            // through the port's membership at a random now.
            long from = moment(r) - 2 * GeneratedTraffic.DAY;
            long since = from + (long) (r.nextDouble() * 2 * GeneratedTraffic.DAY);
            String zone = pick(r, ZONES);
            at(since + (long) (r.nextDouble() * 4 * GeneratedTraffic.DAY), () -> {
                DateRange range = DateRange.resolve(Instant.ofEpochMilli(from).toString(),
                        Instant.ofEpochMilli(from + 5 * GeneratedTraffic.DAY).toString(), ZoneId.of(zone), clock);
                assertAlike("sizes of " + c, UserList.sizes(oracle, env, c, range, "day", clock),
                        UserList.sizes(engine, env, c, range, "day", clock));
                String at = Instant.ofEpochMilli(since).toString();
                assertAlike("changes of " + c + " since " + at, UserList.changes(oracle, env, c, at, clock),
                        UserList.changes(engine, env, c, at, clock));
            });
        }
        assertThat(nonEmpty).as("moments with members").isGreaterThan(cohorts.size() * 2);
        assertThat(partial).as("moments when a cohort splits the users").isGreaterThan(cohorts.size() * 2);
    }

    /** A random cohort filter: only a cohort's users, or (with not) everyone else's. */
    private String cohortFilter(Random r) {
        long id = pick(r, cohorts);
        return switch (r.nextInt(3)) {
            case 0 -> "\"cohort\":" + id;
            case 1 -> "\"cohort\":{\"id\":" + id + "}";
            default -> "\"cohort\":{\"id\":" + id + ",\"not\":true}";
        };
    }

    @Test
    void randomQueriesOfACohortsUsersAnswerAlike() {
        Random r = new Random(SEED + 10);
        List<String> kinds = List.of("graph", "funnel", "retention", "paths", "users", "sessions");
        for (int q = 0; q < 48; q++) {
            String kind = kinds.get(q % kinds.size());
            Fields f = switch (kind) {
                case "graph" -> graph(r, true);
                case "funnel" -> funnel(r, true);
                case "retention" -> new Fields(24 + r.nextInt(DAYS * 24), retention(r));
                case "paths" -> paths(r);
                case "users" -> users(r);
                default -> sessions(r);
            };
            Fields asked = f.with(cohortFilter(r));
            at(moment(r), () -> assertSameAnswer(r, kind, asked.hours(), asked.json()));
        }
    }

    @Test
    void randomBreakdownsByCohortsAnswerAlike() {
        Random r = new Random(SEED + 11);
        List<String> kinds = List.of("graph", "funnel", "retention");
        for (int q = 0; q < 36; q++) {
            String kind = kinds.get(q % kinds.size());
            Fields f = switch (kind) {
                case "graph" -> graph(r, false);
                case "funnel" -> funnel(r, false);
                default -> new Fields(24 + r.nextInt(DAYS * 24), retention(r));
            };
            List<Long> ids = new ArrayList<>(cohorts);
            java.util.Collections.shuffle(ids, r);
            Fields asked = f.with("\"breakdown\":{\"cohorts\":" + ids.subList(0, 1 + r.nextInt(3)) + "}");
            Fields withFilter = r.nextInt(3) == 0 ? asked.with(cohortFilter(r)) : asked;
            at(moment(r), () -> assertSameAnswer(r, kind, withFilter.hours(), withFilter.json()));
        }
    }

    @Test
    void randomQueriesAcrossDaylightSavingChangesAnswerAlike() {
        Random r = new Random(SEED + 8);
        for (int q = 0; q < 60; q++) {
            long change = pick(r, changes);
            long from = change - (1 + r.nextInt(70)) * HOUR;
            long to = change + (1 + r.nextInt(70)) * HOUR;
            String a = "{\"kind\":\"custom\",\"event\":\"" + pick(r, List.of("a", "b", "c")) + "\"}";
            String b = "{\"kind\":\"custom\",\"event\":\"" + pick(r, List.of("a", "b", "c")) + "\"}";
            String kind = pick(r, List.of("graph", "graph", "retention", "retention", "funnel", "paths", "users",
                    "sessions"));
            String fields = switch (kind) {
                case "graph" -> "\"interval\":\"" + pick(r, List.of("hour", "day", "week")) + "\",\"series\":[{\"event\":"
                        + a + ",\"measure\":\"" + pick(r, GraphQuery.MEASURES) + "\"},{\"event\":" + b
                        + ",\"measure\":\"per_user\",\"aggregate\":\"" + pick(r, GraphQuery.AGGREGATES) + "\"}]"
                        + (r.nextBoolean() ? ",\"breakdown\":{\"property\":\"plan\",\"limit\":1}" : "")
                        + ",\"formulas\":[{\"expression\":\"A / B\"}]";
                case "retention" -> "\"start\":" + a + ",\"return\":" + b + ",\"period\":\""
                        + pick(r, List.of("day", "week", "month")) + "\",\"periods\":" + (1 + r.nextInt(6));
                case "funnel" -> "\"steps\":[" + a + "," + b + "],\"window\":\"" + pick(r, WINDOWS) + "\"";
                case "paths" -> "\"start\":" + a + ",\"depth\":" + (1 + r.nextInt(4)) + ",\"direction\":\""
                        + (r.nextBoolean() ? "after" : "before") + "\"";
                case "users" -> "\"event\":" + a + ",\"limit\":" + (1 + r.nextInt(20));
                default -> "\"limit\":" + (1 + r.nextInt(20));
            };
            assertSameAnswer(parse(server.prod(), kind, from, to, pick(r, DST_ZONES), fields));
        }
    }

    @Test
    void theRandomQueriesFindData() {
        var analysis = parse(new Random(SEED + 7), "graph", DAYS * 24,
                "\"interval\":\"day\",\"series\":[{\"event\":{\"kind\":\"pageview\"}}]");
        Answer answer = answer(engine, analysis);
        assertThat(answer.toString()).as("a graph of page views has some").containsPattern("value=[1-9]");
        assertAlike(analysis.toString(), answer(oracle, analysis), answer);
    }

    /**
     * Parses a query of {@code kind} over {@code hours} hours starting at a random hour of the data's days, in a
     * random zone, then runs it on both engines and compares the answers.
     */
    private void assertSameAnswer(Random r, String kind, int hours, String fields) {
        assertSameAnswer(parse(r, kind, hours, fields));
    }

    /** Runs the analysis on both engines and compares the answers. */
    private void assertSameAnswer(dev.hindsight.query.Analysis analysis) {
        queries++;
        Answer expected = answer(oracle, analysis);
        Answer actual;
        try {
            actual = answer(engine, analysis);
        } catch (RuntimeException e) {
            throw new AssertionError("the engine failed " + analysis, e);
        }
        assertAlike(analysis.toString(), expected, actual);
        // A figure from 1 up: the answer is not all zeros and empty lists.
        if (java.util.regex.Pattern.compile("=[1-9]").matcher(expected.toString()).find()) {
            withData++;
        }
    }

    /** A query of dev's traffic over {@code hours} hours from a random hour of its days, in a random zone. */
    private dev.hindsight.query.Analysis parse(Random r, String kind, int hours, String fields) {
        long from = GeneratedTraffic.NOV10 - 12 * HOUR + r.nextInt(DAYS * 24) * HOUR;
        return parse(server.dev(), kind, from, from + hours * HOUR, pick(r, ZONES), fields);
    }

    /** A query as {@code POST /api/query} parses it: {@code fields} are the kind's members, as JSON without braces. */
    protected dev.hindsight.query.Analysis parse(dev.hindsight.project.Environment env, String kind, long from, long to,
            String zone, String fields) {
        String body = "{\"kind\":\"" + kind + "\",\"from\":\"" + Instant.ofEpochMilli(from) + "\",\"to\":\""
                + Instant.ofEpochMilli(to) + "\",\"time_zone\":\"" + zone + "\"," + fields + "}";
        try {
            JsonNode node = TestServer.JSON.readTree(body);
            return server.app().queries().parse(env, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected Answer answer(Engine e, dev.hindsight.query.Analysis a) {
        return server.app().queries().run(a, e);
    }

    private String event(Random r) {
        List<String> names = new ArrayList<>(traffic.eventJson().keySet());
        String json = traffic.eventJson().get(pick(r, names));
        if (r.nextInt(4) == 0) {
            // With an event property filter.
            String filter = switch (r.nextInt(3)) {
                case 0 -> "{\"key\":\"plan\",\"op\":\"=\",\"value\":\"pro\"}";
                case 1 -> "{\"key\":\"seats\",\"op\":\">=\",\"value\":5}";
                // The user's plan when the event happened (see GeneratedTraffic's history of sets).
                default -> "{\"key\":\"$user_at_event.plan\",\"op\":\"=\",\"value\":\"pro\"}";
            };
            json = json.substring(0, json.length() - 1) + ",\"properties\":[" + filter + "]}";
        }
        return json;
    }

    protected static <T> T pick(Random r, List<T> xs) {
        return xs.get(r.nextInt(xs.size()));
    }

    /** Answers alike: equal, but for numbers that are not whole, which may differ in their last bits. */
    private static void assertAlike(String what, Object expected, Object actual) {
        compare(what, "", expected, actual);
    }

    /** The value of a record's component. */
    private static Object component(java.lang.reflect.RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void compare(String what, String path, Object expected, Object actual) {
        if (expected instanceof Double x && actual instanceof Double y) {
            if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(x))) {
                fail(what + " at " + path + ": expected " + x + " but was " + y);
            }
        } else if (expected instanceof Record x && actual instanceof Record y) {
            assertThat(y.getClass()).as(what + " at " + path).isEqualTo(x.getClass());
            for (java.lang.reflect.RecordComponent c : x.getClass().getRecordComponents()) {
                compare(what, path + "." + c.getName(), component(c, x), component(c, y));
            }
        } else if (expected instanceof JsonNode x && actual instanceof JsonNode y && x.isContainerNode()
                && y.getNodeType() == x.getNodeType()) {
            // A free-form JSON member (a user's properties): compared as the maps and lists it holds.
            if (x.isObject()) {
                List<String> xs = new ArrayList<>();
                List<String> ys = new ArrayList<>();
                x.fieldNames().forEachRemaining(xs::add);
                y.fieldNames().forEachRemaining(ys::add);
                assertThat(new java.util.TreeSet<>(ys)).as(what + " at " + path).isEqualTo(new java.util.TreeSet<>(xs));
                xs.forEach(k -> compare(what, path + "." + k, x.get(k), y.get(k)));
            } else {
                if (x.size() != y.size()) {
                    fail(what + " at " + path + ": expected " + x + " but was " + y);
                }
                for (int i = 0; i < x.size(); i++) {
                    compare(what, path + "[" + i + "]", x.get(i), y.get(i));
                }
            }
        } else if (expected instanceof JsonNode x && actual instanceof JsonNode y && x.isDouble() && y.isDouble()) {
            compare(what, path, x.doubleValue(), y.doubleValue());
        } else if (expected instanceof List<?> x && actual instanceof List<?> y) {
            if (x.size() != y.size()) {
                fail(what + " at " + path + ": expected " + x + " but was " + y);
            }
            for (int i = 0; i < x.size(); i++) {
                compare(what, path + "[" + i + "]", x.get(i), y.get(i));
            }
        } else {
            assertThat(actual).as(what + " at " + path).isEqualTo(expected);
        }
    }
}
