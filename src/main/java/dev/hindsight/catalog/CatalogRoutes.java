package dev.hindsight.catalog;

import dev.hindsight.catalog.CatalogStore.DefinitionStat;
import dev.hindsight.catalog.CatalogStore.Scope;
import dev.hindsight.define.Definition;
import dev.hindsight.define.DefinitionCatalog;
import dev.hindsight.define.Definitions;
import dev.hindsight.account.Access;
import dev.hindsight.error.HindsightException;
import dev.hindsight.project.Environment;
import dev.hindsight.define.EventFilter;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code /api/catalog/...}: what an environment's data holds, for autocomplete and for finding what to define: custom
 * event names and definitions with their counts, event and user properties with types and top values, and the most
 * frequent raw interactions no definition covers. Answers come from {@link CatalogStore}'s summary, brought up to date
 * first (waiting at most {@link #FRESHNESS}).
 */
public final class CatalogRoutes {
    /** Longest a request waits for the summary to take in the events acknowledged before it. */
    public static final Duration FRESHNESS = Duration.ofSeconds(5);
    static final int MAX_LIMIT = 200;
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_PREFIX = 200;
    static final int TOP_VALUES = 5;
    static final List<String> INTERACTION_KINDS = List.of("click", "submit", "change");

    private final CatalogStore store;
    private final CatalogRefresher refresher;
    private final DefinitionCatalog definitions;
    private final Access access;

    public CatalogRoutes(CatalogStore store, CatalogRefresher refresher, DefinitionCatalog definitions, Access access) {
        this.store = store;
        this.refresher = refresher;
        this.definitions = definitions;
        this.access = access;
    }

    public void register(Javalin app) {
        app.get("/api/catalog/events", ctx -> {
            Environment env = begin(ctx, Set.of("app_id", "prefix", "limit"));
            String prefix = prefix(ctx);
            int limit = limit(ctx);
            boolean fresh = refresher.awaitFresh(FRESHNESS);
            Map<Long, DefinitionStat> counts = store.definitions(env.id()).stream()
                    .collect(Collectors.toMap(DefinitionStat::id, Function.identity()));
            List<Map<String, Object>> defs = new ArrayList<>();
            for (Definition d : definitions.list(env.id())) {
                if (defs.size() < limit && d.name().toLowerCase().startsWith(prefix.toLowerCase())) {
                    DefinitionStat s = counts.get(d.id());
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", d.id());
                    m.put("name", d.name());
                    m.put("status", d.status());
                    seen(m, s == null ? 0 : s.count(), s == null ? 0 : s.firstSeenMs(), s == null ? 0 : s.lastSeenMs());
                    defs.add(m);
                }
            }
            List<Map<String, Object>> custom = new ArrayList<>();
            List<Map<String, Object>> kinds = new ArrayList<>();
            for (CatalogStore.NameStat n : store.names(env.id(), prefix, limit)) {
                Map<String, Object> m = new LinkedHashMap<>();
                if (n.kind().equals("custom")) {
                    m.put("name", n.name());
                    seen(m, n.count(), n.firstSeenMs(), n.lastSeenMs());
                    custom.add(m);
                } else {
                    m.put("kind", n.kind());
                    seen(m, n.count(), n.firstSeenMs(), n.lastSeenMs());
                    kinds.add(m);
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("custom_events", custom);
            out.put("definitions", defs);
            if (prefix.isEmpty()) {
                out.put("kinds", kinds);
            }
            out.put("up_to_date", fresh);
            ctx.json(out);
        });
        app.get("/api/catalog/properties", ctx -> {
            Environment env = begin(ctx, Set.of("app_id", "prefix", "limit", "scope"));
            Scope scope = scope(ctx);
            String prefix = prefix(ctx);
            int limit = limit(ctx);
            boolean fresh = refresher.awaitFresh(FRESHNESS);
            List<Map<String, Object>> props = store.properties(env.id(), scope, prefix, limit, TOP_VALUES).stream()
                    .map(p -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("name", p.name());
                        m.put("types", p.types().stream().map(t -> {
                            Map<String, Object> type = new LinkedHashMap<>();
                            type.put("type", t.type());
                            type.put("count", t.count());
                            return type;
                        }).toList());
                        seen(m, p.count(), p.firstSeenMs(), p.lastSeenMs());
                        m.put("top_values", p.topValues().stream().map(CatalogRoutes::value).toList());
                        return m;
                    }).toList();
            ctx.json(Map.of("scope", scope.name().toLowerCase(), "properties", props, "up_to_date", fresh));
        });
        app.get("/api/catalog/properties/{name}/values", ctx -> {
            Environment env = begin(ctx, Set.of("app_id", "prefix", "limit", "scope"));
            Scope scope = scope(ctx);
            String name = ctx.pathParam("name");
            if (name.length() > 1024) {
                throw HindsightException.field("name", "must be at most 1024 characters");
            }
            String prefix = prefix(ctx);
            int limit = limit(ctx);
            boolean fresh = refresher.awaitFresh(FRESHNESS);
            ctx.json(Map.of("scope", scope.name().toLowerCase(), "name", name, "values",
                    store.values(env.id(), scope, name, prefix, limit).stream().map(CatalogRoutes::value).toList(),
                    "up_to_date", fresh));
        });
        app.get("/api/catalog/candidates", ctx -> {
            Environment env = begin(ctx, Set.of("app_id", "limit", "kind"));
            String kind = ctx.queryParam("kind");
            if (kind != null && !INTERACTION_KINDS.contains(kind)) {
                throw HindsightException.field("kind", "must be one of " + INTERACTION_KINDS);
            }
            int limit = limit(ctx);
            boolean fresh = refresher.awaitFresh(FRESHNESS);
            List<EventFilter> covered = new ArrayList<>();
            for (Definition d : definitions.list(env.id())) {
                try {
                    covered.add(Definitions.compile(d.rules()));
                } catch (HindsightException e) {
                    // A definition saved before its rules became invalid covers nothing; the analyses refuse it too.
                }
            }
            List<Map<String, Object>> out = store.candidates(env.id(), kind == null ? INTERACTION_KINDS : List.of(kind),
                    covered, limit).stream().map(c -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("kind", c.kind());
                        m.put("selector", SuggestedSelector.of(c.hierarchy()));
                        m.put("text", c.text());
                        m.put("href", c.href());
                        m.put("path", c.path());
                        m.put("hierarchy", c.hierarchy());
                        seen(m, c.count(), c.firstSeenMs(), c.lastSeenMs());
                        return m;
                    }).toList();
            ctx.json(Map.of("candidates", out, "up_to_date", fresh));
        });
    }

    /** Checks the query's parameters (an unknown one is refused by name) and the caller's right to the environment. */
    private Environment begin(Context ctx, Set<String> allowed) {
        for (String p : ctx.queryParamMap().keySet()) {
            if (!allowed.contains(p)) {
                throw HindsightException.field(p, "is not a parameter of this endpoint; expected one of "
                        + allowed.stream().sorted().toList());
            }
        }
        ctx.queryParamMap().forEach((k, v) -> {
            if (v.size() > 1) {
                throw HindsightException.field(k, "must be given once");
            }
        });
        String appId = ctx.queryParam("app_id");
        if (appId == null || appId.isBlank()) {
            throw HindsightException.field("app_id", "is required");
        }
        return access.environment(ctx, appId);
    }

    private static String prefix(Context ctx) {
        String p = ctx.queryParam("prefix");
        if (p == null) {
            return "";
        }
        if (p.length() > MAX_PREFIX) {
            throw HindsightException.field("prefix", "must be at most " + MAX_PREFIX + " characters");
        }
        return p;
    }

    private static int limit(Context ctx) {
        String l = ctx.queryParam("limit");
        if (l == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(l);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Refused below.
        }
        throw HindsightException.field("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }

    private static Scope scope(Context ctx) {
        String s = ctx.queryParam("scope");
        if (s == null || s.equals("event")) {
            return Scope.EVENT;
        }
        if (s.equals("user")) {
            return Scope.USER;
        }
        throw HindsightException.field("scope", "must be 'event' or 'user'");
    }

    private static Map<String, Object> value(CatalogStore.ValueStat v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", v.value());
        m.put("type", v.type());
        seen(m, v.count(), v.firstSeenMs(), v.lastSeenMs());
        return m;
    }

    private static void seen(Map<String, Object> m, long count, long first, long last) {
        m.put("count", count);
        m.put("first_seen", count == 0 ? null : Instant.ofEpochMilli(first).toString());
        m.put("last_seen", count == 0 ? null : Instant.ofEpochMilli(last).toString());
    }

}
