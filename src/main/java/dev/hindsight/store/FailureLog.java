package dev.hindsight.store;

import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rate-limited log of write failures: the first failure of each cause is logged with its stack trace, later
 * ones of the same cause only as a count once per interval, so a client that sends the same poison in a loop
 * cannot flood the log. Not thread-safe: only the writer thread uses it.
 */
public final class FailureLog {
    /** Where the lines go: SLF4J in the server, a list in tests. */
    public interface Sink {
        void log(String line, Throwable stackTrace);
    }

    private static final Logger LOG = LoggerFactory.getLogger(WriteQueue.class);

    private final Sink sink;
    private final Clock clock;
    private final long intervalMs;
    private final Map<String, Window> windows = new HashMap<>();

    public FailureLog(Sink sink, Clock clock, long intervalMs) {
        this.sink = sink;
        this.clock = clock;
        this.intervalMs = intervalMs;
    }

    /** Logs through SLF4J at error level, counts once a minute. */
    public static FailureLog slf4j(Clock clock) {
        return new FailureLog((line, e) -> {
            if (e == null) {
                LOG.error(line);
            } else {
                LOG.error(line, e);
            }
        }, clock, 60_000);
    }

    /** Records one failure of {@code cause} (a short stable key such as the exception class). */
    public void failure(String cause, String message, Throwable e) {
        long now = clock.millis();
        Window w = windows.get(cause);
        if (w == null) {
            windows.put(cause, new Window(now, message));
            sink.log(message + " [cause " + cause + "; repeats are counted, logged at most once per "
                    + intervalMs / 1000 + " s]", e);
            return;
        }
        w.count++;
        w.latest = message;
        flush(now);
    }

    /** Logs the counts of causes whose interval has passed; the writer calls it when idle too. */
    public void flush() {
        flush(clock.millis());
    }

    private void flush(long now) {
        for (Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Window> e = it.next();
            Window w = e.getValue();
            if (now - w.startedMs < intervalMs) {
                continue;
            }
            if (w.count == 0) {
                // A quiet interval: the next failure of this cause is logged in full again.
                it.remove();
                continue;
            }
            sink.log(w.count + " more write failures of cause " + e.getKey() + " in the last "
                    + (now - w.startedMs) / 1000 + " s; latest: " + w.latest, null);
            w.startedMs = now;
            w.count = 0;
        }
    }

    private static final class Window {
        long startedMs;
        long count;
        String latest;

        Window(long startedMs, String latest) {
            this.startedMs = startedMs;
            this.latest = latest;
        }
    }
}
