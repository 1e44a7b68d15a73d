package dev.hindsight.store;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The event store: every backend (DuckDB embedded, ClickHouse later) implements this and passes
 * {@code EventStoreContract}. Writes come only from the write queue's single writer thread; reads may
 * come from any thread.
 */
public interface EventStore extends AutoCloseable {

    /**
     * Applies a batch of changes atomically and durably: when this returns, all of them survive a crash.
     *
     * @return for each op in order, whether it changed anything (an identify that repeats the device's
     *         current link changes nothing)
     */
    boolean[] write(List<WriteOp> ops);

    /** Event ids (with their environment) received at or after {@code sinceEpochMs}, to rebuild the dedup window. */
    void forEachRecentEventId(long sinceEpochMs, RecentIdConsumer consumer);

    /** A user's profile, or empty when the environment has never heard of the identity. */
    Optional<UserProfile> user(long envId, String identity);

    /** A user's merged event stream, newest first, {@code limit} events after {@code cursor} (null: the newest). */
    EventPage userEvents(long envId, String identity, String cursor, int limit);

    /** A merge by id within an environment. */
    Optional<IdentityLink> link(long envId, long linkId);

    /** How many events an environment holds (for tests and the admin view). */
    long countEvents(long envId);

    /** Bytes the store occupies on disk, for metrics. */
    long sizeBytes();

    /** Whether the store is open and answering. */
    boolean isOpen();

    @Override
    void close();

    /** Receives one recent event id. */
    @FunctionalInterface
    interface RecentIdConsumer {
        void accept(long envId, UUID eventId);
    }
}
