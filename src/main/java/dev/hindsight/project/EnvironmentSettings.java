package dev.hindsight.project;

import com.fasterxml.jackson.annotation.JsonValue;
import java.time.ZoneId;
import java.util.Locale;

/**
 * The settings of an environment that an admin changes with {@code PATCH /api/environments/{app_id}}: whether
 * Heap's own server-side clients may write with the app id alone, and whether browser identities must be
 * verified, and the time zone (an IANA name such as {@code Europe/Berlin}) whose midnights start the days, weeks
 * and months of its analyses. New settings (such as per-environment limits) join here, each with its default.
 */
public record EnvironmentSettings(boolean acceptAppIdOnly, IdentityVerification identityVerification,
        String timeZone) {
    /** The time zone of an environment that has not chosen one. */
    public static final String DEFAULT_TIME_ZONE = "UTC";
    /** The settings of a new environment, and of one made before these settings existed. */
    public static final EnvironmentSettings DEFAULTS = new EnvironmentSettings(false, IdentityVerification.OFF,
            DEFAULT_TIME_ZONE);

    /** Settings in the default time zone. */
    public EnvironmentSettings(boolean acceptAppIdOnly, IdentityVerification identityVerification) {
        this(acceptAppIdOnly, identityVerification, DEFAULT_TIME_ZONE);
    }

    /** The zone of {@link #timeZone}. */
    public ZoneId zone() {
        return ZoneId.of(timeZone);
    }

    /**
     * The zone an IANA time-zone name such as {@code Europe/Berlin} or {@code UTC} names (case as in the tz
     * database), or null when it names none; fixed offsets such as {@code +01:00} are no zone here, since their
     * midnights would drift by an hour at every daylight-saving change.
     */
    public static ZoneId zoneOf(String name) {
        return name != null && ZoneId.getAvailableZoneIds().contains(name) ? ZoneId.of(name) : null;
    }

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
