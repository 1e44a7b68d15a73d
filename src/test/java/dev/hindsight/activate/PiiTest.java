package dev.hindsight.activate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.activate.destination.Pii;
import org.junit.jupiter.api.Test;

class PiiTest {
    @Test
    void emailIsTrimmedAndLowerCasedBeforeHashing() {
        assertThat(Pii.normaliseEmail(" John.Doe@Example.com ")).isEqualTo("john.doe@example.com");
        assertThat(Pii.hashEmail(" John.Doe@Example.com ")).isEqualTo(Pii.sha256Hex("john.doe@example.com"));
        // the worked example in the platforms' docs: Person@Example.com -> person@example.com -> this digest
        assertThat(Pii.hashEmail("Person@Example.com"))
                .isEqualTo("542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345");
    }

    @Test
    void phoneKeepsDigitsWithCountryCode() {
        assertThat(Pii.normalisePhone("+1 (650) 555-1212")).isEqualTo("16505551212");
        assertThat(Pii.normalisePhone("+44 844 412 4653")).isEqualTo("448444124653");
        assertThat(Pii.normalisePhone("0044 844 412 4653")).isEqualTo("448444124653");
        assertThat(Pii.hashPhone("+1 (650) 555-1212")).isEqualTo(Pii.sha256Hex("16505551212")).matches("[0-9a-f]{64}");
    }

    @Test
    void alreadyHashedValuesAreNotHashedTwice() {
        String h = Pii.sha256Hex("john.doe@example.com");
        assertThat(Pii.hashEmail(h)).isEqualTo(h);
        assertThat(Pii.hashEmail(h.toUpperCase())).isEqualTo(h);
        assertThat(Pii.hashEmail("  ")).isNull();
        assertThat(Pii.hashPhone(null)).isNull();
    }
}
