package dev.hindsight.define;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compiled expressions mean the same in DuckDB's RE2 as in java.util.regex. */
class HierarchyPatternRe2Test {
    private static final List<String> HIERARCHIES = List.of(
            "body:2:1|div#app.layout:1:1|main.content:1:1|div.card.product[data-sku=SKU-42]:1:1"
                    + "|button#add.add-to-cart.btn[type=button]:2:1",
            "body:1:1|a[href=%2Fpricing%3Fref%3Dnav][data-a=x%20y%20z][data-b=%20]:1:1",
            "body:1:1|section:1:1|div.x:1:1|div.x:1:1|span:1:1",
            "body:1:1|ul:3:1|li.item:4:4|a#a%2Eb[title=Hello%20World]:1:1",
            "body:2:1:1:1|ul.menu:1:1:1:1|li.item:12:12:3:3|a.link.w-1%2F2[href=%2Fx][data-lang=en-GB]:1:1:1:1",
            "html.dark:1:1:1:1");
    private static final List<String> SELECTORS = List.of("button.btn.add-to-cart", "div.product > button",
            "main > button", "html > body button", "a[href^='/pricing']", "[data-b*='20']", "a[data-a~=y]",
            "section > div.x span", "section > div.x > span", "li:nth-child(4) > a", "#a\\.b", "a[title~=World]",
            "ul li a[title*='o W']", "*", "div, a", "[data-b][data-a]", "a[href^='']", "li:nth-child(3n) > a",
            "li:nth-child(odd) a", "li:nth-last-child(-n+3) a:only-child", "a:not(.link)", ":not(div) > a:not([href^=x])",
            "[class*=\"w-1/2\"]", "[data-lang|=en]", ":root", "html.dark", ":root > body > ul", "* *",
            "li:nth-of-type(4n):not(:nth-of-type(8n)) a");

    @Test
    void duckDbAgreesWithJavaOnEverySelectorAndHierarchy() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                PreparedStatement ps = c.prepareStatement("SELECT regexp_full_match(?, ?)")) {
            for (String selector : SELECTORS) {
                HierarchyPattern p = HierarchyPattern.compile(selector);
                for (String h : HIERARCHIES) {
                    ps.setString(1, h);
                    ps.setString(2, p.regex());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getBoolean(1)).as("%s on %s", selector, h).isEqualTo(p.matches(h));
                    }
                }
            }
        }
    }
}
