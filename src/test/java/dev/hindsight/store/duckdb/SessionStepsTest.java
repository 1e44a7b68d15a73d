package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.store.RawEvent;
import dev.hindsight.store.Steps;
import dev.hindsight.store.WriteOp;
import dev.hindsight.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rollup of each session's labelled events into one row, built in slices and kept up as events arrive. */
class SessionStepsTest {
    private static final long T = 1_793_577_600_000L;

    @TempDir
    Path dir;

    @Test
    void eachSessionsRowHoldsItsLabelledEventsInOrderHoweverTheyWereRolledUp() {
        Random random = new Random(7);
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            SessionSteps rollup = new SessionSteps(db, Clock.systemUTC(), 7);
            assertThat(rollup.rollUp()).isZero();
            assertThat(rollup.rolledSeq()).isEqualTo(-1);
            for (int batch = 0; batch < 12; batch++) {
                List<WriteOp> ops = new ArrayList<>();
                int n = 1 + random.nextInt(300);
                for (int i = 0; i < n; i++) {
                    ops.add(new WriteOp.Append(event(random)));
                }
                store.write(ops);
                // Roll up after some batches only, so that some sessions get events in several slices, and late
                // events (earlier in time than a session's rolled-up ones) are merged into rows already written.
                if (random.nextBoolean()) {
                    rollup.rollUp();
                    assertThat(rows(db)).isEqualTo(expected(db, rollup.rolledSeq()));
                }
            }
            rollup.rollUp();
            assertThat(rollup.rolledSeq()).isEqualTo(db.query("SELECT max(seq) FROM events", List.of(), rs -> rs.getLong(1)).get(0));
            Map<String, List<String>> rows = rows(db);
            assertThat(rows).isEqualTo(expected(db, Long.MAX_VALUE));
            // Both environments, sessions that share an id across them, and same-millisecond ties are all covered.
            assertThat(rows.keySet()).anyMatch(k -> k.startsWith("1/")).anyMatch(k -> k.startsWith("2/"));
            assertThat(rows.values()).anyMatch(SessionStepsTest::hasTie);
            assertThat(db.query("SELECT count(*) FROM events WHERE session_key IS NULL OR label_id IS NULL", List.of(),
                    rs -> rs.getLong(1)).get(0)).isPositive();
            assertThat(db.query("SELECT count(*) FROM session_steps", List.of(), rs -> rs.getLong(1)).get(0))
                    .as("sessions share blocks").isLessThan(rows.size());
        }
        // The rollup is in the database: a new process goes on from where it was.
        try (DuckDb db = new DuckDb(dir)) {
            assertThat(new SessionSteps(db, Clock.systemUTC()).rollUp()).isZero();
            assertThat(rows(db)).isEqualTo(expected(db, Long.MAX_VALUE));
        }
    }

    @Test
    void theScheduledRollUpTakesTheEventsThatArrivedHalfAnHourAgo() {
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(T));
        try (DuckDb db = new DuckDb(dir); DuckDbEventStore store = new DuckDbEventStore(db)) {
            SessionSteps rollup = new SessionSteps(db, clock);
            store.write(List.of(page("s1", T), page("s2", T)));
            clock.advance(Duration.ofMinutes(29));
            assertThat(rollup.rollUpSettled()).isZero();
            store.write(List.of(page("s1", clock.millis())));
            clock.advance(Duration.ofMinutes(2));
            assertThat(rollup.rollUpSettled()).isEqualTo(2);
            assertThat(rollup.rolledSeq()).isEqualTo(1);
            assertThat(rollup.behind()).isEqualTo(1);
            assertThat(rollup.rollUp()).isEqualTo(1);
            assertThat(rollup.behind()).isZero();
        }
    }

    private static WriteOp page(String session, long receivedAt) {
        return new WriteOp.Append(new RawEvent(1, UUID.randomUUID(), "pageview", null, "d1", null, session, receivedAt,
                receivedAt, receivedAt, null, null, null, null, null, "https://shop.example/", "/", null, null, null,
                null, null, null, null, null, null, null, null, null, null, "browser", null, "{}"));
    }

    private static boolean hasTie(List<String> steps) {
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i).split("/")[0].equals(steps.get(i - 1).split("/")[0])) {
                return true;
            }
        }
        return false;
    }

    /** Each session's decoded steps, "ms/seq/label", by "env/session_key", from the rows' blocks. */
    private static Map<String, List<String>> rows(DuckDb db) {
        Map<String, List<String>> out = new TreeMap<>();
        db.forEach("SELECT env_id, block, steps, epoch_ms(first_time), epoch_ms(last_time) FROM session_steps",
                List.of(), rs -> {
                    byte[] block = rs.getBytes(3);
                    int blockKey = rs.getInt(2);
                    long env = rs.getLong(1);
                    long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
                    int[] previous = {-1};
                    Steps.forEachSession(blockKey, block, (session, from, to) -> {
                        assertThat(session >> Steps.BLOCK_SHIFT).isEqualTo(blockKey);
                        assertThat(session).as("sessions in key order").isGreaterThan(previous[0]);
                        previous[0] = session;
                        List<String> steps = new ArrayList<>();
                        Steps.forEach(block, from, to, (ms, seq, label) -> {
                            steps.add(ms + "/" + seq + "/" + label);
                            span[0] = Math.min(span[0], ms);
                            span[1] = Math.max(span[1], ms);
                        });
                        assertThat(out.put(env + "/" + session, steps)).as("one entry per session").isNull();
                    });
                    assertThat(span).containsExactly(rs.getLong(4), rs.getLong(5));
                });
        return out;
    }

    /** What the rows should hold: the labelled events with a session and a seq up to {@code seq}, in order. */
    private static Map<String, List<String>> expected(DuckDb db, long seq) {
        Map<String, List<String>> out = new TreeMap<>();
        db.forEach("SELECT env_id, session_key, epoch_ms(time), seq, label_id FROM events WHERE session_key IS NOT NULL"
                + " AND label_id IS NOT NULL AND seq <= ? ORDER BY time, seq", List.of(seq), rs -> out
                        .computeIfAbsent(rs.getLong(1) + "/" + rs.getInt(2), k -> new ArrayList<>())
                        .add(rs.getLong(3) + "/" + rs.getLong(4) + "/" + rs.getInt(5)));
        return out;
    }

    /**
     * A random event: one of two environments, one of 130 sessions (three blocks) or none, at one of a few dozen moments (so
     * that ties and late arrivals are common), a page view or a custom event, sometimes without a name (no label).
     */
    private static RawEvent event(Random random) {
        String session = random.nextInt(8) == 0 ? null : "s" + random.nextInt(130);
        boolean page = random.nextBoolean();
        String name = page || random.nextInt(4) == 0 ? null : "e" + random.nextInt(3);
        String path = "/p" + random.nextInt(4);
        long time = T + random.nextInt(12) * (random.nextBoolean() ? 1L : 600_000L);
        return new RawEvent(1 + random.nextInt(2), UUID.randomUUID(), page ? "pageview" : "custom", name, "d1", null,
                session, time, time, time, null, null, null, null, null, page ? "https://shop.example" + path : null,
                page ? path : null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                "browser", null, "{}");
    }
}
