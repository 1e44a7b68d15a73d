package dev.hindsight.demo;

import dev.hindsight.define.Definition;
import dev.hindsight.define.DefinitionCatalog;
import dev.hindsight.define.Definitions;
import dev.hindsight.define.Rule;
import dev.hindsight.project.Environment;
import dev.hindsight.project.Project;
import dev.hindsight.project.Projects;
import dev.hindsight.store.EventStore;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code demo} command: fills the default project's {@code development} environment with a synthetic shop's
 * traffic ({@link SiteGenerator}) over the last days, and adds ready-made definitions, so a newcomer sees data in
 * every analysis at once. It writes straight to the store, before the server starts: the write queue is not running
 * yet, so the store has a single writer as it requires.
 */
public final class Demo {
    /** Ops per store commit: large enough to amortise the commit, small enough to keep memory flat. */
    private static final int CHUNK = 20_000;

    private Demo() {
    }

    /**
     * The demo's flags.
     *
     * @param events how many events to generate
     * @param days   how many days back from now they spread over
     * @param seed   the generator's seed
     * @param force  fill the environment even when it already has events (adds to them)
     */
    public record Options(long events, int days, long seed, boolean force) {
        public static final long DEFAULT_EVENTS = 200_000;
        public static final int DEFAULT_DAYS = 30;

        public Options {
            if (events < 1) {
                throw new IllegalArgumentException("--events must be at least 1, got " + events);
            }
            if (days < 1) {
                throw new IllegalArgumentException("--days must be at least 1, got " + days);
            }
        }
    }

    /** The demo's options and the arguments left for the server's settings. */
    public record Parsed(Options options, String[] serverArgs) {
    }

    /** The refusal to fill an environment that already has events (without {@code --force}). */
    public static final class NotEmpty extends RuntimeException {
        NotEmpty(String message) {
            super(message);
        }
    }

    /** What the demo did. */
    public record Report(Project project, boolean projectCreated, Environment env, long from, long to,
            long domChangeAt, SiteGenerator.Counts counts, List<Definition> definitions, long seconds) {
    }

