package dev.hindsight.durability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.store.EventPage;
import dev.hindsight.store.EventStore;
import dev.hindsight.store.IdentityLink;
import dev.hindsight.store.UserProfile;
import dev.hindsight.store.WriteOp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * One client's poison item never fails another client's writes, over HTTP. Once validation refuses every input
 * known to break DuckDB (times out of range, see ExactTimesTest), no input still reaches the store and fails
 * there, so the poison is injected: the real store sits behind a wrapper that refuses any write holding an event
 * named "poison", as DuckDB refused a time it could not convert.
 */
class PoisonItemOverHttpTest {

    @Test
    void aPoisonItemSentInALoopFailsOnlyItselfWhileEveryGoodWriteToAnotherEnvironmentIsAcknowledgedAndStored()
            throws Exception {
        PoisonGate gate = new PoisonGate();
        try (TestServer s = TestServer.start(Map.of(), Clock.systemUTC(), real -> new PoisonStore(real, gate))) {
            Set<String> acknowledged = Collections.synchronizedSet(new HashSet<>());
            List<String> unexpected = Collections.synchronizedList(new ArrayList<>());

            // First the poison and good writes are made to share one group commit for certain: a good write is
            // held inside the store while the others queue up behind it.
            gate.hold();
            List<Thread> clients = new ArrayList<>();
            clients.add(Thread.ofPlatform().start(() -> writeGood(s, acknowledged, unexpected)));
            gate.awaitWriteStarted();
            clients.add(Thread.ofPlatform().start(() -> sendPoison(s, unexpected)));
            for (int c = 0; c < 3; c++) {
                clients.add(Thread.ofPlatform().start(() -> writeGood(s, acknowledged, unexpected)));
            }
            awaitQueueDepth(s, 5 + 3 + 3 * 5);
            gate.open();
            for (Thread t : clients) {
                t.join();
            }
            assertThat(unexpected).isEmpty();

            // Then the attack as found: the poison in a loop while four clients write to production.
            AtomicBoolean writing = new AtomicBoolean(true);
            int[] poisonSent = {0};
            Thread attacker = Thread.ofPlatform().start(() -> {
                while (writing.get() || poisonSent[0] < 20) {
                    sendPoison(s, unexpected);
                    poisonSent[0]++;
                }
            });
            List<Thread> writers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int n = 0; n < 20; n++) {
                        writeGood(s, acknowledged, unexpected);
                    }
                }));
            }
            for (Thread t : writers) {
                t.join();
            }
            writing.set(false);
            attacker.join();

            assertThat(unexpected).as("every good write 2xx, every poison request a 400 naming its item").isEmpty();
            assertThat(acknowledged).hasSize((4 + 4 * 20) * 5);
            assertThat(storedIds(s)).as("every acknowledged event of production is stored, once")
                    .containsExactlyInAnyOrderElementsOf(acknowledged);
            String metrics = s.get("/metrics", TestServer.bearer(TestServer.ADMIN)).body();
            assertThat(metrics).containsPattern("hindsight_write_failures_total\\{[^}]*outcome=\"rejected\"[^}]*\\} "
                    + "[1-9]");
            assertThat(metrics).doesNotContain("outcome=\"unavailable\"");
        }
    }

    /** Five good events to production with its secret key; each must be acknowledged. */
    private static void writeGood(TestServer s, Set<String> acknowledged, List<String> unexpected) {
        List<Map<String, Object>> events = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            events.add(Map.of("identity", "good-user", "event", "Paid", "idempotency_key", id, "properties",
                    Map.of("k", id)));
        }
        TestServer.Response r = s.post("/api/track", json(Map.of("app_id", s.prod().appId(), "events", events)),
                TestServer.bearer(s.prod().secretKey()));
        if (r.status() / 100 == 2) {
            acknowledged.addAll(ids);
        } else {
            unexpected.add("good write: " + r.status() + " " + r.body());
        }
    }

    /** A development batch whose middle event is the poison: it must get 400 naming events[1] only. */
    private static void sendPoison(TestServer s, List<String> unexpected) {
        List<Map<String, Object>> events = List.of(
                Map.of("identity", "attacker", "event", "Fine"),
                Map.of("identity", "attacker", "event", "poison"),
                Map.of("identity", "attacker", "event", "Fine"));
        TestServer.Response r = s.post("/api/track", json(Map.of("app_id", s.dev().appId(), "events", events)),
                TestServer.bearer(s.dev().secretKey()));
        JsonNode body = r.status() == 400 ? r.json() : null;
        if (body == null || body.get("accepted").asInt() != 2 || body.get("errors").size() != 1
                || !body.get("errors").get(0).get("field").asText().equals("events[1]")
                || body.get("errors").get(0).get("index").asInt() != 1) {
            unexpected.add("poison: " + r.status() + " " + r.body());
        }
    }

    private static void awaitQueueDepth(TestServer s, int depth) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line = "hindsight_queue_depth " + (double) depth;
        while (!s.get("/metrics", TestServer.bearer(TestServer.ADMIN)).body().contains(line)) {
            assertThat(System.nanoTime()).as("queue depth reaches %d", depth).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The {@code k} property of every stored production event of good-user. */
    private static List<String> storedIds(TestServer s) {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            TestServer.Response r = s.get("/api/users/good-user/events?limit=1000&app_id=" + s.prod().appId()
                    + (cursor == null ? "" : "&cursor=" + cursor), TestServer.bearer(TestServer.ADMIN));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            for (JsonNode e : r.json().get("events")) {
                out.add(e.get("properties").get("k").asText());
            }
            cursor = r.json().get("next_cursor").isNull() ? null : r.json().get("next_cursor").asText();
        } while (cursor != null);
        return out;
    }

    private static String json(Object value) {
        try {
            return TestServer.JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Holds writes at a gate, so that requests pile up into one group commit. */
    static final class PoisonGate {
        private final Semaphore started = new Semaphore(0);
        private volatile CountDownLatch gate = new CountDownLatch(0);

        void hold() {
            gate = new CountDownLatch(1);
        }

        void open() {
            gate.countDown();
        }

        void awaitWriteStarted() throws InterruptedException {
            assertThat(started.tryAcquire(60, TimeUnit.SECONDS)).as("a write reached the store").isTrue();
        }

        void pass() {
            started.release();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The real store, except that a write holding an event named "poison" fails whole, as a rolled-back commit. */
    record PoisonStore(EventStore real, PoisonGate gate) implements EventStore {
        @Override
        public boolean[] write(List<WriteOp> ops) {
            if (!ops.isEmpty()) {
                gate.pass();
            }
            for (WriteOp op : ops) {
                if (op instanceof WriteOp.Append a && "poison".equals(a.event().name())) {
                    throw new IllegalStateException("DuckDB write failed",
                            new ArithmeticException("long overflow (injected)"));
                }
            }
            return real.write(ops);
        }

        @Override
        public void forEachRecentEventId(long sinceEpochMs, RecentIdConsumer consumer) {
            real.forEachRecentEventId(sinceEpochMs, consumer);
        }

        @Override
        public Optional<UserProfile> user(long envId, String identity) {
            return real.user(envId, identity);
        }

        @Override
        public EventPage userEvents(long envId, String identity, String cursor, int limit) {
            return real.userEvents(envId, identity, cursor, limit);
        }

        @Override
        public Optional<IdentityLink> link(long envId, long linkId) {
            return real.link(envId, linkId);
        }

        @Override
        public long countEvents(long envId) {
            return real.countEvents(envId);
        }

        @Override
        public long sizeBytes() {
            return real.sizeBytes();
        }

        @Override
        public boolean isOpen() {
            return real.isOpen();
        }

        @Override
        public void close() {
            real.close();
        }
    }
}
