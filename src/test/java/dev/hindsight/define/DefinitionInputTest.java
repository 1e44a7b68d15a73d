package dev.hindsight.define;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.error.HindsightException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Hostile and malformed definitions get a 400 naming the field, never a 500, and a saved definition always runs. */
class DefinitionInputTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        TestServer.Response r = s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", List.of(Map.of(
                "kind", "click", "device_id", "d1", "time", 1_794_306_000_000L, "text", "Buy",
                "url", "https://shop.example.com/p", "hierarchy", "body:1:1|button.a%EF%BF%BDb[type=button]:1:1"))));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static TestServer.Response create(Object rule) {
        return s.post("/api/definitions", TestServer.json("app_id", s.dev().appId(), "name", "d" + System.nanoTime(),
                "rules", List.of(rule)), bearer(TestServer.ADMIN));
    }

    private static TestServer.Response preview(Object rule) {
        return s.post("/api/definitions/preview", TestServer.json("app_id", s.dev().appId(),
                "from", "2026-11-01T00:00:00Z", "to", "2026-12-01T00:00:00Z", "rules", List.of(rule)),
                bearer(TestServer.ADMIN));
    }

    private static void assertRefused(TestServer.Response r, String field, String says) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        JsonNode error = r.json().get("errors").get(0);
        assertThat(error.get("field").asText()).isEqualTo(field);
        assertThat(error.get("message").asText()).contains(says);
    }

    @Test
    void regexesJavaTakesButRe2RefusesAreRefusedWhenSavedOrPreviewedNamingTheFieldAndWhy() {
        assertRefused(create(Map.of("kind", "click", "text_regex", "a++b")), "rules[0].text_regex", "possessive");
        assertRefused(create(Map.of("kind", "pageview", "path_regex", "(?>a)")), "rules[0].path_regex", "atomic");
        assertRefused(create(Map.of("kind", "click", "text_regex", "\\p{javaLowerCase}")), "rules[0].text_regex",
                "Java's classes");
        assertRefused(create(Map.of("kind", "click", "text_regex", "((a{100}){100}){100}")), "rules[0].text_regex",
                "more than 1000");
        assertRefused(preview(Map.of("kind", "click", "text_regex", "(?<n>Buy)")), "rules[0].text_regex", "(?P<name>");
        assertRefused(preview(Map.of("kind", "click", "text_regex", "\\pL{1000}")), "rules[0].text_regex", "too large");
    }

    @Test
    void aDefinitionStoredBeforeTheRulesExistedIsRefusedWhenUsedNotRunInTheEngine() {
        Rule old = new Rule("click", null, null, null, "a++b", null, null, null, null, null, null, null);

        assertThatThrownBy(() -> Definitions.compile(List.of(old))).isInstanceOfSatisfying(HindsightException.class,
                e -> assertThat(e.errors()).singleElement().satisfies(f -> assertThat(f.field())
                        .isEqualTo("rules[0].text_regex")));
    }

    @Test
    void aSavedRegexRunsInEveryQuery() {
        TestServer.Response saved = create(Map.of("kind", "click", "text_regex", "^(?P<w>B)u\\p{Ll}$"));
        assertThat(saved.status()).as(saved.body()).isEqualTo(201);
        assertThat(preview(Map.of("kind", "click", "text_regex", "^(?P<w>B)u\\p{Ll}$")).json().get("total").asLong())
                .isEqualTo(1);
    }

    @Test
    void anEscapeBeyondUnicodeStandsForTheReplacementCharacterAsInCss() {
        for (String selector : List.of(".a\\110000 b", ".a\\0 b", ".a\\D800 b", ".a\\FFFD b", "[class~=\"a\\110000 b\"]")) {
            TestServer.Response r = preview(Map.of("kind", "click", "selector", selector));
            assertThat(r.status()).as(selector + ": " + r.body()).isEqualTo(200);
            assertThat(r.json().get("total").asLong()).as(selector).isEqualTo(1);
        }
        assertThat(HierarchyPattern.compile(".\\110000").regex()).isEqualTo(HierarchyPattern.compile(".\\FFFD").regex());
        assertThat(HierarchyPattern.compile(".a\ud800").regex()).isEqualTo(HierarchyPattern.compile(".a\\FFFD").regex());
    }

    @Test
    void hugeSelectorsAreRefusedNamingTheLimit() {
        assertRefused(create(Map.of("kind", "click", "selector", "div ".repeat(10_000))), "rules[0].selector",
                "longer than 1000 characters");
        assertRefused(create(Map.of("kind", "click", "selector", "a ".repeat(33))), "rules[0].selector",
                "more than 32 elements");
        assertRefused(create(Map.of("kind", "click", "selector", String.join(",", Collections.nCopies(17, "a")))),
                "rules[0].selector", "more than 16 selectors");
        List<String> deep = new ArrayList<>();
        for (int i = 1; i <= 16; i++) {
            deep.add("* ".repeat(15) + "*:nth-child(" + i + ")");
        }
        assertRefused(create(Map.of("kind", "click", "selector", String.join(",", deep))), "rules[0].selector",
                "more than the limit of 24000");
        assertRefused(create(Map.of("kind", "click", "selector", "[title=\"" + "x".repeat(2000) + "\"]")),
                "rules[0].selector", "longer than 1000 characters");
        assertRefused(create(Map.of("kind", "click", "selector", ":not(".repeat(100) + "a" + ")".repeat(100))),
                "rules[0].selector", "':not()' inside ':not()' is not supported");
        assertRefused(create(Map.of("kind", "click", "selector", "")), "rules[0].selector", "empty");
        assertRefused(create(Map.of("kind", "click", "selector", "[title='a\nb']")), "rules[0].selector", "line break");
    }

    @Test
    void hostileRuleValuesAreAnsweredWithoutServerErrors() {
        List<String> strings = List.of("", "a\"b", "a'b", "$", "$.a", "a.b", "a[0]", "\\", "%", "_", "*", "a\u0000b",
                "x".repeat(5000), "\u2028", "</script>", "'; DROP TABLE events; --", "[[[", "{{", "\ud83d\ude00");
        List<String> problems = new ArrayList<>();
        for (String v : strings) {
            for (Object rule : List.of(Map.of("kind", "click", "text", v), Map.of("kind", "click", "text_contains", v),
                    Map.of("kind", "pageview", "path", v), Map.of("kind", "pageview", "path", v + "*"),
                    Map.of("kind", "pageview", "path_contains", v), Map.of("kind", "click", "href", v),
                    Map.of("kind", "submit", "form_id", v), Map.of("kind", "custom", "event", v + "e"),
                    Map.of("kind", "pageview", "properties", List.of(Map.of("key", v + "k", "op", "=", "value", v))),
                    Map.of("kind", "pageview", "properties", List.of(Map.of("key", v + "k", "op", "contains", "value", v))),
                    Map.of("kind", "pageview", "properties", List.of(Map.of("key", v + "k", "op", "is_set"))))) {
                TestServer.Response r = preview(rule);
                if (r.status() >= 500 || (r.status() >= 400 && !r.header("Content-Type").startsWith("application/problem+json"))) {
                    problems.add(rule + " -> " + r.status() + " " + r.body());
                }
            }
        }
        assertThat(problems).isEmpty();
        assertRefused(preview(Map.of("kind", "pageview", "properties", List.of(Map.of("key", "a\u0000b", "op", "is_set")))),
                "rules[0].properties[0].key", "without NUL");
    }

    @Test
    void unknownFieldsAnywhereInADefinitionAreRefusedNamingThem() {
        TestServer.Response top = s.post("/api/definitions", TestServer.json("app_id", s.dev().appId(), "name", "u1",
                "rules", List.of(Map.of("kind", "click")), "descripton", "typo"), bearer(TestServer.ADMIN));
        TestServer.Response property = create(Map.of("kind", "click", "properties", List.of(Map.of("key", "k",
                "op", "=", "value", 1, "vaule", 2))));
        TestServer.Response previewed = s.post("/api/definitions/preview", TestServer.json("app_id", s.dev().appId(),
                "rules", List.of(Map.of("kind", "click")), "form", "2026-11-01T00:00:00Z"), bearer(TestServer.ADMIN));

        assertRefused(top, "descripton", "");
        assertRefused(property, "rules[0].properties[0].vaule", "");
        assertRefused(previewed, "form", "");
    }

    @Test
    void theLargestSelectorsWithinTheLimitsRunInDuckDbOverManyDeepHierarchies() throws Exception {
        List<String> selectors = new ArrayList<>();
        for (int[] shape : new int[][] {{1, 32}, {2, 32}, {4, 16}, {8, 8}, {16, 4}, {6, 16}, {12, 8}, {16, 6}}) {
            List<String> alternatives = new ArrayList<>();
            for (int i = 0; i < shape[0]; i++) {
                alternatives.add(String.join(" ", Collections.nCopies(shape[1], "*")) + ":nth-child(" + (i + 1) + ")");
            }
            selectors.add(String.join(",", alternatives));
        }
        selectors.add(String.join(",", Collections.nCopies(4, "[data-a~=x] [data-b*=y] [title~=z] [data-c$=u] "
                .repeat(3).strip())) + ":nth-child(2)");
        selectors.add("[data-a~=x] ".repeat(32).strip());
        int compiled = 0;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            try (var st = c.createStatement()) {
                st.execute("CREATE TABLE h AS SELECT string_agg('div.c' || (i % 7) || '[data-a=x%20y][data-b=yy]:'"
                        + " || (1 + i % 3) || ':1', '|') || '|a[href=%2Fx]:1:1' AS hierarchy"
                        + " FROM range(0, 40) t(i), range(0, 3000) u(j) GROUP BY j");
            }
            for (String selector : selectors) {
                HierarchyPattern p;
                try {
                    p = HierarchyPattern.compile(selector);
                } catch (SelectorException refused) {
                    continue;
                }
                compiled++;
                // Measured at 0.2-0.6 s each on a quiet machine; minutes beyond RE2's DFA budget.
                assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                    try (PreparedStatement q = c.prepareStatement(
                            "SELECT count(*) FROM h WHERE regexp_full_match(hierarchy, ?)")) {
                        q.setString(1, p.regex());
                        try (ResultSet rs = q.executeQuery()) {
                            rs.next();
                        }
                    }
                }, selector);
            }
        }
        assertThat(compiled).as("shapes within the limits").isGreaterThanOrEqualTo(6);
    }
}
