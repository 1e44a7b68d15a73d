package dev.hindsight.bench;

import dev.hindsight.define.Definition;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.EventFilter;
import dev.hindsight.demo.Demo;
import dev.hindsight.demo.SiteGenerator;
import dev.hindsight.query.Analysis;
import dev.hindsight.query.Analysis.CohortFilter;
import dev.hindsight.query.Analysis.CohortSpec;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Membership;
import dev.hindsight.query.QueryRoutes;
import dev.hindsight.store.duckdb.DuckDb;
import dev.hindsight.store.duckdb.DuckDbDefinitions;
import dev.hindsight.store.duckdb.DuckDbEngine;
import dev.hindsight.store.duckdb.DuckDbEventStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The cohort benchmark: N generated events over 90 days ({@link SiteGenerator}) in a fresh DuckDB store, then the
 * cost of cohort membership: the two example cohorts evaluated alone, a retention filtered by one, and a
 * graph broken down by both, beside the same retention and graph without cohorts. Timings are the median of R runs
 * after one warm-up.
 *
 * <p>Run it with {@code scripts/bench-cohorts.sh [--events=N] [--runs=R] [--store=DIR]}.
 */
public final class CohortBenchmark {
    private static final long DAY = 86_400_000L;
    private static final long ENV = 1;

    public static void main(String[] args) throws Exception {
        long events = arg(args, "events", 1_000_000);
        int runs = (int) arg(args, "runs", 5);
        long to = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
        long from = to - 90 * DAY;
        System.out.printf(Locale.ROOT, "Hindsight cohort benchmark: %,d events over 90 days, median of %d runs after one"
                + " warm-up, %d cores%n", events, runs, Runtime.getRuntime().availableProcessors());
        // --store=DIR keeps the generated store in DIR and reuses it on the next run with the same --events.
        String storeArg = null;
        for (String x : args) {
            storeArg = x.startsWith("--store=") ? x.substring("--store=".length()) : storeArg;
        }
        Path dir = storeArg == null ? Files.createTempDirectory("hindsight-cbench") : Path.of(storeArg);
        boolean reuse = storeArg != null && Files.exists(dir.resolve("generated-" + events));
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            if (!reuse) {
                long t0 = System.nanoTime();
                SiteGenerator.Counts c = new SiteGenerator(new SiteGenerator.Options(ENV, 42, from, to, events))
                        .generate(20_000, store::write);
                try (Connection conn = db.connect(); Statement st = conn.createStatement()) {
                    st.execute("CHECKPOINT");
                }
                System.out.printf(Locale.ROOT, "Generated %,d events in %.1f s: %,d devices, %,d users%n", c.events(),
                        (System.nanoTime() - t0) / 1e9, c.devices(), c.users());
                if (storeArg != null) {
                    Files.createFile(dir.resolve("generated-" + events));
                }
            }
            store.awaitDictionaries();
            DuckDbDefinitions catalog = new DuckDbDefinitions(db);
            for (Definition old : catalog.list(ENV)) {
                catalog.delete(ENV, old.id());
            }
            Map<String, EventSpec> spec = new HashMap<>();
            for (Definition d : Demo.definitions(ENV, to)) {
                Definition saved = catalog.insert(d);
                spec.put(saved.name(), new EventSpec(saved.name(), Definitions.compile(saved.rules())));
            }
            Membership proCarts = new Membership.All(List.of(
                    new Membership.Did(spec.get("Added to cart").filter(), 3, null, 30 * DAY),
                    new Membership.HasProperty(new EventFilter.PropertyMatches("plan", "=", "pro"))));
            Membership abandoned = new Membership.DidThenNot(spec.get("Started checkout").filter(),
                    spec.get("Purchased").filter(), DAY, null);
            CohortSpec a = new CohortSpec(1, "Pro carts", proCarts);
            CohortSpec b = new CohortSpec(2, "Abandoned checkout", abandoned);
            DuckDbEngine engine = new DuckDbEngine(db);
            QueryRoutes routes = new QueryRoutes(catalog, engine, null);
            Scope scope = new Scope(ENV, from, to);
            Analysis.Retention retention = new Analysis.Retention(scope, spec.get("Signed up"),
                    spec.get("Viewed a product"), "week", 8);
            Analysis.Retention inCohort = new Analysis.Retention(scope.withCohort(new CohortFilter(b, false, to)),
                    spec.get("Signed up"), spec.get("Viewed a product"), "week", 8);
            Analysis.Graph graph = new Analysis.Graph(scope, "day",
                    List.of(new Analysis.Series(spec.get("Viewed a product"), "users")), null);
            Analysis.Graph byCohort = new Analysis.Graph(scope, "day",
                    List.of(new Analysis.Series(spec.get("Viewed a product"), "users")),
                    new Analysis.Breakdown(null, 0, List.of(a, b), to));
            int[] sizes = new int[2];
            time("membership: did Added to cart >= 3 times in 30 days and plan = pro", runs,
                    () -> sizes[0] = engine.cohortMembers(ENV, proCarts, to).length, () -> sizes[0] + " members");
            time("membership: did Started checkout then not Purchased within 1 day", runs,
                    () -> sizes[1] = engine.cohortMembers(ENV, abandoned, to).length, () -> sizes[1] + " members");
            time("retention Signed up -> Viewed a product, 8 weeks", runs, () -> routes.run(retention), () -> "");
            time("the same retention filtered by 'Abandoned checkout'", runs, () -> routes.run(inCohort), () -> "");
            time("graph: daily users of Viewed a product", runs, () -> routes.run(graph), () -> "");
            time("the same graph broken down by both cohorts", runs, () -> routes.run(byCohort), () -> "");
        }
    }

    private static void time(String what, int runs, Callable<?> work, Callable<String> note) throws Exception {
        work.call();
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            work.call();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        System.out.printf(Locale.ROOT, "  %8.1f ms  %s %s%n", t[runs / 2], what, note.call());
    }

    private static long arg(String[] args, String name, long fallback) {
        for (String a : args) {
            if (a.startsWith("--" + name + "=")) {
                return Long.parseLong(a.substring(name.length() + 3));
            }
        }
        return fallback;
    }
}
