package dev.hindsight.bench;

import dev.hindsight.define.Definition;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.Rule;
import dev.hindsight.demo.Demo;
import dev.hindsight.demo.SiteGenerator;
import dev.hindsight.query.Analysis;
import dev.hindsight.query.Analysis.EventSpec;
import dev.hindsight.query.Analysis.Scope;
import dev.hindsight.query.Buckets;
import dev.hindsight.define.EventFilter;
import dev.hindsight.query.Answer;
import dev.hindsight.query.QueryRoutes;
import dev.hindsight.store.duckdb.DuckDb;
import dev.hindsight.store.duckdb.DuckDbDefinitions;
import dev.hindsight.store.duckdb.DuckDbDialect;
import dev.hindsight.store.duckdb.DuckDbEngine;
import dev.hindsight.store.duckdb.DuckDbEventStore;
import dev.hindsight.store.duckdb.SessionSteps;
import dev.hindsight.store.duckdb.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * The query benchmark: N generated events over 90 days ({@link SiteGenerator}) straight into a fresh DuckDB store,
 * then five analyses through Hindsight's query code (a daily users graph of a click definition with CSS selectors,
 * a 4-step funnel with a 14-day window, 8-week retention, paths after the pricing page at depth 5, and a graph of
 * the purchases' {@code revenue} summed by day), then three with the built-in properties and cohorts (the revenue
 * summed by day and {@code $channel}, the funnel by {@code $browser}, the retention of the users of a dynamic cohort),
 * the same eight as equivalent SQL ({@link PgSql}) on PostgreSQL 15 with indexes, a check that both answer the same, the speed-ups
 * of matching selectors through the hierarchy dictionary and of the literal prefilter before the regex, and a table against the goals (at most 1 s on Hindsight, at least 10 times
 * faster than PostgreSQL). Timings are the median of R runs after one warm-up.
 *
 * <p>Run it with {@code scripts/bench-query.sh [--events=N] [--runs=R] [--pg-timeout=S] [--pg-trgm=true]
 * [--skip-pg=true] [--only=graph,funnel,retention,paths,revenue,rev_chan,fun_brows,ret_cohort,builtins]
 * [--store=DIR]}; {@code --store} keeps the generated store in
 * DIR and reuses it on the next run with the same {@code --events}.
 */
public final class QueryBenchmark {
    private static final long DAY = 86_400_000L;
    private static final long ENV = 1;
    private static final String[] NAMES = {"graph", "funnel", "retention", "paths", "revenue", "rev_chan", "fun_brows",
        "ret_cohort"};

    public static void main(String[] args) throws Exception {
        long events = longArg(args, "events", 10_000_000);
        int runs = (int) longArg(args, "runs", 5);
        int pgTimeout = (int) longArg(args, "pg-timeout", 300);
        boolean trgm = !"false".equals(stringArg(args, "pg-trgm", "true"));
        boolean skipPg = "true".equals(stringArg(args, "skip-pg", "false"));
        String storeArg = stringArg(args, "store", null);
        List<String> only = Arrays.asList(stringArg(args, "only", String.join(",", NAMES) + ",builtins").split(","));
        long to = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
        long from = to - 90 * DAY;
        System.out.printf(Locale.ROOT, "Hindsight query benchmark: %,d events over 90 days (%s to %s), median of %d runs"
                + " after one warm-up, %d cores, max heap %d MiB%n", events, Instant.ofEpochMilli(from),
                Instant.ofEpochMilli(to), runs, Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);

        // --store=DIR keeps the generated store in DIR and reuses it on the next run (same --events), to time query
        // changes without generating again; without it the store is a temporary directory deleted at the end.
        Path dir = storeArg == null ? Files.createTempDirectory("hindsight-qbench") : Path.of(storeArg);
        boolean reuse = storeArg != null && Files.exists(dir.resolve("generated-" + events));
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            // 1. Data and definitions.
            long total;
            if (reuse) {
                total = db.query("SELECT count(*) FROM events", List.of(), rs -> rs.getLong(1)).get(0);
                System.out.printf(Locale.ROOT, "Reusing the store in %s: %,d events; store %.0f MiB%n", dir, total,
                        db.sizeBytes() / 1048576.0);
            } else {
                long t0 = System.nanoTime();
                SiteGenerator gen = new SiteGenerator(new SiteGenerator.Options(ENV, 42, from, to, events));
                SiteGenerator.Counts c = gen.generate(20_000, store::write);
                try (Connection conn = db.connect(); Statement st = conn.createStatement()) {
                    st.execute("CHECKPOINT");
                }
                double genSeconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "Generated and stored %,d events in %.1f s (%,.0f events/s): %,d devices, %,d sessions,"
                        + " %,d identifies, %,d users; DOM change at %s; store %.0f MiB%n", c.events(), genSeconds,
                        c.events() / genSeconds, c.devices(), c.sessions(), c.identifies(), c.users(),
                        Instant.ofEpochMilli(gen.domChangeAt()), db.sizeBytes() / 1048576.0);
                total = c.events();
            }

