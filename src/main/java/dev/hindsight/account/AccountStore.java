package dev.hindsight.account;

import java.util.List;
import java.util.Optional;

/**
 * Where accounts, their sessions, invites and personal API tokens are kept. Secrets (session ids, invite and API
 * tokens) are only ever stored as their SHA-256 hashes, passwords only as Argon2id hashes.
 */
public interface AccountStore {
    /** A stored account with its password hash. */
    record Stored(Account account, String passwordHash) {
    }

    /** A signed-in browser: the hash of its cookie's id, its account, its CSRF token and when it was last used. */
    record Session(String idHash, long accountId, String csrf, long createdAt, long lastSeenAt) {
    }

    /** An invitation to join with a role; {@code usedAt} is 0 while unused. */
    record Invite(long id, String tokenHash, String email, Role role, long createdBy, long createdAt, long expiresAt,
            long usedAt) {
    }

    /** A personal API token: it acts as its account, with that account's current role. */
    record ApiToken(long id, long accountId, String name, String tokenHash, long createdAt) {
    }

    int countAdmins();

    List<Account> accounts();

    Optional<Stored> byEmail(String email);

    Optional<Account> byId(long id);

    Account insert(String email, String name, Role role, String passwordHash, long now);

    void setRole(long id, Role role);

    /** Deletes an account with its sessions and tokens; false when there is none. */
    boolean delete(long id);

    void insertSession(Session s);

    Optional<Session> session(String idHash);

    void touchSession(String idHash, long now);

    void deleteSession(String idHash);

    /** Deletes the sessions last used before {@code cutoff}. */
    void deleteSessionsIdleSince(long cutoff);

    Invite insert(Invite invite);

    Optional<Invite> inviteByHash(String tokenHash);

    /** Marks an unused invite used; false when it was already used (so that only one acceptance wins). */
    boolean useInvite(long id, long now);

    ApiToken insert(ApiToken token);

    Optional<ApiToken> tokenByHash(String tokenHash);

    List<ApiToken> tokens(long accountId);

    boolean deleteToken(long accountId, long id);
}
