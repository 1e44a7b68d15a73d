package dev.hindsight.activate.destination;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.activate.DeliveryStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.store.WriteOp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * The destinations configured per environment, kept in the store and cached here: their set-up as JSON
 * ({@code name, kind, settings, mapping, required_consent, concurrency, rate_per_second, retry_window_seconds}),
 * parsed into a {@link Destination}, with secrets masked in every answer, and the outbox rows a new deliverable
 * canonical event gets (one per enabled destination whose mapping names it).
 */
public final class Destinations implements dev.hindsight.activate.Outboxes {
    static final Set<String> KINDS = Set.of("meta", "ga4", "hubspot", "webhook", "google_ads");
    static final Set<String> FIELDS = Set.of("name", "kind", "settings", "mapping", "required_consent", "enabled",
            "concurrency", "rate_per_second", "retry_window_seconds");
    static final Set<String> SECRET_SETTINGS = Set.of("access_token", "api_secret", "secrets", "developer_token");
    public static final Duration DEFAULT_RETRY_WINDOW = Duration.ofHours(4);
    static final int DEFAULT_CONCURRENCY = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A destination as configured: its parsed form and its delivery limits. */
    public record Configured(long envId, long id, boolean enabled, Destination destination, int concurrency,
            double ratePerSecond, Duration retryWindow, ObjectNode config, long createdAt, long updatedAt) {
    }

    private final DeliveryStore store;
    private final Clock clock;
    private final Map<Long, Configured> byId = new ConcurrentHashMap<>();
    private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();

    public Destinations(DeliveryStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        for (DeliveryStore.DestinationRow r : store.destinations()) {
            try {
                byId.put(r.id(), parse(r));
            } catch (HindsightException e) {
                // A row that no longer parses is left out (and so not delivered to) rather than stopping the server.
            }
        }
    }

    /** Called with a destination's id whenever it is added, changed or removed. */
    public void onChange(LongConsumer l) {
        listeners.add(l);
    }

    public List<Configured> all() {
        return byId.values().stream().sorted((a, b) -> Long.compare(a.id(), b.id())).toList();
    }

    public Configured byId(long id) {
        return byId.get(id);
    }

    public List<Configured> list(long envId) {
        return all().stream().filter(c -> c.envId() == envId).toList();
    }

    public Configured get(long envId, long id) {
        Configured c = byId.get(id);
        if (c == null || c.envId() != envId) {
            throw new HindsightException(ErrorCode.NOT_FOUND, "No destination " + id + " in this environment");
        }
        return c;
    }

    public Configured create(long envId, JsonNode body) {
        ObjectNode config = check(body, null);
        long now = clock.millis();
        long id = store.nextDestinationId();
        boolean enabled = !body.has("enabled") || body.get("enabled").asBoolean(true);
        return save(new DeliveryStore.DestinationRow(envId, id, config.toString(), enabled, now, now));
    }

    public Configured update(long envId, long id, JsonNode body) {
        Configured old = get(envId, id);
        ObjectNode config = check(body, old.config());
        boolean enabled = body.has("enabled") ? body.get("enabled").asBoolean(true) : old.enabled();
        return save(new DeliveryStore.DestinationRow(envId, id, config.toString(), enabled, old.createdAt(),
                clock.millis()));
    }

    public Configured setEnabled(long envId, long id, boolean enabled) {
        Configured old = get(envId, id);
        return save(new DeliveryStore.DestinationRow(envId, id, old.config().toString(), enabled, old.createdAt(),
                clock.millis()));
    }

    public void delete(long envId, long id) {
        get(envId, id);
        store.deleteDestination(envId, id);
        byId.remove(id);
        listeners.forEach(l -> l.accept(id));
    }

    private Configured save(DeliveryStore.DestinationRow row) {
        Configured c = parse(row);
        store.saveDestination(row);
        byId.put(row.id(), c);
        listeners.forEach(l -> l.accept(row.id()));
        return c;
    }

