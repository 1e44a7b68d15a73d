package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The Bloom filter that spares dictionary lookups for strings never seen. */
class KeyFilterTest {

    @Test
    void everyAddedStringMightBeThereAndFewOthersSeemTo() {
        KeyFilter f = new KeyFilter(100_000);
        String[] added = new String[100_000];
        for (int i = 0; i < added.length; i++) {
            added[i] = "d:" + UUID.randomUUID();
            f.add(added[i]);
        }
        for (String s : added) {
            assertThat(f.mightContain(s)).as(s).isTrue();
        }
        int falsePositives = 0;
        for (int i = 0; i < 100_000; i++) {
            if (f.mightContain("d:" + UUID.randomUUID())) {
                falsePositives++;
            }
        }
        // Two probes at 32 bits per string: about 0.4% in theory.
        assertThat(falsePositives).isLessThan(1_000);
        assertThat(f.full()).isFalse();
    }

    @Test
    void aFilterPastItsSizeSaysSoAndStillHasNoFalseNegatives() {
        KeyFilter f = new KeyFilter(10);
        int n = (1 << 20) / 16 + 1;
        for (int i = 0; i < n; i++) {
            f.add("i:user-" + i);
        }
        assertThat(f.full()).isTrue();
        for (int i = 0; i < n; i++) {
            assertThat(f.mightContain("i:user-" + i)).isTrue();
        }
    }
}
