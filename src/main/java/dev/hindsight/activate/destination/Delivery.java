package dev.hindsight.activate.destination;

import dev.hindsight.activate.CanonicalEvent;
import dev.hindsight.activate.Capture;
import dev.hindsight.activate.DeliveryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery workers: one lane per enabled destination, each with its own dispatcher (a virtual thread) and a
 * semaphore of the destination's concurrency, so a slow or failing destination holds only its own lane. A lane takes
 * due outbox rows (of each user only the oldest unfinished one, never two in flight for a user), claims them, builds
 * the destination's requests and sends them; a row is finished only after the destination answered. Retryable
 * answers wait with exponential backoff and full jitter (at least {@code Retry-After}) until the destination's retry
 * window has passed, then are dead-lettered; permanent refusals are dead-lettered at once.
 */
public final class Delivery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);
    static final Duration BASE = Duration.ofSeconds(1);
    static final Duration CAP = Duration.ofMinutes(30);
    static final int BODY_EXCERPT = 2000;

    private final DeliveryStore store;
    private final Destinations destinations;
    private final RequestBuilder builder;
    private final Sender sender;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final Duration poll;
    private final Map<Long, Lane> lanes = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile Ended ended = (envId, userKey, destination, state, at) -> { };

    /**
     * Told when an event's delivery to a destination ended ({@code state}: delivered, dead or skipped), for its user
     * ({@code userKey}: {@code u:<user id>} or {@code a:<anonymous id>}): the activation layer writes it back as a
     * trait. Called on the lane's thread after the outbox row is finished.
     */
    @FunctionalInterface
    public interface Ended {
        void ended(long envId, String userKey, String destinationName, String state, long at);
    }

    /** Sets who is told when a delivery ended (one listener; the composition root's). */
    public Delivery onEnded(Ended listener) {
        this.ended = listener;
        return this;
    }

    public Delivery(DeliveryStore store, Destinations destinations, RequestBuilder builder, Sender sender, Clock clock,
            MeterRegistry metrics, Duration poll) {
        this.store = store;
        this.destinations = destinations;
        this.builder = builder;
        this.sender = sender;
        this.clock = clock;
        this.metrics = metrics;
        this.poll = poll;
    }

    /** Rows a stopped process left in flight wait again; then every enabled destination gets its lane. */
    public Delivery start() {
        int reset = store.resetInFlight(clock.millis());
        if (reset > 0) {
            LOG.info("{} deliveries were in flight when the server stopped; they are retried", reset);
        }
        destinations.onChange(this::refresh);
        destinations.whenCommitted(this::wake);
        for (Destinations.Configured c : destinations.all()) {
            refresh(c.id());
        }
        return this;
    }

    /** Starts, restarts or stops a destination's lane after its configuration changed. */
    void refresh(long id) {
        if (closed) {
            return;
        }
        Destinations.Configured c = destinations.byId(id);
        Lane old = lanes.remove(id);
        if (old != null) {
            old.stop();
        }
        if (c != null && c.enabled()) {
            Lane lane = new Lane(c);
            lanes.put(id, lane);
            lane.start();
        }
    }

    /** Wakes every lane: rows arrived or the clock moved. */
    public void wake() {
        lanes.values().forEach(Lane::wake);
    }

    public void wake(long destinationId) {
        Lane l = lanes.get(destinationId);
        if (l != null) {
            l.wake();
        }
    }

    /**
     * Wakes every lane and waits until each has looked for due rows at least once since and has nothing in flight:
     * what tests wait for after moving the clock. False when it did not happen within {@code timeout}.
     */
    public boolean settle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Map<Lane, Long> targets = new HashMap<>();
        for (Lane l : lanes.values()) {
            targets.put(l, l.passes.get() + 2);
            l.wake();
        }
        for (Map.Entry<Lane, Long> t : targets.entrySet()) {
            Lane l = t.getKey();
            while (l.running && (l.passes.get() < t.getValue() || l.inFlight.get() > 0)) {
                if (System.nanoTime() > end) {
                    return false;
                }
                l.wake();
                Thread.sleep(5);
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        lanes.values().forEach(Lane::stop);
        lanes.clear();
    }

    /** The most events one batch carries for a platform (the builder splits it further into requests). */
    static int maxBatch(Destination d) {
        return switch (d) {
            case Destination.Meta m -> 1000;
            case Destination.Ga4 g -> 25;
            case Destination.HubSpot h -> 100;
            case Destination.Webhook w -> 1;
            case Destination.GoogleAds g -> 1;
        };
    }

    private final class Lane {
        final Destinations.Configured config;
        final Destination d;
        final Semaphore permits;
        final ReentrantLock lock = new ReentrantLock();
        final Condition signal = lock.newCondition();
        final AtomicLong passes = new AtomicLong();
        final AtomicInteger inFlight = new AtomicInteger();
        final Object pace = new Object();
        long nextSendNanos;
        boolean signalled;
        volatile boolean running = true;
        Thread thread;
        final Counter delivered;
        final Counter retried;
        final Counter dead;
        final Counter skipped;
        final Timer latency;

        Lane(Destinations.Configured config) {
            this.config = config;
            this.d = config.destination();
            this.permits = new Semaphore(config.concurrency());
            String id = String.valueOf(config.id());
            delivered = Counter.builder("hindsight.delivery.delivered").tag("destination", id).tag("kind", d.kind())
                    .description("Canonical events a destination accepted").register(metrics);
            retried = Counter.builder("hindsight.delivery.retrying").tag("destination", id).tag("kind", d.kind())
                    .description("Attempts that failed and will be retried (timeouts, 5xx, 429)").register(metrics);
            dead = Counter.builder("hindsight.delivery.dead_lettered").tag("destination", id).tag("kind", d.kind())
                    .description("Canonical events dead-lettered (refused for good, or past the retry window)")
                    .register(metrics);
            skipped = Counter.builder("hindsight.delivery.skipped").tag("destination", id).tag("kind", d.kind())
                    .description("Canonical events not sent (no consent, too old, no match keys...)").register(metrics);
            latency = Timer.builder("hindsight.delivery.latency").tag("destination", id).tag("kind", d.kind())
                    .description("From the canonical event's commit to the destination's acceptance")
                    .register(metrics);
        }

        void start() {
            thread = Thread.ofVirtual().name("hindsight-delivery-" + config.id()).start(this::run);
        }

        void stop() {
            running = false;
            wake();
        }

        void wake() {
            lock.lock();
            try {
                signalled = true;
                signal.signalAll();
            } finally {
                lock.unlock();
            }
        }

        private void run() {
            while (running) {
                try {
                    dispatch();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("Delivery lane of destination {} failed a round; it goes on", config.id(), e);
                }
                passes.incrementAndGet();
                lock.lock();
                try {
                    if (!signalled && running) {
                        signal.await(poll.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    signalled = false;
                } catch (InterruptedException e) {
                    return;
                } finally {
                    lock.unlock();
                }
            }
        }

        private void dispatch() throws InterruptedException {
            int max = maxBatch(d);
            List<DeliveryStore.Item> due = store.due(config.id(), clock.millis(), max * config.concurrency());
            for (int from = 0; from < due.size() && running; from += max) {
                List<DeliveryStore.Item> batch = due.subList(from, Math.min(due.size(), from + max));
                permits.acquire();
                if (!running) {
                    permits.release();
                    return;
                }
                store.claim(batch.stream().map(DeliveryStore.Item::id).toList(), clock.millis());
                inFlight.incrementAndGet();
                List<DeliveryStore.Item> mine = List.copyOf(batch);
                Thread.ofVirtual().name("hindsight-delivery-" + config.id() + "-send").start(() -> {
                    try {
                        send(mine);
                    } catch (RuntimeException e) {
                        LOG.warn("Delivery to destination {} failed; the rows are retried", config.id(), e);
                        for (DeliveryStore.Item i : mine) {
                            finishQuietly(i, new Outcome.Retryable(0, "", "internal error: " + e, null));
                        }
                    } finally {
                        inFlight.decrementAndGet();
                        permits.release();
                        wake();
                    }
                });
            }
        }

        private void send(List<DeliveryStore.Item> batch) {
            Map<String, DeliveryStore.Item> byEvent = new LinkedHashMap<>();
            List<Outgoing> out = new ArrayList<>();
            for (DeliveryStore.Item i : batch) {
                if (i.payloadJson() == null) {
                    finish(i, DeliveryStore.SKIPPED, i.attempts(), null, null, "not-kept", "skipped", null);
                    continue;
                }
                CanonicalEvent e = Capture.fromPayload(i.envId(), i.payloadJson());
                byEvent.put(e.eventId(), i);
                out.add(new Outgoing(e, userData(e)));
            }
            if (out.isEmpty()) {
                return;
            }
            Build b = builder.build(d, out);
            for (Build.Skipped s : b.skipped()) {
                DeliveryStore.Item i = byEvent.remove(s.eventId());
                if (i != null) {
                    skipped.increment();
                    finish(i, DeliveryStore.SKIPPED, i.attempts(), null, null, s.reason() + ": " + s.detail(),
                            "skipped", null);
                }
            }
            Map<String, Outcome> outcomes = new HashMap<>();
            Map<String, Long> took = new HashMap<>();
            for (BuiltRequest r : b.requests()) {
                boolean anyOpen = r.eventIds().stream().anyMatch(id -> byEvent.containsKey(id)
                        && !(outcomes.get(id) instanceof Outcome.Retryable || outcomes.get(id) instanceof Outcome.Permanent));
                if (!anyOpen || !running) {
                    continue;
                }
                pace();
                long t0 = System.nanoTime();
                Outcome o = sender.send(r);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                for (String id : r.eventIds()) {
                    Outcome before = outcomes.get(id);
                    if (before == null || before instanceof Outcome.Delivered) {
                        outcomes.put(id, o);
                        took.merge(id, ms, Long::sum);
                    }
                }
            }
            for (Map.Entry<String, DeliveryStore.Item> e : byEvent.entrySet()) {
                Outcome o = outcomes.get(e.getKey());
                if (o == null) {
                    if (!running) {
                        continue; // left in flight: retried at the next start
                    }
                    o = new Outcome.Retryable(0, "", "not sent", null);
                }
                finishQuietly(e.getValue(), o, took.get(e.getKey()));
            }
        }

        private void finishQuietly(DeliveryStore.Item i, Outcome o) {
            finishQuietly(i, o, null);
        }

        private void finishQuietly(DeliveryStore.Item i, Outcome o, Long ms) {
            long now = clock.millis();
            int attempts = i.attempts() + 1;
            String body = excerpt(o.body());
            switch (o) {
                case Outcome.Delivered del -> {
                    delivered.increment();
                    latency.record(Duration.ofMillis(Math.max(0, now - i.createdAt())));
                    finish(i, DeliveryStore.DELIVERED, attempts, o.status(), body, null, "delivered", ms);
                }
                case Outcome.Permanent p -> {
                    dead.increment();
                    finish(i, DeliveryStore.DEAD, attempts, o.status(), body, p.reason(), "refused", ms);
                }
                case Outcome.Retryable r -> {
                    long exp = BASE.toMillis() << Math.min(30, attempts - 1);
                    long jitter = ThreadLocalRandom.current().nextLong(Math.min(CAP.toMillis(), exp) + 1);
                    long delay = Math.max(BASE.toMillis(), jitter);
                    if (r.retryAfter() != null) {
                        delay = Math.max(delay, r.retryAfter().toMillis());
                    }
                    long dueAt = now + delay;
                    if (dueAt > i.createdAt() + config.retryWindow().toMillis()) {
                        dead.increment();
                        finish(i, DeliveryStore.DEAD, attempts, o.status(), body, r.reason() + "; the retry window of "
                                + config.retryWindow().toSeconds() + " s has passed", "failed", ms);
                    } else {
                        retried.increment();
                        store.finish(i.id(), DeliveryStore.RETRYING, attempts, dueAt, o.status(), body, r.reason(),
                                now, attempt(i, attempts, now, "retrying", o.status(), body, r.reason(), ms));
                    }
                }
            }
        }

        private void finish(DeliveryStore.Item i, String state, int attempts, Integer status, String body,
                String reason, String outcome, Long ms) {
            long now = clock.millis();
            store.finish(i.id(), state, attempts, i.dueAt(), status, body, reason, now,
                    attempt(i, attempts, now, outcome, status, body, reason, ms));
            try {
                ended.ended(i.envId(), i.userKey(), destinations.byId(i.destinationId()) == null ? "destination"
                        : destinations.byId(i.destinationId()).destination().name(), state, now);
            } catch (RuntimeException e) {
                // The delivery is recorded; only its trait is missing (a full write queue, a closing store).
                LOG.warn("Cannot write the delivery trait of {}: {}", i.eventId(), e.getMessage());
            }
        }

        private DeliveryStore.Attempt attempt(DeliveryStore.Item i, int attempts, long now, String outcome,
                Integer status, String body, String reason, Long ms) {
            return new DeliveryStore.Attempt(i.id(), i.envId(), i.destinationId(), i.eventId(), attempts, now, outcome,
                    status, body, reason, ms);
        }

        /** Spaces requests to the destination's rate (real time: it protects the platform, not the test clock). */
        private void pace() {
            if (config.ratePerSecond() <= 0) {
                return;
            }
            long gap = (long) (1_000_000_000L / config.ratePerSecond());
            long wait;
            synchronized (pace) {
                long now = System.nanoTime();
                long at = Math.max(now, nextSendNanos);
                nextSendNanos = at + gap;
                wait = at - now;
            }
            if (wait > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(wait));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    static String excerpt(String body) {
        if (body == null) {
            return null;
        }
        return body.length() <= BODY_EXCERPT ? body : body.substring(0, BODY_EXCERPT) + "...";
    }

    /**
     * What the canonical event says about its user, as the destinations use it: {@code email} (or
     * {@code email_sha256}), {@code phone}, {@code fbp}, {@code fbc}, {@code client_ip}, {@code user_agent},
     * {@code ga_client_id}, {@code url}, and the consent flags in {@code consents} (comma-separated).
     */
    static UserData userData(CanonicalEvent e) {
        Map<String, Object> p = e.properties() == null ? Map.of() : e.properties();
        Set<String> consents = new java.util.TreeSet<>();
        Object c = p.get("consents");
        if (c instanceof String s) {
            for (String f : s.split(",")) {
                if (!f.isBlank()) {
                    consents.add(f.trim());
                }
            }
        }
        return new UserData(str(p, "email", "email_sha256"), str(p, "phone", "phone_sha256"), e.userId(),
                str(p, "fbp"), str(p, "fbc"), str(p, "client_ip"), str(p, "user_agent"),
                str(p, "ga_client_id") != null ? str(p, "ga_client_id") : e.anonymousId(), str(p, "hubspot_id"),
                str(p, "url"), consents, p);
    }

    private static String str(Map<String, Object> p, String... keys) {
        for (String k : keys) {
            if (p.get(k) instanceof String s && !s.isBlank()) {
                return s;
            }
        }
        return null;
    }
}
