package dev.hindsight.activate.destination;

import dev.hindsight.activate.CanonicalEvent;

/** A canonical event on its way to a destination, with what is known about its user. */
public record Outgoing(CanonicalEvent event, UserData user) {
    public Outgoing {
        if (user == null) user = UserData.none();
    }
}
