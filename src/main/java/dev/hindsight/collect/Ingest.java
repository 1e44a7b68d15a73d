package dev.hindsight.collect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.privacy.IpAddresses;
import dev.hindsight.privacy.QueryBlocklist;
import dev.hindsight.project.Environment;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.WriteQueue;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Turns validated ingest bodies into write ops, and waits for their commit. Each endpoint's body shape lives
 * here; every item is checked on its own so that one bad event never costs its neighbours.
 */
public final class Ingest {
    public static final int MAX_BATCH = 1000;
    /**
     * User properties one request may set in all (a bulk add_user_properties, a tracker batch of identifies):
     * each is a row the single writer upserts, and 200,000 of them once stalled every writer for 25 s.
     */
    public static final int MAX_USER_PROPERTIES_PER_REQUEST = 10_000;
    private static final Set<String> BROWSER_KINDS = Set.of("pageview", "click", "submit", "change", "custom",
            "identify", "user_properties");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TRACK_SINGLE = KnownFields.withAppId(KnownFields.TRACK_EVENT);
    private static final Set<String> USER_SINGLE = KnownFields.withAppId(KnownFields.USER);

    /** Who sent a request, and when it arrived. */
    public record RequestInfo(long receivedAt, String userAgent, String ip) {
    }

    /** The ops a request yields, and what was wrong with the rest of it. */
    public record Prepared(List<WriteOp> ops, int items, List<FieldError> errors, List<String> warnings,
            int rejectedItems, List<WriteQueue.Item> opItems) {
    }

    /** What became of a request: events stored, retries dropped, items rejected. */
    public record Outcome(int accepted, int duplicates, int rejected, List<FieldError> errors, List<String> warnings) {
    }

    private final WriteQueue queue;
    private final UserAgents agents;
    private final Clock clock;
    private final String ipMode;
    private final PageSkews pageSkews = new PageSkews(PageSkews.DEFAULT_PAGES);

    private final GeoIp geoIp;

    public Ingest(WriteQueue queue, UserAgents agents, Clock clock, String ipMode) {
        this(queue, agents, clock, ipMode, GeoIp.NONE);
    }

    /** Ingest that locates browser events' senders with {@code geoIp}. */
    public Ingest(WriteQueue queue, UserAgents agents, Clock clock, String ipMode, GeoIp geoIp) {
        this.queue = queue;
        this.agents = agents;
        this.clock = clock;
        this.ipMode = ipMode;
        this.geoIp = geoIp;
    }

    public long now() {
        return clock.millis();
    }

