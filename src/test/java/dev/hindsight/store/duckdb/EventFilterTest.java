package dev.hindsight.store.duckdb;

import dev.hindsight.define.EventFilter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.define.EventFilter.All;
import dev.hindsight.define.EventFilter.Any;
import dev.hindsight.define.EventFilter.Column;
import dev.hindsight.define.EventFilter.HierarchyMatches;
import dev.hindsight.define.EventFilter.KindIs;
import dev.hindsight.define.EventFilter.TextMatches;
import dev.hindsight.define.EventFilter.TextOp;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Factoring an OR of rules, and what the factored condition selects in the engine. */
class EventFilterTest {
    private static final EventFilter CLICK = new KindIs("click");
    private static final EventFilter PRODUCTS = new TextMatches(Column.PATH, TextOp.WILDCARD, "/products/*");
    private static final EventFilter BUTTON = new HierarchyMatches("^(?:[^|]*\\|)*button[^|]*$", List.of(List.of("button")));
    private static final EventFilter LINK = new HierarchyMatches("^(?:[^|]*\\|)*a[^|]*$", List.of());

    @Test
    void conditionsEveryRuleSharesAreTakenOutOfTheOr() {
        Any rules = new Any(List.of(new All(List.of(CLICK, BUTTON, PRODUCTS)), new All(List.of(CLICK, LINK, PRODUCTS))));
        assertThat(rules.factored()).isEqualTo(new All(List.of(CLICK, PRODUCTS, new Any(List.of(BUTTON, LINK)))));
    }

    @Test
    void aRuleThatIsTheSharedPartAloneMakesTheOrTheSharedPart() {
        Any rules = new Any(List.of(new All(List.of(CLICK, BUTTON)), CLICK));
        assertThat(rules.factored()).isEqualTo(new All(List.of(CLICK)));
    }

    @Test
    void rulesWithNothingInCommonStayAsTheyAre() {
        Any rules = new Any(List.of(new All(List.of(CLICK, BUTTON)), new All(List.of(new KindIs("submit"), PRODUCTS))));
        assertThat(rules.factored()).isSameAs(rules);
    }

    @Test
    void theFactoredOrSelectsTheSameEventsAsTheRulesOneByOne() throws Exception {
        String[][] events = {
            {"click", "body:1:1|div.p:1:1|button.add:1:1", "/products/1"},
            {"click", "body:1:1|a.more:1:1", "/products/2"},
            {"click", "body:1:1|span:1:1", "/products/3"},
            {"click", "body:1:1|button:1:1", "/pricing"},
            {"submit", "body:1:1|button:1:1", "/products/4"},
            {"click", null, "/products/5"},
        };
        Any rules = new Any(List.of(new All(List.of(CLICK, BUTTON, PRODUCTS)), new All(List.of(CLICK, LINK, PRODUCTS))));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            try (var st = c.createStatement()) {
                st.execute("CREATE TABLE hierarchies (id INTEGER, hierarchy VARCHAR)");
                st.execute("CREATE TABLE events (kind VARCHAR, hierarchy_id INTEGER, path VARCHAR)");
            }
            for (int i = 0; i < events.length; i++) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?, ?)")) {
                    ps.setString(1, events[i][0]);
                    ps.setObject(2, events[i][1] == null ? null : i);
                    ps.setString(3, events[i][2]);
                    ps.execute();
                }
                if (events[i][1] != null) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO hierarchies VALUES (?, ?)")) {
                        ps.setInt(1, i);
                        ps.setString(2, events[i][1]);
                        ps.execute();
                    }
                }
            }
            assertThat(paths(c, rules)).containsExactly("/products/1", "/products/2");
            Sql oneByOne = new Sql().append("(").append(new DuckDbDialect().filter(rules.of().get(0))).append(") OR (")
                    .append(new DuckDbDialect().filter(rules.of().get(1))).append(")");
            assertThat(paths(c, oneByOne)).containsExactly("/products/1", "/products/2");
        }
    }

    private static List<String> paths(Connection c, EventFilter f) throws Exception {
        return paths(c, new DuckDbDialect().filter(f));
    }

    private static List<String> paths(Connection c, Sql condition) throws Exception {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT path FROM events WHERE " + condition.text() + " ORDER BY path")) {
            for (int i = 0; i < condition.params().size(); i++) {
                ps.setObject(i + 1, condition.params().get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
