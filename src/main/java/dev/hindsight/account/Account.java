package dev.hindsight.account;

/** A person who signs in: a unique (lower-cased) email, an optional display name and a role. */
public record Account(long id, String email, String name, Role role, long createdAt) {
}
