package dev.hindsight.activate;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands in for Meta's Conversions API ({@code POST /v{version}/{pixel_id}/events}) and checks its documented
 * rules: an access token; {@code data} of 1 to 1,000 events; per event only known fields, {@code event_name},
 * {@code event_time} in Unix seconds at most 7 days old and not in the future, a known {@code action_source},
 * {@code event_source_url} and {@code client_user_agent} for website events, {@code user_data} whose
 * {@code em}/{@code ph} are SHA-256 (64 lower-case hex), {@code custom_data.value} a number with an ISO
 * {@code currency}. Errors come as Meta sends them: {@code {"error":{message,type,code,error_subcode,fbtrace_id}}}.
 *
 * <p>Also stands in for Custom Audience users ({@code POST} adds, {@code DELETE} removes
 * {@code /v{version}/{audience_id}/users}) on the audiences registered with {@link #audience}: the same access token;
 * {@code payload.schema} one known schema or a list of them; {@code payload.data} 1 to 10,000 rows, each one value per
 * schema (a bare value when there is one schema), the hashed schemas' values SHA-256 (64 lower-case hex). Accepted
 * changes are recorded in {@link #audienceRequests} and applied to {@link #audienceMembers}.
 */
public final class MetaStandIn extends StandIn {
    static final Set<String> ACTION_SOURCES = Set.of("email", "website", "app", "phone_call", "chat",
            "physical_store", "system_generated", "business_messaging", "other");
    static final Set<String> EVENT_FIELDS = Set.of("event_name", "event_time", "event_id", "action_source",
            "event_source_url", "user_data", "custom_data", "opt_out", "data_processing_options",
            "data_processing_options_country", "data_processing_options_state", "app_data",
            "referrer_url", "customer_segmentation", "original_event_data");
    static final Set<String> USER_FIELDS = Set.of("em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country",
            "external_id", "client_ip_address", "client_user_agent", "fbc", "fbp", "subscription_id",
            "fb_login_id", "lead_id", "anon_id", "madid", "page_id", "page_scoped_user_id", "ctwa_clid",
            "ig_account_id", "ig_sid");

    /** Custom Audience schemas; all but {@link #UNHASHED} must be sent SHA-256 hashed. */
    static final Set<String> AUDIENCE_SCHEMAS = Set.of("EMAIL", "EMAIL_SHA256", "PHONE", "PHONE_SHA256", "GEN",
            "DOBY", "DOBM", "DOBD", "LN", "FN", "FI", "CT", "ST", "ZIP", "COUNTRY", "MADID", "EXTERN_ID");
    static final Set<String> UNHASHED = Set.of("MADID", "EXTERN_ID");
    static final int MAX_AUDIENCE_ROWS = 10_000;

    /** One accepted audience users request: {@code POST} or {@code DELETE}, its schema and rows. */
    record AudienceRequest(String method, String audienceId, List<String> schema, List<List<String>> rows) {
        /** The rows' values for a one-schema request of {@code schema}; empty for any other. */
        List<String> values(String schema) {
            return this.schema.equals(List.of(schema)) ? rows.stream().map(List::getFirst).toList() : List.of();
        }
    }

    final String pixelId;
    final String token;
    /** Event ids accepted, in order (a test event code's events too). */
    public final List<String> acceptedIds = Collections.synchronizedList(new ArrayList<>());
    /** How many fewer events each answer counts in {@code events_received} than it took (Meta's own filtering). */
    volatile int undercount;
    /** Numbers each answer's fbtrace_id: Meta gives every request its own. */
    private final java.util.concurrent.atomic.AtomicLong traces = new java.util.concurrent.atomic.AtomicLong();
    public final List<String> testEventCodes = Collections.synchronizedList(new ArrayList<>());

    final List<AudienceRequest> audienceRequests = Collections.synchronizedList(new ArrayList<>());
    /** Audience id -> its members, each as {@code SCHEMA:value}. */
    final Map<String, Set<String>> audienceMembers = new ConcurrentHashMap<>();

    public MetaStandIn(Clock clock, String pixelId, String token) {
        super(clock);
        this.pixelId = pixelId;
        this.token = token;
    }

    @Override
    protected void routes(Javalin app) {
        app.post("/{version}/{pixel}/events", this::events);
        app.post("/{version}/{audience}/users", this::audienceUsers);
        app.delete("/{version}/{audience}/users", this::audienceUsers);
    }

    /** Makes a Custom Audience exist (empty). */
    MetaStandIn audience(String id) {
        audienceMembers.putIfAbsent(id, ConcurrentHashMap.newKeySet());
        return this;
    }

    /** The values of {@code schema} sent by accepted requests of {@code method} ("POST" or "DELETE"). */
    List<String> sent(String method, String schema) {
        synchronized (audienceRequests) {
            return audienceRequests.stream().filter(r -> r.method().equals(method))
                    .flatMap(r -> r.values(schema).stream()).toList();
        }
    }

    private void audienceUsers(Context ctx) {
        if (!ctx.pathParam("version").matches("v\\d+\\.\\d+")) {
            error(ctx, 400, "Unknown path components: " + ctx.pathParam("version"), 2500, 0);
            return;
        }
        if (!authorised(ctx)) return;
        String audience = ctx.pathParam("audience");
        Set<String> members = audienceMembers.get(audience);
        if (members == null) {
            error(ctx, 400, "Unsupported " + ctx.method().name().toLowerCase() + " request. Object with ID '"
                    + audience + "' does not exist", 100, 33);
            return;
        }
        JsonNode body = parse(ctx);
        JsonNode payload = body == null ? null : body.get("payload");
        if (payload == null || !payload.isObject()) {
            error(ctx, 400, "The parameter payload is required", 100, 0);
            return;
        }
        List<String> schema = new ArrayList<>();
        JsonNode sn = payload.get("schema");
        if (sn != null && sn.isTextual()) schema.add(sn.asText());
        else if (sn != null && sn.isArray()) sn.forEach(x -> schema.add(x.isTextual() ? x.asText() : x.toString()));
        if (schema.isEmpty() || !AUDIENCE_SCHEMAS.containsAll(schema) || schema.stream().distinct().count() != schema.size()) {
            error(ctx, 400, "Invalid parameter: payload.schema must be one or more of " + AUDIENCE_SCHEMAS + ", got "
                    + sn, 100, 1870053);
            return;
        }
        JsonNode data = payload.get("data");
        if (data == null || !data.isArray() || data.isEmpty()) {
            error(ctx, 400, "Invalid parameter: payload.data must be a non-empty array", 100, 1870053);
            return;
        }
        if (data.size() > MAX_AUDIENCE_ROWS) {
            error(ctx, 400, "Invalid parameter: payload.data holds " + data.size() + " rows, more than "
                    + MAX_AUDIENCE_ROWS + " per request", 100, 1870048);
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            JsonNode row = data.get(i);
            List<JsonNode> cells = new ArrayList<>();
            if (row.isArray()) row.forEach(cells::add);
            else if (schema.size() == 1) cells.add(row);
            if (cells.size() != schema.size()) {
                error(ctx, 400, "Invalid parameter: payload.data[" + i + "] must hold " + schema.size()
                        + " value(s), one per schema", 100, 1870053);
                return;
            }
            List<String> values = new ArrayList<>();
            for (int k = 0; k < cells.size(); k++) {
                JsonNode v = cells.get(k);
                boolean ok = UNHASHED.contains(schema.get(k)) ? v.isTextual() && !v.asText().isBlank() : isLowerHex64(v);
                if (!ok) {
                    error(ctx, 400, "Invalid parameter: payload.data[" + i + "][" + k + "] for " + schema.get(k)
                            + (UNHASHED.contains(schema.get(k)) ? " must be a non-empty string"
                                    : " must be a SHA-256 hash (64 lower-case hex)"), 100, 1870053);
                    return;
                }
                values.add(v.asText());
            }
            rows.add(values);
        }
        boolean add = ctx.method().name().equals("POST");
        audienceRequests.add(new AudienceRequest(add ? "POST" : "DELETE", audience, List.copyOf(schema), rows));
        for (List<String> r : rows) {
            for (int k = 0; k < r.size(); k++) {
                String key = schema.get(k) + ":" + r.get(k);
                if (add) members.add(key);
                else members.remove(key);
            }
        }
        ctx.json(Map.of("audience_id", audience, "session_id", String.valueOf(audienceRequests.size()),
                "num_received", rows.size(), "num_invalid_entries", 0, "invalid_entry_samples", Map.of()));
    }

    private boolean authorised(Context ctx) {
        String auth = ctx.header("Authorization");
        String given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : ctx.queryParam("access_token");
        if (given == null || !given.equals(token)) {
            error(ctx, 400, "Invalid OAuth access token - Cannot parse access token", 190, 0);
            return false;
        }
        return true;
    }

    private void events(Context ctx) {
        if (!ctx.pathParam("version").matches("v\\d+\\.\\d+")) {
            error(ctx, 400, "Unknown path components: " + ctx.pathParam("version"), 2500, 0);
            return;
        }
        if (!authorised(ctx)) return;
        if (!ctx.pathParam("pixel").equals(pixelId)) {
            error(ctx, 400, "Unsupported post request. Object with ID '" + ctx.pathParam("pixel") + "' does not exist", 100, 33);
            return;
        }
        JsonNode body = parse(ctx);
        if (body == null || !body.path("data").isArray()) {
            error(ctx, 400, "The parameter data is required", 100, 0);
            return;
        }
        JsonNode data = body.get("data");
        if (data.isEmpty() || data.size() > 1000) {
            error(ctx, 400, "data must hold between 1 and 1000 events, got " + data.size(), 100, 2804019);
            return;
        }
        long now = clock.instant().getEpochSecond();
        for (int i = 0; i < data.size(); i++) {
            String problem = check(data.get(i), now);
            if (problem != null) {
                error(ctx, 400, "Invalid parameter: data[" + i + "] " + problem, 100, 2804003);
                return;
            }
        }
        if (body.has("test_event_code")) testEventCodes.add(body.get("test_event_code").asText());
        data.forEach(e -> acceptedIds.add(e.path("event_id").asText()));
        int received = Math.max(0, data.size() - undercount);
        ctx.json(Map.of("events_received", received, "messages", List.of(), "fbtrace_id", "AbCdTrace" + now + "-" + traces.incrementAndGet()));
    }

    static String check(JsonNode e, long now) {
        for (var it = e.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!EVENT_FIELDS.contains(f)) return "unknown field " + f;
        }
        if (!e.path("event_name").isTextual() || e.get("event_name").asText().isBlank()) return "event_name missing";
        JsonNode t = e.path("event_time");
        if (!t.canConvertToLong() || !t.isIntegralNumber()) return "event_time must be an integer of Unix seconds";
        long time = t.asLong();
        if (time > 100_000_000_000L) return "event_time must be in seconds, not milliseconds";
        if (time < now - Duration.ofDays(7).toSeconds()) return "event_time is more than 7 days in the past";
        if (time > now + 60) return "event_time is in the future";
        String source = e.path("action_source").asText(null);
        if (source == null || !ACTION_SOURCES.contains(source)) return "action_source missing or unknown";
        JsonNode ud = e.path("user_data");
        if (!ud.isObject() || ud.isEmpty()) return "user_data is required";
        for (var it = ud.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!USER_FIELDS.contains(f)) return "unknown user_data field " + f;
        }
        for (String hashed : List.of("em", "ph")) {
            JsonNode v = ud.get(hashed);
            if (v == null) continue;
            List<JsonNode> values = new ArrayList<>();
            if (v.isArray()) v.forEach(values::add);
            else values.add(v);
            for (JsonNode x : values) {
                if (!isLowerHex64(x)) return "user_data." + hashed + " must be a SHA-256 hash (64 lower-case hex)";
            }
        }
        if ("website".equals(source)) {
            if (!e.path("event_source_url").isTextual()) return "event_source_url is required for website events";
            if (!ud.path("client_user_agent").isTextual()) return "client_user_agent is required for website events";
        }
        if (ud.has("fbp") && !ud.get("fbp").asText().startsWith("fb.")) return "fbp is not a _fbp cookie value";
        if (ud.has("fbc") && !ud.get("fbc").asText().startsWith("fb.")) return "fbc is not a _fbc cookie value";
        JsonNode cd = e.path("custom_data");
        if (cd.has("value") && !cd.get("value").isNumber()) return "custom_data.value must be a number";
        if (cd.has("currency") && !cd.get("currency").asText().matches("[A-Z]{3}")) return "custom_data.currency must be ISO 4217";
        if ("Purchase".equals(e.path("event_name").asText()) && (!cd.has("value") || !cd.has("currency")))
            return "Purchase events need custom_data.value and custom_data.currency";
        return null;
    }

    private static void error(Context ctx, int status, String message, int code, int subcode) {
        ctx.status(status).json(Map.of("error", Map.of("message", message, "type", "OAuthException", "code", code,
                "error_subcode", subcode, "is_transient", false, "fbtrace_id", "AbCdTraceErr")));
    }
}
