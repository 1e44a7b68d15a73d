package dev.hindsight.activate.destination;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures, as Stripe signs: the header
 * {@code Hindsight-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>}, with one
 * {@code v1=} per active secret during a rotation. A receiver accepts the request when any {@code v1} matches
 * one of its secrets and {@code t} is within its tolerance (default 5 minutes) of its own clock.
 *
 * <p>This class has no dependency outside the JDK: receivers may copy it.
 */
public final class WebhookSignature {
    public static final String HEADER = "Hindsight-Signature";
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    public enum Result { VALID, MISSING, MALFORMED, TIMESTAMP_OUT_OF_TOLERANCE, NO_MATCHING_SIGNATURE }

    private WebhookSignature() {
    }

    /** The header value for a body sent at {@code unixSeconds}, signed by every secret (current first). */
    public static String header(long unixSeconds, byte[] body, List<String> secrets) {
        StringBuilder sb = new StringBuilder("t=").append(unixSeconds);
        for (String s : secrets) sb.append(",v1=").append(sign(s, unixSeconds, body));
        return sb.toString();
    }

    public static String sign(String secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Verifies with the receiver's secret(s) (several while it rotates) and the default tolerance. */
    public static Result verify(String header, byte[] body, List<String> secrets, Clock clock) {
        return verify(header, body, secrets, DEFAULT_TOLERANCE, clock);
    }

    public static Result verify(String header, byte[] body, List<String> secrets, Duration tolerance, Clock clock) {
        if (header == null || header.isBlank()) return Result.MISSING;
        Long t = null;
        List<String> v1 = new ArrayList<>();
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) continue;
            String k = part.substring(0, eq).trim();
            String v = part.substring(eq + 1).trim();
            if (k.equals("t")) {
                try {
                    t = Long.parseLong(v);
                } catch (NumberFormatException e) {
                    return Result.MALFORMED;
                }
            } else if (k.equals("v1")) {
                v1.add(v);
            }
        }
        if (t == null || v1.isEmpty()) return Result.MALFORMED;
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - t) > tolerance.toSeconds()) return Result.TIMESTAMP_OUT_OF_TOLERANCE;
        for (String secret : secrets) {
            byte[] expected = sign(secret, t, body).getBytes(StandardCharsets.US_ASCII);
            for (String candidate : v1) {
                if (MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.US_ASCII))) return Result.VALID;
            }
        }
        return Result.NO_MATCHING_SIGNATURE;
    }
}
