package dev.hindsight.activate;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hindsight.http.Json;
import dev.hindsight.store.CanonicalRow;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.WriteQueue;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Promotes raw events to canonical events by the approved definition mappings (issue 15, point 3). It follows new
 * events by their arrival number behind the writer, as the keeper of session firsts does: each pass reads at most
 * {@link #SEQS_PER_PASS} arrivals, evaluates every producing mapping's pinned filter over them, writes what matched
 * through the capture write path ({@link WriteOp.Capture}, validated against the registry as captures are), and only
 * then keeps its position in the store. A crash between the two re-runs the pass after a restart; every canonical
 * event's id is derived from the mapping and the raw event ({@link #eventId}), so the re-run finds duplicates and
 * stores nothing twice. A backfill derives the same ids, so a backfill and the live promotion never duplicate either.
 */
public final class Promoter implements AutoCloseable {
    public static final String SOURCE = "hindsight";
    static final long SEQS_PER_PASS = 50_000;
    static final int PAGE = 1000;
    /** A backfill's window: at most this long, and never starting before now minus {@link #MAX_BACKFILL_AGE}. */
    public static final java.time.Duration MAX_BACKFILL_WINDOW = java.time.Duration.ofHours(72);
    public static final java.time.Duration MAX_BACKFILL_AGE = java.time.Duration.ofDays(7);
    /** Matches one backfill promotes at most; its answer says when more were left. */
    static final int MAX_BACKFILL = 100_000;
    private static final Logger LOG = LoggerFactory.getLogger(Promoter.class);

    /** What a pass or a backfill did. */
    public record Outcome(long matched, long produced, long duplicates, long conflicts, boolean more) {
        Outcome plus(Outcome o) {
            return new Outcome(matched + o.matched, produced + o.produced, duplicates + o.duplicates,
                    conflicts + o.conflicts, more || o.more);
        }

        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("matched", matched);
            m.put("produced", produced);
            m.put("duplicates", duplicates);
            m.put("conflicts", conflicts);
            m.put("more", more);
            return m;
        }
    }

    private static final Outcome NONE = new Outcome(0, 0, 0, 0, false);

    private final PromotionStore store;
    private final DefinitionMappings mappings;
    private final Registry registry;
    private final WriteQueue queue;
    private final Supplier<List<Long>> environments;
    private final BiFunction<Long, String, Map<String, Object>> userProperties;
    private final Clock clock;
    private ScheduledExecutorService timer;

    /**
     * @param environments   every environment's id
     * @param userProperties a user's current properties, by environment id and identity
     */
    /** Gives a promoted deliverable event its outbox rows, in its commit. */
    private final Outboxes outboxes;

    public Promoter(PromotionStore store, DefinitionMappings mappings, Registry registry, WriteQueue queue,
            Outboxes outboxes, Supplier<List<Long>> environments,
            BiFunction<Long, String, Map<String, Object>> userProperties, Clock clock) {
        this.outboxes = outboxes;
        this.store = store;
        this.mappings = mappings;
        this.registry = registry;
        this.queue = queue;
        this.environments = environments;
        this.userProperties = userProperties;
        this.clock = clock;
    }

    /** Runs a pass every {@code intervalMs} on its own thread. */
    public void start(long intervalMs) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "promoter");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                pass();
            } catch (RuntimeException e) {
                LOG.warn("Promotion pass failed; the next pass retries from the same position: {}", e.toString());
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Runs passes until every event committed when it was called is promoted. */
    public Outcome catchUp() {
        long target = store.newestSeq();
        Outcome total = NONE;
        while (true) {
            Outcome o = pass();
            total = total.plus(o);
            Long pos = store.position();
            if (pos == null || pos >= target) {
                return new Outcome(total.matched, total.produced, total.duplicates, total.conflicts, false);
            }
        }
    }

    /** One bounded pass: the next arrivals after the kept position, for every producing mapping. */
    public synchronized Outcome pass() {
        long newest = store.newestSeq();
        Long kept = store.position();
        long from = kept == null ? -1 : kept;
        if (from >= newest) {
            return NONE;
        }
        Map<Long, List<DefinitionMappings.Producing>> producing = new LinkedHashMap<>();
        for (long env : environments.get()) {
            List<DefinitionMappings.Producing> ps = mappings.producing(env);
            if (!ps.isEmpty()) {
                producing.put(env, ps);
            }
        }
        // Nothing produces: no event needs reading, the position moves to the newest at once.
        long upTo = producing.isEmpty() ? newest : Math.min(newest, from + SEQS_PER_PASS);
        Outcome total = NONE;
        for (Map.Entry<Long, List<DefinitionMappings.Producing>> en : producing.entrySet()) {
            long env = en.getKey();
            for (DefinitionMappings.Producing p : en.getValue()) {
                long after = from;
                while (true) {
                    List<PromotionStore.Arrival> page = store.matching(env, p.filter(), after, upTo, null, null, PAGE);
                    total = total.plus(produce(env, p, page));
                    if (page.size() < PAGE) {
                        break;
                    }
                    after = page.get(page.size() - 1).seq();
                }
            }
        }
        store.savePosition(upTo);
        return total;
    }

    /** Promotes the past matches of one mapping's producing version in {@code [fromMs, toMs)}, by the same ids. */
    public Outcome backfill(long envId, DefinitionMappings.Producing p, long fromMs, long toMs) {
        long upTo = store.newestSeq();
        long after = -1;
        Outcome total = NONE;
        while (total.matched < MAX_BACKFILL) {
            int limit = (int) Math.min(PAGE, MAX_BACKFILL - total.matched);
            List<PromotionStore.Arrival> page = store.matching(envId, p.filter(), after, upTo, fromMs, toMs, limit);
            total = total.plus(produce(envId, p, page));
            if (page.size() < limit) {
                return total;
            }
            after = page.get(page.size() - 1).seq();
        }
        boolean more = !store.matching(envId, p.filter(), after, upTo, fromMs, toMs, 1).isEmpty();
        return new Outcome(total.matched, total.produced, total.duplicates, total.conflicts, more);
    }

    private Outcome produce(long envId, DefinitionMappings.Producing p, List<PromotionStore.Arrival> page) {
        if (page.isEmpty()) {
            return NONE;
        }
        Registry.Snapshot snapshot = registry.snapshot(envId);
        long receivedAt = clock.millis();
        List<WriteOp> ops = new ArrayList<>();
        List<WriteQueue.Item> items = new ArrayList<>();
        List<CanonicalRow.Result> results = new ArrayList<>();
        for (PromotionStore.Arrival a : page) {
            CanonicalEvent ce = canonical(envId, p.mapping(), a);
            CanonicalRow.Result r = new CanonicalRow.Result();
            ops.add(Capture.op(ce, Validator.validate(ce, snapshot), receivedAt, r, outboxes));
            items.add(new WriteQueue.Item("promotion", null));
            results.add(r);
        }
        WriteQueue.Result written = queue.submitAndWait(ops, items);
        outboxes.committed();
        if (!written.rejected().isEmpty()) {
            throw new IllegalStateException("The store refused promoted events: " + written.rejected());
        }
        long produced = 0;
        long duplicates = 0;
        long conflicts = 0;
        for (CanonicalRow.Result r : results) {
            CanonicalRow.Outcome o = r.get();
            if (o == CanonicalRow.Outcome.STORED) {
                produced++;
            } else if (o == CanonicalRow.Outcome.DUPLICATE) {
                duplicates++;
            } else if (o == CanonicalRow.Outcome.CONFLICT) {
                conflicts++;
            }
        }
        return new Outcome(page.size(), produced, duplicates, conflicts, false);
    }

    /** The canonical event a mapping makes of a raw event. */
    CanonicalEvent canonical(long envId, DefinitionMapping m, PromotionStore.Arrival a) {
        RawEvent e = a.event();
        Map<String, Object> props = new LinkedHashMap<>();
        Map<String, Object> eventProps = null;
        Map<String, Object> userProps = null;
        for (Map.Entry<String, DefinitionMapping.Source> s : m.properties().entrySet()) {
            Object v;
            String from = s.getValue().from();
            if (from == null) {
                v = s.getValue().value();
            } else if (from.startsWith(DefinitionMappings.USER_PREFIX)) {
                if (userProps == null) {
                    userProps = e.identity() == null ? Map.of() : userProperties.apply(envId, e.identity());
                }
                v = userProps.get(from.substring(DefinitionMappings.USER_PREFIX.length()));
            } else if (DefinitionMappings.SESSION_BUILT_INS.contains(from)) {
                v = a.session().get(from);
            } else if (from.startsWith("$")) {
                v = builtIn(from, e);
            } else {
                if (eventProps == null) {
                    eventProps = properties(e.propertiesJson());
                }
                v = eventProps.get(from);
            }
            if (v != null) {
                props.put(s.getKey(), v);
            }
        }
        return new CanonicalEvent(envId, m.canonicalEvent(), eventId(envId, m.id(), e.eventId().toString()),
                e.identity(), e.deviceId(), props, SOURCE, Instant.ofEpochMilli(e.time()));
    }

    /** What every canonical event of a mapping's id starts with. */
    public static String prefix(long mappingId) {
        return "hs-" + mappingId + "-";
    }

    /** The mapping id of a promoted event's id ({@code hs-<mapping id>-<hash>}), or null. */
    public static Long mappingId(String eventId) {
        if (!eventId.startsWith("hs-")) {
            return null;
        }
        int dash = eventId.indexOf('-', 3);
        try {
            return dash < 0 ? null : Long.parseLong(eventId.substring(3, dash));
        } catch (NumberFormatException ex) {
            return null;
        }
    }

    /**
     * The derived event id: {@code hs-<mapping id>-} and the hex SHA-256 of the environment id, the mapping id and
     * the raw event's id, so the same raw event promoted by the same mapping always has the same id.
     */
    public static String eventId(long envId, long mappingId, String rawEventId) {
        return prefix(mappingId) + Capture.sha256(envId + ":" + mappingId + ":" + rawEventId);
    }

    private static Object builtIn(String name, RawEvent e) {
        return switch (name) {
            case "$path" -> e.path();
            case "$url" -> e.url();
            case "$title" -> e.title();
            case "$referrer" -> e.referrer();
            case "$text" -> e.targetText();
            case "$href" -> e.href();
            case "$hash" -> e.hash();
            case "$query" -> e.query();
            case "$browser" -> e.browser();
            case "$os" -> e.os();
            case "$device_type" -> e.deviceType();
            case "$session_id" -> e.sessionId();
            case "$device_id" -> e.deviceId();
            case "$identity" -> e.identity();
            case "$kind" -> e.kind();
            case "$name" -> e.name();
            default -> null;
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> properties(String json) {
        if (json == null || json.isEmpty()) {
            return Map.of();
        }
        try {
            return Json.MAPPER.readValue(json.getBytes(StandardCharsets.UTF_8), Map.class);
        } catch (java.io.IOException e) {
            return Map.of();
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
            try {
                // A pass in progress writes through the queue and reads the store, both closed after this.
                timer.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
