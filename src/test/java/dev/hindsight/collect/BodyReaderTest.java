package dev.hindsight.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.hindsight.error.ErrorCode;
import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The streaming reader of ingest bodies, without a server. */
class BodyReaderTest {

    private static Fields read(String json) {
        return BodyReader.read(json.getBytes(StandardCharsets.UTF_8));
    }

    private static HindsightException failure(String json) {
        return catchThrowableOfType(HindsightException.class, () -> read(json));
    }

    @Test
    void scalarMembersKeepTheirJsonTypesAndNumbersBeyondALongTheirText() {
        Fields f = read("{\"s\": \"text\", \"i\": 42, \"big\": 1700000000000, \"huge\": 123456789012345678901234,"
                + " \"d\": 2.5, \"t\": true, \"f\": false}");

        assertThat(f.get("s")).isEqualTo("text");
        assertThat(f.get("i")).isEqualTo(42L);
        assertThat(f.get("big")).isEqualTo(1_700_000_000_000L);
        assertThat(f.get("huge")).isInstanceOf(SentNumber.class);
        assertThat(f.get("huge").toString()).isEqualTo("123456789012345678901234");
        assertThat(f.get("d")).isInstanceOf(SentNumber.class);
        assertThat(((Number) f.get("d")).doubleValue()).isEqualTo(2.5);
        assertThat(f.get("t")).isEqualTo(Boolean.TRUE);
        assertThat(f.get("f")).isEqualTo(Boolean.FALSE);
    }

    @Test
    void nullMembersAreAbsent() {
        Fields f = read("{\"identity\": null, \"event\": \"x\"}");

        assertThat(f.has("identity")).isFalse();
        assertThat(f.has("event")).isTrue();
    }

    @Test
    void objectOrArrayWhereAScalarBelongsIsMarked() {
        Fields f = read("{\"identity\": {\"id\": 1}, \"event\": [1]}");

        assertThat(f.get("identity")).isSameAs(Fields.NOT_SCALAR);
        assertThat(f.get("event")).isSameAs(Fields.NOT_SCALAR);
    }

    @Test
    void nestedPropertiesAreFlattenedToDottedKeysInOrderAndNamed() {
        Fields f = read("{\"properties\": {\"a\": 1, \"plan\": {\"tier\": \"pro\", \"limits\": {\"seats\": 3}},"
                + " \"z\": \"last\"}}");

        assertThat(f.properties()).containsExactly(java.util.Map.entry("a", 1L),
                java.util.Map.entry("plan.tier", "pro"), java.util.Map.entry("plan.limits.seats", 3L),
                java.util.Map.entry("z", "last"));
        assertThat(f.flattened()).containsExactlyInAnyOrder("plan", "plan.limits");
        assertThat(f.errors()).isEmpty();
    }

    @Test
    void nullPropertyValuesAreDroppedAndAnAllNullObjectIsNotReportedAsFlattened() {
        Fields f = read("{\"properties\": {\"keep\": 1, \"drop\": null, \"empty\": {\"x\": null}}}");

        assertThat(f.properties()).containsOnlyKeys("keep");
        assertThat(f.flattened()).isEmpty();
    }

    @Test
    void traitsAreReadLikeProperties() {
        Fields f = read("{\"traits\": {\"company\": {\"name\": \"Acme\"}}}");

        assertThat(f.properties()).containsEntry("company.name", "Acme");
        assertThat(f.flattened()).containsExactly("company");
    }

    @Test
    void arrayPropertyValuesBecomeErrorsNamingTheirPath() {
        Fields f = read("{\"events\": [{\"properties\": {\"ok\": 1, \"meta\": {\"tags\": [\"a\", [\"b\"]]}}}]}");

        Fields item = f.events().get(0);
        assertThat(item.properties()).containsOnlyKeys("ok");
        assertThat(item.errors()).extracting(FieldError::field).containsExactly("events[0].properties.meta.tags");
    }

    @Test
    void propertiesNestedDeeperThanEightLevelsAreRefused() {
        StringBuilder json = new StringBuilder("{\"properties\": ");
        for (int i = 0; i < 9; i++) {
            json.append("{\"k").append(i).append("\": ");
        }
        json.append("1").append("}".repeat(9)).append("}");

        Fields f = read(json.toString());

        assertThat(f.errors()).hasSize(1);
        assertThat(f.errors().get(0).message()).contains("deeper than 8");
        assertThat(f.properties()).isEmpty();
    }

    @Test
    void eventsAndUsersArraysAreReadAsItemsAndNonObjectItemsBecomeErrors() {
        Fields events = read("{\"events\": [{\"event\": \"a\"}, 7, {\"event\": \"c\"}]}");
        Fields users = read("{\"users\": [{\"identity\": \"u\"}]}");

        assertThat(events.events()).hasSize(3);
        assertThat(events.events().get(0).get("event")).isEqualTo("a");
        assertThat(events.events().get(1).errors()).containsExactly(new FieldError("events[1]", 1,
                "must be a JSON object"));
        assertThat(events.events().get(2).get("event")).isEqualTo("c");
        assertThat(users.events()).hasSize(1);
        assertThat(users.events().get(0).get("identity")).isEqualTo("u");
    }

    @Test
    void malformedJsonNamesLineColumnAndOffset() {
        HindsightException e = failure("{\n  \"a\": 1,\n  \"b\": tru\n}");

        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(e.getMessage()).contains("line 3");
        assertThat(e.extra()).containsEntry("line", 3).containsKeys("column", "offset");
    }

    @Test
    void emptyBodyAndNonObjectBodiesAreMalformed() {
        assertThat(catchThrowableOfType(HindsightException.class, () -> BodyReader.read(new byte[0])).code())
                .isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(failure("[]").code()).isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(failure("42").code()).isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(failure("{} {}").code()).isEqualTo(ErrorCode.MALFORMED_JSON);
        assertThat(failure("{\"a\": 1").code()).isEqualTo(ErrorCode.MALFORMED_JSON);
    }

    @Test
    void absurdNestingOutsidePropertiesIsMalformedNotACrash() {
        String json = "{\"x\": " + "[".repeat(100) + "]".repeat(100) + "}";

        assertThat(failure(json).code()).isEqualTo(ErrorCode.MALFORMED_JSON);
    }
}
