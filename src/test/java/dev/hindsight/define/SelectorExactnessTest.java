package dev.hindsight.define;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import dev.hindsight.tracker.Chromium;
import dev.hindsight.tracker.FixtureSite;
import dev.hindsight.tracker.Stored;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Property test of issue 4's "selectors, exactly": generated DOM pages in Chromium, clicks on random elements
 * captured by the real tracker and stored by the real server, and selectors generated from the supported grammar
 * out of the names and values that occur on the pages. For every click and every selector, the browser's
 * {@code element.matches(selector)} on the element the click is attributed to must equal (a) the compiled
 * expression in Java on the stored hierarchy, (b) the same expression in DuckDB's {@code regexp_full_match}, and
 * (c) per selector, the number of matching clicks must equal the total of {@code POST /api/definitions/preview}.
 *
 * <p>The seed is fixed so that CI is repeatable; {@code -Dhindsight.selectorSeed=N} explores others (the helper
 * that wrote this ran several before it settled).
 */
class SelectorExactnessTest {
    static final String SEED_PROPERTY = "hindsight.selectorSeed";
    static final int PAGES = 8;
    static final int CLICKS_PER_PAGE = 45;
    static final int DERIVED_SELECTORS = 60;
    static final int RANDOM_SELECTORS = 20;

    static final String MEANINGFUL = "a,button,[role=button],input,label,select,textarea,[data-hs-id],[data-heap-id]";
    static final List<String> CONTAINERS = List.of("div", "section", "ul", "li", "span", "p");
    static final List<String> LEAVES = List.of("a", "button", "span", "li", "p", "a", "button");
    static final List<String> IDS = List.of("main", "x1", "a.b", "1st", "é", "sp ace", "50%", "a/b", "x", "X", "-2",
            "");
    static final List<String> CLASSES = List.of("btn", "item", "it", "card", "a.b", "x/y", "ü", "50%", "1x", "-x", "_y",
            "Btn", "c:d", "[e]", "a\u2003b", "v\u000Bt", "日本");
    static final List<String> VALUES = List.of("a b", "a.b", "/x/y", "x y z", "ü ñ", "50%", "100", "%20", "a\tb",
            "a\u2003b", "a\u000Bb", "a\u00A0b", "A B", "", "-", "x", "x-y", "日本 語", "a|b", "#h", "é=e", "x\ny",
            "  lead", "20 %", "'q'", "\"dq\"", "back\\slash", "x\ry", "1 2 3", "%41");
    static final List<String> HREFS = List.of("/x/y", "/p?q=1", "/p?", "/p?a=1&&b=2", "https://ex.com/a b", "#top", "",
            "mailto:a@b.c", "/ü?x=%20", "/x/y#a.b", "?q=1 2");
    static final List<String> TYPES = List.of("button", "BUTTON", "Button", "submit", "text", "x y", "reset", "bUtToN");
    static final List<String> ROLES = List.of("button", "Button", "link", "tab", "menu item");
    static final List<String> DATA = List.of("data-x", "data-y", "data-sku", "data-a.b", "data-é", "data-É", "data-x_1",
            "data-heap-id", "data-hs-id", "data-Z", "data-x-");
    static final List<String> ATTRS = List.of("name", "type", "role", "aria-label", "href", "title", "alt", "for",
            "placeholder");

    /** One generated element: tag, attributes in setAttribute order, text, children, and its positions. */
    static final class Node {
        final String tag;
        final List<String[]> attrs = new ArrayList<>();
        /** For the body only: the attributes of the page's <html>, which clicks on <html> itself record. */
        final List<String[]> html = new ArrayList<>();
        final List<Node> kids = new ArrayList<>();
        Node parent;
        String text;
        int nthChild;
        int nthOfType;
        int nthLastChild;
        int nthLastOfType;

        Node(String tag) {
            this.tag = tag;
        }

        String attr(String name) {
            for (String[] a : attrs) {
                if (a[0].equalsIgnoreCase(name)) {
                    return a[1];
                }
            }
            return null;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tag", tag);
            m.put("attrs", attrs.stream().map(a -> List.of(a[0], a[1])).toList());
            m.put("text", text);
            m.put("kids", kids.stream().map(Node::json).toList());
            m.put("html", html.stream().map(a -> List.of(a[0], a[1])).toList());
            return m;
        }
    }