    /** The outbox rows of a new deliverable canonical event: one per enabled destination whose mapping names it. */
    @Override
    public List<WriteOp> enqueue(long envId, String event, String eventId, String userKey, long at) {
        List<WriteOp> out = new ArrayList<>();
        for (Configured c : byId.values()) {
            if (c.envId() == envId && c.enabled() && c.destination().mapping().rule(event).isPresent()) {
                out.add(new WriteOp.Enqueue(envId, c.id(), eventId, userKey, at));
            }
        }
        return out;
    }

    private volatile Runnable committed = () -> { };

    /** Who is told when outbox rows were committed (the delivery workers). */
    public void whenCommitted(Runnable r) {
        committed = r;
    }

    @Override
    public void committed() {
        committed.run();
    }

    /** The configuration as answered: every secret masked. */
    public static Map<String, Object> view(Configured c) {
        ObjectNode masked = c.config().deepCopy();
        ObjectNode settings = (ObjectNode) masked.get("settings");
        for (String s : SECRET_SETTINGS) {
            JsonNode v = settings.get(s);
            if (v == null || v.isNull()) {
                continue;
            }
            if (v.isArray()) {
                ArrayNode a = JSON.createArrayNode();
                v.forEach(x -> a.add(mask(x.asText())));
                settings.set(s, a);
            } else {
                settings.put(s, mask(v.asText()));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = JSON.convertValue(masked, Map.class);
        m.putAll(fields);
        m.put("enabled", c.enabled());
        m.put("concurrency", c.concurrency());
        m.put("rate_per_second", c.ratePerSecond());
        m.put("retry_window_seconds", c.retryWindow().toSeconds());
        m.put("created_at", java.time.Instant.ofEpochMilli(c.createdAt()).toString());
        m.put("updated_at", java.time.Instant.ofEpochMilli(c.updatedAt()).toString());
        return m;
    }

    static String mask(String secret) {
        return secret.length() <= 8 ? "****" : "****" + secret.substring(secret.length() - 4);
    }

    private static boolean masked(JsonNode v) {
        return v != null && v.isTextual() && v.asText().startsWith("****");
    }

    /** Checks a body and returns the configuration to keep; masked or missing secrets keep their old values. */
    private static ObjectNode check(JsonNode body, ObjectNode old) {
        if (body == null || !body.isObject()) {
            throw HindsightException.field("body", "must be a JSON object");
        }
        List<FieldError> errors = new ArrayList<>();
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                errors.add(FieldError.of(f, "is not a known field; known fields are " + new TreeSet<>(FIELDS)));
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation("Invalid destination", errors);
        }
        ObjectNode config = old == null ? JSON.createObjectNode() : old.deepCopy();
        for (String f : FIELDS) {
            if (f.equals("enabled") || !body.has(f)) {
                continue;
            }
            if (f.equals("settings") && old != null && body.get(f).isObject()) {
                ObjectNode settings = ((ObjectNode) body.get(f)).deepCopy();
                JsonNode before = old.get("settings");
                for (String s : SECRET_SETTINGS) {
                    JsonNode v = settings.get(s);
                    if (v != null && v.isArray() && before != null && before.path(s).isArray()) {
                        // A rotation: a new secret first and the kept ones as answered (masked), each masked one
                        // standing for the kept secret it masks.
                        settings.set(s, unmask((ArrayNode) v, (ArrayNode) before.get(s), "settings." + s));
                        continue;
                    }
                    boolean keep = v == null || masked(v);
                    if (keep && before != null && before.has(s)) {
                        settings.set(s, before.get(s));
                    }
                }
                config.set(f, settings);
            } else {
                config.set(f, body.get(f));
            }
        }
        parse(new DeliveryStore.DestinationRow(0, 0, config.toString(), true, 0, 0));
        return config;
    }

    /** Secrets as sent, each masked one replaced by the kept secret it masks; a 400 when it masks none. */
    private static ArrayNode unmask(ArrayNode sent, ArrayNode kept, String field) {
        ArrayNode out = JSON.createArrayNode();
        for (int i = 0; i < sent.size(); i++) {
            JsonNode v = sent.get(i);
            if (!masked(v)) {
                out.add(v);
                continue;
            }
            JsonNode match = null;
            for (JsonNode k : kept) {
                if (mask(k.asText()).equals(v.asText())) {
                    match = k;
                }
            }
            if (match == null) {
                throw HindsightException.field(field + "[" + i + "]", "is masked but masks none of the kept secrets:"
                        + " send the secret itself");
            }
            out.add(match);
        }
        return out;
    }

    /** A kept row as a destination; a 400 naming the field when it is not valid. */
    static Configured parse(DeliveryStore.DestinationRow row) {
        ObjectNode c;
        try {
            c = (ObjectNode) JSON.readTree(row.configJson());
        } catch (Exception e) {
            throw HindsightException.field("body", "is not JSON");
        }
        List<FieldError> errors = new ArrayList<>();
        String name = text(c, "name", true, errors);
        String kind = text(c, "kind", true, errors);
        if (kind != null && !KINDS.contains(kind)) {
            errors.add(FieldError.of("kind", "must be one of " + new TreeSet<>(KINDS)));
        }
        String consent = text(c, "required_consent", false, errors);
        JsonNode s = c.get("settings");
        if (s == null || !s.isObject()) {
            errors.add(FieldError.of("settings", "is required: an object with the platform's set-up"));
            s = JSON.createObjectNode();
        }
        EventMapping mapping = mapping(c.get("mapping"), errors);
        int concurrency = c.has("concurrency") ? c.get("concurrency").asInt(0) : DEFAULT_CONCURRENCY;
        if (concurrency < 1 || concurrency > 64) {
            errors.add(FieldError.of("concurrency", "must be a whole number from 1 to 64"));
        }
        double rate = c.has("rate_per_second") ? c.get("rate_per_second").asDouble(-1) : 0;
        if (rate < 0) {
            errors.add(FieldError.of("rate_per_second", "must be a number >= 0 (0: no limit)"));
        }
        long window = c.has("retry_window_seconds") ? c.get("retry_window_seconds").asLong(-1)
                : DEFAULT_RETRY_WINDOW.toSeconds();
        if (window < 0 || window > Duration.ofDays(7).toSeconds()) {
            errors.add(FieldError.of("retry_window_seconds", "must be from 0 to 604800 (7 days)"));
        }
        Destination d = null;
        if (errors.isEmpty()) {
            d = switch (kind) {
                case "meta" -> new Destination.Meta(name,
                        url(s, "base_url", Destination.Meta.DEFAULT_BASE_URL, errors),
                        or(s, "api_version", "21.0"), need(s, "pixel_id", errors), need(s, "access_token", errors),
                        or(s, "action_source", "website"), or(s, "test_event_code", null), mapping, consent);
                case "ga4" -> new Destination.Ga4(name,
                        url(s, "base_url", Destination.Ga4.DEFAULT_BASE_URL, errors),
                        need(s, "measurement_id", errors), need(s, "api_secret", errors), mapping, consent);
                case "hubspot" -> {
                    Map<String, String> props = new LinkedHashMap<>();
                    s.path("contact_properties").fields().forEachRemaining(e -> props.put(e.getKey(),
                            e.getValue().asText()));
                    yield new Destination.HubSpot(name,
                            url(s, "base_url", Destination.HubSpot.DEFAULT_BASE_URL, errors),
                            need(s, "access_token", errors), mapping, props, consent);
                }
                case "google_ads" -> {
                    if (!mapping.rules().isEmpty()) {
                        errors.add(FieldError.of("mapping", "must be empty: Google Ads takes audiences (cohort"
                                + " syncs), not events; send conversions to Google through a GA4 destination"));
                    }
                    String customer = need(s, "customer_id", errors);
                    String login = or(s, "login_customer_id", null);
                    for (var id : List.of(Map.entry("customer_id", customer.isEmpty() ? "0" : customer),
                            Map.entry("login_customer_id", login == null ? "0" : login))) {
                        if (!id.getValue().replace("-", "").matches("\\d{1,12}")) {
                            errors.add(FieldError.of("settings." + id.getKey(), "must be a Google Ads customer id"
                                    + " (10 digits, dashes allowed)"));
                        }
                    }
                    yield new Destination.GoogleAds(name,
                            url(s, "base_url", Destination.GoogleAds.DEFAULT_BASE_URL, errors),
                            or(s, "api_version", "21"), customer.replace("-", ""),
                            need(s, "developer_token", errors), need(s, "access_token", errors),
                            login == null ? null : login.replace("-", ""), mapping, consent);
                }
                default -> {
                    String url = url(s, "url", null, errors);
                    List<String> secrets = new ArrayList<>();
                    s.path("secrets").forEach(x -> secrets.add(x.asText()));
                    if (secrets.isEmpty()) {
                        errors.add(FieldError.of("settings.secrets", "is required: at least one signing secret"));
                        yield null;
                    }
                    yield new Destination.Webhook(name, url, secrets, mapping, consent);
                }
            };
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation("Invalid destination", errors);
        }
        return new Configured(row.envId(), row.id(), row.enabled(), d, concurrency, rate, Duration.ofSeconds(window),
                c, row.createdAt(), row.updatedAt());
    }

    private static EventMapping mapping(JsonNode m, List<FieldError> errors) {
        Map<String, EventMapping.Rule> rules = new LinkedHashMap<>();
        if (m == null || !m.isObject()) {
            errors.add(FieldError.of("mapping", "is required: canonical event -> {name, fields}"));
            return EventMapping.of(rules);
        }
        m.fields().forEachRemaining(e -> {
            JsonNode r = e.getValue();
            String name = r.isTextual() ? r.asText() : r.path("name").asText("");
            if (name.isBlank()) {
                errors.add(FieldError.of("mapping." + e.getKey() + ".name", "is required: the destination's event name"));
                return;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            r.path("fields").fields().forEachRemaining(f -> {
                String source = f.getValue().asText();
                if (source.startsWith("$") && !EventMapping.EVENT_SOURCES.contains(source)) {
                    errors.add(FieldError.of("mapping." + e.getKey() + ".fields." + f.getKey(), "is a property name or"
                            + " one of " + new TreeSet<>(EventMapping.EVENT_SOURCES)));
                }
                fields.put(f.getKey(), source);
            });
            rules.put(e.getKey(), new EventMapping.Rule(name, fields));
        });
        return EventMapping.of(rules);
    }

    private static String text(JsonNode c, String f, boolean required, List<FieldError> errors) {
        JsonNode v = c.get(f);
        if (v == null || v.isNull()) {
            if (required) {
                errors.add(FieldError.of(f, "is required"));
            }
            return null;
        }
        if (!v.isTextual()) {
            errors.add(FieldError.of(f, "must be a string"));
            return null;
        }
        return v.asText();
    }

    private static String or(JsonNode s, String f, String dflt) {
        JsonNode v = s.get(f);
        return v == null || v.isNull() ? dflt : v.asText();
    }

    /**
     * A setting that is a URL: absolute, {@code http} or {@code https}, with a host, at most 2,048 characters; the
     * default when absent (none: required).
     */
    private static String url(JsonNode s, String f, String dflt, List<FieldError> errors) {
        String v = dflt == null ? need(s, f, errors) : or(s, f, dflt);
        if (v.isEmpty()) {
            return v;
        }
        try {
            java.net.URI u = new java.net.URI(v);
            if (v.length() <= 2048 && u.isAbsolute() && ("https".equalsIgnoreCase(u.getScheme())
                    || "http".equalsIgnoreCase(u.getScheme())) && u.getHost() != null) {
                return v;
            }
        } catch (java.net.URISyntaxException e) {
            // refused below
        }
        errors.add(FieldError.of("settings." + f, "must be an absolute http or https URL with a host, at most 2048"
                + " characters"));
        return v;
    }

    private static String need(JsonNode s, String f, List<FieldError> errors) {
        JsonNode v = s.get(f);
        if (v == null || v.isNull() || v.asText().isBlank()) {
            errors.add(FieldError.of("settings." + f, "is required"));
            return "";
        }
        return v.asText();
    }
}
