package dev.hindsight.project;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.project.EnvironmentSettings.IdentityVerification;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The body of {@code PATCH /api/environments/{app_id}}: the settings to change (absent ones keep their value),
 * and whether to replace the identity-verification secret. Parsed strictly: an unknown member or a wrong type
 * is a 400 naming it, so that a typo never passes for an unchanged setting.
 */
public record SettingsPatch(Boolean acceptAppIdOnly, IdentityVerification identityVerification,
        boolean rotateIdentitySecret, String timeZone) {
    static final String ACCEPT_APP_ID_ONLY = "accept_app_id_only";
    static final String IDENTITY_VERIFICATION = "identity_verification";
    static final String ROTATE_IDENTITY_SECRET = "rotate_identity_secret";
    static final String TIME_ZONE = "time_zone";
    private static final List<String> MEMBERS = List.of(ACCEPT_APP_ID_ONLY, IDENTITY_VERIFICATION, ROTATE_IDENTITY_SECRET,
            TIME_ZONE);

    public static SettingsPatch parse(JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        Boolean acceptAppIdOnly = null;
        IdentityVerification verification = null;
        boolean rotate = false;
        String timeZone = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> member = it.next();
            String name = member.getKey();
            JsonNode value = member.getValue();
            switch (name) {
                case ACCEPT_APP_ID_ONLY -> {
                    if (value.isBoolean()) {
                        acceptAppIdOnly = value.booleanValue();
                    } else {
                        errors.add(FieldError.of(name, "must be true or false, not " + value));
                    }
                }
                case IDENTITY_VERIFICATION -> {
                    verification = value.isTextual() ? IdentityVerification.of(value.textValue()) : null;
                    if (verification == null) {
                        errors.add(FieldError.of(name, "must be one of " + wireNames() + ", not " + value));
                    }
                }
                case ROTATE_IDENTITY_SECRET -> {
                    if (value.isBoolean()) {
                        rotate = value.booleanValue();
                    } else {
                        errors.add(FieldError.of(name, "must be true (to replace the identity secret) or false, not "
                                + value));
                    }
                }
                case TIME_ZONE -> {
                    if (value.isTextual() && EnvironmentSettings.zoneOf(value.textValue()) != null) {
                        timeZone = value.textValue();
                    } else {
                        errors.add(FieldError.of(name, "must be an IANA time zone such as \"Europe/Berlin\","
                                + " \"America/New_York\" or \"UTC\", not " + value));
                    }
                }
                default -> errors.add(FieldError.of(name, "is not an environment setting; the settings are " + MEMBERS));
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation(errors.stream().map(e -> e.field() + ": " + e.message())
                    .collect(Collectors.joining("; ")), errors);
        }
        return new SettingsPatch(acceptAppIdOnly, verification, rotate, timeZone);
    }

    /** The settings after this patch. */
    EnvironmentSettings applyTo(EnvironmentSettings current) {
        return new EnvironmentSettings(acceptAppIdOnly == null ? current.acceptAppIdOnly() : acceptAppIdOnly,
                identityVerification == null ? current.identityVerification() : identityVerification,
                timeZone == null ? current.timeZone() : timeZone);
    }

    private static String wireNames() {
        return Arrays.stream(IdentityVerification.values()).map(v -> "\"" + v.wire() + "\"").toList().toString();
    }
}
