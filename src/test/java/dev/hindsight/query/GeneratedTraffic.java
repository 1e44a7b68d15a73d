package dev.hindsight.query;

import static dev.hindsight.query.Traffic.map;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.TestServer;
import dev.hindsight.query.reference.Dataset;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Link;
import dev.hindsight.query.reference.Dataset.Named;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A generated dataset (seeded, so a failure repeats), sent to a test server and kept as a {@link Dataset} for the
 * references: 30 devices with one to three sessions each (some without session ids, some with long pauses),
 * server-side events through {@code /api/track}, identifies through {@code /h} that merge devices and re-identify
 * some, user properties, and anonymous devices' own properties before the identifies (which copy them to users).
 * Browser events carry event properties ({@code plan}, a string, and {@code seats}, a number, each sometimes absent)
 * and sometimes a referrer; pageviews' URLs sometimes carry utm tags, an ad click id or a fragment (for the built-in
 * properties). Over one day from {@link #NOV10}, or with {@code days} above one, each session and server event moved
 * to a random one of that many days. {@code events} names the
 * events queries ask about (raw kinds and three definitions), {@code eventJson} their request JSON.
 */
record GeneratedTraffic(Dataset data, Map<String, Named> events, Map<String, String> eventJson) {
    static final long NOV10 = 1_794_268_800_000L;
    static final long DAY = 86_400_000L;
    private static final String[] PAGES = {"/", "/pricing", "/home", "/docs", "/checkout"};
    private static final String[] TEXTS = {"Buy", "Menu", null};
    private static final String[] HIERARCHIES = {"body:1:1|div.product:1:1|button.add-to-cart:1:1",
        "body:1:1|nav#top:1:1|a.menu%2Eitem[href=%2Fdocs]:3:1"};
    private static final String[] CUSTOM = {"signup", "opened", "exported"};
    private static final String[] PLANS = {"pro", "pro", "pro", "pro", "free", "free", "free", "team", "team", "trial",
        "edu", "beta", null, null};
    private static final String[] REFERRERS = {"https://google.com/", "https://news.ycombinator.com/", null, null};
    /** What pageviews' URLs end with after the path: utm tags, ad click ids, fragments (for the built-ins). */
    private static final String[] TAILS = {"", "", "", "?utm_source=google&utm_medium=cpc&utm_campaign=brand",
        "?utm_source=newsletter&utm_medium=email", "?gclid=abc", "?utm_medium=social&utm_source=fb#top",
        "?utm_source=partner&utm_term=a%20b&utm_content=c", "#pricing", "?ref=x&utm_campaign=Spring%2026"};
    private static final String[] MORE_REFERRERS = {"https://m.facebook.com/", "https://www.bing.com/search?q=1",
        "https://x.com/docs", "https://t.co/abc", "https://blog.example.org/post"};

    /**
     * Sends the dataset of {@code seed} to the dev environment. The properties, referrers and days come from a
     * second random sequence, so the rest of the data of a seed is the same whatever {@code days} is.
     */
    static GeneratedTraffic send(TestServer s, Traffic t, long seed, int days) {
        return send(s, t, seed, days, () -> { });
    }

    /**
     * Sends the dataset, running {@code midway} when every other browser event has been sent (each event's time is
     * its own, so the order they are sent in changes no answer): a roll-up there leaves every session part rolled up,
     * part not.
     */
    static GeneratedTraffic send(TestServer s, Traffic t, long seed, int days, Runnable midway) {
        Random rnd = new Random(seed);
        Random extra = new Random(~seed);
        // A third sequence for URL tails and more referrers, so that the data of the first two stays as it was.
        Random tags = new Random(seed * 7919 + 13);
        int[] unique = {0};
        List<Ev> events = new ArrayList<>();
        List<Map<String, Object>> browser = new ArrayList<>();
        for (int d = 0; d < 30; d++) {
            int sessions = 1 + rnd.nextInt(3);
            for (int k = 0; k < sessions; k++) {
                String session = rnd.nextInt(100) < 15 ? null : "d" + d + "s" + k;
                long day = extra.nextInt(days) * DAY;
                long sec = rnd.nextInt(80_000);
                int n = 2 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) {
                    sec += rnd.nextInt(10) == 0 ? 1800 + rnd.nextInt(600) : 5 + rnd.nextInt(300);
                    long time = NOV10 + day + Math.min(sec, 86_000) * 1000 + unique[0]++;
                    String identity = rnd.nextInt(10) == 0 ? "u" + rnd.nextInt(10) : null;
                    int kind = rnd.nextInt(10);
                    Map<String, Object> props = map("plan", PLANS[extra.nextInt(PLANS.length)],
                            "seats", extra.nextInt(4) == 0 ? null : 1 + extra.nextInt(9));
                    String referrer = REFERRERS[extra.nextInt(REFERRERS.length)];
                    if (referrer != null && tags.nextInt(3) == 0) {
                        referrer = MORE_REFERRERS[tags.nextInt(MORE_REFERRERS.length)];
                    }
                    Ev e;
                    if (kind < 5) {
                        String path = PAGES[rnd.nextInt(PAGES.length)];
                        e = new Ev("pageview", null, "d" + d, identity, session, time, path, null, null,
                                "https://x.com" + path + TAILS[tags.nextInt(TAILS.length)], referrer, props);
                    } else if (kind < 8) {
                        e = new Ev("click", null, "d" + d, identity, session, time, "/pricing",
                                TEXTS[rnd.nextInt(TEXTS.length)], HIERARCHIES[rnd.nextInt(HIERARCHIES.length)],
                                "https://x.com/pricing", referrer, props);
                    } else {
                        e = new Ev("custom", CUSTOM[rnd.nextInt(CUSTOM.length)], "d" + d, identity, session, time, "/",
                                null, null, "https://x.com/", referrer, props);
                    }
                    events.add(e);
                    browser.add(map("kind", e.kind(), "name", e.name(), "device_id", e.device(), "identity", e.identity(),
                            "session_id", e.session(), "time", e.time(), "url", e.url(), "text", e.text(),
                            "hierarchy", e.hierarchy(), "referrer", e.referrer(), "properties", e.props()));
                }
            }
        }
        // Identifies in time order: 12 devices, 3 of them later re-identified as someone else.
        List<Link> links = new ArrayList<>();
        List<Integer> devices = new ArrayList<>();
        for (int d = 0; d < 30; d++) {
            devices.add(d);
        }
        Collections.shuffle(devices, rnd);
        for (int i = 0; i < 12; i++) {
            String identity = "u" + rnd.nextInt(10);
            links.add(new Link("d" + devices.get(i), identity, NOV10 + rnd.nextInt(40_000) * 1000L + unique[0]++, false));
            if (i < 3) {
                String other = identity.equals("u9") ? "u0" : "u" + (Integer.parseInt(identity.substring(1)) + 1);
                links.add(new Link("d" + devices.get(i), other, NOV10 + (40_000 + rnd.nextInt(40_000)) * 1000L
                        + unique[0]++, false));
            }
        }
        links.sort((a, b) -> Long.compare(a.validFrom(), b.validFrom()));
        List<Map<String, Object>> identifies = new ArrayList<>();
        links.forEach(l -> identifies.add(map("kind", "identify", "device_id", l.device(), "identity", l.identity(),
                "time", l.validFrom())));
        for (int i = 0; i < 40; i++) {
            Ev e = new Ev("custom", CUSTOM[rnd.nextInt(CUSTOM.length)], null, "u" + rnd.nextInt(10), null,
                    NOV10 + extra.nextInt(days) * DAY + rnd.nextInt(86_000) * 1000L + unique[0]++, null, null, null,
                    null, null, Map.of());
            events.add(e);
        }
        assertThat(unique[0]).as("times stay distinct").isLessThan(1000);
        Map<String, Map<String, Object>> props = new HashMap<>();
        List<Map<String, Object>> users = new ArrayList<>();
        for (int u = 0; u < 10; u++) {
            if (rnd.nextInt(10) < 7) {
                Map<String, Object> p = map("plan", rnd.nextBoolean() ? "pro" : "free", "seats", 1 + rnd.nextInt(9));
                props.put("u" + u, p);
                users.add(map("identity", "u" + u, "properties", p));
            }
        }
        // Earlier values of plan, set at times inside the data's days (for $user_at_event), from a random sequence of
        // their own so that the rest of a seed's data stays the same; the sets above come later, at the server's now.
        Random timed = new Random(seed * 31 + 7);
        List<Dataset.PropertySet> history = new ArrayList<>();
        for (String identity : new java.util.TreeSet<>(props.keySet())) {
            for (int k = timed.nextInt(3); k > 0; k--) {
                long at = NOV10 + timed.nextInt(days) * DAY + timed.nextInt(86_000) * 1000L;
                String plan = List.of("pro", "free", "team").get(timed.nextInt(3));
                history.add(new Dataset.PropertySet(identity, null, "plan", plan, at));
                assertThat(s.post("/api/identify", TestServer.json("app_id", s.dev().appId(), "identity", identity,
                        "properties", map("plan", plan), "timestamp", at), TestServer.bearer(s.dev().secretKey()))
                        .status()).isEqualTo(200);
            }
        }
        // Anonymous devices' own properties, set by the tracker before any identify, at times inside the data's days
        // (from a random sequence of their own, as above): an identify copies them to a user without newer values.
        Random anonymous = new Random(seed * 131 + 3);
        List<Map<String, Object>> deviceSets = new ArrayList<>();
        for (int d = 0; d < 30; d++) {
            String device = "d" + d;
            for (int k = anonymous.nextInt(3) == 0 ? 1 + anonymous.nextInt(2) : 0; k > 0; k--) {
                long at = NOV10 + anonymous.nextInt(days) * DAY + anonymous.nextInt(86_000) * 1000L + 500 + 2 * d + k;
                Map<String, Object> p = map("plan", List.of("trial", "pro", "starter").get(anonymous.nextInt(3)),
                        "seats", anonymous.nextBoolean() ? 1 + anonymous.nextInt(9) : null);
                p.forEach((name, value) -> history.add(new Dataset.PropertySet(null, device, name, value, at)));
                deviceSets.add(map("kind", "user_properties", "device_id", device, "properties", p, "time", at));
            }
        }
        props.forEach((identity, p) -> p.forEach((name, value) ->
                history.add(new Dataset.PropertySet(identity, null, name, value, Long.MAX_VALUE))));
        List<List<Map<String, Object>>> halves = List.of(new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < browser.size(); i++) {
            halves.get(i % 2).add(browser.get(i));
        }
        t.browser(s.dev(), halves.get(0));
        midway.run();
        t.browser(s.dev(), halves.get(1));
        t.browser(s.dev(), deviceSets);
        t.browser(s.dev(), identifies);
        for (Ev e : events) {
            if (e.device() == null) {
                t.track(s.dev(), e.identity(), e.name(), e.time());
            }
        }
        assertThat(s.post("/api/add_user_properties", TestServer.json("app_id", s.dev().appId(), "users", users),
                TestServer.bearer(s.dev().secretKey())).status()).isEqualTo(200);

        GeneratedTraffic out = new GeneratedTraffic(new Dataset(events, links, props, history), new TreeMap<>(),
                new HashMap<>());
        out.raw("pageview", "{\"kind\":\"pageview\"}", e -> e.kind().equals("pageview"));
        out.raw("click", "{\"kind\":\"click\"}", e -> e.kind().equals("click"));
        out.raw("signup", "{\"kind\":\"custom\",\"event\":\"signup\"}",
                e -> e.kind().equals("custom") && e.name().equals("signup"));
        out.definition(t, s, "Viewed pricing", "[{\"kind\":\"pageview\",\"path\":\"/pricing\"}]",
                e -> e.kind().equals("pageview") && "/pricing".equals(e.path()));
        out.definition(t, s, "Clicked buy", "[{\"kind\":\"click\",\"text\":\"Buy\"}]",
                e -> e.kind().equals("click") && "Buy".equals(e.text()));
        out.definition(t, s, "Opened", "[{\"kind\":\"custom\",\"event\":\"opened\"}]",
                e -> e.kind().equals("custom") && e.name().equals("opened"));
        return out;
    }

    private void raw(String name, String json, Predicate<Ev> test) {
        events.put(name, new Named(name, test));
        eventJson.put(name, json);
    }

    private void definition(Traffic t, TestServer s, String name, String rules, Predicate<Ev> test) {
        long id = t.define(s.dev(), name, rules);
        events.put(name, new Named(name, test));
        eventJson.put(name, "{\"definition\":" + id + "}");
    }
}