            long tf = System.nanoTime();
            store.awaitDictionaries();
            System.out.printf(Locale.ROOT, "Store open: the dictionaries' filters were ready %.1f s after (built in the"
                    + " background; no query below overlaps it)%n", (System.nanoTime() - tf) / 1e9);

            // The server rolls up sessions' steps in the background as events arrive (SessionSteps); here it is
            // done at once, timed, before any query. A reused store has its rollup already and this takes nothing.
            long tr = System.nanoTime();
            long rolled = new SessionSteps(db, java.time.Clock.systemUTC()).rollUp();
            System.out.printf(Locale.ROOT, "Session steps rollup: %,d events rolled up in %.1f s; %,d session rows,"
                    + " store %.0f MiB%n", rolled, (System.nanoTime() - tr) / 1e9,
                    db.query("SELECT count(*) FROM session_steps", List.of(), rs -> rs.getLong(1)).get(0),
                    db.sizeBytes() / 1048576.0);

            DuckDbDefinitions catalog = new DuckDbDefinitions(db);
            for (Definition old : catalog.list(ENV)) {
                catalog.delete(ENV, old.id());
            }
            List<Definition> defs = new ArrayList<>(Demo.definitions(ENV, to));
            defs.add(new Definition(0, ENV, "Submitted checkout", "A submit of the checkout form", "commerce", "bench",
                    "verified", List.of(new Rule("submit", null, null, null, null, null, null, null, null, "checkout",
                            null, null)), to, to));
            Map<String, EventSpec> spec = new HashMap<>();
            for (Definition d : defs) {
                Definitions.check(d.rules());
                Definition saved = catalog.insert(d);
                Definition read = catalog.get(ENV, saved.id()).orElseThrow();
                spec.put(read.name(), new EventSpec(read.name(), Definitions.compile(read.rules())));
                System.out.printf(Locale.ROOT, "  definition #%d %s: %s%n", read.id(), read.name(), read.rules());
            }

            Scope scope = new Scope(ENV, from, to);
            Analysis graph = new Analysis.Graph(scope, "day",
                    List.of(new Analysis.Series(spec.get("Added to cart"), "users")), null);
            Analysis funnel = new Analysis.Funnel(scope, List.of(spec.get("Viewed a product"), spec.get("Added to cart"),
                    spec.get("Submitted checkout"), spec.get("Purchased")), 14 * DAY, null);
            Analysis retention = new Analysis.Retention(scope, spec.get("Signed up"), spec.get("Viewed a product"),
                    "week", 8);
            Analysis paths = new Analysis.Paths(scope, spec.get("Viewed pricing"), false, 5, List.of());
            Analysis revenue = new Analysis.Graph(scope, "day",
                    List.of(new Analysis.Series(spec.get("Purchased"), "sum", "revenue", null)), null);
            Analysis revenueByChannel = new Analysis.Graph(scope, "day",
                    List.of(new Analysis.Series(spec.get("Purchased"), "sum", "revenue", null)),
                    new Analysis.Breakdown("$channel", 10));
            Analysis funnelByBrowser = new Analysis.Funnel(scope, List.of(spec.get("Viewed a product"),
                    spec.get("Added to cart"), spec.get("Submitted checkout"), spec.get("Purchased")), 14 * DAY,
                    new Analysis.Breakdown("$browser", 10));
            // A dynamic cohort (the example without its property condition): evaluated at the range's end.
            Analysis.CohortSpec carts = new Analysis.CohortSpec(1, "Carted 3 times",
                    new dev.hindsight.query.Membership.Did(spec.get("Added to cart").filter(), 3, null, 30 * DAY));
            Analysis retentionInCohort = new Analysis.Retention(
                    scope.withCohort(new Analysis.CohortFilter(carts, false, to)), spec.get("Signed up"),
                    spec.get("Viewed a product"), "week", 8);
            Analysis[] analyses = {graph, funnel, retention, paths, revenue, revenueByChannel, funnelByBrowser,
                retentionInCohort};
            String[] describe = {
                "graph: daily users of 'Added to cart' (2 click rules with CSS selectors, path /products/*), 90 days",
                "funnel: Viewed a product -> Added to cart -> Submitted checkout -> Purchased, window P14D, 90 days",
                "retention: start 'Signed up', return 'Viewed a product', 8 weeks, 90 days",
                "paths: after 'Viewed pricing', depth 5, raw labels, 90 days",
                "revenue: daily sum of the numeric property revenue of 'Purchased', 90 days",
                "rev_chan: daily sum of revenue of 'Purchased' by $channel (session-level: the session's first event)",
                "fun_brows: the 4-step funnel, P14D, by $browser (of each user's result attempt's step 1)",
                "ret_cohort: the retention, users in the cohort 'did Added to cart >= 3 times in the last 30 days'"};

