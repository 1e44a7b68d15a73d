package dev.hindsight.store.duckdb;

import dev.hindsight.account.Account;
import dev.hindsight.account.AccountStore;
import dev.hindsight.account.Role;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Accounts, sessions, invites and personal API tokens in the DuckDB file (see {@link AccountStore}). */
public final class DuckDbAccounts implements AccountStore {
    private static final String ACCOUNT = "id, email, name, role, created_at, password_hash";
    private static final String SESSION = "id_hash, account_id, csrf, created_at, last_seen_at";
    private static final String INVITE = "id, token_hash, email, role, created_by, created_at, expires_at, "
            + "coalesce(used_at, 0)";
    private static final String TOKEN = "id, account_id, name, token_hash, created_at";

    private final DuckDb db;

    public DuckDbAccounts(DuckDb db) {
        this.db = db;
    }

    @Override
    public int countAdmins() {
        return db.query("SELECT count(*) FROM accounts WHERE role = ?", List.of(Role.ADMIN.id()), rs -> rs.getInt(1))
                .get(0);
    }

    @Override
    public List<Account> accounts() {
        return db.query("SELECT " + ACCOUNT + " FROM accounts ORDER BY id", List.of(), rs -> stored(rs).account());
    }

    @Override
    public Optional<Stored> byEmail(String email) {
        return db.query("SELECT " + ACCOUNT + " FROM accounts WHERE email = ?", List.of(email), DuckDbAccounts::stored)
                .stream().findFirst();
    }

    @Override
    public Optional<Account> byId(long id) {
        return db.query("SELECT " + ACCOUNT + " FROM accounts WHERE id = ?", List.of(id), rs -> stored(rs).account())
                .stream().findFirst();
    }

    @Override
    public Account insert(String email, String name, Role role, String passwordHash, long now) {
        long id = returningId("INSERT INTO accounts (id, email, name, role, password_hash, created_at) VALUES "
                + "(nextval('account_ids'), ?, ?, ?, ?, ?) RETURNING id", email, name, role.id(), passwordHash, now);
        return new Account(id, email, name, role, now);
    }

    @Override
    public void setRole(long id, Role role) {
        update("UPDATE accounts SET role = ? WHERE id = ?", role.id(), id);
    }

    @Override
    public boolean delete(long id) {
        return db.withConnection(c -> {
            c.setAutoCommit(false);
            try {
                int n = execute(c, "DELETE FROM accounts WHERE id = ?", id);
                execute(c, "DELETE FROM account_sessions WHERE account_id = ?", id);
                execute(c, "DELETE FROM api_tokens WHERE account_id = ?", id);
                c.commit();
                return n > 0;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        });
    }

    @Override
    public void insertSession(Session s) {
        update("INSERT INTO account_sessions (" + SESSION + ") VALUES (?, ?, ?, ?, ?)", s.idHash(), s.accountId(),
                s.csrf(), s.createdAt(), s.lastSeenAt());
    }

    @Override
    public Optional<Session> session(String idHash) {
        return db.query("SELECT " + SESSION + " FROM account_sessions WHERE id_hash = ?", List.of(idHash),
                rs -> new Session(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5)))
                .stream().findFirst();
    }

    @Override
    public void touchSession(String idHash, long now) {
        update("UPDATE account_sessions SET last_seen_at = ? WHERE id_hash = ?", now, idHash);
    }

    @Override
    public void deleteSession(String idHash) {
        update("DELETE FROM account_sessions WHERE id_hash = ?", idHash);
    }

    @Override
    public void deleteSessionsIdleSince(long cutoff) {
        update("DELETE FROM account_sessions WHERE last_seen_at < ?", cutoff);
    }

    @Override
    public Invite insert(Invite i) {
        long id = returningId("INSERT INTO invites (id, token_hash, email, role, created_by, created_at, expires_at) "
                + "VALUES (nextval('invite_ids'), ?, ?, ?, ?, ?, ?) RETURNING id", i.tokenHash(), i.email(),
                i.role().id(), i.createdBy(), i.createdAt(), i.expiresAt());
        return new Invite(id, i.tokenHash(), i.email(), i.role(), i.createdBy(), i.createdAt(), i.expiresAt(), 0);
    }

    @Override
    public Optional<Invite> inviteByHash(String tokenHash) {
        return db.query("SELECT " + INVITE + " FROM invites WHERE token_hash = ?", List.of(tokenHash),
                rs -> new Invite(rs.getLong(1), rs.getString(2), rs.getString(3), role(rs.getString(4)), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getLong(8))).stream().findFirst();
    }

    @Override
    public boolean useInvite(long id, long now) {
        return db.withConnection(c -> execute(c, "UPDATE invites SET used_at = ? WHERE id = ? AND used_at IS NULL",
                now, id)) > 0;
    }

    @Override
    public ApiToken insert(ApiToken t) {
        long id = returningId("INSERT INTO api_tokens (" + TOKEN + ") VALUES (nextval('api_token_ids'), ?, ?, ?, ?) "
                + "RETURNING id", t.accountId(), t.name(), t.tokenHash(), t.createdAt());
        return new ApiToken(id, t.accountId(), t.name(), t.tokenHash(), t.createdAt());
    }

    @Override
    public Optional<ApiToken> tokenByHash(String tokenHash) {
        return db.query("SELECT " + TOKEN + " FROM api_tokens WHERE token_hash = ?", List.of(tokenHash),
                DuckDbAccounts::token).stream().findFirst();
    }

    @Override
    public List<ApiToken> tokens(long accountId) {
        return db.query("SELECT " + TOKEN + " FROM api_tokens WHERE account_id = ? ORDER BY id", List.of(accountId),
                DuckDbAccounts::token);
    }

    @Override
    public boolean deleteToken(long accountId, long id) {
        return db.withConnection(c -> execute(c, "DELETE FROM api_tokens WHERE account_id = ? AND id = ?",
                accountId, id)) > 0;
    }

    private static ApiToken token(ResultSet rs) throws SQLException {
        return new ApiToken(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5));
    }

    private static Stored stored(ResultSet rs) throws SQLException {
        return new Stored(new Account(rs.getLong(1), rs.getString(2), rs.getString(3), role(rs.getString(4)),
                rs.getLong(5)), rs.getString(6));
    }

    private static Role role(String id) {
        return Role.parse(id).orElseThrow(() -> new IllegalStateException("Unknown role '" + id + "' in the store"));
    }

    private long returningId(String sql, Object... params) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, params);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private void update(String sql, Object... params) {
        db.withConnection(c -> execute(c, sql, params));
    }

    private static int execute(java.sql.Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }
}
