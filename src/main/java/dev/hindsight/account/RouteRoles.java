package dev.hindsight.account;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one table of who may call each route: the least {@link Role} a member needs, and whether an environment's
 * secret key may call it too (the routes keys could call before accounts existed, and only for their own
 * environment). A route whose role is null is open: it needs no account, and checks its own credentials if any
 * (ingestion its secret key or app id, {@code /metrics} its token). The server refuses to start with a route that
 * is not in this table, so no route can be added without deciding who may call it. The README's "Accounts and
 * roles" shows the same table.
 */
public final class RouteRoles {
    /** One route's rule. */
    public record Rule(String method, String path, Role role, boolean secretKey) {
        public boolean open() {
            return role == null;
        }
    }

    public static final List<Rule> TABLE = List.of(
            // Open: no account; these check their own credentials (or need none).
            open("GET", "/health"),
            open("GET", "/metrics"),
            open("OPTIONS", "/h"),
            open("POST", "/h"),
            open("POST", "/api/track"),
            open("POST", "/api/identify"),
            open("POST", "/api/add_user_properties"),
            open("POST", "/api/capture"),
            open("GET", "/js/hindsight.js"),
            // Visual labeling's toolbar and the routes it calls from the site with a labeling token (checked there).
            open("GET", "/js/labeling.js"),
            open("OPTIONS", "/api/environments/{appId}/labeling/count"),
            open("POST", "/api/environments/{appId}/labeling/count"),
            open("OPTIONS", "/api/environments/{appId}/labeling/definitions"),
            open("POST", "/api/environments/{appId}/labeling/definitions"),
            open("GET", "/api/setup"),
            open("POST", "/api/setup"),
            open("POST", "/api/login"),
            open("POST", "/api/invites/{token}/accept"),
            // The web app: its page for every screen's URL, its modules and the libraries they import.
            open("GET", "/"),
            open("GET", "/login"),
            open("GET", "/setup"),
            open("GET", "/invite/{token}"),
            open("GET", "/e/{appId}"),
            open("GET", "/e/{appId}/<rest>"),
            open("GET", "/app/{hash}/{file}"),
            open("GET", "/_static/<path>"),
            // One's own session and tokens.
            member("POST", "/api/logout", Role.VIEWER),
            member("GET", "/api/me", Role.VIEWER),
            member("POST", "/api/tokens", Role.VIEWER),
            member("GET", "/api/tokens", Role.VIEWER),
            member("DELETE", "/api/tokens/{id}", Role.VIEWER),
            member("GET", "/api/environments", Role.VIEWER),
            // Dashboards: viewers read them and their reports' answers.
            orKey("GET", "/api/dashboards", Role.VIEWER),
            orKey("GET", "/api/dashboards/{id}", Role.VIEWER),
            orKey("GET", "/api/reports/{id}", Role.VIEWER),
            orKey("POST", "/api/reports/{id}/run", Role.VIEWER),
            // Analysts read and analyse everything, and save their own reports and dashboards (owner checked).
            orKey("POST", "/api/dashboards", Role.ANALYST),
            orKey("PUT", "/api/dashboards/{id}", Role.ANALYST),
            orKey("PATCH", "/api/dashboards/{id}", Role.ANALYST),
            orKey("DELETE", "/api/dashboards/{id}", Role.ANALYST),
            orKey("POST", "/api/dashboards/{id}/reports", Role.ANALYST),
            orKey("DELETE", "/api/dashboards/{id}/reports/{report_id}", Role.ANALYST),
            orKey("GET", "/api/reports", Role.ANALYST),
            orKey("POST", "/api/reports", Role.ANALYST),
            orKey("PUT", "/api/reports/{id}", Role.ANALYST),
            orKey("PATCH", "/api/reports/{id}", Role.ANALYST),
            orKey("DELETE", "/api/reports/{id}", Role.ANALYST),
            orKey("POST", "/api/query", Role.ANALYST),
            orKey("GET", "/api/users", Role.ANALYST),
            orKey("GET", "/api/users/{identity}", Role.ANALYST),
            orKey("GET", "/api/users/{identity}/events", Role.ANALYST),
            orKey("GET", "/api/catalog/events", Role.ANALYST),
            orKey("GET", "/api/catalog/properties", Role.ANALYST),
            orKey("GET", "/api/catalog/properties/{name}/values", Role.ANALYST),
            orKey("GET", "/api/catalog/candidates", Role.ANALYST),
            orKey("GET", "/api/definitions", Role.ANALYST),
            orKey("GET", "/api/definitions/{id}", Role.ANALYST),
            orKey("POST", "/api/definitions/preview", Role.ANALYST),
            orKey("GET", "/api/cohorts", Role.ANALYST),
            orKey("GET", "/api/cohorts/{id}", Role.ANALYST),
            orKey("GET", "/api/cohorts/{id}/members", Role.ANALYST),
            orKey("GET", "/api/cohorts/{id}/size", Role.ANALYST),
            orKey("GET", "/api/cohorts/{id}/changes", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/snippet", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/activity", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/live", Role.ANALYST),
            // The schema registry: analysts read it and its violations, and propose mappings as drafts.
            orKey("GET", "/api/environments/{appId}/registry/schemas", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/registry/schemas/{event}", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/registry/schemas/{event}/versions", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/registry/mappings", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/registry/mappings/{id}", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/registry/mappings/{id}/versions", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/registry/violations", Role.ANALYST),
            member("POST", "/api/environments/{appId}/registry/mappings", Role.ANALYST),
            member("PUT", "/api/environments/{appId}/registry/mappings/{id}", Role.ANALYST),
            // Definition mappings: analysts read them and propose drafts (a draft never changes what is produced).
            member("GET", "/api/environments/{appId}/registry/definition-mappings", Role.ANALYST),
            member("GET", "/api/environments/{appId}/registry/definition-mappings/{id}", Role.ANALYST),
            member("GET", "/api/environments/{appId}/registry/definition-mappings/{id}/versions", Role.ANALYST),
            member("GET", "/api/environments/{appId}/registry/definition-mappings/{id}/produced", Role.ANALYST),
            member("POST", "/api/environments/{appId}/registry/definition-mappings", Role.ANALYST),
            member("PUT", "/api/environments/{appId}/registry/definition-mappings/{id}", Role.ANALYST),
            // Architects: definitions and cohorts shared with the team.
            orKey("POST", "/api/definitions", Role.ARCHITECT),
            orKey("PUT", "/api/definitions/{id}", Role.ARCHITECT),
            orKey("DELETE", "/api/definitions/{id}", Role.ARCHITECT),
            orKey("POST", "/api/cohorts", Role.ARCHITECT),
            orKey("PUT", "/api/cohorts/{id}", Role.ARCHITECT),
            orKey("DELETE", "/api/cohorts/{id}", Role.ARCHITECT),
            orKey("POST", "/api/cohorts/{id}/members", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/labeling", Role.ARCHITECT),
            // The registry's contract: schemas, approvals, deletions and reprocessing, by architects and admins.
            member("POST", "/api/environments/{appId}/registry/schemas", Role.ARCHITECT),
            member("PUT", "/api/environments/{appId}/registry/schemas/{event}", Role.ARCHITECT),
            member("DELETE", "/api/environments/{appId}/registry/schemas/{event}", Role.ARCHITECT),
            member("DELETE", "/api/environments/{appId}/registry/mappings/{id}", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/registry/mappings/{id}/approve", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/registry/violations/reprocess", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/registry/definition-mappings/{id}/approve", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/registry/definition-mappings/{id}/deprecate", Role.ARCHITECT),
            member("DELETE", "/api/environments/{appId}/registry/definition-mappings/{id}", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/registry/definition-mappings/{id}/backfill", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/registry/definition-mappings/run", Role.ARCHITECT),
            // Destinations: analysts read their set-up (secrets masked), deliveries and traces; architects and admins
            // set them up, test them and replay dead letters.
            orKey("GET", "/api/environments/{appId}/destinations", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/destinations/{id}", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/destinations/{id}/deliveries", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/destinations/{id}/health", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/destinations/{id}/reconciliation", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/canonical/{eventId}/trace", Role.ANALYST),
            member("POST", "/api/environments/{appId}/destinations", Role.ARCHITECT),
            member("PUT", "/api/environments/{appId}/destinations/{id}", Role.ARCHITECT),
            member("DELETE", "/api/environments/{appId}/destinations/{id}", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/destinations/{id}/enable", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/destinations/{id}/disable", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/destinations/{id}/test", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/destinations/{id}/replay", Role.ARCHITECT),
            // Cohort syncs: analysts read them and their runs; architects and admins set them up and run them.
            orKey("GET", "/api/environments/{appId}/cohort-syncs", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/cohort-syncs/{id}", Role.ANALYST),
            orKey("GET", "/api/environments/{appId}/cohort-syncs/{id}/runs", Role.ANALYST),
            member("POST", "/api/environments/{appId}/cohort-syncs", Role.ARCHITECT),
            member("DELETE", "/api/environments/{appId}/cohort-syncs/{id}", Role.ARCHITECT),
            member("POST", "/api/environments/{appId}/cohort-syncs/{id}/run", Role.ARCHITECT),
            // Admins: keys, members, environments, privacy settings, identity merges.
            member("GET", "/api/projects", Role.ADMIN),
            member("POST", "/api/projects", Role.ADMIN),
            member("POST", "/api/projects/{id}/environments", Role.ADMIN),
            member("POST", "/api/environments/{appId}/rotate-key", Role.ADMIN),
            member("GET", "/api/environments/{appId}", Role.ADMIN),
            member("PATCH", "/api/environments/{appId}", Role.ADMIN),
            member("PUT", "/api/environments/{appId}/query-blocklist", Role.ADMIN),
            member("PUT", "/api/environments/{appId}/origins", Role.ADMIN),
            member("GET", "/api/users/{identity}/merges", Role.ADMIN),
            member("POST", "/api/users/{identity}/merges/{mergeId}/undo", Role.ADMIN),
            member("POST", "/api/invites", Role.ADMIN),
            member("GET", "/api/members", Role.ADMIN),
            member("PATCH", "/api/members/{id}", Role.ADMIN),
            member("DELETE", "/api/members/{id}", Role.ADMIN));

    private static final Map<String, Rule> BY_ROUTE = TABLE.stream()
            .collect(Collectors.toMap(r -> r.method() + " " + r.path(), Function.identity()));

    private RouteRoles() {
    }

    /** The rule of a route, by its method and its path as registered (with {@code {param}} placeholders). */
    public static Optional<Rule> find(String method, String path) {
        return Optional.ofNullable(BY_ROUTE.get(method + " " + path));
    }

    /**
     * Refuses a set of registered routes ("METHOD /path") that differs from the table: a route without a rule, or a
     * rule without a route (which would make the README's table wrong).
     */
    public static void check(List<String> registered) {
        List<String> problems = new ArrayList<>();
        for (String route : registered) {
            if (!BY_ROUTE.containsKey(route)) {
                problems.add("route " + route + " has no rule in RouteRoles.TABLE (decide who may call it)");
            }
        }
        for (String route : BY_ROUTE.keySet()) {
            if (!registered.contains(route)) {
                problems.add("RouteRoles.TABLE names " + route + ", which no handler serves");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
    }

    private static Rule open(String method, String path) {
        return new Rule(method, path, null, false);
    }

    private static Rule member(String method, String path, Role role) {
        return new Rule(method, path, role, false);
    }

    private static Rule orKey(String method, String path, Role role) {
        return new Rule(method, path, role, true);
    }
}
