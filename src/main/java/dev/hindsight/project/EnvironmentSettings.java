package dev.hindsight.project;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The settings of an environment that an admin changes with {@code PATCH /api/environments/{app_id}}: whether
 * Heap's own server-side clients may write with the app id alone, and whether browser identities must be
 * verified. New settings (such as per-environment limits) join here, each with its default.
 */
public record EnvironmentSettings(boolean acceptAppIdOnly, IdentityVerification identityVerification) {
    /** The settings of a new environment, and of one made before these settings existed. */
    public static final EnvironmentSettings DEFAULTS = new EnvironmentSettings(false, IdentityVerification.OFF);

    /** Whether browser identities ({@code /h}) need an HMAC made with the environment's identity secret. */
    public enum IdentityVerification {
        OFF, REQUIRED;

        /** The JSON and storage name ({@code off}, {@code required}). */
        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The value of a wire name, or null when there is none. */
        public static IdentityVerification of(String wire) {
            for (IdentityVerification v : values()) {
                if (v.wire().equals(wire)) {
                    return v;
                }
            }
            return null;
        }
    }

    public boolean verifiesIdentity() {
        return identityVerification == IdentityVerification.REQUIRED;
    }
}
