package dev.hindsight.identity;

import java.util.Locale;
import java.util.Set;

/** Rules for identity strings: which are too long, and which are placeholders that would merge everyone. */
public final class Identities {
    public static final int MAX_LENGTH = 255;
    // Values a buggy integration sends for "no user"; accepting them would merge every such visitor into one.
    private static final Set<String> ILLEGAL = Set.of("null", "undefined", "anonymous", "0", "[object object]",
            "none", "nil", "nan", "-1", "false", "true", "\"\"", "''");

    private Identities() {
    }

    /** Why the identity cannot be used, or null when it can. */
    public static String problem(String identity) {
        if (identity == null || identity.isBlank()) {
            return "must be a non-empty string";
        }
        if (identity.length() > MAX_LENGTH) {
            return "must be at most " + MAX_LENGTH + " characters";
        }
        if (ILLEGAL.contains(identity.strip().toLowerCase(Locale.ROOT))) {
            return "'" + identity + "' is a placeholder, not a user id; identifying with it would merge unrelated users";
        }
        return null;
    }
}
