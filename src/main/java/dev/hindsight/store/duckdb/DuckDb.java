package dev.hindsight.store.duckdb;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import dev.hindsight.store.SqlRunner;
import dev.hindsight.store.StoreUnavailableException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.duckdb.DuckDBConnection;

/**
 * The embedded DuckDB database file under the data directory: opens it, creates the schema, and hands out
 * connections (DuckDB connections are not thread-safe, so each user takes its own duplicate).
 */
public final class DuckDb implements AutoCloseable, SqlRunner {
    private static final String[] SCHEMA = {
        "CREATE SEQUENCE IF NOT EXISTS project_ids START 1",
        "CREATE SEQUENCE IF NOT EXISTS environment_ids START 1",
        "CREATE SEQUENCE IF NOT EXISTS link_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS projects (
          id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, created_at TIMESTAMP DEFAULT current_timestamp)""",
        """
        CREATE TABLE IF NOT EXISTS environments (
          id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, name VARCHAR NOT NULL, app_id VARCHAR NOT NULL UNIQUE,
          secret_key VARCHAR NOT NULL, allow_any_origin BOOLEAN NOT NULL, allowed_origins VARCHAR[] NOT NULL,
          query_blocklist VARCHAR[])""",
        // No key on events: event ids are deduplicated by the write path (see RecentIds), which keeps
        // appends cheap and memory flat.
        """
        CREATE TABLE IF NOT EXISTS events (
          env_id BIGINT NOT NULL, event_id UUID NOT NULL, kind VARCHAR NOT NULL, name VARCHAR,
          device_id VARCHAR, identity VARCHAR, session_id VARCHAR,
          time TIMESTAMP NOT NULL, client_time TIMESTAMP, received_at TIMESTAMP NOT NULL,
          session_ms BIGINT, since_prev_ms BIGINT,
          hierarchy VARCHAR, target_text VARCHAR, href VARCHAR,
          url VARCHAR, path VARCHAR, title VARCHAR, referrer VARCHAR, query VARCHAR, hash VARCHAR,
          browser VARCHAR, browser_version VARCHAR, os VARCHAR, os_version VARCHAR, device_type VARCHAR,
          viewport_width INTEGER, viewport_height INTEGER, library VARCHAR, library_version VARCHAR,
          source VARCHAR NOT NULL, ip VARCHAR, properties VARCHAR NOT NULL, hierarchy_id INTEGER,
          device_key INTEGER, identity_key INTEGER, session_key INTEGER, label_id INTEGER, seq BIGINT)""",
        // The dictionary of distinct hierarchies: a site has thousands where it has millions of events, so a
        // selector's regex runs once per distinct hierarchy and events match on an integer (see DuckDbDialect).
        """
        CREATE TABLE IF NOT EXISTS hierarchies (id INTEGER PRIMARY KEY, hierarchy VARCHAR NOT NULL)""",
        // The dictionary of devices ('d:' || device_id) and identities ('i:' || identity) in one id space: analyses
        // resolve each event's user to one of these integers, and only turn the users they list back into strings.
        """
        CREATE TABLE IF NOT EXISTS actors (id INTEGER PRIMARY KEY, key VARCHAR NOT NULL)""",
        // Per event, for the analyses that group by session and name events (paths): the session id as an integer
        // of this dictionary, the event's label (RawEvent.label) as one of the next, and seq, the order in which
        // the store received it, which orders events of the same millisecond.
        """
        CREATE TABLE IF NOT EXISTS sessions (id INTEGER PRIMARY KEY, session_id VARCHAR NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS labels (id INTEGER PRIMARY KEY, label VARCHAR NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS definitions (
          id BIGINT PRIMARY KEY, env_id BIGINT NOT NULL, name VARCHAR NOT NULL, description VARCHAR,
          category VARCHAR, owner VARCHAR, status VARCHAR NOT NULL, rules VARCHAR NOT NULL,
          created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
        "CREATE SEQUENCE IF NOT EXISTS definition_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS identity_links (
          id BIGINT PRIMARY KEY, env_id BIGINT NOT NULL, device_id VARCHAR NOT NULL, identity VARCHAR NOT NULL,
          valid_from TIMESTAMP NOT NULL, created_at TIMESTAMP NOT NULL, undone_at TIMESTAMP, source VARCHAR NOT NULL,
          device_key INTEGER, identity_key INTEGER)""",
        "CREATE INDEX IF NOT EXISTS identity_links_device ON identity_links (env_id, device_id)",
        "CREATE INDEX IF NOT EXISTS identity_links_identity ON identity_links (env_id, identity)",
        """
        CREATE TABLE IF NOT EXISTS users (
          env_id BIGINT NOT NULL, identity VARCHAR NOT NULL, first_write TIMESTAMP NOT NULL,
          last_write TIMESTAMP NOT NULL, PRIMARY KEY (env_id, identity))""",
        // value holds a JSON literal so that numbers and booleans keep their type.
        """
        CREATE TABLE IF NOT EXISTS user_properties (
          env_id BIGINT NOT NULL, identity VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL,
          updated_at TIMESTAMP NOT NULL, PRIMARY KEY (env_id, identity, key))""",
        // Anonymous users' properties (set before identify), by device; an identify copies them to the user.
        """
        CREATE TABLE IF NOT EXISTS device_properties (
          env_id BIGINT NOT NULL, device_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL,
          updated_at TIMESTAMP NOT NULL, PRIMARY KEY (env_id, device_id, key))""",
        // Sessions' labelled events in blocks of consecutive session keys, for paths (see SessionSteps), and how far
        // each rollup has read the events (by seq).
        """
        CREATE TABLE IF NOT EXISTS session_steps (
          env_id BIGINT NOT NULL, block INTEGER NOT NULL, first_time TIMESTAMP NOT NULL,
          last_time TIMESTAMP NOT NULL, steps BLOB NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS rollups (name VARCHAR PRIMARY KEY, seq BIGINT NOT NULL)""",
        // Saved reports (a query body as JSON) and dashboards (report ids in order, as a JSON array): see DuckDbReports.
        "CREATE SEQUENCE IF NOT EXISTS report_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS reports (
          id BIGINT PRIMARY KEY, env_id BIGINT NOT NULL, name VARCHAR NOT NULL, description VARCHAR,
          query VARCHAR NOT NULL, owner VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
        "CREATE SEQUENCE IF NOT EXISTS dashboard_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS dashboards (
          id BIGINT PRIMARY KEY, env_id BIGINT NOT NULL, name VARCHAR NOT NULL, description VARCHAR,
          report_ids VARCHAR NOT NULL, owner VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
        // Cohorts (a definition as JSON) and the identities of static ones, each with when it was added and removed,
        // so that membership at any moment (size over time, changes since) is exact: see DuckDbCohorts.
        "CREATE SEQUENCE IF NOT EXISTS cohort_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS cohorts (
          id BIGINT PRIMARY KEY, env_id BIGINT NOT NULL, name VARCHAR NOT NULL, description VARCHAR,
          definition VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS cohort_members (
          cohort_id BIGINT NOT NULL, identity VARCHAR NOT NULL, added_at TIMESTAMP NOT NULL, removed_at TIMESTAMP)""",
        "CREATE INDEX IF NOT EXISTS cohort_members_cohort ON cohort_members (cohort_id)",
        // Accounts, their sessions, invites and personal API tokens (times in epoch milliseconds): see DuckDbAccounts.
        // Secrets are kept only as SHA-256 hashes, passwords as Argon2id hashes.
        "CREATE SEQUENCE IF NOT EXISTS account_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS accounts (
          id BIGINT PRIMARY KEY, email VARCHAR NOT NULL, name VARCHAR, role VARCHAR NOT NULL,
          password_hash VARCHAR NOT NULL, created_at BIGINT NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS account_sessions (
          id_hash VARCHAR PRIMARY KEY, account_id BIGINT NOT NULL, csrf VARCHAR NOT NULL, created_at BIGINT NOT NULL,
          last_seen_at BIGINT NOT NULL)""",
        "CREATE SEQUENCE IF NOT EXISTS invite_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS invites (
          id BIGINT PRIMARY KEY, token_hash VARCHAR NOT NULL, email VARCHAR NOT NULL, role VARCHAR NOT NULL,
          created_by BIGINT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT)""",
        "CREATE SEQUENCE IF NOT EXISTS api_token_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS api_tokens (
          id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, name VARCHAR NOT NULL, token_hash VARCHAR NOT NULL,
          created_at BIGINT NOT NULL)""",
        // Canonical events (POST /api/capture): one row per event_id for as long as it is kept (the deduplication
        // key never expires), written in the commit of its raw event; see CanonicalWrites. Unique by key (the
        // environment and the event id in one column: DuckDB looks a single column's index up, not a composite's);
        // addCanonicalKey gives a store made before it the column and index.
        """
        CREATE TABLE IF NOT EXISTS canonical_events (
          env_id BIGINT NOT NULL, event_id VARCHAR NOT NULL, event VARCHAR NOT NULL, source VARCHAR,
          payload_hash VARCHAR NOT NULL, payload VARCHAR NOT NULL, received_at BIGINT NOT NULL,
          status VARCHAR NOT NULL, violations VARCHAR NOT NULL, key VARCHAR)""",
        "CREATE SEQUENCE IF NOT EXISTS canonical_conflict_ids START 1",
        // A capture whose event_id was taken by another payload: kept (not stored as an event, not overwriting).
        """
        CREATE TABLE IF NOT EXISTS canonical_conflicts (
          id BIGINT NOT NULL, env_id BIGINT NOT NULL, event_id VARCHAR NOT NULL, event VARCHAR NOT NULL,
          source VARCHAR, payload_hash VARCHAR NOT NULL, payload VARCHAR NOT NULL, received_at BIGINT NOT NULL)""",
        // The schema registry: every version of every schema and mapping, append-only (the history).
        """
        CREATE TABLE IF NOT EXISTS registry_versions (
          env_id BIGINT NOT NULL, kind VARCHAR NOT NULL, key VARCHAR NOT NULL, version INTEGER NOT NULL,
          body VARCHAR, deleted BOOLEAN NOT NULL, changed_by VARCHAR NOT NULL, changed_at BIGINT NOT NULL,
          change VARCHAR NOT NULL, PRIMARY KEY (env_id, kind, key, version))""",
        "CREATE SEQUENCE IF NOT EXISTS registry_mapping_ids START 1",
        // Destinations and their delivery outbox (see Outbox and DuckDbDelivery): a row per canonical event and
        // destination, written in the commit of the event, updated by the destination's worker; the log keeps
        // every attempt.
        "CREATE SEQUENCE IF NOT EXISTS destination_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS destinations (
          env_id BIGINT NOT NULL, id BIGINT NOT NULL, config VARCHAR NOT NULL, enabled BOOLEAN NOT NULL,
          created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)""",
        "CREATE SEQUENCE IF NOT EXISTS outbox_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS outbox (
          id BIGINT NOT NULL, env_id BIGINT NOT NULL, destination_id BIGINT NOT NULL, event_id VARCHAR NOT NULL,
          user_key VARCHAR NOT NULL, created_at BIGINT NOT NULL, state VARCHAR NOT NULL, attempts INTEGER NOT NULL,
          due_at BIGINT NOT NULL, last_status INTEGER, last_body VARCHAR, last_reason VARCHAR, done_at BIGINT,
          updated_at BIGINT NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS delivery_log (
          outbox_id BIGINT NOT NULL, env_id BIGINT NOT NULL, destination_id BIGINT NOT NULL, event_id VARCHAR NOT NULL,
          attempt INTEGER NOT NULL, attempted_at BIGINT NOT NULL, outcome VARCHAR NOT NULL, status INTEGER, body VARCHAR,
          reason VARCHAR, latency_ms BIGINT)""",
        // Cohort syncs (activate.sync): a sync's baseline is the membership its destination last accepted.
        "CREATE SEQUENCE IF NOT EXISTS cohort_sync_ids START 1",
        "CREATE SEQUENCE IF NOT EXISTS cohort_sync_run_ids START 1",
        """
        CREATE TABLE IF NOT EXISTS cohort_syncs (
          env_id BIGINT NOT NULL, id BIGINT NOT NULL, cohort_id BIGINT NOT NULL, destination_id BIGINT NOT NULL,
          schedule_minutes INTEGER NOT NULL, audience_id VARCHAR, baseline VARCHAR NOT NULL, last_success_at BIGINT,
          next_due_at BIGINT NOT NULL, created_at BIGINT NOT NULL)""",
        """
        CREATE TABLE IF NOT EXISTS cohort_sync_runs (
          env_id BIGINT NOT NULL, sync_id BIGINT NOT NULL, id BIGINT NOT NULL, started_at BIGINT NOT NULL,
          finished_at BIGINT, joined INTEGER NOT NULL, left_count INTEGER NOT NULL, status VARCHAR NOT NULL,
          answer_status INTEGER, answer_body VARCHAR, reason VARCHAR)""",
    };

    // DuckDB checkpoints inside whichever transaction commits once the WAL passes its threshold, including a
    // reader's or the catalog's, which would then wait for it. So the automatic threshold is set out of reach, and
    // the event store's Checkpointer folds the WAL in on its own thread past this size. Why this size: DuckDB starts
    // no write transaction while it checkpoints, so every commit waits out the checkpoint; at full ingest one of
    // 64 MiB came every 2 s and held every client's acknowledgement about 400 ms (3% of requests, the p99), one of
    // 256 MiB comes every 8 s (under 1%). Smaller ones cost more CPU per event (each rewrites its last row group).
    public static final long CHECKPOINT_WAL_BYTES = 256L * 1024 * 1024;

    private final Path file;
    private final DuckDBConnection root;
    private final SessionFirstsKeeper sessionFirsts;

    public DuckDb(Path dataDir) {
        this(dataDir, Limits.DEFAULT);
    }

    /**
     * The engine's resource limits: {@code memoryLimit} in DuckDB's notation ({@code 2GB}; empty: DuckDB's own 80%
     * of the machine's memory), worker {@code threads} (0: one per core), and the directory where queries larger
     * than the memory limit spill.
     */
    public record Limits(String memoryLimit, int threads, Path tempDir) {
        public static final Limits DEFAULT = new Limits("", 0, null);
    }

    public DuckDb(Path dataDir, Limits limits) {
        try {
            Files.createDirectories(dataDir);
            this.file = dataDir.resolve("hindsight.duckdb").toAbsolutePath();
            this.root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file);
            try (Statement st = root.createStatement()) {
                for (String ddl : SCHEMA) {
                    st.execute(ddl);
                }
                st.execute("SET checkpoint_threshold = '64GB'");
                applyLimits(st, limits);
                addHierarchyIds(root, st);
                addActorKeys(root, st);
                addSessionsLabelsAndOrder(root, st);
                addLocation(root, st);
                addEnvironmentSettings(st);
                addCanonicalKey(st);
                addPropertyHistory(root, st);
                SessionFirsts.upgrade(root, st);
                this.sessionFirsts = new SessionFirstsKeeper(this, st);
                // The schema goes into the database file at once: DuckDB 1.5 cannot replay some DDL from the WAL
                // after a crash ("GetDefaultDatabase with no default database set"), and then could not open.
                st.execute("CHECKPOINT");
            }

        } catch (Exception e) {
            throw new IllegalStateException("Cannot open the DuckDB store under " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static void applyLimits(Statement st, Limits limits) throws SQLException {
        if (!limits.memoryLimit().isBlank()) {
            if (!limits.memoryLimit().matches("\\d+(\\.\\d+)?\\s*[KMGT]i?B")) {
                throw new IllegalArgumentException("The DuckDB memory limit must be a size such as 2GB or 512MB, not '"
                        + limits.memoryLimit() + "'");
            }
            st.execute("SET memory_limit = '" + limits.memoryLimit() + "'");
        }
        if (limits.threads() > 0) {
            st.execute("SET threads = " + limits.threads());
        }
        if (limits.tempDir() != null) {
            st.execute("SET temp_directory = '" + limits.tempDir().toAbsolutePath().toString().replace("'", "''") + "'");
        }
    }

    /** The value of a DuckDB setting, as {@code current_setting} shows it. */
    public String setting(String name) {
        return withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT current_setting(?)")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    /**
     * Gives a store made before the hierarchy dictionary its {@code hierarchy_id} column, filled in from the
     * dictionary, in one transaction: a crash half-way leaves the old store to upgrade at the next start. A store
     * that has the column costs one catalog lookup, however many events it holds.
     */
    private static void addHierarchyIds(Connection c, Statement st) throws SQLException {
        upgrade(c, st, "events", "hierarchy_id",
                "ALTER TABLE events ADD COLUMN hierarchy_id INTEGER",
                """
                INSERT INTO hierarchies
                SELECT (SELECT coalesce(max(id), 0) FROM hierarchies) + row_number() OVER (ORDER BY h), h
                FROM (SELECT DISTINCT hierarchy AS h FROM events WHERE hierarchy IS NOT NULL)
                WHERE h NOT IN (SELECT hierarchy FROM hierarchies)""",
                "UPDATE events SET hierarchy_id = d.id FROM hierarchies d WHERE events.hierarchy = d.hierarchy");
    }

    /**
     * Gives a store made before the actors dictionary its {@code device_key} and {@code identity_key} columns (on
     * events and identity links), filled in from the dictionary, in one transaction, as {@link #addHierarchyIds}.
     */
    private static void addActorKeys(Connection c, Statement st) throws SQLException {
        upgrade(c, st, "events", "device_key",
                "ALTER TABLE events ADD COLUMN device_key INTEGER",
                "ALTER TABLE events ADD COLUMN identity_key INTEGER",
                "ALTER TABLE identity_links ADD COLUMN device_key INTEGER",
                "ALTER TABLE identity_links ADD COLUMN identity_key INTEGER",
                """
                INSERT INTO actors
                SELECT (SELECT coalesce(max(id), 0) FROM actors) + row_number() OVER (ORDER BY k), k
                FROM (SELECT 'd:' || device_id AS k FROM events WHERE device_id IS NOT NULL
                      UNION SELECT 'i:' || identity FROM events WHERE identity IS NOT NULL
                      UNION SELECT 'd:' || device_id FROM identity_links
                      UNION SELECT 'i:' || identity FROM identity_links)
                WHERE k NOT IN (SELECT key FROM actors)""",
                "UPDATE events SET device_key = a.id FROM actors a WHERE a.key = 'd:' || events.device_id",
                "UPDATE events SET identity_key = a.id FROM actors a WHERE a.key = 'i:' || events.identity",
                "UPDATE identity_links SET device_key = a.id FROM actors a WHERE a.key = 'd:' || identity_links.device_id",
                "UPDATE identity_links SET identity_key = a.id FROM actors a WHERE a.key = 'i:' || identity_links.identity");
    }

    /**
     * Gives a store made before them the {@code session_key}, {@code label_id} and {@code seq} columns of events,
     * filled in, in one transaction, as {@link #addHierarchyIds}: labels as RawEvent.label names events (in SQL
     * here), and {@code seq} in the order the rows were appended.
     */
    private static void addSessionsLabelsAndOrder(Connection c, Statement st) throws SQLException {
        // Tags come from the dictionary of hierarchies (thousands of rows), not from every event's hierarchy.
        String labelled = """
                (SELECT e.rowid AS r, CASE WHEN kind = 'pageview' THEN concat_ws(' ', 'pageview', path)
                  WHEN kind = 'custom' THEN name ELSE concat_ws(' ', kind, coalesce(nullif(target_text, ''), tag)) END AS l
                 FROM events e LEFT JOIN (SELECT id AS tag_id,
                   nullif(url_decode(regexp_extract(hierarchy, '([^|\\[:]*)[^|]*$', 1)), '') AS tag FROM hierarchies) t
                 ON t.tag_id = e.hierarchy_id)""";
        upgrade(c, st, "events", "seq",
                "ALTER TABLE events ADD COLUMN session_key INTEGER",
                "ALTER TABLE events ADD COLUMN label_id INTEGER",
                "ALTER TABLE events ADD COLUMN seq BIGINT",
                """
                INSERT INTO sessions
                SELECT (SELECT coalesce(max(id), 0) FROM sessions) + row_number() OVER (ORDER BY s), s
                FROM (SELECT DISTINCT session_id AS s FROM events WHERE session_id IS NOT NULL)
                WHERE s NOT IN (SELECT session_id FROM sessions)""",
                "UPDATE events SET session_key = d.id FROM sessions d WHERE events.session_id = d.session_id",
                "INSERT INTO labels SELECT (SELECT coalesce(max(id), 0) FROM labels) + row_number() OVER (ORDER BY l), l"
                        + " FROM (SELECT DISTINCT l FROM " + labelled + ") WHERE l IS NOT NULL"
                        + " AND l NOT IN (SELECT label FROM labels)",
                "UPDATE events SET label_id = d.id FROM " + labelled + " x JOIN labels d ON d.label = x.l"
                        + " WHERE events.rowid = x.r",
                "UPDATE events SET seq = rowid");
    }

    /**
     * Gives a store made before GeoIP its {@code country}, {@code region} and {@code city} columns (after
     * {@code seq}, where the writer appends them), empty for the events already stored: their addresses were not
     * looked up when they arrived.
     */
    /**
     * Gives a store made before environment settings their columns (each environment in UTC until set), here
     * before the schema's checkpoint: a checkpoint taken later could race with the writer's open transaction.
     */
    private static void addEnvironmentSettings(Statement st) throws SQLException {
        st.execute("ALTER TABLE environments ADD COLUMN IF NOT EXISTS accept_app_id_only BOOLEAN DEFAULT false");
        st.execute("ALTER TABLE environments ADD COLUMN IF NOT EXISTS identity_verification VARCHAR DEFAULT 'off'");
        st.execute("ALTER TABLE environments ADD COLUMN IF NOT EXISTS identity_secret VARCHAR");
        st.execute("ALTER TABLE environments ADD COLUMN IF NOT EXISTS time_zone VARCHAR DEFAULT '"
                + dev.hindsight.project.EnvironmentSettings.DEFAULT_TIME_ZONE + "'");
    }

    /**
     * Gives {@code canonical_events} its single-column key ({@link #canonicalKey}) and the unique index a capture's
     * event id is looked up in; a store made before them had only a composite primary key, which DuckDB scans.
     */
    private static void addCanonicalKey(Statement st) throws SQLException {
        st.execute("ALTER TABLE canonical_events ADD COLUMN IF NOT EXISTS key VARCHAR");
        st.execute("UPDATE canonical_events SET key = env_id || ':' || event_id WHERE key IS NULL");
        st.execute("CREATE UNIQUE INDEX IF NOT EXISTS canonical_events_key ON canonical_events (key)");
    }

    /** The {@code key} of a canonical event: its environment and event id, unique in {@code canonical_events}. */
    static String canonicalKey(long envId, String eventId) {
        return envId + ":" + eventId;
    }

    /**
     * Creates {@code property_history}, the history of user property sets that {@code $user_at_event.<name>} reads
     * (see BuiltInSql): a row per property set, by owner ({@code i:} and the identity, or {@code d:} and the device
     * for an anonymous user's), in the same commit as the set, and a row per value an identify copies from the
     * device to the user (see DuckDbEventStore#copyDeviceProperties), in the identify's commit. Owners are text, not
     * the actors dictionary's keys: a user may have properties before any event or link names it. A store made
     * before it gets it filled from the current properties, valid from the beginning (their history was not kept),
     * in one transaction; a user's current properties hold the values identifies copied to it, so those are there.
     */
    private static void addPropertyHistory(Connection c, Statement st) throws SQLException {
        upgrade(c, st, "property_history", "valid_from",
                """
                CREATE TABLE IF NOT EXISTS property_history (
                  env_id BIGINT NOT NULL, owner VARCHAR NOT NULL, name VARCHAR NOT NULL, value VARCHAR NOT NULL,
                  valid_from TIMESTAMP NOT NULL, PRIMARY KEY (env_id, owner, name, valid_from))""",
                """
                INSERT INTO property_history SELECT env_id, 'i:' || identity, key, value, TIMESTAMP '1970-01-01'
                FROM user_properties""",
                """
                INSERT INTO property_history SELECT env_id, 'd:' || device_id, key, value, TIMESTAMP '1970-01-01'
                FROM device_properties""");
    }

    private static void addLocation(Connection c, Statement st) throws SQLException {
        upgrade(c, st, "events", "country",
                "ALTER TABLE events ADD COLUMN country VARCHAR",
                "ALTER TABLE events ADD COLUMN region VARCHAR",
                "ALTER TABLE events ADD COLUMN city VARCHAR");
    }

    /** Runs {@code statements} in one transaction unless the catalog shows that {@code table.column} exists. */
    static void upgrade(Connection c, Statement st, String table, String column, String... statements)
            throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM duckdb_columns()"
                + " WHERE table_name = '" + table + "' AND column_name = '" + column + "'")) {
            rs.next();
            if (rs.getLong(1) > 0) {
                return;
            }
        }
        c.setAutoCommit(false);
        try {
            for (String sql : statements) {
                st.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** A new connection to the same database; the caller closes it. */
    public DuckDBConnection connect() {
        try {
            return (DuckDBConnection) root.duplicate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot open a DuckDB connection: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public boolean isOpen() {
        try {
            return !root.isClosed();
        } catch (SQLException e) {
            return false;
        }
    }

    /** Bytes of the database file and its write-ahead log. */
    public long sizeBytes() {
        long size = 0;
        for (Path p : new Path[] {file, Path.of(file + ".wal")}) {
            try {
                size += Files.exists(p) ? Files.size(p) : 0;
            } catch (Exception ignored) {
                // The WAL may vanish between the check and the read during a checkpoint.
            }
        }
        return size;
    }

    /** Bytes in the write-ahead log not yet folded into the database file. */
    long walBytes() {
        try {
            Path wal = Path.of(file + ".wal");
            return Files.exists(wal) ? Files.size(wal) : 0;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        try {
            root.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void forEach(String sql, List<Object> params, RowConsumer consumer) {
        watched(StatementWatch.NONE).forEach(sql, params, consumer);
    }

    /**
     * Folds the events committed so far into {@code session_firsts} (see {@link SessionFirstsKeeper}); the server
     * calls it every second, and every query reading that table calls it first.
     */
    public void keepSessionFirsts() {
        sessionFirsts.catchUp();
    }

    SessionFirstsKeeper sessionFirsts() {
        return sessionFirsts;
    }

    @Override
    public SqlRunner watched(StatementWatch watch) {
        return (sql, params, consumer) -> withConnection(c -> {
            watch.check();
            if (sql.contains("session_firsts")) {
                sessionFirsts.catchUp();
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.size(); i++) {
                    ps.setObject(i + 1, params.get(i));
                }
                // The watch cancels from its own thread, so cancelling and closing the statement take turns.
                Object lock = new Object();
                boolean[] open = {true};
                Runnable cancel = () -> {
                    synchronized (lock) {
                        if (open[0]) {
                            try {
                                ps.cancel();
                            } catch (SQLException ignored) {
                                // The statement ended meanwhile.
                            }
                        }
                    }
                };
                try (Registration r = watch.started(cancel)) {
                    try (ResultSet rs = ps.executeQuery()) {
                        int rows = 0;
                        while (rs.next()) {
                            consumer.accept(rs);
                            if ((++rows & 4095) == 0) {
                                watch.check();
                            }
                        }
                    }
                } finally {
                    synchronized (lock) {
                        open[0] = false;
                    }
                }
                return null;
            }
        });
    }

    /**
     * Runs {@code work} on a fresh connection, translating SQL errors: the engine's own faults (out of memory, I/O, a
     * closed database) become {@link StoreUnavailableException}, which callers answer 503 without naming DuckDB.
     */
    <T> T withConnection(SqlWork<T> work) {
        try (Connection c = connect()) {
            return work.run(c);
        } catch (SQLException e) {
            if (isEngineFault(e)) {
                throw new StoreUnavailableException("DuckDB: " + e.getMessage(), e);
            }
            throw new IllegalStateException("DuckDB: " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} as {@link #withConnection} does, in one transaction: committed if it returns, else rolled back. */
    <T> T inTransaction(SqlWork<T> work) {
        return withConnection(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        });
    }

    /** Whether {@code e} or a cause is a failure of DuckDB itself, whatever the statement was. */
    static boolean isEngineFault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.startsWith("IO Error") || m.startsWith("FATAL Error") || m.startsWith("Out of Memory Error")
                    || m.contains("Connection was closed") || m.contains("database has been invalidated"))) {
                return true;
            }
        }
        return false;
    }

    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }
}