    /**
     * Reads {@code --events=N}, {@code --days=N}, {@code --seed=N} and {@code --force} (the arguments after
     * {@code demo}); every other argument is the server's. The seed defaults to the clock, so a forced second fill
     * does not repeat the first one's event ids.
     */
    public static Parsed parse(String[] args, Clock clock) {
        long events = Options.DEFAULT_EVENTS;
        int days = Options.DEFAULT_DAYS;
        long seed = clock.millis();
        boolean force = false;
        List<String> rest = new ArrayList<>();
        for (String arg : args) {
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1).replace("_", "") : "";
            try {
                if (arg.startsWith("--events=")) {
                    events = Long.parseLong(value);
                } else if (arg.startsWith("--days=")) {
                    days = Integer.parseInt(value);
                } else if (arg.startsWith("--seed=")) {
                    seed = Long.parseLong(value);
                } else if (arg.equals("--force")) {
                    force = true;
                } else {
                    rest.add(arg);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + arg + "' needs a whole number");
            }
        }
        return new Parsed(new Options(events, days, seed, force), rest.toArray(String[]::new));
    }

    /**
     * Fills the default project's development environment (creating the project when there is none) and adds the
     * ready-made definitions that are not there yet (by name).
     *
     * @throws NotEmpty when the environment already holds events and {@code force} is off
     */
    public static Report fill(Projects projects, EventStore store, DefinitionCatalog catalog, Clock clock,
            Options options) {
        long started = System.nanoTime();
        boolean created = projects.ensureDefault().isPresent();
        Project project = projects.all().get(0);
        Environment env = project.environments().stream().filter(e -> e.name().equals("development")).findFirst()
                .orElseGet(() -> projects.createEnvironment(project.id(), "development"));
        long existing = store.countEvents(env.id());
        if (existing > 0 && !options.force()) {
            throw new NotEmpty("The development environment (app_id " + env.appId() + ") already has " + existing
                    + " events; the demo fills only an empty one. Use --force to add the demo data anyway, or "
                    + "point HINDSIGHT_DATA at a fresh directory.");
        }
        long to = clock.millis();
        long from = to - options.days() * 86_400_000L;
        SiteGenerator generator = new SiteGenerator(
                new SiteGenerator.Options(env.id(), options.seed(), from, to, options.events()));
        SiteGenerator.Counts counts = generator.generate(CHUNK, store::write);

        Set<String> taken = catalog.list(env.id()).stream().map(d -> d.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        List<Definition> added = new ArrayList<>();
        for (Definition d : definitions(env.id(), to)) {
            if (!taken.contains(d.name().toLowerCase(Locale.ROOT))) {
                Definitions.check(d.rules());
                added.add(catalog.insert(d));
            }
        }
        return new Report(project, created, env, from, to, generator.domChangeAt(), counts, added,
                (System.nanoTime() - started) / 1_000_000_000);
    }

    /** The ready-made definitions over the synthetic site; "Added to cart" has a rule for each markup. */
    public static List<Definition> definitions(long envId, long now) {
        return List.of(
                definition(envId, now, "Viewed pricing", "marketing", "A pageview of /pricing",
                        rule("pageview", null, "/pricing", null, null)),
                definition(envId, now, "Viewed a product", "commerce", "A pageview of any product page",
                        rule("pageview", null, "/products/*", null, null)),
                definition(envId, now, "Added to cart", "commerce", "A click on a product page's add-to-cart button; "
                        + "one rule for the markup before the redesign, one for after",
                        rule("click", "div.product button.add-to-cart", "/products/*", null, null),
                        rule("click", "section.item button[data-action=add]", "/products/*", null, null)),
                definition(envId, now, "Started checkout", "commerce", "A pageview of /checkout",
                        rule("pageview", null, "/checkout", null, null)),
                definition(envId, now, "Signed up", "growth", "A submit of the signup form",
                        rule("submit", null, null, "signup", null)),
                definition(envId, now, "Purchased", "commerce", "The checkout's custom event, with revenue",
                        rule("custom", null, null, null, SiteGenerator.PURCHASE)));
    }

    private static Definition definition(long envId, long now, String name, String category, String description,
            Rule... rules) {
        return new Definition(0, envId, name, description, category, "demo", "verified", List.of(rules), now, now);
    }

    private static Rule rule(String kind, String selector, String path, String formId, String event) {
        return new Rule(kind, selector, null, null, null, null, path, null, null, formId, event, null);
    }

    /** The console summary: what was created, and a query to try. */
    public static String describe(Report r, int port) {
        StringBuilder sb = new StringBuilder();
        SiteGenerator.Counts c = r.counts();
        sb.append(String.format(Locale.ROOT, "%nDemo data in project '%s', environment '%s':%n", r.project().name(),
                r.env().name()));
        // A project the demo created is not announced by the server's first start, so its keys are shown here.
        for (Environment e : r.projectCreated() ? r.project().environments() : List.of(r.env())) {
            sb.append(String.format(Locale.ROOT, "  %-12s app_id %s   secret key %s%n", e.name(), e.appId(),
                    e.secretKey()));
        }
        sb.append(String.format(Locale.ROOT, "  %,d events from %s to %s (%d s): %,d devices, %,d sessions, "
                + "%,d users signed up, %,d identifies%n", c.events(), day(r.from()), day(r.to()), r.seconds(),
                c.devices(), c.sessions(), c.users(), c.identifies()));
        sb.append(String.format(Locale.ROOT, "  the product page's markup changed on %s: button.add-to-cart became "
                + "section.item button[data-action=add]%n", day(r.domChangeAt())));
        sb.append(r.definitions().isEmpty() ? "  definitions: all already there\n" : "  definitions:\n");
        for (Definition d : r.definitions()) {
            sb.append(String.format(Locale.ROOT, "    #%d %s (%d rule%s)%n", d.id(), d.name(), d.rules().size(),
                    d.rules().size() == 1 ? "" : "s"));
        }
        long example = r.definitions().stream().filter(d -> d.name().equals("Added to cart")).mapToLong(Definition::id)
                .findFirst().orElse(1);
        sb.append(String.format(Locale.ROOT, "Try (users who added to cart, per day):%n"
                + "  curl -X POST http://localhost:%d/api/query -H 'Authorization: Bearer %s' "
                + "-H 'Content-Type: application/json' \\%n"
                + "    -d '{\"app_id\": \"%s\", \"kind\": \"graph\", \"from\": \"%s\", \"to\": \"%s\", "
                + "\"interval\": \"day\", \"series\": [{\"event\": {\"definition\": %d}, \"measure\": \"users\"}]}'%n",
                port, r.env().secretKey(), r.env().appId(), day(r.from()), day(r.to() + 86_400_000L), example));
        return sb.toString();
    }

    private static String day(long epochMs) {
        return Instant.ofEpochMilli(epochMs).truncatedTo(ChronoUnit.DAYS).toString();
    }
}
