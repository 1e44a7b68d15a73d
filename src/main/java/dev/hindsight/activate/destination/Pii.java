package dev.hindsight.activate.destination;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Normalisation and hashing of contact information as the ad platforms document it (Meta's customer
 * information parameters): email trimmed and lower-cased; phone reduced to its digits, country code
 * included, leading zeros removed; then SHA-256, lower-case hex.
 */
public final class Pii {
    private Pii() {
    }

    public static String normaliseEmail(String email) {
        if (email == null) return null;
        String e = email.trim().toLowerCase(Locale.ROOT);
        return e.isEmpty() ? null : e;
    }

    /** Digits only ("+1 (650) 555-1212" -> "16505551212"); an international "00" prefix is dropped. */
    public static String normalisePhone(String phone) {
        if (phone == null) return null;
        String digits = phone.replaceAll("[^0-9]", "");
        digits = digits.replaceFirst("^0+", "");
        return digits.isEmpty() ? null : digits;
    }

    public static String sha256Hex(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True if the value already looks like a SHA-256 hex digest (so it is not hashed twice). */
    public static boolean isSha256Hex(String s) {
        return s != null && s.matches("[0-9a-f]{64}");
    }

    public static String hashEmail(String email) {
        String n = normaliseEmail(email);
        return n == null ? null : isSha256Hex(n) ? n : sha256Hex(n);
    }

    public static String hashPhone(String phone) {
        if (phone != null && isSha256Hex(phone.trim())) return phone.trim();
        String n = normalisePhone(phone);
        return n == null ? null : sha256Hex(n);
    }

    /** Identifiers such as external_id: trimmed and lower-cased before hashing, as Meta recommends. */
    public static String hashId(String id) {
        if (id == null || id.isBlank()) return null;
        String n = id.trim().toLowerCase(Locale.ROOT);
        return isSha256Hex(n) ? n : sha256Hex(n);
    }
}
