package dev.hindsight.collect;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The members each ingest body shape accepts, in one place: any other member is a 400 naming it (a typo such as
 * {@code "propertes"} must not be silently ignored). A new field of an endpoint is added to its set here.
 */
public final class KnownFields {
    /** {@code POST /h}: the batch itself. */
    public static final Set<String> H_BATCH = Set.of("app_id", "sent_at", "events");
    /** {@code POST /h}: each member of {@code events}, for every kind. */
    public static final Set<String> H_EVENT = Set.of("kind", "event_id", "idempotency_key", "device_id", "identity",
            "session_id", "time", "session_ms", "since_prev_ms", "name", "hierarchy", "text", "href", "url", "title",
            "referrer", "viewport_width", "viewport_height", "lib", "lib_version", "properties", "seq", "page_id",
            "identity_hash");
    /** {@code POST /api/track}: one event, alone at the top level (with {@code app_id}) or in {@code events}. */
    public static final Set<String> TRACK_EVENT = Set.of("identity", "event", "properties", "timestamp",
            "idempotency_key", "event_id");
    /** {@code POST /api/track} bulk form. */
    public static final Set<String> TRACK_BATCH = Set.of("app_id", "events");
    /**
     * {@code POST /api/identify}: Heap form ({@code identity, properties}) or canonical form ({@code user_id,
     * anonymous_id, traits}); the pairs in {@link #CONFLICTS} may not be mixed.
     */
    public static final Set<String> IDENTIFY = Set.of("app_id", "identity", "properties", "user_id", "anonymous_id",
            "traits", "timestamp");
    /** {@code POST /api/add_user_properties}: one user, alone at the top level (with {@code app_id}) or in {@code users}. */
    public static final Set<String> USER = Set.of("identity", "properties", "timestamp");
    /** {@code POST /api/add_user_properties} bulk form. */
    public static final Set<String> USER_BATCH = Set.of("app_id", "users");
    /** Members that mean the same thing and so may not appear together in one object. */
    public static final List<List<String>> CONFLICTS = List.of(List.of("properties", "traits"),
            List.of("identity", "user_id"));

    private KnownFields() {
    }

    /** {@code members} plus {@code app_id}: the single-item form of an endpoint, whose item is the body. */
    static Set<String> withAppId(Set<String> members) {
        Set<String> s = new HashSet<>(members);
        s.add("app_id");
        return Set.copyOf(s);
    }
}
