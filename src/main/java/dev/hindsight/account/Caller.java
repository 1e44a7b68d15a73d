package dev.hindsight.account;

import dev.hindsight.project.Environment;

/**
 * Who sent a request, as {@link Access} established it: a member through a session cookie or a personal API
 * token (with {@code account} and its role), the admin token (role admin, no account), or an environment's secret
 * key ({@code keyEnvironment}, no role: it keeps exactly the rights the key always had).
 *
 * @param csrf the session's CSRF token (sessions only; null otherwise)
 */
public record Caller(Kind kind, Account account, Role role, Environment keyEnvironment, String csrf) {
    /** How the caller proved who it is. */
    public enum Kind { SESSION, API_TOKEN, ADMIN_TOKEN, SECRET_KEY }

    static Caller member(Kind kind, Account a, String csrf) {
        return new Caller(kind, a, a.role(), null, csrf);
    }

    /** What saved reports and dashboards record as their owner. */
    public String owner() {
        return switch (kind) {
            case SESSION, API_TOKEN -> "account:" + account.id();
            case ADMIN_TOKEN -> "admin";
            case SECRET_KEY -> "secret-key";
        };
    }
}