    /** {@code POST /h}: a tracker batch {@code {app_id, sent_at, events: [...]}}. */
    public Prepared browserBatch(Environment env, Fields body, RequestInfo req) {
        checkBody(body, KnownFields.H_BATCH, "events");
        List<Fields> items = items(body, "events");
        // Clock-skew correction as Segment and PostHog do it: the client stamps sent_at on the batch, and the
        // gap between that and our receive time is the client clock's error. Each batch measures it anew, with its
        // own network delay, so the events of one page load (page_id) all keep the first measure: two batches'
        // errors would otherwise reorder a page's events.
        Object sentAt = body.get("sent_at");
        Long sent = sentAt instanceof Number n ? Times.within(n, Times.CLOCK_MIN, Times.CLOCK_MAX) : null;
        long batchSkew = sent == null ? 0 : req.receivedAt() - sent;
        UserAgents.Agent agent = agents.parse(req.userAgent());
        String ip = IpAddresses.forStorage(req.ip(), ipMode);
        // The location is looked up from the full address, which is then dropped (or truncated) as the policy says.
        RawEvent.Location location = geoIp.locate(req.ip());
        QueryBlocklist blocklist = new QueryBlocklist(env.queryBlocklist());
        Builder out = new Builder(items.size());
        if (sentAt != null && sent == null) {
            out.warnings.add("sent_at must be epoch milliseconds from " + Times.CLOCK_MIN + " to " + Times.CLOCK_MAX
                    + "; event times were not corrected for clock skew");
        }
        for (int i = 0; i < items.size(); i++) {
            ItemCheck c = new ItemCheck(items.get(i), "events[" + i + "].", i);
            c.onlyKnown(KnownFields.H_EVENT);
            String kind = c.string("kind", 32, true);
            if (kind != null && !BROWSER_KINDS.contains(kind)) {
                c.fail("kind", "must be one of " + new java.util.TreeSet<>(BROWSER_KINDS) + ", not '" + kind + "'");
            }
            String deviceId = c.string("device_id", 255, true);
            String identity = c.identity("identity", "identify".equals(kind));
            if (identity != null && env.settings().verifiesIdentity()) {
                identity = verified(env, c, kind, identity, out, i);
            }
            Long clientTime = c.millis("time", Times.CLOCK_MIN, Times.CLOCK_MAX);
            String pageId = c.string("page_id", 64, false);
            long skew = sent != null && pageId != null ? pageSkews.skew(env.id(), pageId, batchSkew) : batchSkew;
            // Both terms are range-checked readings, so the sum cannot overflow; addExact says so.
            long time = clientTime == null ? req.receivedAt()
                    : Math.min(Math.addExact(clientTime, skew), req.receivedAt());
            if (time < Times.EARLIEST) {
                c.fail("time", "is before 2000-01-01 after correcting the device clock's skew ("
                        + java.time.Instant.ofEpochMilli(time) + ")");
            }
            Long seq = c.number("seq");
            // Events of one millisecond keep the device's order: seq's last three digits as microseconds (see
            // RawEvent; the tracker never lets one millisecond's run of seqs wrap past a thousand).
            int micros = seq == null ? 0 : (int) Math.floorMod(seq, 1000L);
            boolean userWrite = "identify".equals(kind) || "user_properties".equals(kind);
            Map<String, Object> props = userWrite ? c.userProperties("properties") : c.properties();
            if ("identify".equals(kind)) {
                if (out.accept(c)) {
                    out.ops.add(new WriteOp.Identify(env.id(), deviceId, identity, time, "browser"));
                    if (!props.isEmpty()) {
                        out.ops.add(new WriteOp.SetUserProperties(env.id(), identity, props, time));
                        out.userProperties += props.size();
                        out.warnFlattened(c, "events[" + i + "]");
                    }
                }
                continue;
            }
            if ("user_properties".equals(kind)) {
                if (out.accept(c)) {
                    // Without an identity they are the anonymous user's, that is the device's (as in Heap).
                    out.ops.add(identity != null ? new WriteOp.SetUserProperties(env.id(), identity, props, time)
                            : new WriteOp.SetDeviceProperties(env.id(), deviceId, props, time));
                    out.userProperties += props.size();
                    out.warnFlattened(c, "events[" + i + "]");
                }
                continue;
            }
            String name = c.string("name", ItemCheck.MAX_NAME, "custom".equals(kind));
            UUID eventId = eventId(c, env);
            String url = blocklist.scrub(c.string("url", ItemCheck.MAX_TEXT_FIELD, false));
            RawEvent ev = new RawEvent(env.id(), eventId, kind, name, deviceId, identity,
                    c.string("session_id", 255, false), time, clientTime, req.receivedAt(),
                    c.millis("session_ms", 0, Times.MAX_DURATION), c.millis("since_prev_ms", 0, Times.MAX_DURATION),
                    c.string("hierarchy", 16_384, false), c.truncated("text", 255),
                    blocklist.scrub(c.string("href", ItemCheck.MAX_TEXT_FIELD, false)), url, Urls.path(url),
                    c.truncated("title", 1024), blocklist.scrub(c.string("referrer", ItemCheck.MAX_TEXT_FIELD, false)),
                    Urls.query(url), Urls.hash(url), agent.browser(), agent.browserVersion(), agent.os(),
                    agent.osVersion(), agent.deviceType(), c.smallInt("viewport_width"), c.smallInt("viewport_height"),
                    c.string("lib", 64, false), c.string("lib_version", 64, false), "browser", ip, json(props),
                    micros, location);
            if (out.accept(c)) {
                out.ops.add(new WriteOp.Append(ev));
                out.warnFlattened(c, "events[" + i + "]");
            }
        }
        return out.build();
    }

    /**
     * The identity of a browser item in an environment that verifies identities: it stands only with an
     * {@code identity_hash} made from it with the environment's identity secret. Without one, an identify or
     * user_properties item is refused (it would link a device to, or write the profile of, any user), and any
     * other event is kept without the identity it claims (its device's verified link still names its user).
     */
    private static String verified(Environment env, ItemCheck c, String kind, String identity, Builder out, int i) {
        String hash = c.string("identity_hash", 128, false);
        if (env.identityHashMatches(identity, hash)) {
            return identity;
        }
        String why = hash == null
                ? "is required: this environment verifies identities; send the hex HMAC-SHA256 of the identity made "
                        + "on your server with the environment's identity_secret"
                : "does not match the identity: it must be the hex HMAC-SHA256 of the identity made with the "
                        + "environment's current identity_secret";
        if ("identify".equals(kind) || "user_properties".equals(kind)) {
            c.fail("identity_hash", why);
        } else {
            out.warnings.add("events[" + i + "]: the identity was not stored because identity_hash " + why);
        }
        return null;
    }

