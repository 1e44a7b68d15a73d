package dev.hindsight.account;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing: after {@link #FREE_FAILURES} wrong passwords for one key (an account's email, or a
 * client address), each further attempt must wait twice as long as the one before (1 s, 2 s, 4 s, ... up to
 * {@link #MAX_DELAY}). A key's failures are forgotten {@link #FORGET_AFTER} after its last one.
 */
final class LoginThrottle {
    static final int FREE_FAILURES = 5;
    static final Duration MAX_DELAY = Duration.ofMinutes(15);
    static final Duration FORGET_AFTER = Duration.ofHours(1);
    /** Past this many keys, forgotten ones are dropped, so that made-up emails cannot fill the memory. */
    private static final int PURGE_AT = 100_000;

    private record State(int failures, long lastFailure) {
    }

    private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();
    private final Clock clock;

    LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    /** How many seconds {@code key} must wait before its next attempt; 0 when it may try now. */
    long waitSeconds(String key) {
        State s = states.get(key);
        long now = clock.millis();
        if (s == null || s.failures() < FREE_FAILURES || now - s.lastFailure() > FORGET_AFTER.toMillis()) {
            return 0;
        }
        int doublings = Math.min(s.failures() - FREE_FAILURES, 20);
        long delay = Math.min(MAX_DELAY.toMillis(), 1000L << doublings);
        long left = s.lastFailure() + delay - now;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    void failed(String key) {
        long now = clock.millis();
        if (states.size() >= PURGE_AT) {
            states.values().removeIf(s -> now - s.lastFailure() > FORGET_AFTER.toMillis());
        }
        states.merge(key, new State(1, now), (old, one) -> now - old.lastFailure() > FORGET_AFTER.toMillis()
                ? one : new State(old.failures() + 1, now));
    }

    void succeeded(String key) {
        states.remove(key);
    }
}
