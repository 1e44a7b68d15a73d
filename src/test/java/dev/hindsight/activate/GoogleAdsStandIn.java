package dev.hindsight.activate;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for Google Ads Customer Match through offline user data jobs (REST): {@code POST
 * /v{N}/customers/{id}/offlineUserDataJobs:create}, then {@code /v{N}/customers/{id}/offlineUserDataJobs/{job}
 * :addOperations} and {@code :run}. Rules checked: the OAuth bearer token and the {@code developer-token} header
 * (401 otherwise); a job of type {@code CUSTOMER_MATCH_USER_LIST} for a user list of the same customer that exists
 * (registered with {@link #userList}); operations only on a job that exists and has not run, at most 100,000 a
 * request, each exactly one of {@code create} or {@code remove} with 1 to 20 {@code userIdentifiers}, each exactly
 * one of {@code hashedEmail} or {@code hashedPhoneNumber} as a lower-case SHA-256 hex digest (Google refuses plain
 * text); a job runs once, and only a run changes the list. Errors as Google answers them:
 * {@code {"error": {"code", "message", "status"}}}.
 */
final class GoogleAdsStandIn extends StandIn {
    private static final Pattern PATH = Pattern.compile(
            "/v(\\d+)/customers/(\\d+)/offlineUserDataJobs(?::create|/(\\d+):(addOperations|run))");
    private static final String HASH = "[0-9a-f]{64}";

    final String token;
    final String developerToken;
    final String customerId;
    /** User list id -> its members, each as "hashedEmail:<hash>" or "hashedPhoneNumber:<hash>". */
    final Map<String, Set<String>> lists = new ConcurrentHashMap<>();
    /** Job id -> its state. */
    final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final AtomicLong nextJob = new AtomicLong(9000);
    /** Every job run, in order. */
    final List<Job> ran = Collections.synchronizedList(new ArrayList<>());

    /** A job: its user list, consent, operations so far ("create"/"remove" with identifiers), whether it ran. */
    static final class Job {
        final String listId;
        final JsonNode consent;
        final List<Map.Entry<String, List<String>>> operations = Collections.synchronizedList(new ArrayList<>());
        volatile boolean ran;

        Job(String listId, JsonNode consent) {
            this.listId = listId;
            this.consent = consent;
        }
    }

    GoogleAdsStandIn(Clock clock, String token, String developerToken, String customerId) {
        super(clock);
        this.token = token;
        this.developerToken = developerToken;
        this.customerId = customerId;
    }

    /** Makes a Customer Match user list exist, empty. */
    GoogleAdsStandIn userList(String id) {
        lists.putIfAbsent(id, ConcurrentHashMap.newKeySet());
        return this;
    }

    /** The identifiers sent in operations of {@code kind} ("create" or "remove") of jobs that ran, in order. */
    List<String> sent(String kind) {
        synchronized (ran) {
            return ran.stream().flatMap(j -> j.operations.stream()).filter(o -> o.getKey().equals(kind))
                    .flatMap(o -> o.getValue().stream()).toList();
        }
    }

    @Override
    protected void routes(Javalin app) {
        app.post("/*", this::handle);
    }

    private void handle(Context ctx) {
        Matcher m = PATH.matcher(ctx.path());
        if (!m.matches()) {
            error(ctx, 404, "Not found: " + ctx.path(), "NOT_FOUND");
            return;
        }
        if (!("Bearer " + token).equals(ctx.header("Authorization"))) {
            error(ctx, 401, "Request is missing required authentication credential.", "UNAUTHENTICATED");
            return;
        }
        if (!developerToken.equals(ctx.header("developer-token"))) {
            error(ctx, 401, "The developer token is not valid.", "UNAUTHENTICATED");
            return;
        }
        if (!m.group(2).equals(customerId)) {
            error(ctx, 403, "The caller does not have permission on customer " + m.group(2), "PERMISSION_DENIED");
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body().isEmpty() ? "{}" : ctx.body());
        } catch (Exception e) {
            error(ctx, 400, "Invalid JSON payload received.", "INVALID_ARGUMENT");
            return;
        }
        if (m.group(3) == null) {
            create(ctx, body);
        } else if (m.group(4).equals("addOperations")) {
            addOperations(ctx, m.group(3), body);
        } else {
            run(ctx, m.group(3));
        }
    }

    private void create(Context ctx, JsonNode body) {
        JsonNode job = body.path("job");
        if (!"CUSTOMER_MATCH_USER_LIST".equals(job.path("type").asText())) {
            error(ctx, 400, "job.type must be CUSTOMER_MATCH_USER_LIST", "INVALID_ARGUMENT");
            return;
        }
        String list = job.path("customerMatchUserListMetadata").path("userList").asText("");
        Matcher lm = Pattern.compile("customers/(\\d+)/userLists/(\\d+)").matcher(list);
        if (!lm.matches() || !lm.group(1).equals(customerId) || !lists.containsKey(lm.group(2))) {
            error(ctx, 400, "Invalid user list: " + list, "INVALID_ARGUMENT");
            return;
        }
        String id = String.valueOf(nextJob.incrementAndGet());
        jobs.put(id, new Job(lm.group(2), job.path("customerMatchUserListMetadata").path("consent")));
        ctx.json(Map.of("resourceName", "customers/" + customerId + "/offlineUserDataJobs/" + id));
    }

    private void addOperations(Context ctx, String jobId, JsonNode body) {
        Job job = jobs.get(jobId);
        if (job == null || job.ran) {
            error(ctx, 400, job == null ? "Job not found" : "Operations cannot be added to a job that ran",
                    "INVALID_ARGUMENT");
            return;
        }
        JsonNode ops = body.path("operations");
        if (!ops.isArray() || ops.isEmpty() || ops.size() > 100_000) {
            error(ctx, 400, "operations must hold 1 to 100,000 items", "INVALID_ARGUMENT");
            return;
        }
        List<Map.Entry<String, List<String>>> parsed = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            JsonNode op = ops.get(i);
            boolean create = op.has("create");
            if (create == op.has("remove") || op.size() != 1) {
                error(ctx, 400, "operations[" + i + "] must be exactly one of create or remove", "INVALID_ARGUMENT");
                return;
            }
            JsonNode ids = op.path(create ? "create" : "remove").path("userIdentifiers");
            if (!ids.isArray() || ids.isEmpty() || ids.size() > 20) {
                error(ctx, 400, "operations[" + i + "].userIdentifiers must hold 1 to 20 items", "INVALID_ARGUMENT");
                return;
            }
            List<String> values = new ArrayList<>();
            for (JsonNode id : ids) {
                String kind = id.has("hashedEmail") ? "hashedEmail" : id.has("hashedPhoneNumber") ? "hashedPhoneNumber"
                        : null;
                if (kind == null || id.size() != 1 || !id.get(kind).asText().matches(HASH)) {
                    error(ctx, 400, "operations[" + i + "]: " + id + " is not a hashed email or phone number"
                            + " (SHA-256, lower-case hex)", "INVALID_ARGUMENT");
                    return;
                }
                values.add(kind + ":" + id.get(kind).asText());
            }
            parsed.add(Map.entry(create ? "create" : "remove", values));
        }
        job.operations.addAll(parsed);
        ctx.json(Map.of());
    }

    private void run(Context ctx, String jobId) {
        Job job = jobs.get(jobId);
        if (job == null || job.ran) {
            error(ctx, 400, job == null ? "Job not found" : "The job has already run", "INVALID_ARGUMENT");
            return;
        }
        job.ran = true;
        Set<String> members = lists.get(job.listId);
        for (var op : job.operations) {
            if (op.getKey().equals("create")) members.addAll(op.getValue());
            else op.getValue().forEach(members::remove);
        }
        ran.add(job);
        ctx.json(Map.of("name", "customers/" + customerId + "/operations/" + jobId));
    }

    private static void error(Context ctx, int status, String message, String code) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", status);
        e.put("message", message);
        e.put("status", code);
        ctx.status(status).json(Map.of("error", e));
    }
}
