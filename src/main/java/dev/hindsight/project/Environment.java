package dev.hindsight.project;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An environment of a project (such as {@code development} or {@code production}): its own data, a public
 * app id for browsers, a secret key for servers, the browser origins allowed to send to {@code /h}, the
 * query parameters removed from captured URLs on top of the default blocklist, its settings, and the secret
 * with which the site's server signs identities for identity verification.
 */
public record Environment(long id, long projectId, String name, String appId, String secretKey,
        boolean allowAnyOrigin, List<String> allowedOrigins, List<String> queryBlocklist,
        @JsonUnwrapped EnvironmentSettings settings, String identitySecret) {

    /** Whether a browser page at {@code origin} may send events here; requests without an origin are not browsers. */
    public boolean allowsOrigin(String origin) {
        return origin == null || allowAnyOrigin || allowedOrigins.contains(origin);
    }

    /**
     * Whether {@code hash} is the hex HMAC-SHA256 of {@code identity} (UTF-8) keyed with this environment's
     * identity secret (UTF-8), as the site's server computes it; compared in constant time.
     */
    public boolean identityHashMatches(String identity, String hash) {
        if (identity == null || hash == null || identitySecret == null) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hash);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(identityHash(identitySecret, identity), given);
    }

    /** The HMAC-SHA256 of {@code identity} keyed with {@code secret}, both as UTF-8. */
    public static byte[] identityHash(String secret, String identity) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(identity.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
