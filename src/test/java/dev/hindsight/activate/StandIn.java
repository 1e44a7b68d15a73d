package dev.hindsight.activate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A local server standing in for a platform: a Javalin app on a free port that checks the platform's
 * documented request rules, and that fails on demand (the next requests answer 429, 500, 400, or hang
 * until the client has given up).
 */
public abstract class StandIn implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A failure to serve instead of the next request's normal answer. */
    public record Failure(int status, String body, Map<String, String> headers, boolean hang) {
        public static Failure status(int status, String body) {
            return new Failure(status, body, Map.of(), false);
        }

        static Failure rateLimited(String retryAfter) {
            return new Failure(429, "{\"status\":\"error\",\"message\":\"rate limited\"}",
                    Map.of("Retry-After", retryAfter), false);
        }

        /** Holds the answer until the stand-in closes: the client's timeout fires first. */
        static Failure slow() {
            return new Failure(200, "{}", Map.of(), true);
        }
    }

    /** A request the stand-in saw, as received. */
    record Received(String path, Map<String, String> query, Map<String, String> headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    protected final Clock clock;
    protected final Javalin app;
    private final Deque<Failure> failures = new ArrayDeque<>();
    /** A failure answered to every request while set (a destination that is down). */
    volatile Failure always;
    private final CountDownLatch closing = new CountDownLatch(1);
    /** Requests answered normally before holding starts; -1 while no hold is set (see {@link #holdAfter}). */
    private final java.util.concurrent.atomic.AtomicInteger holdAfter = new java.util.concurrent.atomic.AtomicInteger(-1);
    private final java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
    private volatile CountDownLatch release = new CountDownLatch(0);
    /** Requests held right now (waiting for {@link #release}), and all ever held. */
    final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger heldTotal = new java.util.concurrent.atomic.AtomicInteger();
    final List<Received> received = Collections.synchronizedList(new ArrayList<>());

    StandIn(Clock clock) {
        this.clock = clock;
        this.app = Javalin.create(cfg -> cfg.showJavalinBanner = false);
        app.before(ctx -> {
            var h = new java.util.TreeMap<String, String>(String.CASE_INSENSITIVE_ORDER);
            h.putAll(ctx.headerMap());
            var q = new java.util.TreeMap<String, String>();
            ctx.queryParamMap().forEach((k, v) -> q.put(k, v.getFirst()));
            received.add(new Received(ctx.path(), q, h, ctx.body()));
            int after = holdAfter.get();
            if (after >= 0 && seen.incrementAndGet() > after) {
                CountDownLatch r = release;
                held.incrementAndGet();
                heldTotal.incrementAndGet();
                try {
                    r.await(60, TimeUnit.SECONDS);
                } finally {
                    held.decrementAndGet();
                }
            }
            Failure f;
            synchronized (failures) {
                f = failures.poll();
            }
            if (f == null) {
                f = always;
            }
            if (f != null) {
                if (f.hang()) closing.await(30, TimeUnit.SECONDS);
                f.headers().forEach(ctx::header);
                ctx.status(f.status()).contentType("application/json").result(f.body());
                ctx.skipRemainingHandlers();
            }
        });
        routes(app);
        app.start("127.0.0.1", 0);
    }

    protected abstract void routes(Javalin app);

    public String baseUrl() {
        return "http://127.0.0.1:" + app.port();
    }

    public StandIn failNext(Failure... f) {
        synchronized (failures) {
            failures.addAll(List.of(f));
        }
        return this;
    }

    /**
     * From now on answers the next {@code n} requests normally, then holds every later one (its caller waits for
     * the answer) until {@link #release()}; a held request is then served as usual. The test knows a delivery is in
     * flight when {@link #held} is positive.
     */
    StandIn holdAfter(int n) {
        release = new CountDownLatch(1);
        seen.set(0);
        holdAfter.set(n);
        return this;
    }

    /** Serves the held requests and holds no more. */
    void release() {
        holdAfter.set(-1);
        release.countDown();
    }

    static JsonNode parse(Context ctx) {
        try {
            return JSON.readTree(ctx.body());
        } catch (Exception e) {
            return null;
        }
    }

    static boolean isLowerHex64(JsonNode n) {
        return n != null && n.isTextual() && n.asText().matches("[0-9a-f]{64}");
    }

    @Override
    public void close() {
        closing.countDown();
        release();
        app.stop();
    }
}
