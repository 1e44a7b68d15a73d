package dev.hindsight.durability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.EventPage;
import dev.hindsight.store.EventStore;
import dev.hindsight.store.IdentityLink;
import dev.hindsight.store.UserProfile;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The base of the write-queue tests' in-memory stores: a write can be held at a gate (to pile requests up behind a
 * commit), and a test can wait until the writer called {@code write}; everything but writing answers empty.
 */
abstract class GatedStore implements EventStore {
    private final Semaphore started = new Semaphore(0);
    private volatile CountDownLatch gate = new CountDownLatch(0);

    void hold() {
        gate = new CountDownLatch(1);
    }

    void open() {
        gate.countDown();
    }

    void awaitWriteStarted() throws InterruptedException {
        assertThat(started.tryAcquire(30, TimeUnit.SECONDS)).as("the writer called store.write").isTrue();
    }

    /** Called first by {@code write}: tells {@link #awaitWriteStarted} and waits at the gate while it is held. */
    protected void enter() {
        started.release();
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The ids of the events stored so far. */
    abstract List<UUID> storedIds();

    @Override
    public void forEachRecentEventId(long sinceEpochMs, RecentIdConsumer consumer) {
    }

    @Override
    public Optional<UserProfile> user(long envId, String identity) {
        return Optional.empty();
    }

    @Override
    public EventPage userEvents(long envId, String identity, String cursor, int limit) {
        return new EventPage(List.of(), null);
    }

    @Override
    public Optional<IdentityLink> link(long envId, long linkId) {
        return Optional.empty();
    }

    @Override
    public long countEvents(long envId) {
        return storedIds().size();
    }

    @Override
    public long sizeBytes() {
        return 0;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
