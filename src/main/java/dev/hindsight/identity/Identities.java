package dev.hindsight.identity;

import java.util.Locale;
import java.util.Set;

/**
 * Rules for identity strings: which are too long, which are placeholders that would merge everyone, and which
 * cannot be told apart by a person (no visible character, control characters).
 */
public final class Identities {
    public static final int MAX_LENGTH = 255;
    // Values a buggy integration sends for "no user"; accepting them would merge every such visitor into one.
    private static final Set<String> ILLEGAL = Set.of("null", "undefined", "anonymous", "0", "[object object]",
            "none", "nil", "nan", "-1", "false", "true", "\"\"", "''");

    private Identities() {
    }

    /**
     * Whether a code point shows nothing on its own: white space, format characters (zero-width space and joiners,
     * the byte order mark, bidi marks), combining marks, and the blank letters Unicode lists as default ignorable.
     */
    private static boolean invisible(int cp) {
        return switch (Character.getType(cp)) {
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.FORMAT, Character.CONTROL, Character.NON_SPACING_MARK, Character.ENCLOSING_MARK -> true;
            default -> Character.isWhitespace(cp) || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0
                    || cp == 0x2800 || cp == 0x180E;
        };
    }

    /** Why the identity cannot be used, or null when it can. */
    public static String problem(String identity) {
        if (identity == null || identity.isBlank()) {
            return "must be a non-empty string";
        }
        if (identity.length() > MAX_LENGTH) {
            return "must be at most " + MAX_LENGTH + " characters";
        }
        if (identity.codePoints().anyMatch(cp -> cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE)) {
            return "is not valid Unicode: malformed UTF-8 or an unpaired surrogate such as \\ud800";
        }
        if (identity.chars().anyMatch(c -> Character.getType(c) == Character.CONTROL)) {
            return "must not contain control characters (such as NUL, tab or newline)";
        }
        if (identity.codePoints().allMatch(Identities::invisible)) {
            return "must contain a visible character; it holds only white space or invisible characters (such as "
                    + "the zero-width space U+200B)";
        }
        if (ILLEGAL.contains(identity.strip().toLowerCase(Locale.ROOT))) {
            return "'" + identity + "' is a placeholder, not a user id; identifying with it would merge unrelated users";
        }
        return null;
    }
}
