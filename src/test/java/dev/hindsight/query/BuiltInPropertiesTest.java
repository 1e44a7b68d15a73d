package dev.hindsight.query;

import static dev.hindsight.TestServer.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built-in properties over HTTP: six sessions from six channels, each from its own browser, and every kind of
 * analysis filtered and broken down by them. Session-level built-ins hold for every event of the session, not
 * only its landing.
 */
class BuiltInPropertiesTest {
    private static final long NOV10 = 1_794_268_800_000L;
    private static final long M = 60_000L;
    private static final String SITE = "https://shop.example";
    private static final String CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/120.0.0.0 Safari/537.36";
    private static final String FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
    private static final String IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"
            + " (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
        // s1, paid: an ad click (utm cpc) from Google; then pricing, then a purchase.
        visit("d1", "s1", CHROME, 0, "/?utm_source=google&utm_medium=cpc&utm_campaign=spring", "https://www.google.com/",
                true);
        // s2, search: organic Google.
        visit("d2", "s2", FIREFOX, 10, "/products/1", "https://www.google.com/search?q=shop", false);
        // s3, email: the newsletter's link, no referrer.
        visit("d3", "s3", IPHONE, 20, "/?utm_source=newsletter&utm_medium=email", null, true);
        // s4, direct.
        visit("d4", "s4", CHROME, 30, "/pricing", null, false);
        // s5, referral; s6, social.
        visit("d5", "s5", CHROME, 40, "/", "https://news.ycombinator.com/item?id=1", false);
        visit("d6", "s6", CHROME, 50, "/", "https://m.facebook.com/", false);
        TestServer.Response r = s.post("/api/add_user_properties", TestServer.json("app_id", s.dev().appId(),
                "identity", "carol", "properties", Map.of("plan", "pro")), bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A session: the landing pageview, a second pageview on /pricing, and with {@code buys} an identified purchase. */
    private static void visit(String device, String session, String agent, int minute, String landing, String referrer,
            boolean buys) {
        long t = NOV10 + minute * M;
        List<Map<String, Object>> ev = new ArrayList<>();
        Map<String, Object> land = new HashMap<>(Map.of("kind", "pageview", "device_id", device, "session_id", session,
                "time", t, "url", SITE + landing, "title", "Shop"));
        if (referrer != null) {
            land.put("referrer", referrer);
        }
        ev.add(land);
        ev.add(Map.of("kind", "pageview", "device_id", device, "session_id", session, "time", t + M,
                "url", SITE + "/pricing#plans", "referrer", SITE + landing, "title", "Pricing"));
        if (buys) {
            ev.add(Map.of("kind", "identify", "device_id", device, "identity", device.equals("d3") ? "carol" : "bob",
                    "time", t + 2 * M));
            ev.add(Map.of("kind", "custom", "name", "Purchased", "device_id", device, "session_id", session,
                    "time", t + 3 * M));
        }
        TestServer.Response r = s.post("/h", TestServer.json("app_id", s.dev().appId(), "events", ev),
                "User-Agent", agent);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static JsonNode query(String kind, String rest) {
        TestServer.Response r = ask(kind, rest);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static TestServer.Response ask(String kind, String rest) {
        return s.post("/api/query", "{\"app_id\":\"" + s.dev().appId() + "\",\"kind\":\"" + kind + "\","
                + "\"from\":\"2026-11-10T00:00:00Z\",\"to\":\"2026-11-11T00:00:00Z\"," + rest + "}", bearer(TestServer.ADMIN));
    }

    /** A graph's total per breakdown value. */
    private static Map<String, Long> totals(JsonNode answer) {
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode line : answer.get("series")) {
            long sum = 0;
            for (JsonNode p : line.get("points")) {
                sum += p.get("value").asLong();
            }
            out.merge(line.has("breakdown") ? line.get("breakdown").asText() : "", sum, Long::sum);
        }
        return out;
    }

    private static String filter(String key, String op, String value) {
        return "{\"key\":\"" + key + "\",\"op\":\"" + op + "\"" + (value == null ? "" : ",\"value\":\"" + value + "\"") + "}";
    }

    private static final String PAGEVIEWS = "\"series\":[{\"event\":{\"kind\":\"pageview\"},\"measure\":\"sessions\"}]";

    @Test
    void aGraphOfSessionsByChannelShowsEachSessionsChannel() {
        assertThat(totals(query("graph", PAGEVIEWS + ",\"breakdown\":{\"property\":\"$channel\"}")))
                .isEqualTo(Map.of("direct", 1L, "email", 1L, "paid", 1L, "referral", 1L, "search", 1L, "social", 1L));
    }

    @Test
    void sessionLevelBuiltInsHoldForEveryEventOfTheSession() {
        String pageviews = "\"series\":[{\"event\":{\"kind\":\"pageview\"},\"measure\":\"count\"}]";
        // Both pageviews of the email session, though only the landing has the utm parameters.
        assertThat(totals(query("graph", pageviews + ",\"filters\":[" + filter("$channel", "=", "email") + "]")))
                .isEqualTo(Map.of("", 2L));
        assertThat(totals(query("graph", pageviews + ",\"breakdown\":\"$utm_source\"")))
                .isEqualTo(Map.of("google", 2L, "newsletter", 2L, "(none)", 8L));
        assertThat(totals(query("graph", pageviews + ",\"breakdown\":\"$referring_domain\"")))
                .containsEntry("www.google.com", 4L).containsEntry("news.ycombinator.com", 2L).containsEntry("(none)", 4L);
        assertThat(totals(query("graph", pageviews + ",\"breakdown\":\"$landing_path\"")))
                .isEqualTo(Map.of("/", 8L, "/products/1", 2L, "/pricing", 2L));
        assertThat(totals(query("graph", pageviews + ",\"filters\":[" + filter("$utm_campaign", "=", "spring") + "]")))
                .isEqualTo(Map.of("", 2L));
    }

    @Test
    void eventLevelBuiltInsComeFromEachEvent() {
        String pageviews = "\"series\":[{\"event\":{\"kind\":\"pageview\"},\"measure\":\"count\"}]";
        assertThat(totals(query("graph", pageviews + ",\"breakdown\":\"$browser\"")))
                .isEqualTo(Map.of("Chrome", 8L, "Firefox", 2L, "Mobile Safari", 2L));
        assertThat(totals(query("graph", pageviews + ",\"breakdown\":\"$device_type\"")))
                .isEqualTo(Map.of("desktop", 10L, "mobile", 2L));
        assertThat(totals(query("graph", pageviews + ",\"breakdown\":\"$path\"")))
                .isEqualTo(Map.of("/", 4L, "/products/1", 1L, "/pricing", 7L));
        assertThat(totals(query("graph", pageviews + ",\"filters\":[" + filter("$hash", "=", "plans") + ","
                + filter("$domain", "=", "shop.example") + "," + filter("$title", "contains", "Pri") + "]")))
                .isEqualTo(Map.of("", 6L));
        assertThat(totals(query("graph", pageviews + ",\"filters\":[" + filter("$os", "=", "iOS") + "]")))
                .isEqualTo(Map.of("", 2L));
    }

    @Test
    void builtInsFilterInsideAnEventAndInADefinitionsRules() {
        String inEvent = "\"series\":[{\"event\":{\"kind\":\"pageview\",\"properties\":["
                + filter("$landing_path", "=", "/pricing") + "]},\"measure\":\"count\"}]";
        assertThat(totals(query("graph", inEvent))).isEqualTo(Map.of("", 2L));

        TestServer.Response def = s.post("/api/definitions", "{\"app_id\":\"" + s.dev().appId() + "\",\"name\":"
                + "\"Viewed pricing from Google\",\"rules\":[{\"kind\":\"pageview\",\"path\":\"/pricing\",\"properties\":["
                + filter("$referring_domain", "=", "www.google.com") + "]}]}", bearer(TestServer.ADMIN));
        assertThat(def.status()).as(def.body()).isEqualTo(201);
        long id = def.json().get("id").asLong();
        assertThat(totals(query("graph", "\"series\":[{\"event\":{\"definition\":" + id + "}}]")))
                .isEqualTo(Map.of("", 2L));
    }

    @Test
    void aFunnelIsFilteredAndBrokenDownByBuiltIns() {
        String steps = "\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"custom\",\"event\":\"Purchased\"}]";
        JsonNode byChannel = query("funnel", steps + ",\"breakdown\":{\"property\":\"$channel\"}");
        Map<String, List<Long>> counts = new TreeMap<>();
        for (JsonNode b : byChannel.get("breakdowns")) {
            List<Long> c = new ArrayList<>();
            b.get("steps").forEach(st -> c.add(st.get("count").asLong()));
            counts.put(b.get("value").asText(), c);
        }
        assertThat(counts).containsEntry("paid", List.of(1L, 1L)).containsEntry("email", List.of(1L, 1L))
                .containsEntry("search", List.of(1L, 0L)).hasSize(6);

        JsonNode mobile = query("funnel", steps + ",\"filters\":[" + filter("$device_type", "=", "mobile") + "]");
        assertThat(mobile.get("steps").get(0).get("count").asLong()).isEqualTo(1);
        assertThat(mobile.get("steps").get(1).get("count").asLong()).isEqualTo(1);
    }

    @Test
    void retentionPathsUsersAndSessionsTakeTheTopLevelFilters() {
        JsonNode retention = query("retention", "\"start\":{\"kind\":\"pageview\"},\"return\":{\"kind\":\"pageview\"},"
                + "\"period\":\"day\",\"periods\":1,\"filters\":[" + filter("$browser", "=", "Chrome") + "]");
        assertThat(retention.get("cohorts").get(0).get("users").asLong()).isEqualTo(4);

        JsonNode paths = query("paths", "\"start\":{\"kind\":\"pageview\"},\"depth\":2,\"filters\":["
                + filter("$channel", "=", "search") + "," + filter("$path", "=", "/products/1") + "]");
        assertThat(paths.toString()).contains("pageview /pricing").doesNotContain("Purchased");

        JsonNode users = query("users", "\"filters\":[" + filter("$channel", "=", "email") + "]");
        assertThat(users.get("total").asLong()).isEqualTo(1);
        assertThat(users.get("users").get(0).get("identity").asText()).isEqualTo("carol");

        JsonNode sessions = query("sessions", "\"filters\":[" + filter("$referring_domain", "contains", "facebook") + "]");
        assertThat(sessions.get("total").asLong()).isEqualTo(1);
        assertThat(sessions.get("sessions").get(0).get("session_id").asText()).isEqualTo("s6");
    }

    @Test
    void aUserPropertyIsItsLatestValue() {
        String purchases = "\"series\":[{\"event\":{\"kind\":\"custom\",\"event\":\"Purchased\"}}]";
        assertThat(totals(query("graph", purchases + ",\"breakdown\":\"$user.plan\"")))
                .isEqualTo(Map.of("pro", 1L, "(none)", 1L));
        assertThat(totals(query("graph", purchases + ",\"filters\":[" + filter("$user.plan", "is_not_set", null) + "]")))
                .isEqualTo(Map.of("", 1L));
    }

    @Test
    void anUnknownBuiltInOrTooManyFiltersAreRefusedNamingTheField() {
        TestServer.Response unknown = ask("graph", PAGEVIEWS + ",\"filters\":[" + filter("$chanel", "=", "email") + "]");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body()).contains("filters[0].key").contains("$channel");

        TestServer.Response badBreakdown = ask("funnel", "\"steps\":[{\"kind\":\"pageview\"},{\"kind\":\"pageview\"}],"
                + "\"breakdown\":\"$user.\"");
        assertThat(badBreakdown.status()).isEqualTo(400);
        assertThat(badBreakdown.body()).contains("breakdown.property");

        TestServer.Response badKey = ask("graph", PAGEVIEWS + ",\"filters\":[{\"key\":\"$browser\",\"op\":\"=\","
                + "\"value\":\"x\",\"vlaue\":1}]");
        assertThat(badKey.status()).isEqualTo(400);
        assertThat(badKey.body()).contains("filters[0].vlaue");

        List<String> many = new ArrayList<>();
        for (int i = 0; i <= TopFilters.MAX; i++) {
            many.add(filter("$browser", "is_set", null));
        }
        TestServer.Response tooMany = ask("sessions", "\"filters\":[" + String.join(",", many) + "]");
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.body()).contains("filters");
    }
}
