package dev.hindsight.activate.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.activate.destination.Destination;
import dev.hindsight.activate.destination.Destinations;
import dev.hindsight.activate.destination.Outcome;
import dev.hindsight.activate.destination.Pii;
import dev.hindsight.activate.sync.Audiences.Member;
import dev.hindsight.activate.sync.CohortSyncStore.RunRow;
import dev.hindsight.activate.sync.CohortSyncStore.SyncRow;
import dev.hindsight.activate.destination.Sender;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import dev.hindsight.http.Json;
import dev.hindsight.project.Environment;
import dev.hindsight.query.Analysis;
import dev.hindsight.query.Answer;
import dev.hindsight.query.QueryRoutes;
import dev.hindsight.query.UserPage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cohort syncs: each sends a destination only the diff of a saved cohort since its last accepted run (who joined,
 * who left), records every run, and stores the new baseline only once the destination accepted it, so a failed
 * run is retried with the same diff. A scheduler runs the syncs that are due; {@link #runDue} is its one step.
 */
public final class CohortSyncs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CohortSyncs.class);
    /** Most members a sync reads (100 pages of the users list). */
    static final int MAX_MEMBERS = 100_000;
    static final int PAGE = 1000;

    private final CohortSyncStore store;
    private final Destinations destinations;
    private final QueryRoutes queries;
    private final Sender sender;
    private final Traits traits;
    private final LongFunction<Optional<Environment>> environments;
    private final Clock clock;
    private ScheduledExecutorService scheduler;

    public CohortSyncs(CohortSyncStore store, Destinations destinations, QueryRoutes queries, Sender sender,
            Traits traits, LongFunction<Optional<Environment>> environments, Clock clock) {
        this.store = store;
        this.destinations = destinations;
        this.queries = queries;
        this.sender = sender;
        this.traits = traits;
        this.environments = environments;
        this.clock = clock;
    }

    /** Runs the due syncs every {@code pollMs}. */
    public synchronized void start(long pollMs) {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cohort-syncs");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                runDue();
            } catch (RuntimeException e) {
                LOG.warn("Cohort syncs: a scheduled pass failed", e);
            }
        }, pollMs, pollMs, TimeUnit.MILLISECONDS);
    }

    /** Runs every sync due at the clock's now; returns how many ran. */
    public int runDue() {
        long now = clock.millis();
        int ran = 0;
        for (SyncRow s : store.syncs()) {
            if (s.nextDueAt() > now) continue;
            Optional<Environment> env = environments.apply(s.envId());
            if (env.isEmpty()) continue;
            try {
                run(env.get(), s.id());
                ran++;
            } catch (RuntimeException e) {
                LOG.warn("Cohort sync {} failed to run", s.id(), e);
            }
        }
        return ran;
    }

    public SyncRow create(Environment env, JsonNode body) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!List.of("cohort_id", "destination_id", "schedule_minutes", "audience_id").contains(k)) {
                throw HindsightException.field(k, "is not a field of a cohort sync; expected one of [audience_id,"
                        + " cohort_id, destination_id, schedule_minutes]");
            }
        }
        long cohortId = whole(body, "cohort_id");
        queries.cohort(env, body.get("cohort_id"), "cohort_id");
        long destinationId = whole(body, "destination_id");
        Destination d;
        try {
            d = destinations.get(env.id(), destinationId).destination();
        } catch (HindsightException e) {
            throw HindsightException.field("destination_id", e.getMessage());
        }
        int schedule = body.has("schedule_minutes") ? (int) whole(body, "schedule_minutes") : 60;
        if (schedule < 1 || schedule > 10_080) {
            throw HindsightException.field("schedule_minutes", "must be from 1 to 10080 (a week)");
        }
        String audience = body.path("audience_id").isTextual() || body.path("audience_id").isNumber()
                ? body.get("audience_id").asText() : null;
        if (d instanceof Destination.Ga4) {
            throw HindsightException.field("destination_id", "is a GA4 destination, which has no audiences:"
                    + " sync to a webhook, Meta or HubSpot");
        }
        if ((d instanceof Destination.Meta || d instanceof Destination.HubSpot)
                && (audience == null || !audience.matches("[A-Za-z0-9_-]{1,64}"))) {
            throw HindsightException.field("audience_id", "is required for " + d.kind() + ": the "
                    + (d instanceof Destination.Meta ? "Custom Audience id" : "list id") + " (letters, digits, _ -)");
        }
        if (d instanceof Destination.GoogleAds && (audience == null || !audience.matches("\\d{1,20}"))) {
            throw HindsightException.field("audience_id", "is required for google_ads: the Customer Match user list"
                    + " id (digits)");
        }
        long now = clock.millis();
        SyncRow row = new SyncRow(env.id(), store.nextSyncId(), cohortId, destinationId, schedule, audience, "{}",
                null, now + schedule * 60_000L, now);
        store.saveSync(row);
        return row;
    }

    public SyncRow get(Environment env, long id) {
        return store.sync(env.id(), id).orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND,
                "No cohort sync " + id + " in this environment"));
    }

    public List<SyncRow> list(Environment env) {
        return store.syncs().stream().filter(s -> s.envId() == env.id()).toList();
    }

    public void delete(Environment env, long id) {
        get(env, id);
        store.deleteSync(env.id(), id);
    }

    public List<RunRow> runs(Environment env, long id, int limit) {
        get(env, id);
        return store.runs(id, limit);
    }

    /** Runs a sync now: computes the diff against its baseline, sends it, records the run. */
    public synchronized RunRow run(Environment env, long id) {
        SyncRow s = get(env, id);
        long started = clock.millis();
        long runId = store.nextRunId();
        Map<String, Member> baseline = readBaseline(s.baselineJson());
        Destinations.Configured c = destinations.byId(s.destinationId());
        if (c == null || c.envId() != env.id()) {
            return finish(s, new RunRow(s.id(), runId, started, clock.millis(), 0, 0, "failed", null, null,
                    "destination " + s.destinationId() + " no longer exists"), null);
        }
        Analysis.CohortSpec cohort;
        Map<String, Member> now;
        try {
            cohort = queries.cohort(env, Json.MAPPER.getNodeFactory().numberNode(s.cohortId()), "cohort_id");
            now = members(env, cohort, started, c.destination().requiredConsent());
        } catch (HindsightException e) {
            return finish(s, new RunRow(s.id(), runId, started, clock.millis(), 0, 0, "failed", null, null,
                    "cohort: " + e.getMessage()), null);
        }
        // A member whose email or phone changed since the destination took them is sent again, so that an ad
        // platform can match them by what they now have (a webhook's audience knows members by their text only).
        boolean byIdentifiers = !(c.destination() instanceof Destination.Webhook);
        List<Member> joined = now.values().stream().filter(m -> !baseline.containsKey(m.label())
                || byIdentifiers && !sameIdentifiers(m, baseline.get(m.label()))).toList();
        List<Member> left = baseline.values().stream().filter(m -> !now.containsKey(m.label())).toList();
        if (joined.isEmpty() && left.isEmpty() && s.lastSuccessAt() != null) {
            return finish(s, new RunRow(s.id(), runId, started, clock.millis(), 0, 0, "unchanged", null, null, null),
                    null);
        }
        store.saveRun(env.id(), new RunRow(s.id(), runId, started, null, joined.size(), left.size(), "running", null,
                null, null));
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("id", cohort.id());
        ref.put("name", cohort.name());
        Audiences.Sent sent = Audiences.send(c.destination(), sender, s.audienceId(), s.id(), ref, joined, left,
                Instant.ofEpochMilli(started));
        Outcome last = sent.last();
        if (last != null && !(last instanceof Outcome.Delivered)) {
            return failed(s, runId, started, joined, left, last);
        }
        joined = sent.joined();
        RunRow run = new RunRow(s.id(), runId, started, clock.millis(), joined.size(), left.size(), "delivered",
                last == null ? null : last.status(), last == null ? null : clip(last.body()), null);
        // The new baseline: who is a member now, with the record ids the destination knows them by.
        Map<String, Member> accepted = new TreeMap<>();
        Map<String, Member> joinedNow = new HashMap<>();
        joined.forEach(m -> joinedNow.put(m.label(), m));
        for (Member m : now.values()) {
            Member kept = joinedNow.containsKey(m.label()) ? joinedNow.get(m.label()) : baseline.get(m.label());
            accepted.put(m.label(), kept == null ? m : m.withRecordId(kept.recordId()));
        }
        finish(s, run, accepted);
        traits.audience(env.id(), s.id(), joined, left, clock.millis());
        return run;
    }

    private static boolean sameIdentifiers(Member a, Member b) {
        return java.util.Objects.equals(a.emailSha256(), b.emailSha256())
                && java.util.Objects.equals(a.phoneSha256(), b.phoneSha256());
    }

    private RunRow failed(SyncRow s, long runId, long started, List<Member> joined, List<Member> left, Outcome o) {
        String reason = o instanceof Outcome.Retryable rt ? rt.reason() : ((Outcome.Permanent) o).reason();
        return finish(s, new RunRow(s.id(), runId, started, clock.millis(), joined.size(), left.size(), "failed",
                o.status(), clip(o.body()), reason), null);
    }

    /** Records a run; a new baseline ({@code accepted} non-null) only when the destination took the diff. */
    private RunRow finish(SyncRow s, RunRow run, Map<String, Member> accepted) {
        store.saveRun(s.envId(), run);
        long next = clock.millis() + s.scheduleMinutes() * 60_000L;
        store.saveSync(new SyncRow(s.envId(), s.id(), s.cohortId(), s.destinationId(), s.scheduleMinutes(),
                s.audienceId(), accepted == null ? s.baselineJson() : writeBaseline(accepted),
                accepted == null && !run.status().equals("unchanged") ? s.lastSuccessAt() : Long.valueOf(run.startedAt()),
                next, s.createdAt()));
        return run;
    }

    /**
     * The cohort's members now, by their text, with their email and phone; with a {@code consent} flag, only those
     * whose {@code consents} user property (comma-separated flags) grants it: a member who withdraws it leaves the
     * audience at the next run.
     */
    Map<String, Member> members(Environment env, Analysis.CohortSpec cohort, long now, String consent) {
        Map<String, Member> out = new TreeMap<>();
        String cursor = null;
        do {
            UserPage page = queries.users(env, null, new Analysis.CohortFilter(cohort, false, now), PAGE, cursor);
            for (Answer.User u : page.users()) {
                String label = u.identity() != null ? u.identity() : u.userKey();
                JsonNode p = u.properties();
                if (consent != null && !consent.isBlank() && !granted(p, consent)) {
                    continue;
                }
                String email = p == null ? null : Pii.normaliseEmail(text(p, "email"));
                String phone = p == null ? null : Pii.normalisePhone(text(p, "phone"));
                out.put(label, Member.of(label, email, phone));
            }
            cursor = page.nextCursor();
            if (out.size() > MAX_MEMBERS) {
                throw new HindsightException(ErrorCode.CONFLICT, "the cohort has more than " + MAX_MEMBERS
                        + " members, more than a sync sends");
            }
        } while (cursor != null);
        return out;
    }

    private static boolean granted(JsonNode properties, String consent) {
        String flags = properties == null ? null : text(properties, "consents");
        if (flags == null) {
            return false;
        }
        for (String f : flags.split(",")) {
            if (f.trim().equals(consent.trim())) {
                return true;
            }
        }
        return false;
    }

    private static String text(JsonNode p, String key) {
        JsonNode n = p.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }

    /**
     * A baseline as kept: each member's hashed email and phone and record id. (Baselines written before hashing
     * kept the email and phone themselves; they are hashed as read, and replaced by hashes at the next run.)
     */
    static Map<String, Member> readBaseline(String json) {
        Map<String, Member> out = new TreeMap<>();
        JsonNode n = Json.object(Audiences.utf8(json));
        n.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            String emailHash = v.has("email") ? Pii.hashEmail(text(v, "email")) : text(v, "email_sha256");
            String phoneHash = v.has("phone") ? Pii.hashPhone(text(v, "phone")) : text(v, "phone_sha256");
            out.put(e.getKey(), new Member(e.getKey(), null, null, emailHash, phoneHash, text(v, "record_id")));
        });
        return out;
    }

    static String writeBaseline(Map<String, Member> members) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        members.values().forEach(m -> {
            ObjectNode v = o.putObject(m.label());
            v.put("email_sha256", m.emailSha256());
            v.put("phone_sha256", m.phoneSha256());
            v.put("record_id", m.recordId());
        });
        return o.toString();
    }

    private static String clip(String body) {
        return body == null ? null : body.length() > 2000 ? body.substring(0, 2000) : body;
    }

    private static long whole(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.canConvertToLong() || !n.isIntegralNumber()) {
            throw HindsightException.field(field, "is required: a whole number");
        }
        return n.asLong();
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) scheduler.shutdownNow();
    }

    /** A sync as answered. */
    public static Map<String, Object> view(SyncRow s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", s.id());
        out.put("cohort_id", s.cohortId());
        out.put("destination_id", s.destinationId());
        out.put("schedule_minutes", s.scheduleMinutes());
        out.put("audience_id", s.audienceId());
        out.put("members_synced", readBaseline(s.baselineJson()).size());
        out.put("last_success_at", s.lastSuccessAt() == null ? null : Instant.ofEpochMilli(s.lastSuccessAt()).toString());
        out.put("next_run_at", Instant.ofEpochMilli(s.nextDueAt()).toString());
        out.put("trait", Traits.IN_AUDIENCE + s.id());
        out.put("created_at", Instant.ofEpochMilli(s.createdAt()).toString());
        return out;
    }

    public static Map<String, Object> view(RunRow r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", r.id());
        out.put("started_at", Instant.ofEpochMilli(r.startedAt()).toString());
        out.put("finished_at", r.finishedAt() == null ? null : Instant.ofEpochMilli(r.finishedAt()).toString());
        out.put("status", r.status());
        out.put("joined", r.joined());
        out.put("left", r.left());
        out.put("answer_status", r.answerStatus());
        out.put("answer_body", r.answerBody());
        out.put("reason", r.reason());
        return out;
    }

    static List<Member> copy(List<Member> l) {
        return new ArrayList<>(l);
    }
}
