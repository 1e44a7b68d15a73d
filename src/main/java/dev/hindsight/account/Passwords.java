package dev.hindsight.account;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import dev.hindsight.error.HindsightException;
import java.nio.charset.StandardCharsets;

/**
 * Password hashing with Argon2id (Password4j), at OWASP's recommended cost (19 MiB, 2 passes, 1 lane), and the
 * rules a new password must meet.
 */
public final class Passwords {
    /** The shortest password accepted, in characters. */
    public static final int MIN_CHARS = 10;
    /** The longest password accepted, in UTF-8 bytes: longer ones would only cost hashing time. */
    public static final int MAX_BYTES = 1024;

    private final Argon2Function function = Argon2Function.getInstance(19 * 1024, 2, 1, 32, Argon2.ID);
    /** Verified against when an email has no account, so that the answer takes as long as for a wrong password. */
    private final String dummy;

    public Passwords() {
        dummy = hash("not-a-password-of-anyone-" + System.nanoTime());
    }

    /** Refuses a new password shorter than {@link #MIN_CHARS} or longer than {@link #MAX_BYTES}, naming {@code field}. */
    public static void checkNew(String password, String field) {
        if (password.codePointCount(0, password.length()) < MIN_CHARS) {
            throw HindsightException.field(field, "must be at least " + MIN_CHARS + " characters long");
        }
        checkLength(password, field);
    }

    /** Refuses a password longer than {@link #MAX_BYTES} before any hashing time is spent on it. */
    public static void checkLength(String password, String field) {
        if (password.length() > MAX_BYTES || password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw HindsightException.field(field, "must be at most " + MAX_BYTES + " bytes long");
        }
    }

    /** The Argon2id hash of {@code password} with a random salt, in the PHC string format. */
    public String hash(String password) {
        return Password.hash(password).addRandomSalt(16).with(function).getResult();
    }

    /**
     * Whether {@code password} matches {@code hash}; with a null hash it checks against a dummy hash (and answers
     * false), so that an unknown account costs the same time as a known one.
     */
    public boolean verify(String password, String hash) {
        if (hash == null) {
            Password.check(password, dummy).with(function);
            return false;
        }
        return Password.check(password, hash).with(Argon2Function.getInstanceFromHash(hash));
    }
}
