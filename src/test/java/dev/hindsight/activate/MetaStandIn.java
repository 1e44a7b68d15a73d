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

/**
 * Stands in for Meta's Conversions API ({@code POST /v{version}/{pixel_id}/events}) and checks its documented
 * rules: an access token; {@code data} of 1 to 1,000 events; per event only known fields, {@code event_name},
 * {@code event_time} in Unix seconds at most 7 days old and not in the future, a known {@code action_source},
 * {@code event_source_url} and {@code client_user_agent} for website events, {@code user_data} whose
 * {@code em}/{@code ph} are SHA-256 (64 lower-case hex), {@code custom_data.value} a number with an ISO
 * {@code currency}. Errors come as Meta sends them: {@code {"error":{message,type,code,error_subcode,fbtrace_id}}}.
 */
final class MetaStandIn extends StandIn {
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

    final String pixelId;
    final String token;
    /** Event ids accepted, in order (a test event code's events too). */
    final List<String> acceptedIds = Collections.synchronizedList(new ArrayList<>());
    final List<String> testEventCodes = Collections.synchronizedList(new ArrayList<>());

    MetaStandIn(Clock clock, String pixelId, String token) {
        super(clock);
        this.pixelId = pixelId;
        this.token = token;
    }

    @Override
    protected void routes(Javalin app) {
        app.post("/{version}/{pixel}/events", this::events);
    }

    private void events(Context ctx) {
        if (!ctx.pathParam("version").matches("v\\d+\\.\\d+")) {
            error(ctx, 400, "Unknown path components: " + ctx.pathParam("version"), 2500, 0);
            return;
        }
        String auth = ctx.header("Authorization");
        String given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : ctx.queryParam("access_token");
        if (given == null || !given.equals(token)) {
            error(ctx, 400, "Invalid OAuth access token - Cannot parse access token", 190, 0);
            return;
        }
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
        ctx.json(Map.of("events_received", data.size(), "messages", List.of(), "fbtrace_id", "AbCdTrace" + now));
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
