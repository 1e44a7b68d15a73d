package dev.hindsight.store.duckdb;

import dev.hindsight.define.EventFilter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.http.Json;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Property equality filters with their text prefilter, against properties written as the store writes them
 * (Jackson): the prefilter never drops an event that the JSON comparison alone would keep.
 */
class PropertyEqualityTest {
    private static final List<Object> STORED = List.of("checkout", "5", 5, 5.0, true, "true", "a\"b", "x/y", "café",
            "tab\there", "", "null", "-1", -1, "[1]", "checkout2", "Checkout");

    @Test
    void equalityMatchesExactlyWhatTheJsonValueSaysWithOrWithoutThePrefilter() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            for (Object filter : List.of("checkout", "5", "true", "a\"b", "x/y", "café", "", "null", "-1", "[1]")) {
                Sql condition = new DuckDbDialect().filter(new EventFilter.PropertyMatches("k", "=", filter));
                List<String> matched = new ArrayList<>();
                List<String> expected = new ArrayList<>();
                for (Object stored : STORED) {
                    Map<String, Object> props = new LinkedHashMap<>();
                    props.put("other", "checkout");
                    props.put("k", stored);
                    String json = Json.MAPPER.writeValueAsString(props);
                    if (matches(c, condition, json)) {
                        matched.add(json);
                    }
                    if (matches(c, new Sql().append("json_extract_string(properties, '$.k') = ").param(filter), json)) {
                        expected.add(json);
                    }
                }
                assertThat(matched).as("k = " + filter + " rendered as " + condition.text()).isEqualTo(expected)
                        .isNotEmpty();
            }
        }
    }

    @Test
    void onlyValuesWrittenVerbatimBetweenQuotesArePrefiltered() {
        assertThat(DuckDbDialect.quotedInJson("checkout")).isTrue();
        assertThat(DuckDbDialect.quotedInJson("x/y")).isTrue();
        for (String s : List.of("5", "-1", "true", "null", "[1]", "{}", "a\"b", "café", "", "tab\there")) {
            assertThat(DuckDbDialect.quotedInJson(s)).as(s).isFalse();
        }
    }

    private static boolean matches(Connection c, Sql condition, String json) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(" + condition.text()
                + ", FALSE) FROM (SELECT CAST(? AS VARCHAR) AS properties)")) {
            for (int i = 0; i < condition.params().size(); i++) {
                ps.setObject(i + 1, condition.params().get(i));
            }
            ps.setObject(condition.params().size() + 1, json);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
