package dev.hindsight.project;

import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Projects and environments: creation, key rotation and origin lists, with in-memory lookup by app id and by
 * secret key for the ingest path.
 */
public final class Projects {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private final ProjectCatalog catalog;
    private volatile List<Project> projects = List.of();
    // Replaced whole on every change so that a reader never sees a half-built map.
    private volatile Map<String, Environment> byAppId = Map.of();
    private volatile Map<String, Environment> bySecret = Map.of();

    public Projects(ProjectCatalog catalog) {
        this.catalog = catalog;
        reload();
    }

    /** Creates the default project with its two environments when there is none; returns it if it did. */
    public synchronized Optional<Project> ensureDefault() {
        if (!projects.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(createProject("Default project"));
    }

    /** Creates a project with a {@code development} (any origin) and a {@code production} (listed origins) environment. */
    public synchronized Project createProject(String name) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw HindsightException.field("name", "is required, at most 200 characters");
        }
        long id = catalog.createProject(name.strip());
        catalog.createEnvironment(id, "development", newAppId(), newSecret("hs_sk_"), true);
        catalog.createEnvironment(id, "production", newAppId(), newSecret("hs_sk_"), false);
        reload();
        return project(id);
    }

    public synchronized Environment createEnvironment(long projectId, String name) {
        project(projectId);
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,64}")) {
            throw HindsightException.field("name", "is required: 1 to 64 letters, digits, '-' or '_'");
        }
        if (project(projectId).environments().stream().anyMatch(e -> e.name().equals(name))) {
            throw new HindsightException(ErrorCode.CONFLICT, "Project " + projectId + " already has an environment named '" + name + "'");
        }
        long envId = catalog.createEnvironment(projectId, name, newAppId(), newSecret("hs_sk_"), name.equals("development"));
        reload();
        return byId(envId);
    }

    /** Replaces an environment's secret key; the old one stops working at once. */
    public synchronized Environment rotateKey(String appId) {
        Environment env = byAppId(appId);
        catalog.setSecretKey(env.id(), newSecret("hs_sk_"));
        reload();
        return byId(env.id());
    }

    public synchronized Environment setOrigins(String appId, boolean allowAny, List<String> origins) {
        Environment env = byAppId(appId);
        List<String> clean = new ArrayList<>();
        for (int i = 0; i < origins.size(); i++) {
            String o = origins.get(i);
            if (o == null || !o.matches("https?://[^/\\s]+")) {
                throw HindsightException.field("allowed_origins[" + i + "]",
                        "must be an origin such as https://shop.example.com (scheme and host, no path)");
            }
            clean.add(o.toLowerCase());
        }
        catalog.setOrigins(env.id(), allowAny, clean);
        reload();
        return byId(env.id());
    }

    /** Sets the environment's own query parameters to remove from captured URLs (on top of the defaults). */
    public synchronized Environment setQueryBlocklist(String appId, List<String> parameters) {
        Environment env = byAppId(appId);
        List<String> clean = new ArrayList<>();
        for (int i = 0; i < parameters.size(); i++) {
            String p = parameters.get(i);
            if (p == null || p.isBlank() || p.length() > 100) {
                throw HindsightException.field("query_blocklist[" + i + "]", "must be a parameter name of 1 to 100 characters");
            }
            clean.add(p.strip().toLowerCase(java.util.Locale.ROOT));
        }
        catalog.setQueryBlocklist(env.id(), clean);
        reload();
        return byId(env.id());
    }

    /**
     * Applies an admin's settings patch: the settings it names change, the others stay; the identity secret is
     * replaced when asked (signatures made with the old one stop verifying at once).
     */
    public synchronized Environment updateSettings(String appId, SettingsPatch patch) {
        Environment env = byAppId(appId);
        EnvironmentSettings next = patch.applyTo(env.settings());
        if (next.acceptAppIdOnly() && next.verifiesIdentity()) {
            // App-id-only writes to /api/identify and /api/add_user_properties need no signature, so anyone with
            // the public app id could forge the very profiles that verification protects.
            String field = patch.acceptAppIdOnly() != null ? SettingsPatch.ACCEPT_APP_ID_ONLY : SettingsPatch.IDENTITY_VERIFICATION;
            throw HindsightException.field(field, "accept_app_id_only cannot be true while identity_verification is "
                    + "\"required\": calls with only the public app id could then forge any user's profile");
        }
        if (!next.equals(env.settings())) {
            catalog.setSettings(env.id(), next);
        }
        if (patch.rotateIdentitySecret()) {
            catalog.setIdentitySecret(env.id(), newSecret("hs_iv_"));
        }
        reload();
        return byId(env.id());
    }

    public List<Project> all() {
        return projects;
    }

    public Project project(long id) {
        return projects.stream().filter(p -> p.id() == id).findFirst()
                .orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND, "No project with id " + id));
    }

    /** The environment with this public app id, or a 404 naming the app id. */
    public Environment byAppId(String appId) {
        if (appId == null || appId.isBlank()) {
            throw HindsightException.field("app_id", "is required");
        }
        Environment env = byAppId.get(appId);
        if (env == null) {
            throw new HindsightException(ErrorCode.UNKNOWN_APP_ID, "No environment has app_id '" + appId
                    + "'; GET /api/projects lists the app ids");
        }
        return env;
    }

    /** The environment with this public app id, if there is one. */
    public Optional<Environment> findByAppId(String appId) {
        return Optional.ofNullable(appId).map(byAppId::get);
    }

    /** Whether any environment accepts server calls that carry only its app id (then such calls are read). */
    public boolean anyAcceptsAppIdOnly() {
        return byAppId.values().stream().anyMatch(e -> e.settings().acceptAppIdOnly());
    }

    public Optional<Environment> bySecretKey(String key) {
        return Optional.ofNullable(key).map(bySecret::get);
    }

    private Environment byId(long envId) {
        return byAppId.values().stream().filter(e -> e.id() == envId).findFirst().orElseThrow();
    }

    private void reload() {
        List<Project> loaded = catalog.load();
        // New environments, and those of a store made before identity verification, get their secret here.
        List<Environment> unsigned = loaded.stream().flatMap(p -> p.environments().stream())
                .filter(e -> e.identitySecret() == null).toList();
        if (!unsigned.isEmpty()) {
            unsigned.forEach(e -> catalog.setIdentitySecret(e.id(), newSecret("hs_iv_")));
            loaded = catalog.load();
        }
        Map<String, Environment> apps = new HashMap<>();
        Map<String, Environment> secrets = new HashMap<>();
        for (Project p : loaded) {
            for (Environment e : p.environments()) {
                apps.put(e.appId(), e);
                secrets.put(e.secretKey(), e);
            }
        }
        byAppId = apps;
        bySecret = secrets;
        projects = loaded;
    }

    private String newAppId() {
        while (true) {
            String id = Long.toString(1_000_000_000L + (RANDOM.nextLong() & Long.MAX_VALUE) % 9_000_000_000L);
            if (!byAppId.containsKey(id)) {
                return id;
            }
        }
    }

    private static String newSecret(String prefix) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 32; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