    /** What the browser recorded for one click. */
    record Click(int no, boolean skip, String path, String matches) {
    }

    @Test
    void compiledSelectorsMatchExactlyTheClicksTheBrowserMatches() throws Exception {
        long seed = Long.getLong(SEED_PROPERTY, 20_261_122L);
        System.out.println("SelectorExactnessTest seed: " + seed + " (replay with -D" + SEED_PROPERTY + "=" + seed + ")");
        Random r = new Random(seed);
        long started = System.nanoTime();

        List<Node> bodies = new ArrayList<>();
        for (int p = 0; p < PAGES; p++) {
            bodies.add(page(r));
        }
        List<String> selectors = selectors(r, bodies);

        Instant from = Instant.now().minusSeconds(3600);
        List<Click> clicks = new ArrayList<>();
        List<Boolean> valid;
        try (TestServer server = TestServer.start(); FixtureSite site = new FixtureSite(server);
                Chromium chromium = Chromium.launch(); BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            page.navigate(site.url("selectors"));
            page.waitForFunction("() => window.hindsight && window.hindsight.version");
            String user = Stored.identifyDevice(page, "selector-exactness-" + seed);
            valid = install(page, selectors);

            int no = 0;
            int byMouse = 0;
            for (Node body : bodies) {
                int count = ((Number) page.evaluate(BUILD, TestServer.JSON.writeValueAsString(body.json()))).intValue();
                for (int i = 0; i < CLICKS_PER_PAGE; i++) {
                    byMouse += click(page, no++, r.nextInt(count)) ? 1 : 0;
                }
            }
            for (Object o : (List<?>) page.evaluate("() => window.__rec")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) o;
                clicks.add(new Click(((Number) m.get("no")).intValue(), (Boolean) m.get("skip"), (String) m.get("path"),
                        (String) m.get("m")));
            }
            assertThat(clicks).as("one recorded click per click").hasSize(no);
            assertThat(no).as("the users API answers at most 1000 events").isLessThan(990);
            int expected = no;
            List<JsonNode> stored = Stored.ofKind(Stored.await(server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() >= expected, Duration.ofSeconds(30)), "click");
            Map<Integer, String> hierarchies = new HashMap<>();
            for (JsonNode e : stored) {
                int n = e.path("properties").path("click_no").asInt(-1);
                assertThat(hierarchies.put(n, e.path("hierarchy").asText(""))).as("click %d stored once", n).isNull();
            }
            assertThat(hierarchies.keySet()).as("every click stored").hasSize(no);

            List<String> failures = new ArrayList<>();
            int compared = compare(seed, selectors, valid, clicks, hierarchies, failures);
            previews(server, from, selectors, valid, clicks, failures);

            long validCount = valid.stream().filter(v -> v).count();
            long matched = 0;
            int discriminating = 0;
            for (Click c : clicks) {
                matched += c.matches().chars().filter(ch -> ch == '1').count();
            }
            for (int j = 0; j < selectors.size(); j++) {
                int index = j;
                long n = clicks.stream().filter(k -> k.matches().charAt(index) == '1').count();
                discriminating += n > 0 && n < clicks.size() ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "SelectorExactnessTest: %d pages, %d clicks (%d by mouse, %d skipped), %d "
                    + "selectors (%d valid, %d matching some clicks but not all), %d comparisons, %d browser matches, "
                    + "%d failures, %.1f s%n", PAGES, clicks.size(), byMouse, clicks.stream().filter(Click::skip).count(),
                    selectors.size(), validCount, discriminating, compared, matched, failures.size(),
                    (System.nanoTime() - started) / 1e9);
            assertThat(failures.subList(0, Math.min(40, failures.size())))
                    .as("seed %d: %d mismatches (the first 40 shown)", seed, failures.size()).isEmpty();
        }
    }

    // ---- the browser side ----

    /** Builds a page's body from its JSON description; answers how many elements there are to click. */
    static final String BUILD = """
            json => {
              const spec = JSON.parse(json);
              const build = n => {
                const e = document.createElement(n.tag);
                for (const [k, v] of n.attrs) e.setAttribute(k, v);
                if (n.text) e.appendChild(document.createTextNode(n.text));
                for (const k of n.kids) e.appendChild(build(k));
                return e;
              };
              const body = document.body, html = document.documentElement;
              for (const a of Array.from(html.attributes)) html.removeAttribute(a.name);
              for (const [k, v] of spec.html) html.setAttribute(k, v);
              for (const a of Array.from(body.attributes)) body.removeAttribute(a.name);
              for (const [k, v] of spec.attrs) body.setAttribute(k, v);
              body.replaceChildren(...spec.kids.map(build));
              window.__els = [html, ...body.querySelectorAll('*')];
              return window.__els.length;
            }""";

    /**
     * A capture listener on window (it runs before the tracker's, on document): it cancels navigation, finds the
     * element the tracker attributes the click to, and records element.matches for every selector.
     */
    static final String INSTALL = """
            ([json, meaningful]) => {
              const selectors = JSON.parse(json);
              const valid = selectors.map(s => {
                try { document.createDocumentFragment().querySelector(s); return true; } catch (e) { return false; }
              });
              const open = e => {
                const c = e.cloneNode(false);
                return c.outerHTML.replace(/<\\/[a-z]+>$/, '') + ' (child ' + (Array.from(e.parentNode.children).indexOf(e) + 1) + ')';
              };
              window.__rec = [];
              window.addEventListener('click', ev => {
                ev.preventDefault();
                let el = null;
                for (let n = ev.target; n && n.nodeType === 1; n = n.parentElement) {
                  if (n.matches(meaningful)) { el = n; break; }
                  if (n === document.body) break;
                }
                if (!el) el = ev.target;
                const skip = !document.body.contains(el) && el !== document.documentElement;
                const path = [];
                for (let n = el; n && n !== document.documentElement; n = n.parentElement) path.unshift(open(n));
                if (el === document.documentElement) path.push(el.cloneNode(false).outerHTML.replace(/<\\/html>$/, ''));
                window.__rec.push({ no: window.__clickNo, skip, path: path.join('\\n  > '),
                  m: selectors.map((s, i) => valid[i] && el.matches(s) ? '1' : '0').join('') });
              }, true);
              return valid;
            }""";

    @SuppressWarnings("unchecked")
    static List<Boolean> install(Page page, List<String> selectors) throws Exception {
        return (List<Boolean>) page.evaluate(INSTALL, List.of(TestServer.JSON.writeValueAsString(selectors), MEANINGFUL));
    }

    /** Numbers the click through an event property, then clicks the element with the mouse (or el.click() if it has no box). */
    static boolean click(Page page, int no, int index) {
        Object at = page.evaluate("""
                ([no, i]) => {
                  window.__clickNo = no;
                  hindsight.addEventProperties({ click_no: no });
                  const el = window.__els[i];
                  if (el === document.documentElement) {
                    el.click();
                    return null;
                  }
                  el.scrollIntoView({ block: 'center', inline: 'center' });
                  const b = el.getBoundingClientRect();
                  const x = b.left + b.width / 2, y = b.top + b.height / 2;
                  if (b.width < 1 || b.height < 1 || x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) {
                    el.click();
                    return null;
                  }
                  return [x, y];
                }""", List.of(no, index));
        if (at != null) {
            List<?> xy = (List<?>) at;
            page.mouse().click(((Number) xy.get(0)).doubleValue(), ((Number) xy.get(1)).doubleValue());
        }
        return at != null;
    }

    // ---- the comparisons ----

    static int compare(long seed, List<String> selectors, List<Boolean> valid, List<Click> clicks,
            Map<Integer, String> hierarchies, List<String> failures) throws Exception {
        int compared = 0;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            try (var st = c.createStatement()) {
                st.execute("CREATE TABLE h (no INTEGER, hierarchy VARCHAR)");
            }
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO h VALUES (?, ?)")) {
                for (Click k : clicks) {
                    ins.setInt(1, k.no());
                    ins.setString(2, hierarchies.get(k.no()));
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            for (int j = 0; j < selectors.size(); j++) {
                String sel = selectors.get(j);
                HierarchyPattern p;
                try {
                    p = HierarchyPattern.compile(sel);
                } catch (SelectorException e) {
                    if (valid.get(j)) {
                        failures.add("selector " + quote(sel) + " is valid CSS in the browser but refused: " + e.getMessage());
                    }
                    continue;
                } catch (RuntimeException e) {
                    failures.add("selector " + quote(sel) + " fails to compile with " + e);
                    continue;
                }
                if (!valid.get(j)) {
                    failures.add("selector " + quote(sel) + " is invalid CSS in the browser but compiled to " + p.regex());
                    continue;
                }
                Set<Integer> duck = new HashSet<>();
                try (PreparedStatement q = c.prepareStatement("SELECT no FROM h WHERE regexp_full_match(hierarchy, ?)")) {
                    q.setString(1, p.regex());
                    try (ResultSet rs = q.executeQuery()) {
                        while (rs.next()) {
                            duck.add(rs.getInt(1));
                        }
                    }
                }
                try {
                    com.google.re2j.Pattern.compile(p.regex());
                } catch (RuntimeException e) {
                    failures.add("selector " + quote(sel) + " compiles to an expression RE2/J refuses: " + e);
                }
                for (Click k : clicks) {
                    if (k.skip()) {
                        continue;
                    }
                    String h = hierarchies.get(k.no());
                    boolean browser = k.matches().charAt(j) == '1';
                    boolean java = p.matches(h);
                    boolean duckdb = duck.contains(k.no());
                    compared++;
                    // The same click as the tracker recorded it before the positions from the end (and <html>'s level).
                    String old = h.startsWith("html") ? "" : h.replaceAll(":([0-9]+):([0-9]+):[0-9]+:[0-9]+(\\||$)", ":$1:$2$3");
                    boolean onOld = p.matches(old);
                    boolean asksNew = sel.matches("(?is).*(last|only|nth-last).*");
                    if (onOld && !java || !asksNew && onOld != java && !h.startsWith("html")) {
                        failures.add("selector " + quote(sel) + ": " + java + " on click " + k.no() + " but " + onOld
                                + " on the older encoding " + old + "\n  regex: " + p.regex());
                    }

                    if (browser != java || browser != duckdb) {
                        failures.add("selector " + quote(sel) + ": browser " + browser + ", Java " + java + ", DuckDB "
                                + duckdb + " on click " + k.no() + "\n  element path:\n    " + k.path()
                                + "\n  stored hierarchy: " + h + "\n  regex: " + p.regex());
                    }
                }
            }
        }
        return compared;
    }

    static void previews(TestServer server, Instant from, List<String> selectors, List<Boolean> valid, List<Click> clicks,
            List<String> failures) throws Exception {
        String to = Instant.now().plusSeconds(3600).toString();
        for (int j = 0; j < selectors.size(); j++) {
            if (!valid.get(j)) {
                continue;
            }
            String sel = selectors.get(j);
            int index = j;
            long expected = clicks.stream().filter(k -> !k.skip() && k.matches().charAt(index) == '1').count();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("app_id", server.dev().appId());
            body.put("from", from.toString());
            body.put("to", to);
            body.put("rules", List.of(Map.of("kind", "click", "selector", sel)));
            TestServer.Response res = server.post("/api/definitions/preview", TestServer.JSON.writeValueAsString(body),
                    TestServer.bearer(TestServer.ADMIN));
            if (res.status() != 200) {
                failures.add("preview of " + quote(sel) + " answered " + res.status() + ": " + res.body());
            } else if (res.json().get("total").asLong() != expected) {
                failures.add("preview of " + quote(sel) + " counts " + res.json().get("total").asLong()
                        + " clicks, the browser matched " + expected);
            }
        }
    }

    static String quote(String s) {
        return "«" + s + "»";
    }

    // ---- the page generator ----

    static Node page(Random r) {
        Node body = new Node("body");
        if (r.nextInt(3) == 0) {
            attributes(r, body);
        }
        // Names and values of no other element's, so that no selector generated for ancestors meets the root's: the
        // compiler takes the unrecorded root of other clicks to have no id, class or attribute (documented).
        if (r.nextBoolean()) {
            body.html.add(new String[] {"class", pick(r, List.of("dark", "dark theme-x", "theme-x"))});
        }
        if (r.nextBoolean()) {
            body.html.add(new String[] {"id", "root-id"});
        }
        if (r.nextBoolean()) {
            body.html.add(new String[] {"data-theme", pick(r, List.of("dark", "dark-blue", "light"))});
        }
        int n = 2 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            add(body, node(r, 1, body.kids.isEmpty() ? null : body.kids.get(body.kids.size() - 1).tag));
        }
        positions(body);
        return body;
    }

    static void add(Node parent, Node kid) {
        kid.parent = parent;
        parent.kids.add(kid);
    }

    static Node node(Random r, int depth, String previousTag) {
        boolean leaf = depth >= 5 || r.nextInt(10) < 3;
        String tag = previousTag != null && r.nextInt(10) < 4 ? previousTag
                : leaf ? pick(r, LEAVES) : r.nextInt(10) == 0 ? pick(r, List.of("a", "button")) : pick(r, CONTAINERS);
        Node e = new Node(tag);
        attributes(r, e);
        if (leaf || r.nextInt(3) == 0) {
            e.text = "w" + r.nextInt(100);
        }
        if (!leaf) {
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                add(e, node(r, depth + 1, e.kids.isEmpty() ? null : e.kids.get(e.kids.size() - 1).tag));
            }
        }
        return e;
    }

    static void attributes(Random r, Node e) {
        if (r.nextInt(10) < 3) {
            e.attrs.add(new String[] {"id", pick(r, IDS)});
        }
        if (r.nextInt(2) == 0) {
            StringBuilder cl = new StringBuilder(r.nextInt(10) == 0 ? " " : "");
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                cl.append(i > 0 ? pick(r, List.of(" ", "  ", "\t", "\n")) : "").append(pick(r, CLASSES));
            }
            e.attrs.add(new String[] {"class", cl.toString()});
        }
        int[] percent = {10, 15, 10, 10, "a".equals(e.tag) ? 70 : 5, 12, 5, 5, 5};
        for (int i = 0; i < ATTRS.size(); i++) {
            if (r.nextInt(100) < percent[i]) {
                String name = ATTRS.get(i);
                String v = switch (name) {
                    case "type" -> pick(r, TYPES);
                    case "role" -> pick(r, ROLES);
                    case "href" -> pick(r, HREFS);
                    default -> pick(r, VALUES);
                };
                e.attrs.add(new String[] {name, v});
            }
        }
        int data = r.nextInt(3);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < data; i++) {
            String name = pick(r, DATA);
            if (names.add(name.toLowerCase(Locale.ROOT))) {
                e.attrs.add(new String[] {name, pick(r, VALUES)});
            }
        }
        Collections.shuffle(e.attrs, r);
    }

    static void positions(Node parent) {
        Map<String, Integer> ofType = new HashMap<>();
        for (int i = 0; i < parent.kids.size(); i++) {
            Node k = parent.kids.get(i);
            k.nthChild = i + 1;
            k.nthOfType = ofType.merge(k.tag, 1, Integer::sum);
            positions(k);
        }
        Map<String, Integer> ofTypeFromEnd = new HashMap<>();
        for (int i = parent.kids.size() - 1; i >= 0; i--) {
            Node k = parent.kids.get(i);
            k.nthLastChild = parent.kids.size() - i;
            k.nthLastOfType = ofTypeFromEnd.merge(k.tag, 1, Integer::sum);
        }
    }

    // ---- the selector generator ----

    static List<String> selectors(Random r, List<Node> bodies) {
        Set<String> out = new LinkedHashSet<>(List.of("*", "body", "body > *", "html > body > *", "html *",
                "html body div", "* > body", "* > * > div", "* * * span", ":nth-child(2) > *",
                "body:nth-child(2) > :nth-child(1)", "[type=button]", "[type=BUTTON]", "button[type~=button]",
                "[type^=but]", "[id]", "[id='']", "[class~=item]", "div, span", "a, button, li > span",
                "[data-x][data-y]", "[data-a\\.b]", "[data-é]", "[data-É]", "[href$='?']", "[href*='&&']",
                "[title~=a]", ".it", "#a\\.b", "[aria-label*='%']", "[title*='20']", "[title~=b]",
                "[class~='a\\2003 b']", "[title~='a\\2003 b']", "[title~=a\\a0 b]", ":nth-child(1) > body",
                ":nth-of-type(1) > body > *", ":nth-child(2) > body", "*:nth-child(1) * span", "html:nth-child(1) > body",
                "html:nth-of-type(2) *",
                "[type$=TTON]", "[type*=uTt]", "[type~=Y]",
                "html", ":root", "html.dark", ":root.dark", "html#root-id", "[data-theme=dark]", "[data-theme|=dark]",
                ":root:first-child", ":root:only-of-type", ":root:nth-last-child(1)", "html:not(.dark)",
                ":root:not([data-theme])", ".theme-x", "[class*=ar]", "[class*=eme-]", "html > body", ":root > body > *",
                ":root *", ":root > *", "* > :root", "html:last-child", "*:not(body):not(html)",
                ":last-child", ":only-child", "li:nth-child(odd)", "li:nth-child(even)", ":nth-last-child(2n+1)",
                ":nth-of-type(-n+2) > :last-of-type", ":only-of-type", "body > :first-child",
                ":not(div, span) > :not(.btn)", "[class*=tn]:not(.item)", "[data-x|=a]", "[type|=button]",
                "[class*=\"x/\"]", "p:nth-last-of-type(n+2)"));
        List<Node> all = new ArrayList<>();
        bodies.forEach(b -> collect(b, all));
        int derived = 0;
        while (derived < DERIVED_SELECTORS) {
            String s = derived(r, all.get(r.nextInt(all.size())));
            if (r.nextInt(6) == 0) {
                s += pick(r, List.of(", ", ",", " ,  ")) + derived(r, all.get(r.nextInt(all.size())));
            }
            if (out.add(s)) {
                derived++;
            }
        }
        int random = 0;
        while (random < RANDOM_SELECTORS) {
            StringBuilder s = new StringBuilder();
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                s.append(i > 0 ? combinator(r) : "").append(compound(r, null));
            }
            if (out.add(s.toString())) {
                random++;
            }
        }
        return new ArrayList<>(out);
    }

    static void collect(Node n, List<Node> out) {
        out.add(n);
        n.kids.forEach(k -> collect(k, out));
    }

    /** A selector built from an element: its own compound, often behind one of its ancestors'. */
    static String derived(Random r, Node e) {
        StringBuilder s = new StringBuilder(compound(r, e));
        Node at = e;
        int more = r.nextInt(10) < 5 ? 0 : r.nextInt(10) < 7 ? 1 : 2;
        for (int i = 0; i < more && at.parent != null; i++) {
            boolean parent = r.nextInt(10) < 6;
            Node a = at.parent;
            if (!parent) {
                List<Node> ancestors = new ArrayList<>();
                for (Node x = at.parent; x != null; x = x.parent) {
                    ancestors.add(x);
                }
                a = pick(r, ancestors);
            }
            String comb = a == at.parent ? combinator(r) : r.nextInt(4) == 0 ? pick(r, List.of(" > ", ">")) : " ";
            s.insert(0, compound(r, a) + comb);
            at = a;
        }
        if (at.parent == null && r.nextInt(5) == 0) {
            s.insert(0, pick(r, List.of("html", ":root", "html:first-child", ":root:only-child")) + combinator(r));
        }
        return s.toString();
    }

    static String combinator(Random r) {
        return pick(r, List.of(" ", " > ", ">", "  >\t", "\n"));
    }

    /** A compound selector: from the element's own features (or near misses of them), or from the vocabulary when e is null. */
    static String compound(Random r, Node e) {
        return compound(r, e, false, new HashSet<>());
    }

    /**
     * A compound; when {@code negated}, one for inside :not(): no :not of its own, and only the conditions whose
     * complement compiles ([a], [a=v], [a^=v], classes, tags, positions).
     */
    static String compound(Random r, Node e, boolean negated, Set<String> usedAttrs) {
        StringBuilder s = new StringBuilder();
        if (r.nextInt(10) < 4) {
            String tag = e != null && r.nextInt(10) < 8 ? e.tag : pick(r, List.of("div", "span", "a", "button", "li",
                    "p", "ul", "section", "*"));
            s.append(r.nextInt(10) == 0 ? tag.toUpperCase(Locale.ROOT) : tag);
        }
        // Shared with the :not() inside, so that no attribute has conditions both inside and out (refused).
        boolean usedId = usedAttrs.contains("id");
        boolean usedNot = false;
        int features = s.isEmpty() ? 1 + r.nextInt(2) : r.nextInt(negated ? 2 : 3);
        for (int f = 0; f < features; f++) {
            int kind = r.nextInt(10);
            if (kind < 2 && !usedAttrs.contains("id")) {
                String id = e != null && e.attr("id") != null && r.nextInt(10) < 8 ? e.attr("id") : pick(r, IDS);
                if (id.isEmpty()) {
                    continue;
                }
                usedId = true;
                usedAttrs.add("id");
                s.append('#').append(cssEscape(id));
            } else if (kind < 5 && !(negated && usedAttrs.contains("class*"))) {
                String cl = e != null && e.attr("class") != null && r.nextInt(10) < 8
                        ? pick(r, List.of(e.attr("class").trim().split("[ \t\n\f\r]+"))) : pick(r, CLASSES);
                if (cl.isEmpty()) {
                    continue;
                }
                if (r.nextInt(8) == 0 && !usedAttrs.contains("class")) {
                    usedAttrs.add("class");
                    s.append("[class~=").append(value(r, cl)).append(']');
                } else if (r.nextInt(5) == 0 && !negated && !usedAttrs.contains("class") && !cl.isBlank()
                        && !usedAttrs.contains("not.class")) {
                    // [class*=v] with a v of one class (never with white space: refused, see HierarchyPatternTest).
                    usedAttrs.add("class");
                    usedAttrs.add("class*");
                    int a = r.nextInt(cl.length());
                    String part = cl.substring(a, a + 1 + r.nextInt(cl.length() - a));
                    s.append("[class*=").append(value(r, part)).append(']');
                } else {
                    s.append('.').append(cssEscape(cl));
                }
                if (negated) {
                    usedAttrs.add("not.class");
                }
            } else if (kind < 9) {
                List<String[]> own = e == null ? List.of() : e.attrs.stream()
                        .filter(a -> !a[0].equals("class") && !a[0].startsWith("data-hs-")).toList();
                String name;
                String v;
                if (!own.isEmpty() && r.nextInt(10) < 8) {
                    String[] a = pick(r, own);
                    name = a[0];
                    v = a[1];
                } else {
                    name = r.nextBoolean() ? pick(r, ATTRS) : pick(r, DATA.stream().filter(d -> !d.startsWith("data-hs-")).toList());
                    v = pick(r, name.equals("type") ? TYPES : name.equals("href") ? HREFS : VALUES);
                }
                if (name.equals("id") ? usedId || !usedAttrs.add("id") : !usedAttrs.add(name.toLowerCase(Locale.ROOT))) {
                    continue;
                }
                usedId |= name.equals("id");
                s.append(attribute(r, name, v, negated));
            } else if (kind < 10 && r.nextInt(3) == 0 && !negated && !usedNot) {
                usedNot = true;
                s.append(":not(").append(compound(r, r.nextBoolean() ? e : null, true, usedAttrs));
                if (r.nextInt(4) == 0) {
                    s.append(pick(r, List.of(", ", ","))).append(compound(r, null, true, usedAttrs));
                }
                s.append(')');
            } else {
                s.append(position(r, e));
            }
        }
        if (s.isEmpty()) {
            s.append(e == null ? "*" : e.tag);
        }
        return s.toString();
    }

    /** An attribute condition on name with an operator and a value derived from v (whole, a part, a word, a near miss). */
    static String attribute(Random r, String name, String v, boolean negated) {
        String n = r.nextInt(8) == 0 ? name.toUpperCase(Locale.ROOT) : name;
        n = cssEscape(n);
        int op = r.nextInt(negated ? 5 : 14);
        if (op == 0 || name.equals("id") && op < 3) {
            return "[" + n + "]";
        }
        String[] ops = negated ? new String[] {"", "=", "^=", "=", "^="}
                : new String[] {"=", "=", "^=", "$=", "*=", "~=", "=", "^=", "$=", "*=", "~=", "*=", "|=", "|="};
        String o = ops[op];
        String x = switch (o) {
            case "^=" -> v.substring(0, r.nextInt(v.length() + 1));
            case "$=" -> v.substring(r.nextInt(v.length() + 1));
            case "*=" -> {
                int a = r.nextInt(v.length() + 1);
                yield v.substring(a, a + r.nextInt(v.length() - a + 1));
            }
            case "|=" -> v.contains("-") && r.nextBoolean() ? v.substring(0, v.indexOf('-')) : v;
            case "~=" -> {
                String[] words = v.split("[ \t\n\f\r]+");
                yield r.nextInt(4) == 0 || words.length == 0 ? v : pick(r, List.of(words));
            }
            default -> v;
        };
        int mutate = r.nextInt(10);
        if (mutate == 0) {
            x = x.toUpperCase(Locale.ROOT);
        } else if (mutate == 1) {
            x = x.toLowerCase(Locale.ROOT);
        } else if (mutate == 2 && !x.isEmpty()) {
            x = x.substring(1);
        } else if (mutate == 3) {
            x = pick(r, VALUES);
        }
        return "[" + n + (r.nextInt(5) == 0 ? " " : "") + o + value(r, x) + "]";
    }

    /** A value as an identifier when it can be one, else a single- or double-quoted string. */
    static String value(Random r, String v) {
        if (!v.isEmpty() && r.nextBoolean()) {
            return cssEscape(v);
        }
        char q = r.nextBoolean() ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(q);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == q || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append('\\').append(Integer.toHexString(c)).append(' ');
            } else {
                sb.append(c);
            }
        }
        return sb.append(q).toString();
    }

    /** CSS.escape (CSSOM): a string as an identifier. */
    static String cssEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (c == 0) {
                sb.append('\uFFFD');
            } else if (c < 0x20 || c == 0x7f || (i == 0 && c >= '0' && c <= '9')
                    || (i == 1 && c >= '0' && c <= '9' && s.charAt(0) == '-')) {
                sb.append('\\').append(Integer.toHexString(c)).append(' ');
            } else if (i == 0 && c == '-' && s.length() == 1) {
                sb.append("\\-");
            } else if (c >= 0x80 || c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')) {
                sb.appendCodePoint(c);
            } else {
                sb.append('\\').appendCodePoint(c);
            }
            i += Character.charCount(c);
        }
        return sb.toString();
    }

    static <T> T pick(Random r, List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    static final List<String> STEPS = List.of("odd", "even", "2n+1", "-n+3", "n+2", "3n", "3n+1", "4n-1", "5n", "10n+1",
            "-2n+5", "n", "+5", "0n+2", " 2n + 1 ", "2N+1", "-n+1", "6n+5", "n- 1", "-0n+1", "4n", "-n-1");
    static final List<String> SHORTHANDS = List.of(":first-child", ":last-child", ":only-child", ":first-of-type",
            ":last-of-type", ":only-of-type");

    /** A position pseudo-class: a shorthand, or :nth-*() of the element's own position or of a step from STEPS. */
    static String position(Random r, Node e) {
        if (r.nextInt(3) == 0) {
            return pick(r, SHORTHANDS);
        }
        int kind = r.nextInt(4);
        String name = List.of(":nth-child(", ":nth-of-type(", ":nth-last-child(", ":nth-last-of-type(").get(kind);
        if (e != null && r.nextInt(10) < 5) {
            int n = e.parent == null ? (kind == 0 ? 2 : 1)
                    : List.of(e.nthChild, e.nthOfType, e.nthLastChild, e.nthLastOfType).get(kind);
            if (r.nextInt(5) == 0) {
                n = Math.max(1, n + (r.nextBoolean() ? 1 : -1));
            }
            return name + (r.nextBoolean() ? n : "-n+" + n) + ")";
        }
        return name + pick(r, STEPS) + ")";
    }
}