            // 2. Hindsight.
            QueryRoutes routes = new QueryRoutes(catalog, new DuckDbEngine(db), null);
            double[] hs = new double[NAMES.length];
            String[] hsAnswer = new String[NAMES.length];
            System.out.println("\nHindsight (DuckDB store, in-process through QueryRoutes.run):");
            for (int i = 0; i < NAMES.length; i++) {
                Analysis a = analyses[i];
                if (!only.contains(NAMES[i])) {
                    hs[i] = Double.NaN;
                    continue;
                }
                Answer[] last = new Answer[1];
                hs[i] = median(runs, () -> last[0] = routes.run(a));
                hsAnswer[i] = summary(i, last[0]);
                System.out.printf(Locale.ROOT, "  %-9s %8.1f ms   %s%n    runs (ms, sorted): %s%n    answer: %s%n", NAMES[i],
                        hs[i], describe[i], lastRuns, abbreviate(hsAnswer[i]));
            }

            if (only.contains("builtins")) {
                builtIns(routes, scope, spec, runs);
            }

            // 4. The hierarchy dictionary and the literal prefilter (before PostgreSQL, on a quiet machine).
            double dictionarySpeedup = Double.NaN;
            double prefilterSpeedup = Double.NaN;
            if (only.contains("graph")) {
                System.out.println("\nSelectors: the hierarchy dictionary and the literal prefilter (Hindsight):");
                EventFilter added = spec.get("Added to cart").filter();
                System.out.println("  compiled filter: " + new DuckDbDialect().filter(added));
                long[] matched = new long[3];
                // The whole definition over every event of the range, selectors matched through the dictionary (as
                // shipped) or per event (the regex on each event's hierarchy, literal prefilter first).
                double dict = median(runs, () -> matched[0] = countMatching(db, scope, new DuckDbDialect().filter(added)));
                double perEvent = median(runs, () -> matched[1] = countMatching(db, scope, perEvent(added)));
                dictionarySpeedup = perEvent / dict;
                System.out.printf(Locale.ROOT, "  'Added to cart' over all %,d events: through the dictionary %.1f ms, per event %.1f ms:"
                        + " speed-up %.2fx (%,d and %,d events)%n", total, dict, perEvent, dictionarySpeedup, matched[0], matched[1]);
                // The selector conditions alone, per event (no kind or path condition first): every hierarchy goes
                // through them, with the prefilter or the regex only. The dictionary runs the same on its rows.
                EventFilter selectorOnly = selectors(added);
                double with = median(runs, () -> matched[1] = countMatching(db, scope, perEvent(selectorOnly)));
                double without = median(runs, () -> matched[2] = countMatching(db, scope, perEvent(stripLiterals(selectorOnly))));
                prefilterSpeedup = without / with;
                System.out.printf(Locale.ROOT, "  the selector conditions alone, per event: with the literal prefilter %.1f ms,"
                        + " regex only %.1f ms: speed-up %.2fx (%,d and %,d events)%n", with, without, prefilterSpeedup,
                        matched[1], matched[2]);
            }

            // 3. PostgreSQL.
            double[] pg = new double[NAMES.length];
            Arrays.fill(pg, Double.NaN);
            String[] pgNote = new String[NAMES.length];
            Boolean[] same = new Boolean[NAMES.length];
            if (!skipPg) {
                postgres(db, analyses, only, runs, pgTimeout, trgm, pg, pgNote, same, hsAnswer, from, to);
            }

