package dev.hindsight.account;

import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.HindsightException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The accounts service: first-run set-up, password sign-in with throttling, server-side sessions, invites,
 * members' roles and personal API tokens. Every secret it hands out is 256 random bits and is stored only as its
 * SHA-256 hash, so a copy of the database does not let anyone sign in.
 */
public final class Accounts {
    /** How long an invite link stays valid. */
    public static final Duration INVITE_LIFETIME = Duration.ofDays(7);
    /** The prefix of personal API tokens, so that they are recognisable (and findable by secret scanners). */
    public static final String TOKEN_PREFIX = "hs_pat_";
    /** A session's last use is written at most this often, so that reads do not each cost a write. */
    private static final long TOUCH_EVERY_MS = 60_000;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final AccountStore store;
    private final Passwords passwords;
    private final LoginThrottle throttle;
    private final Clock clock;
    private final Duration idle;

    /** Accounts kept in {@code store}, whose sessions end after {@code idle} without use. */
    public Accounts(AccountStore store, Passwords passwords, Clock clock, Duration idle) {
        this.store = store;
        this.passwords = passwords;
        this.throttle = new LoginThrottle(clock);
        this.clock = clock;
        this.idle = idle;
    }

    /** A new session: the id for the cookie (never stored) and its CSRF token. */
    public record NewSession(String id, String csrf, Account account) {
    }

    /** A current session and its account. */
    public record SignedIn(Account account, String csrf, boolean touched) {
    }

    /** A new invite with its one-time token (shown once). */
    public record NewInvite(String token, AccountStore.Invite invite) {
    }

    /** A new personal API token with its secret (shown once). */
    public record NewToken(String token, AccountStore.ApiToken stored) {
    }

    public Duration idle() {
        return idle;
    }

    public boolean hasAdmin() {
        return store.countAdmins() > 0;
    }

    /** Creates the first admin and signs it in; a conflict once any admin exists. */
    public synchronized NewSession setUp(String email, String password, String name) {
        if (hasAdmin()) {
            throw new HindsightException(ErrorCode.CONFLICT, "Hindsight is already set up: an admin exists. Sign in "
                    + "with POST /api/login, or ask an admin for an invite");
        }
        Passwords.checkNew(password, "password");
        Account a = create(email, name, Role.ADMIN, password);
        return startSession(a);
    }

    /**
     * The account whose email and password these are, and a new session for it. Wrong passwords are throttled per
     * email and per {@code address}; an unknown email is answered exactly like a wrong password, after as long.
     */
    public NewSession logIn(String email, String password, String address) {
        Passwords.checkLength(password, "password");
        String accountKey = "account:" + email;
        String addressKey = "address:" + address;
        long wait = Math.max(throttle.waitSeconds(accountKey), throttle.waitSeconds(addressKey));
        if (wait > 0) {
            throw new HindsightException(ErrorCode.RATE_LIMITED, "Too many wrong passwords; try again in " + wait
                    + " s", List.of(), java.util.Map.of(), (int) Math.min(Integer.MAX_VALUE, wait));
        }
        Optional<AccountStore.Stored> found = store.byEmail(email);
        boolean ok = passwords.verify(password, found.map(AccountStore.Stored::passwordHash).orElse(null));
        if (!ok || found.isEmpty()) {
            throttle.failed(accountKey);
            throttle.failed(addressKey);
            throw new HindsightException(ErrorCode.UNAUTHORIZED, "Wrong email or password");
        }
        // The address's count is not reset: one's own account must not clear the way to guess others'.
        throttle.succeeded(accountKey);
        return startSession(found.get().account());
    }

    /** A new session for {@code account}: always a new id, so that no id set before sign-in survives it. */
    public NewSession startSession(Account account) {
        String id = secret();
        String csrf = secret();
        long now = clock.millis();
        store.insertSession(new AccountStore.Session(sha256(id), account.id(), csrf, now, now));
        return new NewSession(id, csrf, account);
    }

    /** The session whose cookie id is {@code id}, unless it ended or was idle for longer than allowed. */
    public Optional<SignedIn> session(String id) {
        String hash = sha256(id);
        Optional<AccountStore.Session> s = store.session(hash);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        long now = clock.millis();
        if (now - s.get().lastSeenAt() > idle.toMillis()) {
            store.deleteSession(hash);
            return Optional.empty();
        }
        Optional<Account> a = store.byId(s.get().accountId());
        if (a.isEmpty()) {
            return Optional.empty();
        }
        boolean touch = now - s.get().lastSeenAt() >= TOUCH_EVERY_MS;
        if (touch) {
            store.touchSession(hash, now);
        }
        return Optional.of(new SignedIn(a.get(), s.get().csrf(), touch));
    }