    /** {@code POST /api/track}: one Heap-form event at the top level, or {@code events: [...]}. */
    public Prepared track(Environment env, Fields body, RequestInfo req) {
        boolean bulk = body.events() != null || body.has("events");
        if (bulk) {
            checkBody(body, KnownFields.TRACK_BATCH, "events");
        }
        List<Fields> items = bulk ? items(body, "events") : List.of(body);
        Builder out = new Builder(items.size());
        for (int i = 0; i < items.size(); i++) {
            String prefix = bulk ? "events[" + i + "]." : "";
            ItemCheck c = new ItemCheck(items.get(i), prefix, bulk ? i : null);
            c.onlyKnown(bulk ? KnownFields.TRACK_EVENT : TRACK_SINGLE);
            String identity = c.identity("identity", true);
            String name = c.string("event", ItemCheck.MAX_NAME, true);
            if (name != null && name.isBlank()) {
                c.fail("event", "must not be blank");
            }
            Long timestamp = c.timestamp("timestamp", req.receivedAt());
            Map<String, Object> props = c.properties();
            UUID eventId = eventId(c, env);
            long time = timestamp == null ? req.receivedAt() : timestamp;
            RawEvent ev = new RawEvent(env.id(), eventId, "custom", name, null, identity, null, time, timestamp,
                    req.receivedAt(), null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, "server-api", null, "server", null, json(props));
            if (out.accept(c)) {
                out.ops.add(new WriteOp.Append(ev));
                out.warnFlattened(c, bulk ? "events[" + i + "]" : "event");
            }
        }
        return out.build();
    }

    /**
     * {@code POST /api/identify}: Heap form {@code {identity, properties?}} (the user exists, with these
     * properties) or canonical form {@code {user_id, anonymous_id, traits}} (the device becomes the user's).
     */
    public Prepared identify(Environment env, Fields body, RequestInfo req) {
        Builder out = new Builder(1);
        ItemCheck c = new ItemCheck(body, "", null);
        c.onlyKnown(KnownFields.IDENTIFY);
        boolean canonical = body.has("user_id") || body.has("anonymous_id");
        String identity = c.identity(canonical ? "user_id" : "identity", true);
        String device = canonical ? c.string("anonymous_id", 255, true) : null;
        Long timestamp = c.timestamp("timestamp", req.receivedAt());
        long at = timestamp == null ? req.receivedAt() : timestamp;
        Map<String, Object> props = c.userProperties(canonical ? "traits" : "properties");
        if (out.accept(c)) {
            if (device != null) {
                out.ops.add(new WriteOp.Identify(env.id(), device, identity, at, "server"));
            }
            out.ops.add(new WriteOp.SetUserProperties(env.id(), identity, props, at));
            out.warnFlattened(c, canonical ? "traits" : "properties");
        }
        return out.build();
    }

    /** {@code POST /api/add_user_properties}: {@code {identity, properties}} or {@code users: [...]}. */
    public Prepared userProperties(Environment env, Fields body, RequestInfo req) {
        boolean bulk = body.events() != null || body.has("users");
        if (bulk) {
            checkBody(body, KnownFields.USER_BATCH, "users");
        }
        List<Fields> items = bulk ? items(body, "users") : List.of(body);
        Builder out = new Builder(items.size());
        for (int i = 0; i < items.size(); i++) {
            ItemCheck c = new ItemCheck(items.get(i), bulk ? "users[" + i + "]." : "", bulk ? i : null);
            c.onlyKnown(bulk ? KnownFields.USER : USER_SINGLE);
            String identity = c.identity("identity", true);
            if (items.get(i).properties() == null) {
                c.fail("properties", "is required: a JSON object of user properties");
            }
            Map<String, Object> props = c.userProperties("properties");
            Long timestamp = c.timestamp("timestamp", req.receivedAt());
            if (out.accept(c)) {
                out.ops.add(new WriteOp.SetUserProperties(env.id(), identity, props,
                        timestamp == null ? req.receivedAt() : timestamp));
                out.userProperties += props.size();
                out.warnFlattened(c, bulk ? "users[" + i + "]" : "user");
            }
        }
        return out.build();
    }

    /** Submits the prepared ops and waits until they are committed. */
    public Outcome commit(Prepared p) {
        WriteQueue.Result result = queue.submitAndWait(p.ops(), p.opItems());
        // Items the store refused on their own (their input is at fault) are rejected like invalid ones.
        List<FieldError> errors = p.errors();
        if (!result.rejected().isEmpty()) {
            errors = new ArrayList<>(errors);
            for (WriteQueue.Rejected r : result.rejected()) {
                errors.add(new FieldError(r.field(), r.index(), r.reason()));
            }
        }
        int rejected = p.rejectedItems() + result.rejected().size();
        // Count items, not ops: a canonical identify is one item that yields two ops (link and properties).
        int accepted = p.items() - rejected - result.duplicates();
        return new Outcome(accepted, result.duplicates(), rejected, errors, p.warnings());
    }

