package dev.hindsight.account;

import java.util.Locale;
import java.util.Optional;

/**
 * A member's role, after the Heap roles of reference 002: each role may do everything the ones before it may.
 * {@link #VIEWER} reads dashboards; {@link #ANALYST} also reads and analyses everything and saves its own reports;
 * {@link #ARCHITECT} also edits definitions, cohorts and everyone's reports; {@link #ADMIN} also manages keys,
 * members, environments and privacy settings.
 */
public enum Role {
    VIEWER, ANALYST, ARCHITECT, ADMIN;

    /** Whether this role may do what {@code needed} may. */
    public boolean atLeast(Role needed) {
        return compareTo(needed) >= 0;
    }

    /** The role's name over the API, in lower case. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code id} (lower case, as the API writes it), if any. */
    public static Optional<Role> parse(String id) {
        for (Role r : values()) {
            if (r.id().equals(id)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
