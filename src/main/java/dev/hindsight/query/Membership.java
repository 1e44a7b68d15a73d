package dev.hindsight.query;

import dev.hindsight.define.EventFilter;
import java.util.List;

/**
 * A cohort's rule for who is a member at a given moment {@code now}, as a logical relation every engine evaluates
 * (the cohort package parses it from JSON; the engines render it).
 *
 * <p>Exactly: users are resolved as the {@link Engine} resolves them, over the events before {@code now}. A dynamic
 * rule's candidates are the users with at least one event before {@code now}; a static list's members are its
 * identities (those the store has seen) listed at {@code now}. Conditions:
 * <ul>
 * <li>{@link Did}: the user's events matching {@code event} in [now - within, now) number at least
 * {@code atLeast} (0 allowed) and, when {@code atMost} is not null, at most that;
 * <li>{@link DidThenNot}: the user has an event matching {@code first} at a time t in [now - inLast, now)
 * ({@code inLast} null: any time before now) with no event matching {@code then} at a time in [t, t + within]
 * before now (an event matching both counts as a {@code then} for itself);
 * <li>{@link HasProperty}: the user's current properties (its identity's; an anonymous user's are its device's)
 * match, with the operators of the users analysis;
 * <li>{@link All}, {@link Any}, {@link Not}: and, or, not over the candidates.
 * </ul>
 */
public sealed interface Membership {

    /** Did an event between {@code atLeast} and {@code atMost} (null: no upper bound) times in the last {@code withinMs}. */
    record Did(EventFilter event, int atLeast, Integer atMost, long withinMs) implements Membership {
    }

    /** Did {@code first} (in the last {@code inLastMs}; null: ever) and no {@code then} within {@code withinMs} of it. */
    record DidThenNot(EventFilter first, EventFilter then, long withinMs, Long inLastMs) implements Membership {
    }

    /** A current user property condition. */
    record HasProperty(EventFilter.PropertyMatches match) implements Membership {
    }

    /** Every condition holds (none: every candidate). */
    record All(List<Membership> of) implements Membership {
    }

    /** Some condition holds (none: nobody). */
    record Any(List<Membership> of) implements Membership {
    }

    /** The condition does not hold. */
    record Not(Membership of) implements Membership {
    }

    /**
     * A static cohort's uploaded list of identities; {@code version} changes whenever the list does, so that an
     * analysis (a value saved reports key their cache on) changes with it.
     */
    record Listed(long cohortId, long version) implements Membership {
    }
}