    /**
     * Refuses the whole request when its top level is wrong: a member not in {@code known}, or one given twice or
     * not valid Unicode, or a missing {@code arrayName}. (Problems inside one batch item fail only that item.)
     */
    private static void checkBody(Fields body, Set<String> known, String arrayName) {
        List<FieldError> errors = new ArrayList<>(body.errors());
        if (body.events() == null || !body.has(arrayName)) {
            errors.add(FieldError.of(arrayName, "is required: a JSON array of objects"));
        }
        for (String name : body.names()) {
            if (!known.contains(name)) {
                errors.add(FieldError.of(name, "is not a known field of this request; known fields are "
                        + new TreeSet<>(known)));
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation("The request's top level is invalid: " + errors.stream()
                    .map(e -> e.field() + " " + e.message()).collect(Collectors.joining("; ")), errors);
        }
    }

    private static List<Fields> items(Fields body, String arrayName) {
        if (body.events() == null || !body.has(arrayName)) {
            throw HindsightException.field(arrayName, "is required: a JSON array of objects");
        }
        if (body.events().size() > MAX_BATCH) {
            throw HindsightException.field(arrayName, "holds " + body.events().size() + " items; at most "
                    + MAX_BATCH + " per request, split the batch");
        }
        return body.events();
    }

    /**
     * The stored event id: the sender's own (so retries reuse it), or one derived from an idempotency key, or a
     * fresh one. Ids that are not UUIDs are mapped onto one by name, so any string dedups consistently.
     */
    private static UUID eventId(ItemCheck c, Environment env) {
        String key = c.string("idempotency_key", 255, false);
        String id = c.string("event_id", 128, false);
        if (key != null) {
            return UUID.nameUUIDFromBytes(("idem:" + env.id() + ":" + key).getBytes(StandardCharsets.UTF_8));
        }
        if (id == null) {
            return UUID.randomUUID();
        }
        if (id.length() == 36) {
            try {
                return UUID.fromString(id);
            } catch (IllegalArgumentException ignored) {
                // fall through to the name-based id
            }
        }
        return UUID.nameUUIDFromBytes(("id:" + id).getBytes(StandardCharsets.UTF_8));
    }

    private static String json(Map<String, Object> props) {
        try {
            return JSON.writeValueAsString(props);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Builder {
        final List<WriteOp> ops;
        final List<FieldError> errors = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final int items;
        int rejected;
        // Where each accepted item's ops begin, and its name: every op belongs to the item accepted before it.
        final List<Integer> itemStarts = new ArrayList<>();
        final List<WriteQueue.Item> acceptedItems = new ArrayList<>();
        int userProperties;

        Builder(int items) {
            this.items = items;
            this.ops = new ArrayList<>(items);
        }

        boolean accept(ItemCheck c) {
            if (c.ok()) {
                itemStarts.add(ops.size());
                acceptedItems.add(new WriteQueue.Item(c.path("body"), c.index()));
                return true;
            }
            errors.addAll(c.errors);
            rejected++;
            return false;
        }

        void warnFlattened(ItemCheck c, String where) {
            for (String key : c.flattened()) {
                warnings.add(where + ": nested object '" + key + "' was flattened to dotted keys ('" + key + ".…')");
            }
            for (String key : c.keptAsText()) {
                warnings.add(where + ": property '" + key + "' is a number that a double cannot hold exactly; it was "
                        + "stored as its exact text (a string)");
            }
        }

        Prepared build() {
            if (userProperties > MAX_USER_PROPERTIES_PER_REQUEST) {
                throw new HindsightException(ErrorCode.LIMIT_EXCEEDED, "The request sets " + userProperties
                        + " user properties; the limit is " + MAX_USER_PROPERTIES_PER_REQUEST + " per request, split it",
                        List.of(), Map.of("limit", MAX_USER_PROPERTIES_PER_REQUEST), null);
            }
            List<WriteQueue.Item> opItems = new ArrayList<>(ops.size());
            for (int k = 0; k < acceptedItems.size(); k++) {
                int end = k + 1 < itemStarts.size() ? itemStarts.get(k + 1) : ops.size();
                while (opItems.size() < end) {
                    opItems.add(acceptedItems.get(k));
                }
            }
            while (opItems.size() < ops.size()) {
                opItems.add(new WriteQueue.Item("body", null));
            }
            return new Prepared(ops, items, errors, warnings, rejected, opItems);
        }
    }
}
