package dev.hindsight;

import dev.hindsight.account.Access;
import dev.hindsight.account.AccountRoutes;
import dev.hindsight.account.Accounts;
import dev.hindsight.account.Passwords;
import dev.hindsight.account.RouteRoles;
import dev.hindsight.catalog.CatalogRefresher;
import dev.hindsight.catalog.CatalogRoutes;
import dev.hindsight.catalog.CatalogStore;
import dev.hindsight.collect.Ingest;
import dev.hindsight.collect.IngestRoutes;
import dev.hindsight.collect.TrackerRoutes;
import dev.hindsight.collect.UserAgents;
import dev.hindsight.config.Settings;
import dev.hindsight.http.Auth;
import dev.hindsight.http.HttpEdge;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.http.OpsRoutes;
import dev.hindsight.http.Problems;
import dev.hindsight.http.RateLimits;
import dev.hindsight.define.DefinitionRoutes;
import dev.hindsight.demo.Demo;
import dev.hindsight.identity.UserRoutes;
import dev.hindsight.define.DefinitionMatches;
import dev.hindsight.query.QueryRoutes;
import dev.hindsight.query.QueryTuning;
import dev.hindsight.project.Environment;
import dev.hindsight.report.ReportApi;
import dev.hindsight.project.Project;
import dev.hindsight.project.admin.ProjectRoutes;
import dev.hindsight.project.Projects;
import dev.hindsight.store.EventStore;
import dev.hindsight.store.RecentIds;
import dev.hindsight.store.VersionedStore;
import dev.hindsight.store.WriteQueue;
import dev.hindsight.store.duckdb.DuckDb;
import dev.hindsight.store.duckdb.DuckDbAccounts;
import dev.hindsight.store.duckdb.DuckDbCatalog;
import dev.hindsight.store.duckdb.DuckDbDefinitions;
import dev.hindsight.store.duckdb.DuckDbDialect;
import dev.hindsight.store.duckdb.DuckDbEngine;
import dev.hindsight.store.duckdb.DuckDbEventCatalog;
import dev.hindsight.store.duckdb.DuckDbEventStore;
import dev.hindsight.store.duckdb.EventQueries;
import dev.hindsight.store.duckdb.DuckDbReports;
import dev.hindsight.store.duckdb.DuckDbCohorts;
import dev.hindsight.cohort.CohortApi;
import dev.hindsight.cohort.SavedCohorts;
import dev.hindsight.store.duckdb.SessionSteps;
import dev.hindsight.web.WebAssets;
import dev.hindsight.web.WebRoutes;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root: reads the settings, wires every part with {@code new}, and starts the HTTP server. */
public final class Hindsight implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Hindsight.class);

    private final DuckDb db;
    private final EventStore store;
    private final WriteQueue queue;
    private final Projects projects;
    private final Javalin http;
    private final JvmGcMetrics gcMetrics;
    private final SessionSteps sessionSteps;
    private final ScheduledExecutorService rollups;
    private final QueryRoutes queries;
    private final CatalogRefresher catalog;
    private final dev.hindsight.activate.Promoter promoter;
    private final dev.hindsight.activate.sync.CohortSyncs cohortSyncs;
    /** How often the cohort-sync scheduler looks for due syncs (one small read; a sync is due at most every minute). */
    private static final long COHORT_SYNC_POLL_MS = 5_000;
    private final dev.hindsight.collect.GeoIp geoIp;
    private final dev.hindsight.activate.destination.Delivery delivery;

    private Hindsight(Settings settings, Clock clock, UnaryOperator<EventStore> storeDecorator, QueryTuning tuning) {
        long started = System.nanoTime();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(metrics);

        db = new DuckDb(settings.dataDir(), engineLimits(settings));
        projects = new Projects(new DuckDbCatalog(db));
        Optional<Project> created = projects.ensureDefault();
        // Counts commits per environment: saved reports' cached answers are current while it stays the same.
        VersionedStore versioned = new VersionedStore(storeDecorator.apply(new DuckDbEventStore(db, clock)));
        store = versioned;
        Gauge.builder("hindsight.store.size", store, EventStore::sizeBytes).baseUnit("bytes")
                .description("Bytes the event store occupies on disk").register(metrics);

        RecentIds recent = new RecentIds(settings.dedupWindow().toMillis(), settings.dedupCapacity(), clock.millis());
        store.forEachRecentEventId(clock.millis() - settings.dedupWindow().toMillis(),
                (env, id) -> recent.add(env, id, clock.millis()));
        queue = new WriteQueue(store, recent, clock, settings.queueCapacity(), settings.maxCommitBatch(), metrics);
        sessionSteps = new SessionSteps(db, clock);
        rollups = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hindsight-rollup");
            t.setDaemon(true);
            return t;
        });
        long every = settings.rollupInterval().toMillis();
        if (every > 0) {
            // The first right away: a store from before the rollup is rolled up at start.
            rollups.scheduleWithFixedDelay(this::rollUpQuietly, 0, every, TimeUnit.MILLISECONDS);
        }
        // Session-level built-ins read session_firsts, which follows the events a second behind (queries wait for it).
        rollups.scheduleWithFixedDelay(this::keepSessionFirstsQuietly, 1, 1, TimeUnit.SECONDS);
        Gauge.builder("hindsight.rollup.behind", sessionSteps, SessionSteps::behind)
                .description("Events not yet rolled up into sessions' steps (paths read them from the events)")
                .register(metrics);

        Auth auth = new Auth(projects, settings.adminToken());
        Accounts accounts = new Accounts(new DuckDbAccounts(db), new Passwords(), clock, settings.sessionIdle());
        Access access = new Access(auth, projects, accounts,
                settings.publicUrl().map(u -> u.startsWith("https:")).orElse(false));
        RateLimits limits = new RateLimits(settings.edge(), clock, metrics);
        java.util.List<String> routes = new java.util.ArrayList<>();
        geoIp = dev.hindsight.collect.GeoIp.open(settings.geoipDb());
        Ingest ingest = new Ingest(queue, new UserAgents(), clock, settings.ipMode(), geoIp);
        http = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.useVirtualThreads = false;
            config.http.maxRequestSize = 6L * 1024 * 1024;
            config.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            HttpEdge.configure(config, settings.edge(), settings.port());
            config.events(events -> events.handlerAdded(h -> {
                if (h.getHttpMethod().isHttpMethod()) {
                    routes.add(h.getHttpMethod().name() + " " + h.getPath());
                }
            }));
        });
        http.exception(HindsightException.class, (e, ctx) -> Problems.write(ctx, e));
        http.exception(HttpResponseException.class, (e, ctx) -> Problems.write(ctx, e));
        http.exception(Exception.class, (e, ctx) -> {
            LOG.error("Unhandled error on {} {}", ctx.method(), ctx.path(), e);
            Problems.write(ctx, new HindsightException(dev.hindsight.error.ErrorCode.INTERNAL,
                    "Internal error; the server log has the details"));
        });
        http.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                Problems.write(ctx, new HindsightException(dev.hindsight.error.ErrorCode.NOT_FOUND,
                        "No endpoint " + ctx.method() + " " + ctx.path()));
            }
        });
        access.install(http);
        new AccountRoutes(accounts, access, limits, settings.publicUrl()).register(http);
        new IngestRoutes(ingest, projects, auth, metrics, limits).register(http);
        // Destinations and their delivery workers (one lane per destination, see Delivery).
        dev.hindsight.store.duckdb.DuckDbDelivery deliveryStore = new dev.hindsight.store.duckdb.DuckDbDelivery(db);
        dev.hindsight.activate.destination.Destinations destinations =
                new dev.hindsight.activate.destination.Destinations(deliveryStore, clock);
        dev.hindsight.activate.destination.RequestBuilder requestBuilder =
                new dev.hindsight.activate.destination.RequestBuilder(clock);
        dev.hindsight.activate.destination.Sender sender = dev.hindsight.activate.destination.Sender.create(clock,
                dev.hindsight.activate.destination.Sender.DEFAULT_TIMEOUT);
        delivery = new dev.hindsight.activate.destination.Delivery(deliveryStore, destinations, requestBuilder,
                sender, clock, metrics, DELIVERY_POLL);
        dev.hindsight.store.duckdb.DuckDbRegistry registryStore = new dev.hindsight.store.duckdb.DuckDbRegistry(db);
        dev.hindsight.activate.ActivateRoutes activate = new dev.hindsight.activate.ActivateRoutes(queue, registryStore,
                new dev.hindsight.store.duckdb.DuckDbCanonical(db), auth, access, limits, metrics, clock, destinations);
        activate.register(http);
        new dev.hindsight.activate.destination.DestinationRoutes(destinations, deliveryStore, delivery,
                new dev.hindsight.activate.destination.TestSend(requestBuilder, sender), access, clock,
                new dev.hindsight.activate.destination.DestinationReports(destinations, deliveryStore,
                        new dev.hindsight.store.duckdb.DuckDbDeliveryReports(db), registryStore, access, clock))
                .register(http);
        new TrackerRoutes(access, settings.publicUrl()).register(http);
        new ProjectRoutes(projects, access).register(http);
        DuckDbDefinitions definitions = new DuckDbDefinitions(db);
        EventQueries eventQueries = new EventQueries(db, DuckDbEventStore.EVENT_COLUMNS, DuckDbEventStore::readEvent);
        new UserRoutes(store, queue, access, clock, new DefinitionMatches(definitions, eventQueries)).register(http);
        DefinitionRoutes definitionRoutes = new DefinitionRoutes(definitions, eventQueries, access, clock);
        definitionRoutes.register(http);
        promoter = promotion(db, registryStore, definitions, activate.registry(), destinations, access, clock);
        new dev.hindsight.define.LabelingRoutes(definitionRoutes, projects, accounts, access, limits, clock)
                .register(http);
        DuckDbCohorts cohorts = new DuckDbCohorts(db);
        queries = new QueryRoutes(definitions, new DuckDbEngine(db), access, clock, settings.queries(), metrics, tuning,
                new SavedCohorts(cohorts));
        queries.register(http);
        new CohortApi(cohorts, queries, access, clock).register(http);
        // Cohort syncs (issue 15, point 6) and traits back (point 7).
        dev.hindsight.activate.sync.Traits traits = new dev.hindsight.activate.sync.Traits(queue);
        cohortSyncs = new dev.hindsight.activate.sync.CohortSyncs(
                new dev.hindsight.store.duckdb.DuckDbCohortSyncs(db), destinations, queries, sender, traits,
                envId -> projects.all().stream().flatMap(pr -> pr.environments().stream())
                        .filter(e -> e.id() == envId).findFirst(), clock);
        new dev.hindsight.activate.sync.CohortSyncRoutes(cohortSyncs, access).register(http);
        delivery.onEnded((envId, userKey, destination, state, at) -> {
            if (userKey.startsWith("u:")) {
                traits.delivery(envId, userKey.substring(2), destination, state, at);
            }
        });
        cohortSyncs.start(COHORT_SYNC_POLL_MS);
        CatalogStore catalogStore = new DuckDbEventCatalog(db, new DuckDbDialect());
        catalog = new CatalogRefresher(catalogStore, () -> trackedDefinitions(definitions), CATALOG_INTERVAL);
        new CatalogRoutes(catalogStore, catalog, definitions, access).register(http);
        new ReportApi(new DuckDbReports(db), queries, versioned::version, access, clock, settings.queries(), metrics)
                .register(http);
        new OpsRoutes(store, metrics, auth, settings.edge()).register(http);
        new WebRoutes(new WebAssets(), access, projects, store).register(http);
        // Every route must have a rule in RouteRoles (who may call it) before the server takes requests.
        RouteRoles.check(routes);
        http.start(settings.port());
        delivery.start();

        created.ifPresent(Hindsight::printCredentials);
        LOG.info("Hindsight listening on port {} with data in {} ({} recent event ids loaded, started in {} ms)",
                http.port(), db.file(), recent.size(), (System.nanoTime() - started) / 1_000_000);
    }

    /** Definition mappings and their promoter, which runs every second behind the writer (issue 15, point 3). */
    private dev.hindsight.activate.Promoter promotion(DuckDb db, dev.hindsight.activate.RegistryStore registryStore,
            DuckDbDefinitions definitions, dev.hindsight.activate.Registry registry,
            dev.hindsight.activate.Outboxes outboxes, Access access, Clock clock) {
        dev.hindsight.activate.DefinitionMappings mappings = new dev.hindsight.activate.DefinitionMappings(
                registryStore, definitions, clock);
        dev.hindsight.store.duckdb.DuckDbPromotions promotions = new dev.hindsight.store.duckdb.DuckDbPromotions(db);
        dev.hindsight.activate.Promoter p = new dev.hindsight.activate.Promoter(promotions, mappings, registry, queue,
                outboxes, () -> projects.all().stream().flatMap(pr -> pr.environments().stream()).map(Environment::id).toList(),
                (env, identity) -> store.user(env, identity).map(dev.hindsight.store.UserProfile::properties)
                        .orElse(java.util.Map.of()), clock);
        new dev.hindsight.activate.PromotionRoutes(mappings, p, promotions, access, clock).register(http);
        p.start(PROMOTION_INTERVAL_MS);
        return p;
    }

    private static final long PROMOTION_INTERVAL_MS = 1000;

    /** How often a delivery lane looks for due rows when nothing woke it (new rows and replays wake it at once). */
    private static final java.time.Duration DELIVERY_POLL = java.time.Duration.ofSeconds(1);

    /** How often the catalog's summary takes in new events when no request asks for it sooner. */
    private static final java.time.Duration CATALOG_INTERVAL = java.time.Duration.ofSeconds(10);

    /** Every environment's definitions as the catalog counts them (one whose rules no longer compile is left out). */
    private java.util.List<CatalogStore.TrackedDefinition> trackedDefinitions(DuckDbDefinitions definitions) {
        java.util.List<CatalogStore.TrackedDefinition> out = new java.util.ArrayList<>();
        for (Project p : projects.all()) {
            for (Environment e : p.environments()) {
                for (dev.hindsight.define.Definition d : definitions.list(e.id())) {
                    try {
                        out.add(new CatalogStore.TrackedDefinition(e.id(), d.id(),
                                Json.MAPPER.writeValueAsString(d.rules()), dev.hindsight.define.Definitions.compile(d.rules())));
                    } catch (HindsightException | com.fasterxml.jackson.core.JsonProcessingException ignored) {
                        // The analyses refuse such a definition too.
                    }
                }
            }
        }
        return out;
    }

    /**
     * DuckDB's limits from the settings: its memory limit defaults to half the machine's memory (DuckDB's own
     * default, 80%, leaves too little beside the JVM's heap), and queries larger than it spill under the data
     * directory.
     */
    static DuckDb.Limits engineLimits(Settings settings) {
        String memory = settings.queries().engineMemory();
        if (memory.isBlank()) {
            long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getTotalMemorySize();
            memory = Math.max(256, total / 2 >> 20) + "MB";
        }
        return new DuckDb.Limits(memory, settings.queries().engineThreads(), settings.dataDir().resolve("duckdb-tmp"));
    }

    /** The delivery workers: tests wake them after moving the clock. */
    public dev.hindsight.activate.sync.CohortSyncs cohortSyncs() {
        return cohortSyncs;
    }

    public dev.hindsight.activate.destination.Delivery delivery() {
        return delivery;
    }

    /** Starts a server; used by {@link #main} and by tests. */
    public static Hindsight start(Settings settings, Clock clock) {
        return new Hindsight(settings, clock, UnaryOperator.identity(), QueryTuning.DEFAULT);
    }

    /** Starts a server whose event store is wrapped by {@code storeDecorator}: tests inject store failures so. */
    public static Hindsight start(Settings settings, Clock clock, UnaryOperator<EventStore> storeDecorator) {
        return new Hindsight(settings, clock, storeDecorator, QueryTuning.DEFAULT);
    }

    /** Starts a server whose analyses read as {@code tuning} says: tests force each way of reading so. */
    public static Hindsight start(Settings settings, Clock clock, UnaryOperator<EventStore> storeDecorator,
            QueryTuning tuning) {
        return new Hindsight(settings, clock, storeDecorator, tuning);
    }

    /**
     * Runs the server; {@code demo [--events=N] [--days=N] [--seed=N] [--force]} first fills the development
     * environment with demo data (see {@link Demo}), then serves as usual.
     */
    public static void main(String[] args) {
        boolean demo = args.length > 0 && args[0].equals("demo");
        Settings settings;
        Demo.Parsed parsed = null;
        try {
            if (demo) {
                parsed = Demo.parse(java.util.Arrays.copyOfRange(args, 1, args.length), Clock.systemUTC());
                args = parsed.serverArgs();
            }
            settings = Settings.from(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("hindsight: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (demo) {
            try {
                System.out.println("Generating " + parsed.options().events() + " demo events...");
                Demo.Report report = demo(settings, parsed.options(), Clock.systemUTC());
                System.out.println(Demo.describe(report, settings.port()));
            } catch (Demo.NotEmpty e) {
                System.err.println("hindsight demo: " + e.getMessage());
                System.exit(1);
                return;
            }
        }
        Hindsight app = start(settings, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "hindsight-shutdown"));
    }

    /**
     * Fills the data directory's development environment with demo data, with the server not running: the store is
     * opened, written directly (its single writer), and closed again before {@link #start} opens it.
     */
    public static Demo.Report demo(Settings settings, Demo.Options options, Clock clock) {
        try (DuckDb db = new DuckDb(settings.dataDir()); EventStore store = new DuckDbEventStore(db, clock)) {
            return Demo.fill(new Projects(new DuckDbCatalog(db)), store, new DuckDbDefinitions(db), clock, options);
        }
    }

    public int port() {
        return http.port();
    }

    public Projects projects() {
        return projects;
    }

    public EventStore store() {
        return store;
    }

    /** The query routes: they parse and run analyses (tests run them on other engines through them). */
    public QueryRoutes queries() {
        return queries;
    }

    /**
     * Rolls up every event that arrived since the last roll-up (see {@link SessionSteps}), for tests; the server
     * itself rolls up, every {@code rollup-seconds}, the events that arrived half an hour before.
     */
    public long rollUp() {
        return sessionSteps.rollUp();
    }

    private void rollUpQuietly() {
        try {
            sessionSteps.rollUpSettled();
        } catch (RuntimeException e) {
            // Paths read the events after the rollup, so a roll-up that fails only costs time; the next one retries.
            LOG.warn("Rolling up sessions' steps failed; will retry: {}", e.getMessage());
        }
    }

    private void keepSessionFirstsQuietly() {
        try {
            db.keepSessionFirsts();
        } catch (RuntimeException e) {
            // Queries that read the table bring it up to date first, so a failed run only costs their time.
            LOG.warn("Keeping session_firsts failed; will retry: {}", e.getMessage());
        }
    }

    /** Stops taking requests, drains the write queue into the store, and closes it. */
    @Override
    public void close() {
        http.stop();
        delivery.close();
        queries.close();
        promoter.close();
        cohortSyncs.close();
        rollups.shutdownNow();
        try {
            // A roll-up in progress holds a connection to the database, which is closed below.
            rollups.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.close();
        geoIp.close();
        catalog.close();
        store.close();
        db.close();
        gcMetrics.close();
        LOG.info("Hindsight stopped");
    }

    // First-start credentials go to the console on purpose (the operator needs them once); they never go to the log.
    private static void printCredentials(Project p) {
        StringBuilder sb = new StringBuilder("\nCreated project '" + p.name() + "' (id " + p.id() + "):\n");
        for (Environment e : p.environments()) {
            sb.append(String.format("  %-12s app_id %s   secret key %s%n", e.name(), e.appId(), e.secretKey()));
        }
        sb.append("Browsers send with the app_id; servers send 'Authorization: Bearer <secret key>'.\n");
        System.out.println(sb);
    }
}
