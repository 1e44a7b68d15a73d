package dev.hindsight.store.duckdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hindsight.store.EventPage;
import dev.hindsight.store.EventStore;
import dev.hindsight.store.IdentityLink;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.StoreUnavailableException;
import dev.hindsight.store.UserProfile;
import dev.hindsight.store.WriteOp;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.LoggerFactory;

/** The event store on embedded DuckDB: appends through the Appender, identities resolved at read time. */
public final class DuckDbEventStore implements EventStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The events table's columns in {@link #readEvent}'s order, times as epoch milliseconds (time: microseconds). */
    public static final String EVENT_COLUMNS = """
            env_id, event_id, kind, name, device_id, identity, session_id, epoch_us(time), epoch_ms(client_time),
            epoch_ms(received_at), session_ms, since_prev_ms, hierarchy, target_text, href, url, path, title, referrer,
            query, hash, browser, browser_version, os, os_version, device_type, viewport_width, viewport_height,
            library, library_version, source, ip, properties""";

    /** Distinct properties one user may have; new keys past it are not stored (see README, "Limits"). */
    public static final int MAX_PROPERTIES_PER_USER = 1000;

    private final DuckDb db;
    private final Clock clock;
    // Writer-thread only: user properties not stored since the last log line, and when that line was written.
    private long droppedProperties;
    private long lastDropLog = System.nanoTime() - 120_000_000_000L;
    private final DuckDBConnection writer;
    private final Checkpointer checkpointer;
    // Writer-thread only: the latest link per device, so that an identify repeated on every page load
    // costs no query. Absent means unknown; an empty string means the device has no link.
    private final Map<String, String> latestLink = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 200_000;
        }
    };

    // Writer-thread only: integer ids of hierarchies, and of devices and identities ("actors", see deviceKey).
    private final Dictionary hierarchies;
    private final Dictionary actors;
    private final Dictionary sessions;
    private final Dictionary labels;
    /** The canonical event keys kept, so that a capture with a new event id needs no lookup (see CanonicalWrites). */
    private final KnownKeys canonicalKeys;
    // The next event's seq: events are numbered in the order they are appended (see DuckDb's schema).
    private long nextSeq;

    public DuckDbEventStore(DuckDb db) {
        this(db, Clock.systemUTC());
    }

    public DuckDbEventStore(DuckDb db, Clock clock) {
        this(db, clock, DuckDb.CHECKPOINT_WAL_BYTES);
    }

    /** A store that checkpoints once the WAL holds {@code checkpointWalBytes} (tests use a small one). */
    DuckDbEventStore(DuckDb db, Clock clock, long checkpointWalBytes) {
        this.db = db;
        this.clock = clock;
        this.writer = db.connect();
        this.checkpointer = new Checkpointer(db, checkpointWalBytes);
        try {
            hierarchies = new Dictionary(writer, "hierarchies", "hierarchy", 100_000);
            actors = new Dictionary(writer, "actors", "key", 200_000);
            sessions = new Dictionary(writer, "sessions", "session_id", 100_000);
            labels = new Dictionary(writer, "labels", "label", 10_000);
            canonicalKeys = new KnownKeys(writer, "canonical_events", "key");
            try (java.sql.Statement st = writer.createStatement();
                    ResultSet rs = st.executeQuery("SELECT coalesce(max(seq), -1) + 1 FROM events")) {
                rs.next();
                nextSeq = rs.getLong(1);
            }
            writer.setAutoCommit(false);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until the dictionaries' filters, built in the background after the store opens, are ready: a benchmark
     * times queries after this, not while a core still reads every session id and device into a filter.
     */
    public void awaitDictionaries() throws InterruptedException {
        for (Dictionary d : List.of(hierarchies, actors, sessions, labels)) {
            d.awaitFilter();
        }
        canonicalKeys.awaitFilter();
    }

    @Override
    public boolean[] write(List<WriteOp> ops) {
        int size = ops.size();
        CanonicalWrites canonical = null;
        boolean[] changed = new boolean[ops.size()];
        Map<String, String> cacheUpdates = new HashMap<>();
        for (WriteOp op : ops) {
            checkTimes(op);
        }
        try {
            // The driver begins the transaction lazily, before the first statement; the Appender is not a
            // statement, so without this its rows would commit on their own and survive a rollback.
            try (java.sql.Statement begin = writer.createStatement()) {
                begin.execute("SELECT 1");
            }
            // Captures become the raw event and the ops that join it, when new (see CanonicalWrites).
            if (CanonicalWrites.any(ops)) {
                canonical = CanonicalWrites.decide(writer, ops, canonicalKeys);
                ops = canonical.flat();
                changed = new boolean[ops.size()];
            }
            List<String> hierarchyKeys = new ArrayList<>();
            List<String> actorKeys = new ArrayList<>();
            List<String> sessionKeys = new ArrayList<>();
            List<String> labelKeys = new ArrayList<>();
            // Each event's dictionary keys, made once: the same strings are looked up again below.
            String[][] keys = new String[ops.size()][];
            for (int i = 0; i < ops.size(); i++) {
                WriteOp op = ops.get(i);
                if (op instanceof WriteOp.Append a) {
                    RawEvent e = a.event();
                    keys[i] = new String[] {e.hierarchy(), deviceKey(e.deviceId()), identityKey(e.identity()),
                        e.sessionId(), e.label()};
                    hierarchyKeys.add(keys[i][0]);
                    actorKeys.add(keys[i][1]);
                    actorKeys.add(keys[i][2]);
                    sessionKeys.add(keys[i][3]);
                    labelKeys.add(keys[i][4]);
                } else if (op instanceof WriteOp.Identify id) {
                    actorKeys.add(deviceKey(id.deviceId()));
                    actorKeys.add(identityKey(id.identity()));
                }
            }
            Dictionary.Ids hierarchyIds = hierarchies.ids(hierarchyKeys);
            Dictionary.Ids actorIds = actors.ids(actorKeys);
            Dictionary.Ids sessionIds = sessions.ids(sessionKeys);
            Dictionary.Ids labelIds = labels.ids(labelKeys);
            long seq = nextSeq;
            try (DuckDBAppender appender = writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "events")) {
                for (int i = 0; i < ops.size(); i++) {
                    if (ops.get(i) instanceof WriteOp.Append a) {
                        append(appender, a.event());
                        id(appender, hierarchyIds.all(), keys[i][0]);
                        id(appender, actorIds.all(), keys[i][1]);
                        id(appender, actorIds.all(), keys[i][2]);
                        id(appender, sessionIds.all(), keys[i][3]);
                        id(appender, labelIds.all(), keys[i][4]);
                        appender.append(seq++);
                        RawEvent.Location at = a.event().location();
                        str(appender, at == null ? null : at.country());
                        str(appender, at == null ? null : at.region());
                        str(appender, at == null ? null : at.city());
                        appender.endRow();
                        changed[i] = true;
                    }
                }
            }
            applyIdentityAndUserOps(ops, changed, cacheUpdates, actorIds.all());
            if (canonical != null) {
                canonical.write(writer);
            }
            writer.commit();
            latestLink.putAll(cacheUpdates);
            hierarchies.committed(hierarchyIds);
            actors.committed(actorIds);
            sessions.committed(sessionIds);
            labels.committed(labelIds);
            if (canonical != null) {
                canonicalKeys.committed(canonical.keys());
            }
            nextSeq = seq;
            db.sessionFirsts().committed(seq);
        } catch (SQLException | RuntimeException e) {
            try {
                writer.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (isStoreFault(e)) {
                throw new StoreUnavailableException("DuckDB cannot commit: " + e.getMessage(), e);
            }
            throw new IllegalStateException("DuckDB write failed: " + e.getMessage(), e);
        }
        long wal = db.walBytes();
        if (checkpointer.mustRunInline(wal)) {
            checkpoint();
        } else {
            checkpointer.afterCommit(wal);
        }
        return canonical == null ? changed : canonical.changed(changed, size);
    }

    /**
     * Refuses an op whose times a TIMESTAMP column cannot hold, before anything is written: millisecond times
     * become microseconds here, and an overflow must fail the op rather than wrap to another date.
     */
    private static void checkTimes(WriteOp op) {
        switch (op) {
            case WriteOp.Append a -> {
                micros(a.event().time());
                micros(a.event().receivedAt());
                if (a.event().clientTime() != null) {
                    micros(a.event().clientTime());
                }
            }
            case WriteOp.Identify id -> micros(id.at());
            case WriteOp.SetUserProperties sp -> micros(sp.at());
            case WriteOp.SetDeviceProperties dp -> micros(dp.at());
            case WriteOp.UndoLink undo -> micros(undo.at());
            case WriteOp.Capture c -> {
                checkTimes(new WriteOp.Append(c.event()));
                c.with().forEach(DuckDbEventStore::checkTimes);
            }
            case WriteOp.SetCanonicalStatus ignored -> { }
            case WriteOp.Enqueue ignored -> { }
        }
    }

    /**
     * Epoch milliseconds as the epoch microseconds DuckDB's TIMESTAMP holds, or an {@link ArithmeticException}
     * when they do not fit (never a wrapped value; DuckDB keeps the two extreme values for infinities).
     */
    static long micros(long ms) {
        long us = Math.multiplyExact(ms, 1000L);
        if (us == Long.MAX_VALUE || us == Long.MIN_VALUE) {
            throw new ArithmeticException("time out of TIMESTAMP range: " + ms + " ms");
        }
        return us;
    }

    /**
     * Whether a failed write is the store's fault whatever the ops were (DuckDB's I/O, fatal and out-of-memory
     * errors, a closed connection), so that the write queue answers 503 rather than looking for a bad op.
     */
    private boolean isStoreFault(Exception e) {
        try {
            if (writer.isClosed() || !db.isOpen()) {
                return true;
            }
        } catch (SQLException closed) {
            return true;
        }
        return DuckDb.isEngineFault(e);
    }

    /**
     * Folds the WAL into the database file on the writer's thread, between commits: only when background checkpoints
     * (see {@link Checkpointer}) have fallen far behind.
     */
    private void checkpoint() {
        try {
            // CHECKPOINT may not run inside a transaction, and the writer's connection otherwise always opens one.
            writer.setAutoCommit(true);
            // Not while the keeper of session_firsts writes: DuckDB refuses a checkpoint while a write is open.
            db.sessionFirsts().whileIdle(() -> {
                try (java.sql.Statement st = writer.createStatement()) {
                    st.execute("CHECKPOINT");
                }
            });
        } catch (SQLException e) {
            // The commits are durable in the WAL; a checkpoint that fails now (another connection is writing) is
            // tried again after the next commit.
            LoggerFactory.getLogger(DuckDbEventStore.class).warn("Checkpoint failed; will retry: {}", e.getMessage());
        } finally {
            try {
                writer.setAutoCommit(false);
            } catch (SQLException e) {
                LoggerFactory.getLogger(DuckDbEventStore.class).error("Cannot reopen the writer's transactions", e);
            }
        }
    }

    /**
     * The key of a device in the {@code actors} dictionary: devices and identities share one id space, so that a
     * resolved user is one integer whether it is an identity or an anonymous device ({@code 'd:'} or {@code 'i:'}
     * and the id as sent).
     */
    static String deviceKey(String deviceId) {
        return deviceId == null ? null : "d:" + deviceId;
    }

    /** The key of an identity in the {@code actors} dictionary (see {@link #deviceKey}). */
    static String identityKey(String identity) {
        return identity == null ? null : "i:" + identity;
    }

    /** Begins the row of {@code e} and appends its columns up to {@code properties}. */
    private static void append(DuckDBAppender a, RawEvent e) throws SQLException {
        a.beginRow();
        a.append(e.envId());
        a.append(e.eventId());
        a.append(e.kind());
        str(a, e.name());
        str(a, e.deviceId());
        str(a, e.identity());
        str(a, e.sessionId());
        a.appendEpochMicros(e.timeMicros());
        if (e.clientTime() == null) {
            a.appendNull();
        } else {
            a.appendEpochMicros(micros(e.clientTime()));
        }
        a.appendEpochMicros(micros(e.receivedAt()));
        a.append(e.sessionMs());
        a.append(e.sincePrevMs());
        str(a, e.hierarchy());
        str(a, e.targetText());
        str(a, e.href());
        str(a, e.url());
        str(a, e.path());
        str(a, e.title());
        str(a, e.referrer());
        str(a, e.query());
        str(a, e.hash());
        str(a, e.browser());
        str(a, e.browserVersion());
        str(a, e.os());
        str(a, e.osVersion());
        str(a, e.deviceType());
        a.append(e.viewportWidth());
        a.append(e.viewportHeight());
        str(a, e.library());
        str(a, e.libraryVersion());
        a.append(e.source());
        str(a, e.ip());
        a.append(e.propertiesJson());
    }

    private static void id(DuckDBAppender a, Map<String, Integer> ids, String key) throws SQLException {
        if (key == null) {
            a.appendNull();
        } else {
            a.append(ids.get(key).intValue());
        }
    }

    private static void str(DuckDBAppender a, String s) throws SQLException {
        if (s == null) {
            a.appendNull();
        } else {
            a.append(s);
        }
    }

    private boolean undo(WriteOp.UndoLink undo, Map<String, String> cacheUpdates) throws SQLException {
        String device = null;
        try (PreparedStatement ps = writer.prepareStatement("""
                UPDATE identity_links SET undone_at = epoch_ms(?)
                WHERE env_id = ? AND id = ? AND undone_at IS NULL RETURNING device_id""")) {
            ps.setLong(1, undo.at());
            ps.setLong(2, undo.envId());
            ps.setLong(3, undo.linkId());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    device = rs.getString(1);
                }
            }
        }
        // The device's latest link stays what it was even when undone, so that the identify a tracker repeats on
        // every page load does not redo the merge an operator just undid.
        return device != null;
    }

    /**
     * Applies identifies, user properties and undos set by set rather than op by op (a statement costs DuckDB
     * milliseconds): one lookup of the devices' latest links, the new links through the Appender, and chunked
     * multi-row upserts of users and properties. Op order is kept where it matters: identifies of one device
     * are decided in order, and the latest write of a property wins.
     */
    private void applyIdentityAndUserOps(List<WriteOp> ops, boolean[] changed, Map<String, String> cacheUpdates,
            Map<String, Integer> actorIds) throws SQLException {
        Map<String, long[]> users = new LinkedHashMap<>();
        Map<String, Object[]> properties = new LinkedHashMap<>();
        Map<String, Object[]> deviceProperties = new LinkedHashMap<>();
        // Every set, not only the latest: the history that $user_at_event reads (see BuiltInSql).
        Map<String, Object[]> history = new LinkedHashMap<>();
        List<Object[]> links = new ArrayList<>();
        Map<String, String> latest = lookUpLatestLinks(ops, cacheUpdates);
        for (int i = 0; i < ops.size(); i++) {
            switch (ops.get(i)) {
                case WriteOp.Append ignored -> { }
                case WriteOp.Identify id -> {
                    String key = id.envId() + "\u0000" + id.deviceId();
                    touch(users, id.envId(), id.identity(), id.at());
                    if (!id.identity().equals(latest.get(key))) {
                        links.add(new Object[] {id.envId(), id.deviceId(), id.identity(), id.at(), id.source(),
                            actorIds.get(deviceKey(id.deviceId())), actorIds.get(identityKey(id.identity()))});
                        latest.put(key, id.identity());
                        cacheUpdates.put(key, id.identity());
                        changed[i] = true;
                    }
                }
                case WriteOp.SetUserProperties sp -> {
                    touch(users, sp.envId(), sp.identity(), sp.at());
                    putLatest(properties, sp.envId(), sp.identity(), sp.properties(), sp.at());
                    putHistory(history, sp.envId(), "i:" + sp.identity(), sp.properties(), sp.at());
                    changed[i] = true;
                }
                case WriteOp.SetDeviceProperties dp -> {
                    putLatest(deviceProperties, dp.envId(), dp.deviceId(), dp.properties(), dp.at());
                    putHistory(history, dp.envId(), "d:" + dp.deviceId(), dp.properties(), dp.at());
                    // A device already identified: its anonymous user is that user now.
                    String linked = latest.get(dp.envId() + "\u0000" + dp.deviceId());
                    if (linked != null && !linked.isEmpty()) {
                        touch(users, dp.envId(), linked, dp.at());
                        putLatest(properties, dp.envId(), linked, dp.properties(), dp.at());
                        putHistory(history, dp.envId(), "i:" + linked, dp.properties(), dp.at());
                    }
                    changed[i] = true;
                }
                case WriteOp.UndoLink undo -> { }
                case WriteOp.Capture c -> { }
                case WriteOp.SetCanonicalStatus c -> { }
                case WriteOp.Enqueue c -> { }
            }
        }
        insertLinks(links);
        boundUserProperties(properties);
        upsert("INSERT INTO users (env_id, identity, first_write, last_write) VALUES ", "(?, ?, epoch_ms(?::BIGINT), epoch_ms(?::BIGINT))",
                " ON CONFLICT (env_id, identity) DO UPDATE SET first_write = least(users.first_write, excluded.first_write),"
                        + " last_write = greatest(users.last_write, excluded.last_write)",
                userRows(users));
        upsert("INSERT INTO user_properties (env_id, identity, key, value, updated_at) VALUES ",
                "(?, ?, ?, ?, epoch_ms(?::BIGINT))",
                " ON CONFLICT (env_id, identity, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
                        + " WHERE excluded.updated_at >= user_properties.updated_at",
                new ArrayList<>(properties.values()));
        upsert("INSERT INTO device_properties (env_id, device_id, key, value, updated_at) VALUES ",
                "(?, ?, ?, ?, epoch_ms(?::BIGINT))",
                " ON CONFLICT (env_id, device_id, key) DO UPDATE SET value = excluded.value,"
                        + " updated_at = excluded.updated_at WHERE excluded.updated_at >= device_properties.updated_at",
                new ArrayList<>(deviceProperties.values()));
        // A set the cap on properties per user refused (boundUserProperties) is in no history either.
        history.values().removeIf(h -> ((String) h[1]).startsWith("i:") && !properties.containsKey(
                h[0] + "\u0000" + ((String) h[1]).substring(2) + "\u0000" + h[2]));
        upsert("INSERT INTO property_history (env_id, owner, name, value, valid_from) VALUES ",
                "(?, ?, ?, ?, epoch_ms(?::BIGINT))",
                " ON CONFLICT (env_id, owner, name, valid_from) DO UPDATE SET value = excluded.value",
                new ArrayList<>(history.values()));
        copyDeviceProperties(links);
        // Undos are rare (an operator's action): one statement each, after the links they may name exist.
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof WriteOp.UndoLink undo) {
                changed[i] = undo(undo, cacheUpdates);
            }
        }
    }

    /** Puts each property into {@code rows} (keyed by env, owner and key) unless a newer write of it is there. */
    private static void putLatest(Map<String, Object[]> rows, long envId, String owner, Map<String, Object> props,
            long at) {
        for (Map.Entry<String, Object> p : props.entrySet()) {
            String k = envId + "\u0000" + owner + "\u0000" + p.getKey();
            Object[] old = rows.get(k);
            if (old == null || (long) old[4] <= at) {
                rows.put(k, new Object[] {envId, owner, p.getKey(), toJson(p.getValue()), at});
            }
        }
    }

    /**
     * Puts each property set into {@code rows} (keyed by env, owner, key and time): of two sets at one instant the
     * later wins, as in the properties' tables.
     */
    private static void putHistory(Map<String, Object[]> rows, long envId, String owner, Map<String, Object> props,
            long at) {
        for (Map.Entry<String, Object> p : props.entrySet()) {
            rows.put(envId + "\u0000" + owner + "\u0000" + p.getKey() + "\u0000" + at,
                    new Object[] {envId, owner, p.getKey(), toJson(p.getValue()), at});
        }
    }

    /**
     * Gives the users that new links name the properties their devices had as anonymous users, where the user has
     * no newer value (Heap keeps an anonymous user's properties when it is identified), and writes each value so
     * copied into the user's history ({@code property_history}), valid from the identify (or from the device's
     * set, if that is dated later): from then on {@code $user_at_event.<name>} of the user's events reads it, as
     * {@code $user.<name>} does. Of several devices of one user linked in one commit, the newest value wins (ties
     * by the earlier link, then the device). Two statements for all of a commit's new links; a device without
     * properties costs nothing more.
     */
    private void copyDeviceProperties(List<Object[]> links) throws SQLException {
        if (links.isEmpty()) {
            return;
        }
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < links.size(); i++) {
            values.append(i == 0 ? "" : ", ").append("(?::BIGINT, ?, ?, ?::BIGINT)");
        }
        String copied = """
                FROM (VALUES %s) l(env_id, device_id, identity, linked_at)
                JOIN device_properties d ON d.env_id = l.env_id AND d.device_id = l.device_id
                LEFT JOIN user_properties u ON u.env_id = d.env_id AND u.identity = l.identity AND u.key = d.key
                WHERE u.updated_at IS NULL OR d.updated_at > u.updated_at
                QUALIFY row_number() OVER (PARTITION BY d.env_id, l.identity, d.key
                  ORDER BY d.updated_at DESC, l.linked_at, l.device_id) = 1""".formatted(values);
        // The history first: it compares with the user's values before the copy changes them.
        try (PreparedStatement ps = writer.prepareStatement("""
                INSERT INTO property_history (env_id, owner, name, value, valid_from)
                SELECT d.env_id, 'i:' || l.identity, d.key, d.value, greatest(epoch_ms(l.linked_at), d.updated_at)"""
                + " " + copied + " ON CONFLICT (env_id, owner, name, valid_from) DO UPDATE SET value = excluded.value")) {
            bindLinks(ps, links);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = writer.prepareStatement("""
                INSERT INTO user_properties (env_id, identity, key, value, updated_at)
                SELECT d.env_id, l.identity, d.key, d.value, d.updated_at"""
                + " " + copied + """

                ON CONFLICT (env_id, identity, key) DO UPDATE SET value = excluded.value,
                  updated_at = excluded.updated_at WHERE excluded.updated_at > user_properties.updated_at""")) {
            bindLinks(ps, links);
            ps.executeUpdate();
        }
    }

    /** Binds each new link's env, device, identity and time (epoch ms) to the VALUES of {@link #copyDeviceProperties}. */
    private static void bindLinks(PreparedStatement ps, List<Object[]> links) throws SQLException {
        int p = 1;
        for (Object[] l : links) {
            ps.setLong(p++, (long) l[0]);
            ps.setString(p++, (String) l[1]);
            ps.setString(p++, (String) l[2]);
            ps.setLong(p++, (long) l[3]);
        }
    }

    /**
     * Keeps every user at {@link #MAX_PROPERTIES_PER_USER} distinct properties: a batch's new keys for a user who
     * would pass it are not stored, while keys the user has already still update. One count query per environment
     * and batch; the user's key list is read only when the count says the batch may pass the cap.
     */
    private void boundUserProperties(Map<String, Object[]> properties) throws SQLException {
        if (properties.isEmpty()) {
            return;
        }
        // env -> identity -> the batch's map keys of that user's properties
        Map<Long, Map<String, List<String>>> byUser = new HashMap<>();
        properties.forEach((k, row) -> byUser.computeIfAbsent((Long) row[0], e -> new LinkedHashMap<>())
                .computeIfAbsent((String) row[1], i -> new ArrayList<>()).add(k));
        long dropped = 0;
        for (Map.Entry<Long, Map<String, List<String>>> env : byUser.entrySet()) {
            Map<String, Long> counts = new HashMap<>();
            try (PreparedStatement ps = writer.prepareStatement("""
                    SELECT identity, count(*) FROM user_properties
                    WHERE env_id = ? AND identity IN (SELECT unnest(?::VARCHAR[])) GROUP BY identity""")) {
                ps.setLong(1, env.getKey());
                ps.setArray(2, writer.createArrayOf("VARCHAR", env.getValue().keySet().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        counts.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            for (Map.Entry<String, List<String>> user : env.getValue().entrySet()) {
                long has = counts.getOrDefault(user.getKey(), 0L);
                if (has + user.getValue().size() <= MAX_PROPERTIES_PER_USER) {
                    continue;
                }
                Set<String> existing = new HashSet<>();
                try (PreparedStatement ps = writer.prepareStatement(
                        "SELECT key FROM user_properties WHERE env_id = ? AND identity = ?")) {
                    ps.setLong(1, env.getKey());
                    ps.setString(2, user.getKey());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            existing.add(rs.getString(1));
                        }
                    }
                }
                long room = MAX_PROPERTIES_PER_USER - existing.size();
                for (String k : user.getValue()) {
                    if (!existing.contains((String) properties.get(k)[2]) && room-- <= 0) {
                        properties.remove(k);
                        dropped++;
                    }
                }
            }
        }
        if (dropped > 0) {
            droppedProperties += dropped;
            long now = System.nanoTime();
            if (now - lastDropLog > 60_000_000_000L) {
                lastDropLog = now;
                LoggerFactory.getLogger(DuckDbEventStore.class).warn("{} new user properties were not stored in the "
                        + "last minute: their users already had {} (the limit per user)", droppedProperties,
                        MAX_PROPERTIES_PER_USER);
                droppedProperties = 0;
            }
        }
    }

    private static void touch(Map<String, long[]> users, long envId, String identity, long at) {
        users.merge(envId + "\u0000" + identity, new long[] {envId, at, at},
                (a, b) -> new long[] {a[0], Math.min(a[1], b[1]), Math.max(a[2], b[2])});
    }

    private static List<Object[]> userRows(Map<String, long[]> users) {
        List<Object[]> rows = new ArrayList<>();
        users.forEach((k, v) -> rows.add(new Object[] {v[0], k.substring(k.indexOf('\u0000') + 1), v[1], v[2]}));
        return rows;
    }

    /**
     * The latest link's identity of every device the batch identifies or sets properties of that the cache does not
     * know.
     */
    private Map<String, String> lookUpLatestLinks(List<WriteOp> ops, Map<String, String> cacheUpdates) throws SQLException {
        Map<String, String> latest = new HashMap<>();
        Map<Long, List<String>> unknown = new HashMap<>();
        for (WriteOp op : ops) {
            long envId;
            String deviceId;
            if (op instanceof WriteOp.Identify id) {
                envId = id.envId();
                deviceId = id.deviceId();
            } else if (op instanceof WriteOp.SetDeviceProperties dp) {
                envId = dp.envId();
                deviceId = dp.deviceId();
            } else {
                continue;
            }
            String key = envId + "\u0000" + deviceId;
            String known = cacheUpdates.containsKey(key) ? cacheUpdates.get(key) : latestLink.get(key);
            if (known != null) {
                latest.put(key, known);
            } else if (!latest.containsKey(key)) {
                latest.put(key, "");
                unknown.computeIfAbsent(envId, e -> new ArrayList<>()).add(deviceId);
            }
        }
        for (Map.Entry<Long, List<String>> e : unknown.entrySet()) {
            try (PreparedStatement ps = writer.prepareStatement("""
                    SELECT device_id, arg_max(identity, (valid_from, id)) FROM identity_links
                    WHERE env_id = ? AND device_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY device_id""")) {
                ps.setLong(1, e.getKey());
                ps.setArray(2, writer.createArrayOf("VARCHAR", e.getValue().toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        latest.put(e.getKey() + "\u0000" + rs.getString(1), rs.getString(2));
                    }
                }
            }
        }
        return latest;
    }

    private void insertLinks(List<Object[]> links) throws SQLException {
        if (links.isEmpty()) {
            return;
        }
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = writer.prepareStatement("SELECT nextval('link_ids') FROM range(?)")) {
            ps.setLong(1, links.size());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        long now = clock.millis();
        try (DuckDBAppender a = writer.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "identity_links")) {
            for (int i = 0; i < links.size(); i++) {
                Object[] l = links.get(i);
                a.beginRow();
                a.append(ids.get(i));
                a.append((long) l[0]);
                a.append((String) l[1]);
                a.append((String) l[2]);
                a.appendEpochMicros(micros((long) l[3]));
                a.appendEpochMicros(micros(now));
                a.appendNull();
                a.append((String) l[4]);
                a.append((int) (Integer) l[5]);
                a.append((int) (Integer) l[6]);
                a.endRow();
            }
        }
    }

    /** Multi-row upserts in chunks; rows within one statement have distinct keys (DuckDB requires it). */
    private void upsert(String head, String row, String tail, List<Object[]> rows) throws SQLException {
        for (int from = 0; from < rows.size(); from += 500) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + 500));
            StringBuilder sql = new StringBuilder(head);
            for (int i = 0; i < chunk.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(row);
            }
            try (PreparedStatement ps = writer.prepareStatement(sql.append(tail).toString())) {
                int p = 1;
                for (Object[] r : chunk) {
                    for (Object v : r) {
                        ps.setObject(p++, v);
                    }
                }
                ps.executeUpdate();
            }
        }
    }

    @Override
    public void forEachRecentEventId(long sinceEpochMs, RecentIdConsumer consumer) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT env_id, event_id FROM events WHERE received_at >= epoch_ms(?)")) {
                ps.setLong(1, sinceEpochMs);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        consumer.accept(rs.getLong(1), (UUID) rs.getObject(2));
                    }
                }
            }
            return null;
        });
    }

    @Override
    public Optional<UserProfile> user(long envId, String identity) {
        return db.withConnection(c -> {
            List<IdentityLink> merges = merges(c, envId, identity);
            UserPredicate who = new UserPredicate(identity, spans(c, envId, identity));
            Map<String, Object> props = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT key, value FROM user_properties WHERE env_id = ? AND identity = ? ORDER BY key")) {
                ps.setLong(1, envId);
                ps.setString(2, identity);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        props.put(rs.getString(1), fromJson(rs.getString(2)));
                    }
                }
            }
            Long firstWrite = null;
            Long lastWrite = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT epoch_ms(first_write), epoch_ms(last_write) FROM users WHERE env_id = ? AND identity = ?")) {
                ps.setLong(1, envId);
                ps.setString(2, identity);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        firstWrite = rs.getLong(1);
                        lastWrite = rs.getLong(2);
                    }
                }
            }
            Long first = null;
            Long last = null;
            Set<String> devices = new LinkedHashSet<>();
            for (IdentityLink l : merges) {
                if (l.undoneAt() == null) {
                    devices.add(l.deviceId());
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT epoch_ms(min(time)), epoch_ms(max(time)), "
                    + "list(DISTINCT device_id) FILTER (WHERE device_id IS NOT NULL) FROM events WHERE env_id = ? AND ("
                    + who.sql() + ")")) {
                ps.setLong(1, envId);
                who.bind(ps, 2);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getObject(1) != null) {
                        first = rs.getLong(1);
                        last = rs.getLong(2);
                        // The filtered list is NULL when none of the user's events carries a device
                        // (server-side events only).
                        java.sql.Array eventDevices = rs.getArray(3);
                        if (eventDevices != null) {
                            for (Object d : (Object[]) eventDevices.getArray()) {
                                devices.add(String.valueOf(d));
                            }
                        }
                    }
                }
            }
            if (first == null && firstWrite == null && merges.isEmpty()) {
                return Optional.<UserProfile>empty();
            }
            return Optional.of(new UserProfile(identity, props, first != null ? first : firstWrite,
                    last != null ? last : lastWrite, List.copyOf(devices), merges));
        });
    }

    @Override
    public EventPage userEvents(long envId, String identity, String cursor, int limit) {
        return db.withConnection(c -> {
            UserPredicate who = new UserPredicate(identity, spans(c, envId, identity));
            long[] after = cursor == null ? null : decodeCursor(cursor);
            String sql = "SELECT " + EVENT_COLUMNS + " FROM events WHERE env_id = ? AND (" + who.sql() + ")"
                    + (after == null ? "" : " AND (epoch_us(time) < ? OR (epoch_us(time) = ? AND event_id < ?))")
                    + " ORDER BY time DESC, event_id DESC LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, envId);
                int i = who.bind(ps, 2);
                if (after != null) {
                    ps.setLong(i++, after[0]);
                    ps.setLong(i++, after[0]);
                    ps.setObject(i++, new UUID(after[1], after[2]));
                }
                ps.setInt(i, limit + 1);
                List<RawEvent> events = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(readEvent(rs));
                    }
                }
                String next = null;
                if (events.size() > limit) {
                    events.remove(limit);
                    RawEvent lastShown = events.get(limit - 1);
                    next = encodeCursor(lastShown.timeMicros(), lastShown.eventId());
                }
                return new EventPage(events, next);
            }
        });
    }

    @Override
    public Optional<IdentityLink> link(long envId, long linkId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(LINK_SELECT + " WHERE env_id = ? AND id = ?")) {
                ps.setLong(1, envId);
                ps.setLong(2, linkId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(readLink(rs)) : Optional.<IdentityLink>empty();
                }
            }
        });
    }

    @Override
    public long countEvents(long envId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM events WHERE env_id = ?")) {
                ps.setLong(1, envId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public long sizeBytes() {
        return db.sizeBytes();
    }

    @Override
    public boolean isOpen() {
        return db.isOpen();
    }

    @Override
    public void close() {
        checkpointer.close();
        try {
            writer.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String LINK_SELECT = """
            SELECT id, env_id, device_id, identity, epoch_ms(valid_from), epoch_ms(created_at), epoch_ms(undone_at), source
            FROM identity_links""";

    private static List<IdentityLink> merges(Connection c, long envId, String identity) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LINK_SELECT + " WHERE env_id = ? AND identity = ? ORDER BY valid_from, id")) {
            ps.setLong(1, envId);
            ps.setString(2, identity);
            List<IdentityLink> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(readLink(rs));
                }
            }
            return out;
        }
    }

    /**
     * The time spans in which a device's anonymous events belong to the identity: from the link's
     * {@code valid_from} (or the beginning of time for the device's first link) to the device's next link.
     */
    private static List<UserPredicate.Span> spans(Connection c, long envId, String identity) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                WITH device_links AS (
                  SELECT id, device_id, identity, undone_at, epoch_ms(valid_from) AS from_ms,
                         row_number() OVER w AS nth, epoch_ms(lead(valid_from) OVER w) AS to_ms
                  FROM identity_links
                  WHERE env_id = ? AND device_id IN (SELECT device_id FROM identity_links WHERE env_id = ? AND identity = ?)
                  WINDOW w AS (PARTITION BY device_id ORDER BY valid_from, id))
                SELECT device_id, CASE WHEN nth = 1 THEN NULL ELSE from_ms END, to_ms
                FROM device_links WHERE identity = ? AND undone_at IS NULL ORDER BY device_id, from_ms""")) {
            ps.setLong(1, envId);
            ps.setLong(2, envId);
            ps.setString(3, identity);
            ps.setString(4, identity);
            List<UserPredicate.Span> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new UserPredicate.Span(rs.getString(1), (Long) rs.getObject(2), (Long) rs.getObject(3)));
                }
            }
            return out;
        }
    }

    private static IdentityLink readLink(ResultSet rs) throws SQLException {
        return new IdentityLink(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                rs.getLong(6), (Long) rs.getObject(7), rs.getString(8));
    }

    /** Reads a row selected with {@link #EVENT_COLUMNS}. */
    public static RawEvent readEvent(ResultSet rs) throws SQLException {
        return new RawEvent(rs.getLong(1), (UUID) rs.getObject(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), Math.floorDiv(rs.getLong(8), 1000), (Long) rs.getObject(9), rs.getLong(10),
                (Long) rs.getObject(11), (Long) rs.getObject(12), rs.getString(13), rs.getString(14), rs.getString(15),
                rs.getString(16), rs.getString(17), rs.getString(18), rs.getString(19), rs.getString(20),
                rs.getString(21), rs.getString(22), rs.getString(23), rs.getString(24), rs.getString(25),
                rs.getString(26), (Integer) rs.getObject(27), (Integer) rs.getObject(28), rs.getString(29),
                rs.getString(30), rs.getString(31), rs.getString(32), rs.getString(33),
                (int) Math.floorMod(rs.getLong(8), 1000));
    }

    private static String encodeCursor(long micros, UUID id) {
        String raw = micros + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a cursor into {micros, uuid high bits, uuid low bits}. */
    private static long[] decodeCursor(String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int colon = raw.indexOf(':');
            UUID id = UUID.fromString(raw.substring(colon + 1));
            return new long[] {Long.parseLong(raw.substring(0, colon)), id.getMostSignificantBits(),
                id.getLeastSignificantBits()};
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cursor is not one this server handed out");
        }
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Object fromJson(String json) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            return json;
        }
    }
}
