package dev.hindsight.catalog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSS selector to suggest for a raw interaction, from its stored hierarchy (the encoding of
 * {@code src/main/tracker/hierarchy.js}): the target's tag with its id, or its classes and stable
 * {@code data-hs-id}, under the nearest ancestor that has an id. It matches the interaction's element; it may match
 * others like it, which is what a definition usually wants.
 */
public final class SuggestedSelector {
    private SuggestedSelector() {
    }

    /** The suggestion for {@code hierarchy}, or null when there is none (no hierarchy). */
    public static String of(String hierarchy) {
        if (hierarchy == null || hierarchy.isEmpty()) {
            return null;
        }
        String[] levels = hierarchy.split("\\|");
        Level target = Level.parse(levels[levels.length - 1]);
        StringBuilder sb = new StringBuilder(target.tag.isEmpty() ? "*" : ident(target.tag));
        if (target.id != null && !target.id.isEmpty()) {
            sb.append('#').append(ident(target.id));
        } else {
            target.classes.forEach(c -> sb.append('.').append(ident(c)));
            if (target.stableId != null) {
                sb.append("[data-hs-id=\"").append(target.stableId.replace("\\", "\\\\").replace("\"", "\\\""))
                        .append("\"]");
            }
            for (int i = levels.length - 2; i >= 0; i--) {
                Level up = Level.parse(levels[i]);
                if (up.id != null && !up.id.isEmpty()) {
                    sb.insert(0, "#" + ident(up.id) + " ");
                    break;
                }
            }
        }
        return sb.toString();
    }

    /** A CSS identifier for {@code s}: characters other than letters, digits, - and _ (and a leading digit) escaped. */
    static String ident(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean plain = cp < 0x80 && (Character.isLetterOrDigit(cp) || cp == '-' || cp == '_');
            boolean leadingDigit = (i == 0 || i == 1 && s.charAt(0) == '-') && cp >= '0' && cp <= '9';
            if (plain && !leadingDigit && !(s.equals("-"))) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\\').append(Integer.toHexString(cp)).append(' ');
            }
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    /** One level of the hierarchy, decoded. */
    private record Level(String tag, String id, List<String> classes, String stableId) {
        static Level parse(String level) {
            int attrs = level.indexOf('[');
            int pos = level.indexOf(':');
            int end = attrs >= 0 ? attrs : pos >= 0 ? pos : level.length();
            String head = level.substring(0, end);
            String[] dots = head.split("\\.", -1);
            String tagAndId = dots[0];
            int hash = tagAndId.indexOf('#');
            String tag = decode(hash >= 0 ? tagAndId.substring(0, hash) : tagAndId);
            String id = hash >= 0 ? decode(tagAndId.substring(hash + 1)) : null;
            List<String> classes = new ArrayList<>();
            for (int i = 1; i < dots.length; i++) {
                classes.add(decode(dots[i]));
            }
            String stableId = null;
            if (attrs >= 0) {
                for (String a : level.substring(attrs, level.indexOf(':', attrs) < 0 ? level.length()
                        : level.indexOf(':', attrs)).split("\\[")) {
                    if (a.startsWith("data-hs-id=") && a.endsWith("]")) {
                        stableId = decode(a.substring("data-hs-id=".length(), a.length() - 1));
                    }
                }
            }
            return new Level(tag, id, classes, stableId);
        }
    }

    /** Decodes the encoding's %XX escapes (UTF-8 bytes). */
    private static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(ch).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
