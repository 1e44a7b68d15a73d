package dev.hindsight.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The dedup window: retried ids are recognised, removed ones forgotten, old generations dropped. */
class RecentIdsTest {
    private static final long ENV = 1;
    private static final long T = 1_717_200_000_000L;

    @Test
    void retryOfARememberedIdIsRecognised() {
        RecentIds ids = new RecentIds(60_000, 1000, T);
        UUID id = UUID.randomUUID();

        assertThat(ids.add(ENV, id, T)).isTrue();
        assertThat(ids.add(ENV, id, T + 1)).isFalse();
        assertThat(ids.add(ENV, id, T + 2)).isFalse();
        assertThat(ids.size()).isEqualTo(1);
    }

    @Test
    void theSameIdInAnotherEnvironmentIsNotARetry() {
        RecentIds ids = new RecentIds(60_000, 1000, T);
        UUID id = UUID.randomUUID();

        assertThat(ids.add(1, id, T)).isTrue();
        assertThat(ids.add(2, id, T)).isTrue();
        assertThat(ids.add(2, id, T)).isFalse();
    }

    @Test
    void theNilUuidIsRememberedLikeAnyOther() {
        RecentIds ids = new RecentIds(60_000, 1000, T);
        UUID nil = new UUID(0, 0);

        assertThat(ids.add(0, nil, T)).isTrue();
        assertThat(ids.add(0, nil, T)).isFalse();
        ids.remove(0, nil);
        assertThat(ids.add(0, nil, T)).isTrue();
    }

    @Test
    void removedIdIsForgottenAndTheOthersAreKept() {
        RecentIds ids = new RecentIds(60_000, 1000, T);
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        ids.add(ENV, a, T);
        ids.add(ENV, b, T);

        ids.remove(ENV, a);

        assertThat(ids.size()).isEqualTo(1);
        assertThat(ids.add(ENV, b, T)).isFalse();
        assertThat(ids.add(ENV, a, T)).isTrue();
    }

    @Test
    void removingAnUnknownIdChangesNothing() {
        RecentIds ids = new RecentIds(60_000, 1000, T);
        UUID a = UUID.randomUUID();
        ids.add(ENV, a, T);

        ids.remove(ENV, UUID.randomUUID());
        ids.remove(2, a);

        assertThat(ids.size()).isEqualTo(1);
        assertThat(ids.add(ENV, a, T)).isFalse();
    }

    @Test
    void removedIdFromThePreviousGenerationIsForgotten() {
        RecentIds ids = new RecentIds(1000, 1_000_000, T);
        UUID old = UUID.randomUUID();
        ids.add(ENV, old, T);
        ids.add(ENV, UUID.randomUUID(), T + 600); // rotates: old is now in the previous generation

        ids.remove(ENV, old);

        assertThat(ids.add(ENV, old, T + 700)).isTrue();
    }

    @Test
    void idIsRememberedForHalfTheWindowAtLeastAndForgottenAfterTheWholeWindow() {
        RecentIds ids = new RecentIds(1000, 1_000_000, T);
        UUID id = UUID.randomUUID();
        ids.add(ENV, id, T);

        ids.add(ENV, UUID.randomUUID(), T + 499); // same generation
        assertThat(ids.add(ENV, id, T + 499)).isFalse();
        ids.add(ENV, UUID.randomUUID(), T + 500); // rotation: id moves to the previous generation
        assertThat(ids.add(ENV, id, T + 999)).isFalse();
        ids.add(ENV, UUID.randomUUID(), T + 1000); // rotation: id's generation is dropped

        assertThat(ids.add(ENV, id, T + 1001)).isTrue();
    }

    @Test
    void rotationByCapacityKeepsAtMostTheCapacity() {
        // Capacity 64: generations of 32.
        RecentIds ids = new RecentIds(Long.MAX_VALUE / 4, 64, T);
        List<UUID> added = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            UUID id = UUID.randomUUID();
            added.add(id);
            assertThat(ids.add(ENV, id, T)).isTrue();
        }
        // 32 in the previous generation, 32 in the current one: all still remembered.
        for (UUID id : added) {
            assertThat(ids.add(ENV, id, T)).isFalse();
        }
        assertThat(ids.size()).isEqualTo(64);

        ids.add(ENV, UUID.randomUUID(), T); // the current generation is full: the oldest 32 are dropped

        assertThat(ids.size()).isEqualTo(33);
        for (UUID id : added.subList(32, 64)) {
            assertThat(ids.add(ENV, id, T)).isFalse();
        }
        for (UUID id : added.subList(0, 32)) {
            assertThat(ids.add(ENV, id, T)).as("evicted %s", id).isTrue();
        }
        assertThat(ids.size()).isLessThanOrEqualTo(64);
    }

    @Test
    void aMillionIdsStayFindableWhenHalfOfThemAreRemoved() {
        int n = 1_000_000;
        RecentIds ids = new RecentIds(Long.MAX_VALUE / 4, 4 * n, T);
        SplittableRandom random = new SplittableRandom(42);
        long[] his = new long[n];
        long[] los = new long[n];
        for (int i = 0; i < n; i++) {
            his[i] = random.nextLong();
            los[i] = random.nextLong();
            assertThat(ids.add(ENV, new UUID(his[i], los[i]), T)).isTrue();
        }
        assertThat(ids.size()).isEqualTo(n);

        for (int i = 0; i < n; i += 2) {
            ids.remove(ENV, new UUID(his[i], los[i]));
        }

        assertThat(ids.size()).isEqualTo(n / 2);
        int lost = 0;
        for (int i = 1; i < n; i += 2) {
            if (ids.add(ENV, new UUID(his[i], los[i]), T)) {
                lost++;
            }
        }
        assertThat(lost).as("kept ids no longer found").isZero();
        int remembered = 0;
        for (int i = 0; i < n; i += 2) {
            if (!ids.add(ENV, new UUID(his[i], los[i]), T)) {
                remembered++;
            }
        }
        assertThat(remembered).as("removed ids still found").isZero();
        assertThat(ids.size()).isEqualTo(n);
    }
}
