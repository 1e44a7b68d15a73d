package dev.hindsight.activate.destination;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sends one built request with a timeout and classifies the answer: delivered, retryable (timeouts,
 * connection failures, 5xx, 408, 429 with its {@code Retry-After}, Meta errors marked {@code is_transient})
 * or permanent (any other 4xx: must not be retried). Webhook requests are signed here, at each attempt.
 */
public final class Sender {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client;
    private final Clock clock;
    private final Duration timeout;

    public Sender(HttpClient client, Clock clock, Duration timeout) {
        this.client = client;
        this.clock = clock;
        this.timeout = timeout;
    }

    public static Sender create(Clock clock, Duration timeout) {
        return new Sender(HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build(), clock, timeout);
    }

    public Outcome send(BuiltRequest r) {
        byte[] body = r.body() == null ? new byte[0] : r.body().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(r.uri()).timeout(timeout)
                .method(r.method(), HttpRequest.BodyPublishers.ofByteArray(body));
        r.headers().forEach(b::header);
        if (!r.signingSecrets().isEmpty()) {
            b.header(WebhookSignature.HEADER,
                    WebhookSignature.header(clock.instant().getEpochSecond(), body, r.signingSecrets()));
        }
        HttpResponse<String> resp;
        try {
            resp = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            return new Outcome.Retryable(0, "", "timeout after " + timeout.toMillis() + " ms", null);
        } catch (IOException e) {
            return new Outcome.Retryable(0, "", "connection failed: " + e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Retryable(0, "", "interrupted", null);
        }
        Optional<String> retryAfter = resp.headers().firstValue("Retry-After");
        if (retryAfter.isEmpty() && resp.statusCode() == 429) {
            // HubSpot announces its rolling window instead of Retry-After
            retryAfter = resp.headers().firstValue("X-HubSpot-RateLimit-Interval-Milliseconds")
                    .filter(ms -> ms.matches("\\d+"))
                    .map(ms -> String.valueOf((Long.parseLong(ms) + 999) / 1000));
        }
        return classify(resp.statusCode(), resp.body(), retryAfter, r);
    }

    Outcome classify(int status, String body, Optional<String> retryAfter, BuiltRequest r) {
        if (status >= 200 && status < 300) return delivered(status, body, r);
        if (status == 429) {
            return new Outcome.Retryable(status, body, "rate limited",
                    retryAfter.map(v -> parseRetryAfter(v, clock.instant())).orElse(null));
        }
        if (status >= 500 || status == 408) {
            return new Outcome.Retryable(status, body, "server error " + status,
                    retryAfter.map(v -> parseRetryAfter(v, clock.instant())).orElse(null));
        }
        JsonNode json = Json.readOrNull(body);
        if (json != null && json.path("error").path("is_transient").asBoolean(false)) {
            return new Outcome.Retryable(status, body, "transient error: " + json.path("error").path("message").asText(), null);
        }
        String reason = json != null && json.path("error").has("message") ? json.path("error").path("message").asText()
                : json != null && json.has("message") ? json.path("message").asText()
                : "refused with " + status;
        return new Outcome.Permanent(status, body, reason);
    }

    private static Outcome delivered(int status, String body, BuiltRequest r) {
        JsonNode json = Json.readOrNull(body);
        Integer received = null;
        List<String> messages = new ArrayList<>();
        if (json != null) {
            if (json.has("events_received")) received = json.get("events_received").asInt();
            json.path("messages").forEach(m -> messages.add(m.isTextual() ? m.asText() : m.toString()));
            json.path("validationMessages").forEach(m -> messages.add(
                    m.path("validationCode").asText() + " " + m.path("fieldPath").asText() + ": "
                            + m.path("description").asText()));
        }
        return new Outcome.Delivered(status, body == null ? "" : body, received, messages);
    }

    /** {@code Retry-After} as delay-seconds or an HTTP-date (RFC 9110), relative to now; null if unreadable. */
    public static Duration parseRetryAfter(String value, Instant now) {
        String v = value.trim();
        if (v.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(v));
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(now, at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