            // 5. The table.
            System.out.println("\nSummary (" + String.format(Locale.ROOT, "%,d", total) + " events, median of "
                    + runs + " runs after a warm-up):");
            System.out.printf(Locale.ROOT, "  %-10s | %12s | %14s | %8s | %-14s | %-18s | %s%n", "analysis", "Hindsight ms",
                    "PostgreSQL ms", "ratio", "<= 1000 ms", ">= 10x faster", "same answer");
            for (int i = 0; i < NAMES.length; i++) {
                String pgText = pgNote[i] != null ? pgNote[i] : String.format(Locale.ROOT, "%.1f", pg[i]);
                double ratio = pg[i] / hs[i];
                boolean timedOut = pgNote[i] != null && pgNote[i].startsWith(">");
                String ratioText = timedOut ? String.format(Locale.ROOT, "> %.1f", pgTimeout * 1000.0 / hs[i])
                        : Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.1f", ratio);
                String tenX = timedOut ? "met" : Double.isNaN(ratio) ? "n/a" : ratio >= 10 ? "met" : "NOT met";
                System.out.printf(Locale.ROOT, "  %-10s | %12.1f | %14s | %8s | %-14s | %-18s | %s%n", NAMES[i], hs[i],
                        pgText, ratioText, hs[i] <= 1000 ? "met" : "NOT met", tenX,
                        same[i] == null ? "n/a" : same[i] ? "yes" : "NO");
            }
            System.out.printf(Locale.ROOT, "  selectors: hierarchy dictionary %.2fx faster than per-event matching;"
                    + " literal prefilter %.2fx faster than the regex alone (per event)%n", dictionarySpeedup, prefilterSpeedup);
        } finally {
            if (storeArg == null) {
                deleteTree(dir);
            }
        }
        if (storeArg != null && !reuse) {
            Files.createFile(dir.resolve("generated-" + events));
        }
    }

    /**
     * Built-in properties (Hindsight only): session-level ones join each event to its session's first event, so
     * each case is timed beside the same analysis without them.
     */
    private static void builtIns(QueryRoutes routes, Scope scope, Map<String, EventSpec> spec, int runs) throws Exception {
        System.out.println("\nBuilt-in properties (Hindsight):");
        EventSpec pageviews = new EventSpec("pageview", new EventFilter.KindIs("pageview"));
        EventFilter search = new EventFilter.PropertyMatches("$channel", "=", "search");
        EventFilter newsletter = new EventFilter.PropertyMatches("$utm_source", "=", "newsletter");
        List<EventSpec> steps = List.of(spec.get("Viewed a product"), spec.get("Added to cart"),
                spec.get("Submitted checkout"), spec.get("Purchased"));
        Map<String, Analysis> cases = new LinkedHashMap<>();
        cases.put("graph: daily sessions of pageviews (no built-in, the baseline)", new Analysis.Graph(scope, "day",
                List.of(new Analysis.Series(pageviews, "sessions")), null));
        cases.put("graph: daily sessions of pageviews by $channel", new Analysis.Graph(scope, "day",
                List.of(new Analysis.Series(pageviews, "sessions")), new Analysis.Breakdown("$channel", 10)));
        cases.put("graph: daily sessions of pageviews, $channel = search", new Analysis.Graph(scope, "day",
                List.of(new Analysis.Series(filtered(pageviews, search), "sessions")), null));
        cases.put("graph: daily pageviews by $browser (event level)", new Analysis.Graph(scope, "day",
                List.of(new Analysis.Series(pageviews, "count")), new Analysis.Breakdown("$browser", 10)));
        cases.put("funnel: the 4 steps, P14D (no built-in, the baseline)", new Analysis.Funnel(scope, steps, 14 * DAY, null));
        cases.put("funnel: the 4 steps, P14D, by $channel", new Analysis.Funnel(scope, steps, 14 * DAY,
                new Analysis.Breakdown("$channel", 10)));
        cases.put("funnel: the 4 steps, P14D, $utm_source = newsletter", new Analysis.Funnel(scope,
                steps.stream().map(st -> filtered(st, newsletter)).toList(), 14 * DAY, null));
        cases.put("retention: Signed up -> Viewed a product, 8 weeks, $channel = search", new Analysis.Retention(scope,
                filtered(spec.get("Signed up"), search), filtered(spec.get("Viewed a product"), search), "week", 8));
        // A user property: its latest value, then its value at each event's time (a lookup in the history of sets).
        cases.put("graph: daily pageviews by $user.plan", new Analysis.Graph(scope, "day",
                List.of(new Analysis.Series(pageviews, "count")), new Analysis.Breakdown("$user.plan", 10)));
        cases.put("graph: daily pageviews by $user_at_event.plan", new Analysis.Graph(scope, "day",
                List.of(new Analysis.Series(pageviews, "count")), new Analysis.Breakdown("$user_at_event.plan", 10)));
        cases.put("retention: Signed up -> Viewed a product, 8 weeks, by $user_at_event.plan", new Analysis.Retention(
                scope, spec.get("Signed up"), spec.get("Viewed a product"), "week", 8,
                new Analysis.Breakdown("$user_at_event.plan", 10)));
        for (Map.Entry<String, Analysis> c : cases.entrySet()) {
            Object[] last = new Object[1];
            double ms = median(runs, () -> last[0] = routes.run(c.getValue()));
            System.out.printf(Locale.ROOT, "  %8.1f ms   %s%n    runs (ms, sorted): %s%n    answer: %s%n", ms, c.getKey(),
                    lastRuns, abbreviate(String.valueOf(last[0])));
        }
    }

    private static EventSpec filtered(EventSpec e, EventFilter f) {
        return new EventSpec(e.label(), new EventFilter.All(List.of(e.filter(), f)));
    }

    /** The benchmark's stores are gigabytes at 10M events: they go when it ends. */
    static void deleteTree(Path root) throws java.io.IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void postgres(DuckDb db, Analysis[] analyses, List<String> only, int runs, int timeoutS, boolean trgm, double[] pg,
            String[] pgNote, Boolean[] same, String[] hsAnswer, long from, long to) throws Exception {
        System.out.println("\nPostgreSQL 15:");
        Postgres started = Postgres.start();
        try (Postgres server = started; Connection pc = server.connect()) {
            try (Statement st = pc.createStatement()) {
                st.execute("SELECT version()");
                try (ResultSet rs = st.getResultSet()) {
                    rs.next();
                    System.out.println("  " + rs.getString(1));
                }
                st.execute("""
                        CREATE UNLOGGED TABLE events (env_id bigint NOT NULL, event_id uuid NOT NULL, kind text NOT NULL,
                          name text, device_id text, identity text, session_id text, time timestamp NOT NULL,
                          hierarchy text, target_text text, href text, url text, path text, properties jsonb NOT NULL,
                          seq bigint NOT NULL, referrer text, query text, browser text)""");
                st.execute("""
                        CREATE UNLOGGED TABLE identity_links (id bigint PRIMARY KEY, env_id bigint NOT NULL,
                          device_id text NOT NULL, identity text NOT NULL, valid_from timestamp NOT NULL,
                          created_at timestamp NOT NULL, undone_at timestamp, source text NOT NULL)""");
                st.execute(PgSql.URL_DECODE);
            }
            Path evCsv = server.dir().resolve("events.csv");
            Path lnCsv = server.dir().resolve("links.csv");
            long t0 = System.nanoTime();
            try (Connection dc = db.connect(); Statement st = dc.createStatement()) {
                st.execute("COPY (SELECT env_id, event_id, kind, name, device_id, identity, session_id, time, hierarchy,"
                        + " target_text, href, url, path, properties, seq, referrer, query, browser FROM events) TO '" + evCsv + "' (HEADER)");
                st.execute("COPY (SELECT id, env_id, device_id, identity, valid_from, created_at, undone_at, source"
                        + " FROM identity_links) TO '" + lnCsv + "' (HEADER)");
            }
            double export = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            try (Statement st = pc.createStatement()) {
                st.execute("COPY events FROM '" + evCsv + "' CSV HEADER");
                st.execute("COPY identity_links FROM '" + lnCsv + "' CSV HEADER");
            }
            double load = (System.nanoTime() - t1) / 1e9;
            Files.deleteIfExists(evCsv);
            Files.deleteIfExists(lnCsv);
            long t2 = System.nanoTime();
            List<String> indexes = new ArrayList<>(List.of(
                    "CREATE INDEX events_env_time ON events (env_id, time)",
                    "CREATE INDEX events_env_kind_time ON events (env_id, kind, time)",
                    "CREATE INDEX events_device ON events (device_id)",
                    "CREATE INDEX events_session ON events (session_id, time, seq)",
                    "CREATE INDEX links_env_device ON identity_links (env_id, device_id)"));
            if (trgm) {
                indexes.add("CREATE EXTENSION pg_trgm");
                indexes.add("CREATE INDEX events_hierarchy_trgm ON events USING gin (hierarchy gin_trgm_ops)");
            }
            try (Statement st = pc.createStatement()) {
                for (String ddl : indexes) {
                    long s = System.nanoTime();
                    st.execute(ddl);
                    System.out.printf(Locale.ROOT, "    %s: %.1f s%n", ddl, (System.nanoTime() - s) / 1e9);
                }
                st.execute("VACUUM ANALYZE events");
                st.execute("VACUUM ANALYZE identity_links");
            }
            double index = (System.nanoTime() - t2) / 1e9;
            String size;
            try (Statement st = pc.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_size_pretty(pg_total_relation_size('events')),"
                            + " pg_size_pretty(pg_relation_size('events'))")) {
                rs.next();
                size = rs.getString(1) + " with indexes, " + rs.getString(2) + " heap";
            }
            System.out.printf(Locale.ROOT, "  load: export from DuckDB to CSV %.1f s, COPY into PostgreSQL %.1f s, indexes + VACUUM ANALYZE"
                    + " %.1f s (total %.1f s); events table %s%n", export, load, index, export + load + index, size);

            try (Statement st = pc.createStatement()) {
                st.execute("SET statement_timeout = '" + timeoutS + "s'");
                st.execute("SET plan_cache_mode = force_custom_plan");
            }
            PgSql q = new PgSql();
            for (int i = 0; i < NAMES.length; i++) {
                Analysis a = analyses[i];
                if (!only.contains(NAMES[i])) {
                    continue;
                }
                Sql sql = switch (a) {
                    case Analysis.Graph g -> q.graph(g);
                    case Analysis.Funnel f -> q.funnel(f);
                    case Analysis.Retention r -> q.retention(r, 7 * DAY);
                    case Analysis.Paths p -> q.paths(p);
                    default -> throw new IllegalStateException();
                };
                if (i == 0) {
                    System.out.println("  graph SQL: " + sql);
                }
                List<Object[]>[] last = new List[1];
                try {
                    long w0 = System.nanoTime();
                    last[0] = pgRows(pc, sql);
                    double warm = (System.nanoTime() - w0) / 1e6;
                    // A query slower than a minute is timed once more, not R times: the answer is its order of magnitude.
                    int n = warm > 60_000 ? 1 : runs;
                    double[] t = new double[n];
                    for (int r = 0; r < n; r++) {
                        long s = System.nanoTime();
                        last[0] = pgRows(pc, sql);
                        t[r] = (System.nanoTime() - s) / 1e6;
                    }
                    Arrays.sort(t);
                    pg[i] = t[n / 2];
                    if (n != runs) {
                        pgNote[i] = String.format(Locale.ROOT, "%.1f (1 run)", pg[i]);
                    }
                    String answer = pgSummary(i, last[0], a, from, to);
                    same[i] = answer.equals(hsAnswer[i]);
                    System.out.printf(Locale.ROOT, "  %-9s %10.1f ms (warm-up %.1f ms)   same answer as Hindsight: %s%n    answer: %s%n",
                            NAMES[i], pg[i], warm, same[i] ? "yes" : "NO", abbreviate(answer));
                    if (!same[i]) {
                        System.out.println("    Hindsight: " + hsAnswer[i]);
                        System.out.println("    PostgreSQL: " + answer);
                    }
                } catch (SQLException e) {
                    if ("57014".equals(e.getSQLState())) {
                        pgNote[i] = "> " + timeoutS * 1000;
                        System.out.printf(Locale.ROOT, "  %-9s > %d s (statement_timeout)%n", NAMES[i], timeoutS);
                    } else {
                        throw e;
                    }
                }
            }
        } finally {
            deleteTree(started.dir());
        }
    }

    private static List<Object[]> pgRows(Connection c, Sql sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql.text())) {
            for (int i = 0; i < sql.params().size(); i++) {
                ps.setObject(i + 1, sql.params().get(i));
            }
            List<Object[]> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Object[] row = new Object[n];
                    for (int j = 0; j < n; j++) {
                        row[j] = rs.getObject(j + 1);
                    }
                    out.add(row);
                }
            }
            return out;
        }
    }

    /** Hindsight's answer as a canonical string: what PostgreSQL's must equal. */
    private static String summary(int kind, Answer answer) {
        switch (kind) {

            case 0 -> {
                List<Long> values = new ArrayList<>();
                for (Answer.Point p : ((Answer.Graph) answer).series().get(0).points()) {
                    values.add(p.value().longValue());
                }
                return "total " + values.stream().mapToLong(Long::longValue).sum() + " user-days; per day " + values;
            }
            case 1 -> {
                List<String> steps = new ArrayList<>();
                for (Answer.Step st : ((Answer.Funnel) answer).steps()) {
                    Double med = st.medianSecondsFromPrevious();
                    steps.add(st.count() + (med == null ? "" : String.format(Locale.ROOT, " (median %.3f s)", med)));
                }
                return "steps " + steps;
            }
            case 4 -> {
                List<Double> values = new ArrayList<>();
                for (Answer.Point p : ((Answer.Graph) answer).series().get(0).points()) {
                    values.add((Double) p.value());
                }
                return revenueSummary(values);
            }
            case 5 -> {
                Map<String, List<Double>> byValue = new TreeMap<>();
                for (Answer.Line line : ((Answer.Graph) answer).series()) {
                    List<Double> values = new ArrayList<>();
                    for (Answer.Point p : line.points()) {
                        values.add((Double) p.value());
                    }
                    byValue.put(String.valueOf(line.breakdown()), values);
                }
                return breakdownRevenueSummary(byValue);
            }
            case 6 -> {
                Map<String, List<Long>> byValue = new TreeMap<>();
                for (Answer.FunnelGroup line : ((Answer.Funnel) answer).breakdowns()) {
                    List<Long> counts = new ArrayList<>();
                    for (Answer.Step st : line.steps()) {
                        counts.add(st.count());
                    }
                    byValue.put(String.valueOf(line.value()), counts);
                }
                return "users per step by value " + byValue;
            }
            case 2, 7 -> {
                return retentionSummary((Answer.Retention) answer);
            }
            default -> {
                Answer.Paths paths = (Answer.Paths) answer;
                Map<String, Long> nodes = new TreeMap<>();
                for (Answer.Node n : paths.nodes()) {
                    nodes.put(n.id(), n.count());
                }
                Map<String, Long> edges = new TreeMap<>();
                for (Answer.Edge e : paths.edges()) {
                    edges.put(e.source() + " -> " + e.target(), e.count());
                }
                return pathsSummary(nodes, edges);
            }
        }
    }

    private static String retentionSummary(Answer.Retention answer) {
        long users = 0;
        long retained = 0;
        List<String> grid = new ArrayList<>();
        for (Answer.Cohort c : answer.cohorts()) {
            users += c.users();
            for (Long r : c.retained()) {
                retained += r == null ? 0 : r;
            }
            grid.add(c.users() + ":" + c.retained());
        }
        return "cohort users " + users + ", retained cells sum " + retained + "; grid " + grid;
    }

    /** Per breakdown value (sorted), its daily sums to the cent. */
    private static String breakdownRevenueSummary(Map<String, List<Double>> byValue) {
        java.util.StringJoiner totals = new java.util.StringJoiner(", ", "totals {", "}");
        java.util.StringJoiner daily = new java.util.StringJoiner("; ");
        byValue.forEach((v, values) -> {
            totals.add(v + String.format(Locale.ROOT, "=%.2f",
                    values.stream().filter(x -> x != null).mapToDouble(Double::doubleValue).sum()));
            daily.add(v + ": " + revenueSummary(values));
        });
        return totals + "; " + daily;
    }

    /** Daily sums to the cent (engines add doubles in their own order, so the last bits may differ). */
    private static String revenueSummary(List<Double> values) {
        double total = values.stream().filter(v -> v != null).mapToDouble(Double::doubleValue).sum();
        return String.format(Locale.ROOT, "total %.2f; per day %s", total, values.stream()
                .map(v -> v == null ? "null" : String.format(Locale.ROOT, "%.2f", v)).toList());
    }

    private static String pathsSummary(Map<String, Long> nodes, Map<String, Long> edges) {
        long[] perStep = new long[6];
        nodes.forEach((id, n) -> perStep[Integer.parseInt(id.substring(0, id.indexOf(':')))] += n);
        return "occurrences per step " + Arrays.toString(perStep) + ", " + nodes.size() + " nodes, " + edges.size()
                + " edges; nodes " + nodes + "; edges " + edges;
    }

    /** PostgreSQL's rows shaped as the query classes shape DuckDB's, then summarised like {@link #summary}. */
    private static String pgSummary(int kind, List<Object[]> rows, Analysis a, long from, long to) {
        switch (kind) {
            case 0 -> {
                Map<Long, Long> byT = new HashMap<>();
                rows.forEach(r -> byT.put(((Number) r[0]).longValue(), ((Number) r[1]).longValue()));
                List<Long> values = new ArrayList<>();
                for (long t : Buckets.between(from, to, "day")) {
                    values.add(byT.getOrDefault(t, 0L));
                }
                return "total " + values.stream().mapToLong(Long::longValue).sum() + " user-days; per day " + values;
            }
            case 1 -> {
                Object[] r = rows.get(0);
                int n = 4;
                List<String> steps = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    Object med = k == 0 ? null : r[n + k];
                    steps.add(((Number) r[1 + k]).longValue() + (med == null ? ""
                            : String.format(Locale.ROOT, " (median %.3f s)", ((Number) med).doubleValue() / 1000.0)));
                }
                return "steps " + steps;
            }
            case 5 -> {
                Map<String, Map<Long, Double>> byValue = new TreeMap<>();
                rows.forEach(r -> byValue.computeIfAbsent((String) r[1], x -> new HashMap<>())
                        .put(((Number) r[0]).longValue(), ((Number) r[2]).doubleValue()));
                Map<String, List<Double>> out = new TreeMap<>();
                byValue.forEach((v, byT) -> {
                    List<Double> values = new ArrayList<>();
                    for (long t : Buckets.between(from, to, "day")) {
                        values.add(byT.get(t));
                    }
                    out.put(v, values);
                });
                return breakdownRevenueSummary(out);
            }
            case 6 -> {
                Map<String, List<Long>> byValue = new TreeMap<>();
                for (Object[] r : rows) {
                    List<Long> counts = new ArrayList<>();
                    for (int k = 1; k < r.length; k++) {
                        counts.add(((Number) r[k]).longValue());
                    }
                    byValue.put((String) r[0], counts);
                }
                return "users per step by value " + byValue;
            }
            case 2, 7 -> {
                Analysis.Retention ret = (Analysis.Retention) a;
                long period = 7 * DAY;
                Map<Long, Long> users = new HashMap<>();
                Map<Long, Map<Integer, Long>> retained = new HashMap<>();
                for (Object[] r : rows) {
                    long t = ((Number) r[0]).longValue();
                    int k = ((Number) r[1]).intValue();
                    long n = ((Number) r[2]).longValue();
                    if (k < 0) {
                        users.put(t, n);
                    } else {
                        retained.computeIfAbsent(t, x -> new HashMap<>()).put(k, n);
                    }
                }
                long total = 0;
                long sum = 0;
                List<String> grid = new ArrayList<>();
                for (long start : Buckets.between(from, to, "week")) {
                    long size = users.getOrDefault(start, 0L);
                    List<Long> counts = new ArrayList<>();
                    for (int k = 0; k <= ret.periods(); k++) {
                        Long count = start + k * period < to ? retained.getOrDefault(start, Map.of()).getOrDefault(k, 0L) : null;
                        counts.add(count);
                        sum += count == null ? 0 : count;
                    }
                    total += size;
                    grid.add(size + ":" + counts);
                }
                return "cohort users " + total + ", retained cells sum " + sum + "; grid " + grid;
            }
            case 4 -> {
                Map<Long, Double> byT = new HashMap<>();
                rows.forEach(r -> byT.put(((Number) r[0]).longValue(), ((Number) r[1]).doubleValue()));
                List<Double> values = new ArrayList<>();
                for (long t : Buckets.between(from, to, "day")) {
                    values.add(byT.get(t));
                }
                return revenueSummary(values);
            }
            default -> {
                Analysis.Paths p = (Analysis.Paths) a;
                String startId = "0:" + p.start().label();
                Map<String, Long> nodes = new TreeMap<>();
                Map<String, Long> edges = new TreeMap<>();
                for (Object[] r : rows) {
                    int step = ((Number) r[0]).intValue();
                    long n = ((Number) r[3]).longValue();
                    if (step == 0) {
                        if (n > 0) {
                            nodes.put(startId, n);
                        }
                        continue;
                    }
                    String id = step + ":" + r[2];
                    String prev = step == 1 ? startId : (step - 1) + ":" + r[1];
                    nodes.merge(id, n, Long::sum);
                    edges.merge(prev + " -> " + id, n, Long::sum);
                }
                return pathsSummary(nodes, edges);
            }
        }
    }

    private static long countMatching(DuckDb db, Scope scope, Sql condition) {
        Sql sql = new Sql().append("SELECT count(*) FROM events WHERE env_id = ").param(scope.envId())
                .append(" AND time >= epoch_ms(?::BIGINT)").params(scope.fromMs())
                .append(" AND time < epoch_ms(?::BIGINT)").params(scope.toMs())
                .append(" AND ").append(condition);
        return db.query(sql.text(), sql.params(), rs -> rs.getLong(1)).get(0);
    }

    /** The filter with selectors matched on each event's hierarchy rather than through the dictionary. */
    static Sql perEvent(EventFilter f) {
        return switch (f) {
            case EventFilter.All all -> joined(all.of(), " AND ", "TRUE");
            case EventFilter.Any any -> joined(any.of(), " OR ", "FALSE");
            case EventFilter.HierarchyMatches h -> DuckDbDialect.hierarchyMatch("hierarchy", h);
            default -> new DuckDbDialect().filter(f);
        };
    }

    private static Sql joined(List<EventFilter> parts, String op, String empty) {
        if (parts.isEmpty()) {
            return new Sql().append(empty);
        }
        Sql sql = new Sql().append("(");
        for (int i = 0; i < parts.size(); i++) {
            sql.append(i > 0 ? op : "").append(perEvent(parts.get(i)));
        }
        return sql.append(")");
    }

    /** The filter with every selector's literal prefilter removed: the regex alone decides. */
    static EventFilter stripLiterals(EventFilter f) {
        return switch (f) {
            case EventFilter.All all -> new EventFilter.All(all.of().stream().map(QueryBenchmark::stripLiterals).toList());
            case EventFilter.Any any -> new EventFilter.Any(any.of().stream().map(QueryBenchmark::stripLiterals).toList());
            case EventFilter.HierarchyMatches h -> new EventFilter.HierarchyMatches(h.regex(), List.of());
            default -> f;
        };
    }

    /** Only the selector conditions of a filter, OR-ed. */
    private static EventFilter selectors(EventFilter f) {
        List<EventFilter> out = new ArrayList<>();
        collect(f, out);
        return new EventFilter.Any(out);
    }

    private static void collect(EventFilter f, List<EventFilter> out) {
        switch (f) {
            case EventFilter.All all -> all.of().forEach(x -> collect(x, out));
            case EventFilter.Any any -> any.of().forEach(x -> collect(x, out));
            case EventFilter.HierarchyMatches h -> out.add(h);
            default -> {
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
        lastRuns = Arrays.stream(t).mapToObj(x -> String.format(Locale.ROOT, "%.0f", x))
                .collect(java.util.stream.Collectors.joining(", "));
        return t[runs / 2];
    }

    /** The sorted run times (ms) of the last {@link #median}: on a noisy machine the spread says as much. */
    private static String lastRuns = "";

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + " …";
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
