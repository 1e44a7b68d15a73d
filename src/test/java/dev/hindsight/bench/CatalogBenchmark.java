package dev.hindsight.bench;

import dev.hindsight.catalog.CatalogStore;
import dev.hindsight.catalog.CatalogStore.Scope;
import dev.hindsight.catalog.CatalogStore.TrackedDefinition;
import dev.hindsight.define.Definition;
import dev.hindsight.define.Definitions;
import dev.hindsight.demo.Demo;
import dev.hindsight.demo.SiteGenerator;
import dev.hindsight.http.Json;
import dev.hindsight.store.duckdb.DuckDbDialect;
import dev.hindsight.define.EventFilter;
import dev.hindsight.store.duckdb.DuckDb;
import dev.hindsight.store.duckdb.DuckDbEventCatalog;
import dev.hindsight.store.duckdb.DuckDbEventStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The catalog benchmark: N generated events ({@link SiteGenerator}, as {@link QueryBenchmark}) in a fresh DuckDB
 * store, the catalog's summary built from them (timed), then each catalog read as a request makes it (a freshness
 * pass that finds nothing new, then the read of the summary) against the same answer computed by a full scan of the
 * events, in the same process. Timings are the median of R runs after one warm-up.
 *
 * <p>Run it with {@code scripts/bench-catalog.sh [--events=N] [--runs=R] [--store=DIR]}.
 */
public final class CatalogBenchmark {
    private static final long DAY = 86_400_000L;
    private static final long ENV = 1;

    public static void main(String[] args) throws Exception {
        long events = longArg(args, "events", 10_000_000);
        int runs = (int) longArg(args, "runs", 9);
        String storeArg = stringArg(args, "store", null);
        long to = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
        long from = to - 90 * DAY;
        System.out.printf(Locale.ROOT, "Hindsight catalog benchmark: %,d events, median of %d runs after one warm-up,"
                + " %d cores%n", events, runs, Runtime.getRuntime().availableProcessors());
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
                System.out.printf(Locale.ROOT, "Generated and stored %,d events in %.1f s%n", c.events(),
                        (System.nanoTime() - t0) / 1e9);
                if (storeArg != null) {
                    Files.createFile(dir.resolve("generated-" + events));
                }
            }
            store.awaitDictionaries();
            List<TrackedDefinition> defs = new ArrayList<>();
            List<EventFilter> filters = new ArrayList<>();
            long id = 1;
            for (Definition d : Demo.definitions(ENV, to)) {
                EventFilter f = Definitions.compile(d.rules());
                filters.add(f);
                defs.add(new TrackedDefinition(ENV, id++, Json.MAPPER.writeValueAsString(d.rules()), f));
            }
            DuckDbEventCatalog catalog = new DuckDbEventCatalog(db, new DuckDbDialect());
            long tb = System.nanoTime();
            int slices = 1;
            while (catalog.refresh(defs)) {
                slices++;
            }
            System.out.printf(Locale.ROOT, "Summary built (or caught up) in %.1f s, %d slice(s), with %d definitions%n",
                    (System.nanoTime() - tb) / 1e9, slices, defs.size());

            String topKey = catalog.properties(ENV, Scope.EVENT, "", 1, 0).stream().findFirst()
                    .map(CatalogStore.PropertyStat::name).orElse("plan");
            String env = " WHERE env_id = " + ENV;
            String each = " FROM events e, json_each(e.properties) j" + env;
            Object[][] cases = {
                {"event names, prefix 'S'", (Callable<?>) () -> catalog.names(ENV, "S", 50),
                    "SELECT kind, name, count(*) c, min(time), max(time) FROM events" + env
                        + " AND starts_with(lower(name), 's') GROUP BY ALL ORDER BY c DESC LIMIT 50"},
                {"definitions' counts", (Callable<?>) () -> catalog.definitions(ENV), null},
                {"properties with top 5 values", (Callable<?>) () -> catalog.properties(ENV, Scope.EVENT, "", 50, 5),
                    "SELECT j.key, j.type, count(*) c, min(time), max(time)" + each + " GROUP BY ALL ORDER BY c DESC LIMIT 50"},
                {"values of '" + topKey + "', prefix ''", (Callable<?>) () -> catalog.values(ENV, Scope.EVENT, topKey, "", 50),
                    "SELECT json_extract_string(j.value, '$') v, count(*) c, min(time), max(time)" + each
                        + " AND j.key = '" + topKey.replace("'", "''") + "' GROUP BY ALL ORDER BY c DESC LIMIT 50"},
                {"candidates (" + filters.size() + " definitions)",
                    (Callable<?>) () -> catalog.candidates(ENV, List.of("click", "submit", "change"), filters, 50),
                    "SELECT kind, hierarchy_id, target_text, href, path, count(*) c, min(time), max(time) FROM events" + env
                        + " AND kind IN ('click', 'submit', 'change') AND NOT coalesce("
                        + new DuckDbDialect().filter(new EventFilter.Any(filters)).text()
                        + ", FALSE) GROUP BY ALL ORDER BY c DESC LIMIT 50"},
            };
            double fresh = median(runs, () -> catalog.refresh(defs));
            System.out.printf(Locale.ROOT, "%nFreshness pass with nothing new (every request makes one): %.1f ms%n", fresh);
            System.out.printf(Locale.ROOT, "%-36s %14s %14s %10s%n", "read", "summary (ms)", "full scan (ms)", "speed-up");
            List<Object> candidateParams = new DuckDbDialect().filter(new EventFilter.Any(filters)).params();
            for (Object[] c : cases) {
                double summary = median(runs, (Callable<?>) c[1]) + fresh;
                double scan = Double.NaN;
                if (c[2] != null) {
                    String sql = (String) c[2];
                    List<Object> params = sql.contains("?") ? candidateParams : List.of();
                    scan = median(Math.min(runs, 3), () -> db.query(sql, params, rs -> rs.getObject(1)));
                }
                System.out.printf(Locale.ROOT, "%-36s %14.1f %14s %10s%n", c[0], summary,
                        Double.isNaN(scan) ? "-" : String.format(Locale.ROOT, "%.1f", scan),
                        Double.isNaN(scan) ? "-" : String.format(Locale.ROOT, "%.0fx", scan / summary));
            }
        }
        if (storeArg == null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static double median(int runs, Callable<?> work) throws Exception {
        work.call();
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            work.call();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    private static long longArg(String[] args, String name, long fallback) {
        String v = stringArg(args, name, null);
        return v == null ? fallback : Long.parseLong(v.replace("_", ""));
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith("--" + name + "=")) {
                return a.substring(name.length() + 3);
            }
        }
        return fallback;
    }
}
