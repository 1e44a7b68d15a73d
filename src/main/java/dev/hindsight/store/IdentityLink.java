package dev.hindsight.store;

/**
 * A merge: from {@code validFrom} on (and, for a device's first link, also before it) the anonymous events
 * of {@code deviceId} belong to {@code identity}, until the device's next link. An undone link
 * ({@code undoneAt} set) still bounds its neighbours but attributes nothing.
 */
public record IdentityLink(long id, long envId, String deviceId, String identity, long validFrom, long createdAt,
        Long undoneAt, String source) {
}
