package dev.hindsight.define;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import dev.hindsight.define.SelectorExactnessTest.Click;
import dev.hindsight.define.SelectorExactnessTest.Node;
import dev.hindsight.tracker.Chromium;
import dev.hindsight.tracker.FixtureSite;
import dev.hindsight.tracker.Stored;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CSS escapes that name no character ({@code \0}, a surrogate, a value above U+10FFFF) stand for U+FFFD in Hindsight
 * exactly as in Chromium's {@code element.matches}, on elements whose class, id and attributes hold U+FFFD: the
 * same comparison as {@link SelectorExactnessTest}, on a page made for it.
 */
class SelectorEscapeExactnessTest {
    private static final List<String> SELECTORS = List.of(".a\\110000 b", ".a\\0 b", ".a\\D800 b", ".a\\DFFF b",
            ".a\\FFFD b", ".a\\110000b", ".a\\FFFFFF b", ".a\\10FFFF b", ".a\\1 b", ".a\u0000b", "#\\110000", "#\\0",
            "[title=\"x\\110000\"]", "[title^=\"x\\0\"]", "[title='x\\D800']", "[data-x=\"\\DBFF\"]",
            "[data-x*=\"\\110000\"]", "button.ab", "[title=\"x\\\n\\0\"]", ".a\\110000\tb");

    @Test
    void escapesOfNoCharacterMatchTheReplacementCharacterAsInChromium() throws Exception {
        Node body = new Node("body");
        add(body, new Node("button"), "class", "a\uFFFDb");
        add(body, new Node("button"), "id", "\uFFFD");
        add(body, new Node("a"), "title", "x\uFFFD");
        add(body, new Node("button"), "class", "ab");
        add(body, new Node("button"), "data-x", "\uFFFD");
        add(body, new Node("button"), "class", "a\uDBFF\uDFFFb");
        add(body, new Node("button"), "class", "a\u0001b");
        SelectorExactnessTest.positions(body);

        List<Click> clicks = new ArrayList<>();
        try (TestServer server = TestServer.start(); FixtureSite site = new FixtureSite(server);
                Chromium chromium = Chromium.launch(); BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            page.navigate(site.url("selectors"));
            page.waitForFunction("() => window.hindsight && window.hindsight.version");
            String user = Stored.identifyDevice(page, "selector-escapes");
            List<Boolean> valid = SelectorExactnessTest.install(page, SELECTORS);
            int count = ((Number) page.evaluate(SelectorExactnessTest.BUILD,
                    TestServer.JSON.writeValueAsString(body.json()))).intValue();
            for (int i = 0; i < count; i++) {
                SelectorExactnessTest.click(page, i, i);
            }
            for (Object o : (List<?>) page.evaluate("() => window.__rec")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) o;
                clicks.add(new Click(((Number) m.get("no")).intValue(), (Boolean) m.get("skip"), (String) m.get("path"),
                        (String) m.get("m")));
            }
            List<JsonNode> stored = Stored.ofKind(Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() >= count, Duration.ofSeconds(30)), "click");
            Map<Integer, String> hierarchies = new HashMap<>();
            stored.forEach(e -> hierarchies.put(e.path("properties").path("click_no").asInt(-1),
                    e.path("hierarchy").asText("")));

            List<String> failures = new ArrayList<>();
            int compared = SelectorExactnessTest.compare(0, SELECTORS, valid, clicks, hierarchies, failures);

            assertThat(failures).isEmpty();
            assertThat(compared).isEqualTo(SELECTORS.size() * count);
            assertThat(valid).as("Chromium takes every selector").doesNotContain(false);
            long matches = clicks.stream().mapToLong(c -> c.matches().chars().filter(ch -> ch == '1').count()).sum();
            assertThat(matches).as("the escapes match the elements holding U+FFFD").isGreaterThanOrEqualTo(15);
        }
    }

    private static void add(Node parent, Node kid, String attribute, String value) {
        kid.attrs.add(new String[] {attribute, value});
        kid.text = "w";
        kid.parent = parent;
        parent.kids.add(kid);
    }
}
