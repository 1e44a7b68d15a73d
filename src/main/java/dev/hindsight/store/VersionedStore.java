package dev.hindsight.store;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An event store that counts, per environment, the writes that may have changed its data: an answer computed
 * after reading version v saw at least the data of v, so a cache keyed on the version is never stale. Every change
 * to events, identities and user properties goes through {@link #write}; a write that fails counts too (it changed
 * nothing, but counting it costs one recomputation and needs no reasoning about partial failures).
 */
public final class VersionedStore implements EventStore {
    private final EventStore store;
    private final ConcurrentHashMap<Long, Long> versions = new ConcurrentHashMap<>();

    public VersionedStore(EventStore store) {
        this.store = store;
    }

    /**
     * The data version of an environment: it grows after each write touching the environment becomes visible, and
     * starts again at 0 when the server starts (it keys in-memory caches only).
     */
    public long version(long envId) {
        return versions.getOrDefault(envId, 0L);
    }

    @Override
    public boolean[] write(List<WriteOp> ops) {
        try {
            return store.write(ops);
        } finally {
            // After the commit, so that a reader who sees the new version also sees the new data.
            ops.stream().mapToLong(VersionedStore::envId).distinct().forEach(env -> versions.merge(env, 1L, Long::sum));
        }
    }

    private static long envId(WriteOp op) {
        return switch (op) {
            case WriteOp.Append a -> a.event().envId();
            case WriteOp.Identify i -> i.envId();
            case WriteOp.SetUserProperties p -> p.envId();
            case WriteOp.SetDeviceProperties p -> p.envId();
            case WriteOp.UndoLink u -> u.envId();
            case WriteOp.Capture c -> c.row().envId();
            case WriteOp.SetCanonicalStatus c -> c.envId();
            case WriteOp.Enqueue c -> c.envId();
        };
    }

    @Override
    public void forEachRecentEventId(long sinceEpochMs, RecentIdConsumer consumer) {
        store.forEachRecentEventId(sinceEpochMs, consumer);
    }

    @Override
    public Optional<UserProfile> user(long envId, String identity) {
        return store.user(envId, identity);
    }

    @Override
    public EventPage userEvents(long envId, String identity, String cursor, int limit) {
        return store.userEvents(envId, identity, cursor, limit);
    }

    @Override
    public Optional<IdentityLink> link(long envId, long linkId) {
        return store.link(envId, linkId);
    }

    @Override
    public long countEvents(long envId) {
        return store.countEvents(envId);
    }

    @Override
    public long sizeBytes() {
        return store.sizeBytes();
    }

    @Override
    public boolean isOpen() {
        return store.isOpen();
    }

    @Override
    public void close() {
        store.close();
    }
}
