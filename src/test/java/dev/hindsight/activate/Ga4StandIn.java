package dev.hindsight.activate;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stands in for the GA4 Measurement Protocol. {@code /mp/collect} answers 204 whatever it gets, as the real
 * one does, but keeps only valid payloads ({@link #accepted}) and records why others were dropped
 * ({@link #dropped}); {@code /debug/mp/collect} answers {@code {"validationMessages":[...]}} with
 * {@code fieldPath}, {@code description} and {@code validationCode}. Rules checked: measurement id and API
 * secret; {@code client_id}; 1 to 25 events; event names (letter first, letters/digits/_, at most 40, not
 * reserved); at most 25 params with names of at most 40 and string values of at most 100 characters;
 * {@code timestamp_micros} in microseconds within the last 72 hours; no unknown fields.
 */
final class Ga4StandIn extends StandIn {
    static final Set<String> TOP_FIELDS = Set.of("client_id", "app_instance_id", "user_id", "timestamp_micros",
            "user_properties", "consent", "events", "non_personalized_ads", "user_data", "user_location",
            "device", "ip_override", "validation_behavior");
    static final Set<String> RESERVED = Set.of("ad_activeview", "ad_click", "ad_exposure", "ad_impression",
            "ad_query", "adunit_exposure", "app_clear_data", "app_install", "app_update", "app_remove", "error",
            "first_open", "first_visit", "in_app_purchase", "notification_dismiss", "notification_foreground",
            "notification_open", "notification_receive", "os_update", "screen_view", "session_start",
            "user_engagement");

    final String measurementId;
    final String apiSecret;
    final List<JsonNode> accepted = Collections.synchronizedList(new ArrayList<>());
    final List<List<Map<String, String>>> dropped = Collections.synchronizedList(new ArrayList<>());

    Ga4StandIn(Clock clock, String measurementId, String apiSecret) {
        super(clock);
        this.measurementId = measurementId;
        this.apiSecret = apiSecret;
    }

    @Override
    protected void routes(Javalin app) {
        app.post("/mp/collect", ctx -> {
            var messages = validate(ctx);
            if (messages.isEmpty()) accepted.add(parse(ctx));
            else dropped.add(messages);
            ctx.status(204);
        });
        app.post("/debug/mp/collect", ctx -> ctx.json(Map.of("validationMessages", validate(ctx))));
    }

    List<Map<String, String>> validate(Context ctx) {
        List<Map<String, String>> m = new ArrayList<>();
        if (!measurementId.equals(ctx.queryParam("measurement_id")))
            msg(m, "measurement_id", "Measurement ID is not valid", "VALUE_INVALID");
        if (!apiSecret.equals(ctx.queryParam("api_secret")))
            msg(m, "api_secret", "API secret is not valid for this measurement ID", "VALUE_INVALID");
        JsonNode body = parse(ctx);
        if (body == null || !body.isObject()) {
            msg(m, "", "Unable to parse Measurement Protocol JSON payload", "VALUE_INVALID");
            return m;
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!TOP_FIELDS.contains(f)) msg(m, f, "Unknown field " + f, "VALUE_INVALID");
        });
        if (!body.path("client_id").isTextual() || body.get("client_id").asText().isBlank())
            msg(m, "client_id", "client_id is required", "VALUE_REQUIRED");
        if (body.has("user_id") && body.get("user_id").asText().length() > 256)
            msg(m, "user_id", "user_id is longer than 256 characters", "VALUE_OUT_OF_BOUNDS");
        JsonNode events = body.path("events");
        if (!events.isArray() || events.isEmpty()) {
            msg(m, "events", "events is required", "VALUE_REQUIRED");
            return m;
        }
        if (events.size() > 25) msg(m, "events", "at most 25 events per request, got " + events.size(), "EXCEEDED_MAX_ENTITIES");
        long nowMicros = clock.instant().getEpochSecond() * 1_000_000L;
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            String p = "events[" + i + "]";
            e.fieldNames().forEachRemaining(f -> {
                if (!Set.of("name", "params", "timestamp_micros").contains(f)) msg(m, p + "." + f, "Unknown field", "VALUE_INVALID");
            });
            String name = e.path("name").asText("");
            if (!name.matches("[A-Za-z][A-Za-z0-9_]{0,39}"))
                msg(m, p + ".name", "Event name '" + name + "' is invalid", "NAME_INVALID");
            else if (RESERVED.contains(name) || name.startsWith("firebase_") || name.startsWith("ga_") || name.startsWith("google_"))
                msg(m, p + ".name", "Event name '" + name + "' is reserved", "NAME_RESERVED");
            JsonNode params = e.path("params");
            if (params.size() > 25) msg(m, p + ".params", "at most 25 params per event", "EXCEEDED_MAX_ENTITIES");
            params.fields().forEachRemaining(f -> {
                String pn = f.getKey();
                if (!pn.matches("[A-Za-z][A-Za-z0-9_]{0,39}"))
                    msg(m, p + ".params." + pn, "Param name is invalid", "NAME_INVALID");
                else if (pn.startsWith("firebase_") || pn.startsWith("ga_") || pn.startsWith("google_"))
                    msg(m, p + ".params." + pn, "Param name is reserved", "NAME_RESERVED");
                if (f.getValue().isTextual() && f.getValue().asText().length() > 100)
                    msg(m, p + ".params." + pn, "Param value is longer than 100 characters", "VALUE_OUT_OF_BOUNDS");
            });
            if (e.has("timestamp_micros")) {
                JsonNode ts = e.get("timestamp_micros");
                long t = ts.asLong();
                if (!ts.isIntegralNumber() || String.valueOf(t).length() < 16)
                    msg(m, p + ".timestamp_micros", "timestamp_micros must be microseconds", "VALUE_INVALID");
                else if (t < nowMicros - Duration.ofHours(72).toSeconds() * 1_000_000L)
                    msg(m, p + ".timestamp_micros", "timestamp_micros is more than 72 hours in the past", "VALUE_OUT_OF_BOUNDS");
                else if (t > nowMicros + 60_000_000L)
                    msg(m, p + ".timestamp_micros", "timestamp_micros is in the future", "VALUE_OUT_OF_BOUNDS");
            }
        }
        return m;
    }

    private static void msg(List<Map<String, String>> m, String path, String description, String code) {
        Map<String, String> x = new LinkedHashMap<>();
        x.put("fieldPath", path);
        x.put("description", description);
        x.put("validationCode", code);
        m.add(x);
    }
}
