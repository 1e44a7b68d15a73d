package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Wildcard patterns ({@code *} for any characters) as DuckDB evaluates them, against a plain reading of the pattern. */
class WildcardTest {
    private static final List<String> PATHS = List.of("", "/", "/products", "/products/", "/products/7",
            "/products/7/reviews", "/a/products/7", "/100%_off", "/100%Xoff", "/100x_off", "/c\\d", "/cd", "/x.pdf",
            "/x.pdf/y", "/checkout", "/my-checkout/step", "/CHECKOUT");

    private static final List<String> PATTERNS = List.of("/products/*", "*.pdf", "*checkout*", "/products/*/reviews",
            "/products", "*", "**", "/100%_*", "*%_off", "*\\*", "/c\\d", "*/*/*", "/products/**");

    @Test
    void everyWildcardShapeMatchesExactlyWhatThePatternSays() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            for (String pattern : PATTERNS) {
                Sql condition = DuckDbDialect.wildcard("p", pattern);
                List<String> matched = new ArrayList<>();
                for (String path : PATHS) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT " + condition.text() + " FROM (SELECT ? AS p)")) {
                        for (int i = 0; i < condition.params().size(); i++) {
                            ps.setObject(i + 1, condition.params().get(i));
                        }
                        ps.setObject(condition.params().size() + 1, path);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            if (rs.getBoolean(1)) {
                                matched.add(path);
                            }
                        }
                    }
                }
                Pattern expected = Pattern.compile(String.join(".*", java.util.Arrays.stream(pattern.split("\\*", -1))
                        .map(Pattern::quote).toList()), Pattern.DOTALL);
                assertThat(matched).as(pattern + " rendered as " + condition.text())
                        .isEqualTo(PATHS.stream().filter(p -> expected.matcher(p).matches()).toList());
            }
        }
    }
}
