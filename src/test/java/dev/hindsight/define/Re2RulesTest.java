package dev.hindsight.define;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Hindsight's regex validation and DuckDB's RE2 agree: what the check accepts runs, what the engine refuses is refused. */
class Re2RulesTest {
    /** Tricky expressions, each run through the check and through DuckDB's regexp_matches. */
    private static final List<String> PATTERNS = List.of(
            // Java syntax RE2 lacks
            "a++b", "(?>a)", "\\p{javaLowerCase}", "a?+", "a{2}+", "(?=a)", "(?!a)", "(?<=a)", "(?<!a)", "(a)\\1",
            "\\Z", "\\G", "\\h", "\\R", "\\X", "\\e", "\\cA", "\\N{DIGIT ONE}", "(?#c)", "(?x)a b", "\\p{IsGreek}",
            "\\p{InGreek}", "\\p{Script=Greek}", "\\p{greek}", "\\p{L&}", "[[:foo:]]", "[\\e]", "[\\b]",
            // repetition limits, nested ones multiply
            "((a{100}){100}){100}", "(a{100}){100}", "(a{40}){30}", "(a{30}){30}", "(?:(?:a{10}){10}){10}",
            "(?:(?:a{10}){10}){11}", "(a{2}){1000}", "(a{1}){1000}", "(a{0}){1000}", "(a{2,}){500}", "(a{2,}){501}",
            "(a*){1000}", "a{1000}", "a{1001}", "x{1000,}", "x{1001,}", "x{1000,1001}", "x{2}{3}", "a**", "a*{2}",
            "a{2}?", "a{,5}", "{", "a{1,2", "x{2,1}", "(?:a|b{20}){50}", "(?:a|b{21}){50}", "[{]{3}(a{50}){20}",
            "\\{5}(a{50}){21}", "\\Q{\\E{500}(a{3}){400}",
            // groups and flags
            "(?P<n>a)", "(?<n>a)", "(?P<a-b>x)", "(?P<>a)", "(?P=n)", "(?i)a", "(?U)a*", "(?sm-i)a", "(?-)a",
            "(?i-)a", "()", "(?:)", "|", "(a))", "((a)", "[(?<n>)]",
            // escapes and classes
            "\\C", "\\z", "\\A", "\\b", "\\B", "\\0", "\\01", "\\400", "\\8", "\\x{10FFFF}", "\\x{110000}", "\\x",
            "\\x4", "\\x{}", "\\Q.*\\E", "\\Q", "\\E", "[\\Q]\\E]", "\\", "[]a]", "[^]a]", "[]", "[^]", "[z-a]",
            "[a&&b]", "[\\d-z]", "[[:^alpha:]]", "[a-[:alpha:]]", "\\pL", "\\pLu", "\\p{Greek}", "\\p{Any}",
            "\\p{Unknown}", "[\\P{Unknown}]", "\\p{Zzzz}", "\\p{Cn}", "\\p{LC}", "\\p{Cs}", "\\p{Co}",
            // programs too large or slow for RE2
            "\\pL{1000}", "(\\pL{1000}){1}", "\\pL{500}\\pL{500}", "(?:\\pL|\\pN){1000}", "[\\pL\\pN]{500}",
            "\\pL{40}", "[\\pL\\pN]{20}", ".{1000}", ".{1000}.{1000}.{1000}", "[^a]{1000}", "\\w{1000}\\w{1000}",
            "(?i)\\pL{40}", "\\pL{41}", "[\\pL\\pN]{19}");

    /** Expressions RE2/J refuses though DuckDB's RE2 would run them: refused, on the safe side (README). */
    private static final List<String> STRICTER = List.of("\\C", "\\p{Chakma}", "\\p{Kawi}", "\\p{Toto}", "(?P<é>x)",
            "(?P<n>a)(?P<n>b)");

    @Test
    void everyExpressionTheCheckAcceptsRunsInDuckDbAndEveryOneDuckDbRefusesIsRefused() throws SQLException {
        List<String> disagreements = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String p : PATTERNS) {
                Optional<String> problem = Re2Rules.problem(p);
                Optional<String> engine = engineRefusal(c, p);
                if (problem.isEmpty() && engine.isPresent()) {
                    disagreements.add(p + ": accepted, but DuckDB says " + engine.get());
                } else if (problem.isPresent() && engine.isEmpty() && !expensive(p)) {
                    disagreements.add(p + ": refused (" + problem.get() + "), but DuckDB runs it");
                }
            }
        }
        assertThat(disagreements).isEmpty();
    }

    @Test
    void theFindingsExpressionsAreRefusedSayingWhy() {
        assertThat(Re2Rules.problem("a++b")).get().asString().contains("possessive");
        assertThat(Re2Rules.problem("(?>a)")).get().asString().contains("atomic");
        assertThat(Re2Rules.problem("\\p{javaLowerCase}")).get().asString().contains("Java's classes");
        assertThat(Re2Rules.problem("((a{100}){100}){100}")).get().asString().contains("multiply to more than 1000");
        assertThat(Re2Rules.problem("(?<n>a)")).get().asString().contains("(?P<name>");
        assertThat(Re2Rules.problem("\\pL{1000}")).get().asString().contains("too large");
        assertThat(Re2Rules.problem("a".repeat(1001))).get().asString().contains("longer than 1000");
        assertThat(Re2Rules.problem("a\ud800")).get().asString().contains("lone surrogate");
    }

    @Test
    void expressionsRe2jRefusesButDuckDbRunsAreRefusedOnTheSafeSide() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String p : STRICTER) {
                assertThat(engineRefusal(c, p)).as(p).isEmpty();
                assertThat(Re2Rules.problem(p)).as(p).isPresent();
            }
        }
    }

    /**
     * Refused on purpose though RE2 compiles them: where RE2/J is stricter, and over the cost budget, which stays well
     * below RE2's own limit because such programs take hundreds of milliseconds to compile ({@code \pN{1000}}).
     */
    private static boolean expensive(String p) {
        return STRICTER.contains(p) || Re2Rules.problem(p).orElse("").contains("too large");
    }

    private static Optional<String> engineRefusal(Connection c, String pattern) {
        try (PreparedStatement ps = c.prepareStatement("SELECT regexp_matches('abc', ?)")) {
            ps.setString(1, pattern);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Optional.empty();
            }
        } catch (SQLException e) {
            return Optional.of(e.getMessage());
        }
    }
}
