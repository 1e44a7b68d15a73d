package dev.hindsight.define;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HierarchyPatternTest {
    private static final String BUTTON = "body:2:1|div#app.layout:1:1|main.content:1:1|div.card.product[data-sku=SKU-42]:1:1"
            + "|button#add.add-to-cart.btn[type=button]:2:1";

    private static boolean matches(String selector, String hierarchy) {
        return HierarchyPattern.compile(selector).matches(hierarchy);
    }

    @Test
    void compoundSelectorsMatchTheSubjectWhateverTheClassOrder() {
        assertThat(matches("button.btn.add-to-cart", BUTTON)).isTrue();
        assertThat(matches(".add-to-cart.btn", BUTTON)).isTrue();
        assertThat(matches("button#add", BUTTON)).isTrue();
        assertThat(matches("*", BUTTON)).isTrue();
        assertThat(matches("button.missing", BUTTON)).isFalse();
        assertThat(matches("div.card", BUTTON)).as("an ancestor is not the subject").isFalse();
        assertThat(matches(".add", BUTTON)).as("a class prefix is not the class").isFalse();
    }

    @Test
    void combinatorsFollowTheAncestorChain() {
        assertThat(matches("div.product button.add-to-cart", BUTTON)).isTrue();
        assertThat(matches("div.product > button", BUTTON)).isTrue();
        assertThat(matches("main > button", BUTTON)).isFalse();
        assertThat(matches("#app button", BUTTON)).isTrue();
        assertThat(matches("body > div > main > div > button", BUTTON)).isTrue();
        assertThat(matches("html > body button", BUTTON)).isTrue();
        assertThat(matches("html > div button", BUTTON)).isFalse();
        // Needs backtracking: the nearest div.x ancestor is not the one whose parent is section.
        String h = "body:1:1|section:1:1|div.x:1:1|div.x:1:1|span:1:1";
        assertThat(matches("section > div.x span", h)).isTrue();
        assertThat(matches("section > div.x > span", h)).isFalse();
    }

    @Test
    void attributeOperatorsWorkOnEscapedValuesOnUnitBoundaries() {
        String h = "body:1:1|a[href=%2Fpricing%3Fref%3Dnav][data-a=x%20y%20z][data-b=%20]:1:1";
        assertThat(matches("a[href='/pricing?ref=nav']", h)).isTrue();
        assertThat(matches("a[href^='/pricing']", h)).isTrue();
        assertThat(matches("a[href$='=nav']", h)).isTrue();
        assertThat(matches("a[href*='?ref']", h)).isTrue();
        assertThat(matches("a[data-a~=y]", h)).isTrue();
        assertThat(matches("a[data-a~=x]", h)).isTrue();
        assertThat(matches("a[data-a~=z]", h)).isTrue();
        assertThat(matches("a[data-a~='x y']", h)).isFalse();
        assertThat(matches("[data-b*='20']", h)).as("'20' is inside the escape of a space, not in the value").isFalse();
        assertThat(matches("[data-b]", h)).isTrue();
        assertThat(matches("[data-c]", h)).isFalse();
        assertThat(matches("[data-a][data-b]", h)).isTrue();
        assertThat(matches("[data-b][data-a]", h)).isTrue();
        assertThat(matches("a[href^='']", h)).as("empty prefix matches nothing, per CSS").isFalse();
    }

    @Test
    void theUnrecordedRootHtmlIsAnAncestorOfEveryLevel() {
        assertThat(matches("* > body", "body:2:1")).isTrue();
        assertThat(matches("* > body", BUTTON)).isFalse();
        assertThat(matches("* > * > div#app button", BUTTON)).isTrue();
        assertThat(matches("* * * * * button", BUTTON)).isTrue();
        assertThat(matches("* * * * * * button", BUTTON)).isFalse();
        assertThat(matches(":nth-child(1) > body", "body:2:1")).isTrue();
        assertThat(matches("html:nth-child(2) button", BUTTON)).isFalse();
        assertThat(matches(".js > body", "body:2:1")).as("the root is taken to have no class").isFalse();
    }

    @Test
    void typeValuesCompareAsciiCaseInsensitively() {
        assertThat(matches("[type=BUTTON]", BUTTON)).isTrue();
        assertThat(matches("[type^=BuT]", BUTTON)).isTrue();
        assertThat(matches("[type=butto]", BUTTON)).isFalse();
        assertThat(matches("[data-sku=sku-42] button", BUTTON)).as("other values are case-sensitive").isFalse();
        assertThat(HierarchyPattern.compile("button[type=BUTTON]").literals()).containsExactly(java.util.List.of());
    }

    @Test
    void namesFoldOnlyAsciiCaseAndOnlyCssWhitespaceSeparatesWords() {
        String h = "body:1:1|span.a%E2%80%83b[data-%C3%89=x]:1:1";
        assertThat(matches("[data-\\c9]", h)).isTrue();
        assertThat(matches("[DATA-\\c9]", h)).isTrue();
        assertThat(matches("[data-\\e9]", h)).as("É is not é").isFalse();
        assertThat(matches("[class~='a\\2003 b']", h)).as("an em space is not CSS whitespace").isTrue();
        assertThat(matches("[class~=a\u2003b]", h)).isTrue();
    }

    @Test
    void anEmptyIdIsAnId() {
        String h = "body:1:1|span#:1:1";
        assertThat(matches("[id]", h)).isTrue();
        assertThat(matches("[id='']", h)).isTrue();
        assertThat(matches("[id^='']", h)).isFalse();
        assertThat(matches("[id]", "body:1:1|span:1:1")).isFalse();
    }

    @Test
    void nthChildAndNthOfTypeAreExactPositions() {
        assertThat(matches("button:nth-child(2)", BUTTON)).isTrue();
        assertThat(matches("button:nth-of-type(1)", BUTTON)).isTrue();
        assertThat(matches("button:nth-child(1)", BUTTON)).isFalse();
        assertThat(matches("body:nth-child(2) button", BUTTON)).isTrue();
    }

    @Test
    void commaListsMatchWhenAnyAlternativeDoes() {
        assertThat(matches("a.nope, button#add", BUTTON)).isTrue();
        assertThat(matches("a.nope, p", BUTTON)).isFalse();
    }

    @Test
    void unsupportedSyntaxIsRefusedNamingThePart() {
        assertThatThrownBy(() -> HierarchyPattern.compile("a:hover")).hasMessageContaining(":hover");
        assertThatThrownBy(() -> HierarchyPattern.compile("a + b")).hasMessageContaining("'+'");
        assertThatThrownBy(() -> HierarchyPattern.compile("a ~ b")).hasMessageContaining("'~'");
        assertThatThrownBy(() -> HierarchyPattern.compile("li:nth-child(2n+1 of .x)")).hasMessageContaining("of S");
        assertThatThrownBy(() -> HierarchyPattern.compile("li:nth-child(2n+)")).hasMessageContaining("not an+b");
        assertThatThrownBy(() -> HierarchyPattern.compile("[lang|=en]")).hasMessageContaining("'lang' is not captured");
        assertThatThrownBy(() -> HierarchyPattern.compile("[a=x s]")).hasMessageContaining("case flag");
        assertThatThrownBy(() -> HierarchyPattern.compile("[value=x]")).hasMessageContaining("'value' is not captured");
        assertThatThrownBy(() -> HierarchyPattern.compile("[data-x^=a][data-x$=b]")).hasMessageContaining("two conditions");
        assertThatThrownBy(() -> HierarchyPattern.compile("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> HierarchyPattern.compile("a[href=x i]")).isInstanceOf(SelectorException.class);
    }

    @Test
    void escapeMatchesTheTrackersEncoding() {
        assertThat(HierarchyPattern.escape("a.b c/é")).isEqualTo("a%2Eb%20c%2F%C3%A9");
        assertThat(HierarchyPattern.escape("Add_to-cart9")).isEqualTo("Add_to-cart9");
    }

    @Test
    void literalsAreSubstringsOfEveryMatch() {
        HierarchyPattern p = HierarchyPattern.compile("div.product[data-sku=SKU-42] button#add[type=button]");
        // No literal for type: its values compare case-insensitively.
        assertThat(p.literals()).containsExactly(java.util.List.of(".product", "[data-sku=SKU-42]", "#add"));
        p.literals().get(0).forEach(l -> assertThat(BUTTON).contains(l));
    }

    private static final String LIST = "body:2:2:1:1|ul.menu:1:1:1:1|li.item:2:2:3:3|a.link.w-1%2F2[href=%2Fx]:1:1:1:1";
    private static final String OLD_LIST = "body:2:2|ul.menu:1:1|li.item:2:2|a.link.w-1%2F2[href=%2Fx]:1:1";

    @Test
    void anPlusBArgumentsSelectPositionsExactly() {
        assertThat(matches("li:nth-child(even) > a", LIST)).isTrue();
        assertThat(matches("li:nth-child(odd) > a", LIST)).isFalse();
        assertThat(matches("li:nth-child(2n+2) a", LIST)).isTrue();
        assertThat(matches("li:nth-child(-n+2) a", LIST)).isTrue();
        assertThat(matches("li:nth-child(-n+1) a", LIST)).isFalse();
        assertThat(matches("li:nth-child(n+3) a", LIST)).isFalse();
        assertThat(matches("li:nth-of-type(3n-1) a", LIST)).isTrue();
        for (int n = 1; n <= 400; n++) {
            String h = "body:1:1|li:" + n + ":" + n + ":1:1";
            assertThat(matches("li:nth-child(3n+1)", h)).as("3n+1 at %d", n).isEqualTo(n % 3 == 1);
            assertThat(matches("li:nth-child(-2n+101)", h)).as("-2n+101 at %d", n).isEqualTo(n <= 101 && n % 2 == 1);
            assertThat(matches("li:nth-of-type(10n+7):not(:nth-of-type(17))", h)).as("at %d", n)
                    .isEqualTo(n % 10 == 7 && n != 17);
        }
    }

    @Test
    void positionsFromTheEndNeedTheNewerEncoding() {
        assertThat(matches("li:last-child > a", LIST)).isFalse();
        assertThat(matches("li:nth-last-child(3) > a", LIST)).isTrue();
        assertThat(matches("a:only-child", LIST)).isTrue();
        assertThat(matches("a:only-of-type", LIST)).isTrue();
        assertThat(matches("a:first-child", LIST)).isTrue();
        assertThat(matches("li:last-of-type a", LIST)).isFalse();
        assertThat(matches("a:only-child:nth-last-child(5n)", LIST)).as("no position is both").isFalse();
        assertThat(matches("a:only-child", OLD_LIST)).as("older events lack the positions from the end").isFalse();
        assertThat(matches("a:first-child", OLD_LIST)).isTrue();
        assertThat(matches("li.item a.link", OLD_LIST)).isTrue();
    }

    @Test
    void classContainsAndDashMatchWithinOneClassOrValue() {
        assertThat(matches("[class*=\"w-1/2\"]", LIST)).isTrue();
        assertThat(matches("[class*=ink]", LIST)).isTrue();
        assertThat(matches("a[class*=link]", LIST)).isTrue();
        assertThatThrownBy(() -> HierarchyPattern.compile("[class*='link w']")).hasMessageContaining("white space");
        assertThatThrownBy(() -> HierarchyPattern.compile("[class^=link]")).hasMessageContaining("not the class attribute's text");
        assertThat(matches("[class*=menu] a", LIST)).isTrue();
        assertThat(matches("[class*=F2]", LIST)).as("inside an escape is not inside the class").isFalse();
        assertThat(matches("[class*=li].item", LIST)).as("an ancestor's class is not the subject's").isFalse();
        String h = "body:1:1|div[data-lang=en-GB]:1:1";
        assertThat(matches("[data-lang|=en]", h)).isTrue();
        assertThat(matches("[data-lang|=en-GB]", h)).isTrue();
        assertThat(matches("[data-lang|=e]", h)).isFalse();
    }

    @Test
    void notExcludesWhatTheCompoundWouldMatch() {
        assertThat(matches("a:not(.link)", LIST)).isFalse();
        assertThat(matches("a:not(.other)", LIST)).isTrue();
        assertThat(matches("li:not(:first-child) > a", LIST)).isTrue();
        assertThat(matches("a:not([href])", LIST)).isFalse();
        assertThat(matches("a:not([href^='/y'])", LIST)).isTrue();
        assertThat(matches("a:not([href='/x'])", LIST)).isFalse();
        assertThat(matches(":not(li, ul) > a", LIST)).isFalse();
        assertThat(matches(":not(div) > a", LIST)).isTrue();
        assertThat(matches("a:not(.link.nope)", LIST)).as("not both").isTrue();
        assertThat(matches("a:not([title])", LIST)).isTrue();
        assertThatThrownBy(() -> HierarchyPattern.compile("a:not([href$=x])")).hasMessageContaining("inside ':not()'");
        assertThatThrownBy(() -> HierarchyPattern.compile("a:not(div a)")).hasMessageContaining("combinators");
    }

    @Test
    void aClickOnHtmlItselfIsTheRootLevel() {
        String root = "html.dark:1:1:1:1";
        assertThat(matches("html", root)).isTrue();
        assertThat(matches(":root", root)).isTrue();
        assertThat(matches("html.dark", root)).isTrue();
        assertThat(matches("*", root)).isTrue();
        assertThat(matches("* > *", root)).isFalse();
        assertThat(matches("* *", root)).isFalse();
        assertThat(matches(":root > *", root)).isFalse();
        assertThat(matches("body", root)).isFalse();
        assertThat(matches(":root", LIST)).isFalse();
        assertThat(matches(":root > body", "body:2:2:1:1")).isTrue();
        assertThat(matches(":root > body", LIST)).isFalse();
        assertThat(matches(":root > body > ul > li > a", LIST)).isTrue();
        assertThat(matches(":root .link", LIST)).isTrue();
        assertThat(matches(":root .item", LIST)).isFalse();
        assertThat(matches("html > .menu", LIST)).isFalse();
        assertThatThrownBy(() -> HierarchyPattern.compile("html.dark body")).hasMessageContaining("only when <html> itself");
    }

    @Test
    void formsThatCannotBeExactAreRefusedSayingWhy() {
        java.util.Map<String, String> refusals = new java.util.LinkedHashMap<>();
        refusals.put("a + b", "'+' combinator");
        refusals.put("a ~ b", "'~' combinator");
        refusals.put("[value=x]", "not captured by the tracker");
        refusals.put("[class*='a b']", "what lies between two classes is unknown");
        refusals.put("[class^=btn]", "not the class attribute's text");
        refusals.put("[class|=btn]", "not the class attribute's text");
        refusals.put("a:not([href$=x])", "inside ':not()'");
        refusals.put("a:not([class*=x])", "inside ':not()'");
        refusals.put(":not(:root)", "':root' inside ':not()'");
        refusals.put(":not(:not(a))", "inside ':not()' is not supported");
        refusals.put("a:not(div a)", "combinators");
        refusals.put("html.dark body", "only when <html> itself is clicked");
        refusals.put("li:nth-child(7n)", "no short decimal pattern");
        refusals.put("li:nth-child(9n+1)", "no short decimal pattern");
        refusals.put("li:nth-child(2000n)", "limited to 1000");
        refusals.put("a:hover", "records no state");
        refusals.put("a::before", "pseudo-elements");
        refusals.put("li:nth-child(2n+1 of .x)", "of S");
        refusals.forEach((selector, message) -> assertThatThrownBy(() -> HierarchyPattern.compile(selector))
                .as(selector).isInstanceOf(SelectorException.class).hasMessageContaining(message));
    }

    @Test
    void hostilePositionConditionsAreAnsweredQuickly() {
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
            for (String s : java.util.List.of("li:nth-child(997n+999)", "li:nth-child(1000n+1000):not(:nth-child(-n+999))",
                    "a:nth-child(999n+1):nth-last-child(-n+1000):nth-of-type(500n+7)",
                    String.join(",", java.util.Collections.nCopies(16, "*:nth-child(8n+1):not(:nth-child(5n)):not(.a.b.c.d)")))) {
                try {
                    HierarchyPattern.compile(s);
                } catch (SelectorException refused) {
                    // refused is as good as compiled here: the point is the time
                }
            }
        });
    }
}