    public void endSession(String id) {
        store.deleteSession(sha256(id));
    }

    /** The account a personal API token acts as, if the token is current. */
    public Optional<Account> byApiToken(String token) {
        return store.tokenByHash(sha256(token)).flatMap(t -> store.byId(t.accountId()));
    }

    /** Invites {@code email} to join as {@code role}; the token is valid once, for {@link #INVITE_LIFETIME}. */
    public NewInvite invite(String email, Role role, long by) {
        String normal = email(email, "email");
        if (store.byEmail(normal).isPresent()) {
            throw new HindsightException(ErrorCode.CONFLICT, "There is already a member with email '" + normal + "'");
        }
        String token = secret();
        long now = clock.millis();
        AccountStore.Invite i = store.insert(new AccountStore.Invite(0, sha256(token), normal, role, by, now,
                now + INVITE_LIFETIME.toMillis(), 0));
        return new NewInvite(token, i);
    }

    /** Creates the invited member and signs it in; an unknown token is not found, a used or expired one gone. */
    public synchronized NewSession accept(String token, String password, String name) {
        AccountStore.Invite i = store.inviteByHash(sha256(token)).orElseThrow(() -> new HindsightException(
                ErrorCode.NOT_FOUND, "No such invite; ask an admin for a new link"));
        if (i.usedAt() != 0) {
            throw new HindsightException(ErrorCode.GONE, "This invite was already used; sign in, or ask an admin "
                    + "for a new link");
        }
        if (clock.millis() >= i.expiresAt()) {
            throw new HindsightException(ErrorCode.GONE, "This invite expired; ask an admin for a new link");
        }
        Passwords.checkNew(password, "password");
        if (store.byEmail(i.email()).isPresent()) {
            throw new HindsightException(ErrorCode.CONFLICT, "There is already a member with email '" + i.email()
                    + "'");
        }
        if (!store.useInvite(i.id(), clock.millis())) {
            throw new HindsightException(ErrorCode.GONE, "This invite was already used");
        }
        return startSession(create(i.email(), name, i.role(), password));
    }

    public List<Account> members() {
        return store.accounts();
    }

    /** Changes a member's role; the last admin cannot be demoted. */
    public synchronized Account setRole(long id, Role role) {
        Account a = member(id);
        if (a.role() == Role.ADMIN && role != Role.ADMIN && store.countAdmins() <= 1) {
            throw lastAdmin();
        }
        store.setRole(id, role);
        return new Account(a.id(), a.email(), a.name(), role, a.createdAt());
    }

    /** Removes a member with its sessions and tokens; the last admin cannot be removed. */
    public synchronized void remove(long id) {
        Account a = member(id);
        if (a.role() == Role.ADMIN && store.countAdmins() <= 1) {
            throw lastAdmin();
        }
        store.delete(id);
    }

    public NewToken createToken(Account owner, String name) {
        String token = TOKEN_PREFIX + secret();
        AccountStore.ApiToken t = store.insert(new AccountStore.ApiToken(0, owner.id(), name, sha256(token),
                clock.millis()));
        return new NewToken(token, t);
    }

    public List<AccountStore.ApiToken> tokens(Account owner) {
        return store.tokens(owner.id());
    }

    public void deleteToken(Account owner, long id) {
        if (!store.deleteToken(owner.id(), id)) {
            throw new HindsightException(ErrorCode.NOT_FOUND, "You have no API token " + id);
        }
    }

    /** An email as stored: trimmed and lower-cased, refused (naming {@code field}) unless it looks like one. */
    public static String email(String email, String field) {
        String e = email.strip().toLowerCase(Locale.ROOT);
        if (e.length() > 254 || !e.matches("[^@\\s]+@[^@\\s]+")) {
            throw HindsightException.field(field, "must be an email address (at most 254 characters)");
        }
        return e;
    }

    private Account create(String email, String name, Role role, String password) {
        String normal = email(email, "email");
        if (store.byEmail(normal).isPresent()) {
            throw new HindsightException(ErrorCode.CONFLICT, "There is already a member with email '" + normal + "'");
        }
        return store.insert(normal, name, role, passwords.hash(password), clock.millis());
    }

    private Account member(long id) {
        return store.byId(id).orElseThrow(() -> new HindsightException(ErrorCode.NOT_FOUND, "No member " + id));
    }

    private static HindsightException lastAdmin() {
        return new HindsightException(ErrorCode.CONFLICT, "This is the last admin: make another member admin first");
    }

    /** 256 random bits, base64url without padding. */
    static String secret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The SHA-256 of a secret in hex: what the store keeps and looks up by (so lookups leak no timing of it). */
    static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
