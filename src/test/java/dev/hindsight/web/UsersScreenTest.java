package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Users (list and profile), Sessions and Live view screens in Chromium over the demo shop: they show what the
 * API answers, search narrows the list, an admin undoes a merge from the profile (others get no button), a
 * session opens to its events in order, and the live view shows a sent event with the definitions it matches. The
 * lists' CSV downloads hold the rows shown.
 */
class UsersScreenTest {
    private static WebApp web;

    @BeforeAll
    static void start() {
        web = WebApp.withDemo();
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    private static String app() {
        return web.dev().appId();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode get(String path) {
        WebApp.Response r = web.send("GET", path, null, WebApp.ADMIN_TOKEN);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    /** Clicks a CSV download button and returns the file's lines. */
    private static List<String> download(Page page, Locator button) {
        com.microsoft.playwright.Download d = page.waitForDownload(button::click);
        try {
            return List.of(new String(java.nio.file.Files.readAllBytes(d.path()), StandardCharsets.UTF_8).split("\r\n"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A CSV line of {@code cells}, quoted as RFC 4180 asks (as the app's CSV is). */
    private static String csvLine(String... cells) {
        List<String> out = new ArrayList<>();
        for (String c : cells) {
            out.add(c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")
                    ? "\"" + c.replace("\"", "\"\"") + "\"" : c);
        }
        return String.join(",", out);
    }

    private static String text(JsonNode e, String field) {
        return e.hasNonNull(field) ? e.get(field).asText() : "";
    }

    /** How the screens name a user: the identity, or an anonymous device's id. */
    private static String name(JsonNode row) {
        JsonNode id = row.get("identity");
        return id == null || id.isNull() ? "Anonymous (" + row.get("user_key").asText().substring(7) + ")" : id.asText();
    }

    private static String[] names(JsonNode rows) {
        List<String> out = new ArrayList<>();
        rows.forEach(r -> out.add(name(r)));
        return out.toArray(String[]::new);
    }

    /** A demo user who logged in on a second device: two devices, two merges. */
    private static String userWithTwoDevices() {
        for (JsonNode u : get("/api/users?app_id=" + app() + "&limit=1000").get("users")) {
            if (u.get("identity").isNull()) {
                continue;
            }
            String id = u.get("identity").asText();
            JsonNode p = get("/api/users/" + enc(id) + "?app_id=" + app());
            if (p.get("devices").size() >= 2 && p.get("merges").size() >= 2) {
                return id;
            }
        }
        throw new AssertionError("the demo has no user with a second device");
    }

    @Test
    void theListShowsWhatTheApiAnswersAndSearchNarrowsIt() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            page.navigate(web.url("/e/" + app() + "/users"));
            Locator rows = page.locator("hs-user-list tbody tr");
            JsonNode all = get("/api/users?app_id=" + app() + "&limit=50");
            assertThat(rows).hasCount(all.get("users").size());
            assertThat(page.locator("hs-user-list tbody tr td:first-child")).hasText(
                    names(all.get("users")));
            assertThat(page.locator("hs-user-list .count")).hasText(String.format("%,d users", all.get("total").asLong()));
            WebApp.screenshot(page, "users");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            // Search: identities and property values; the list is what the API answers for the same search.
            JsonNode pro = get("/api/users?app_id=" + app() + "&limit=50&search=pro");
            assertThat(pro.get("total").asLong()).isPositive().isLessThan(all.get("total").asLong());
            page.getByLabel("Search users").fill("pro");
            assertThat(page.locator("hs-user-list .count")).hasText(String.format("%,d users", pro.get("total").asLong()));
            assertThat(page.locator("hs-user-list tbody tr td:first-child")).hasText(
                    names(pro.get("users")));

            // The CSV holds the page shown: a header, then each user of the API's answer, in order.
            List<String> csv = download(page, page.locator("hs-user-list").getByRole(AriaRole.BUTTON,
                    new Locator.GetByRoleOptions().setName("Download CSV")));
            assertThat(csv.get(0)).isEqualTo("identity,user_key,properties,event_count,first_seen,last_seen");
            assertThat(csv).hasSize(pro.get("users").size() + 1);
            for (int i = 0; i < pro.get("users").size(); i++) {
                assertThat(csv.get(i + 1)).contains("," + pro.get("users").get(i).get("user_key").asText() + ",");
            }

            // Paging: the next page is the API's next page.
            if (!pro.get("next_cursor").isNull()) {
                JsonNode second = get("/api/users?app_id=" + app() + "&limit=50&search=pro&cursor="
                        + enc(pro.get("next_cursor").asText()));
                page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Next")).click();
                assertThat(page.locator("hs-user-list tbody tr td:first-child")).hasText(
                        names(second.get("users")));
            }
            page.getByLabel("Search users").fill("no-such-user-anywhere");
            assertThat(page.locator("hs-user-list hs-state")).containsText("No user's identity or properties contain");
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void aCohortNarrowsTheListToItsMembersAndTheLinkKeepsIt() {
        // Two identified demo users in a static cohort: the list shows them alone, as the API answers for the cohort.
        WebApp.Cohort picked = web.staticCohort("Picked by hand", 2);
        long cohort = picked.id();
        List<String> members = picked.members();
        JsonNode inCohort = get("/api/users?app_id=" + app() + "&limit=50&cohort=" + cohort);
        assertThat(names(inCohort.get("users"))).containsExactlyInAnyOrderElementsOf(members);
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            page.navigate(web.url("/e/" + app() + "/users"));
            assertThat(page.locator("hs-user-list tbody tr")).not().hasCount(0);
            page.getByLabel("Cohort").selectOption(new com.microsoft.playwright.options.SelectOption()
                    .setLabel("Picked by hand"));
            assertThat(page.locator("hs-user-list tbody tr td:first-child")).hasText(names(inCohort.get("users")));
            assertThat(page.locator("hs-user-list .count")).hasText("2 users");

            // The URL carries the cohort: opened again, the list is the cohort's.
            String url = page.url();
            Page again = ctx.newPage();
            again.navigate(url);
            assertThat(again.locator("hs-user-list tbody tr td:first-child")).hasText(names(inCohort.get("users")));
            assertThat(again.getByLabel("Cohort")).hasValue(String.valueOf(cohort));
            assertThat(errors).isEmpty();
        } finally {
            web.deleteCohort(cohort);
        }
    }

    @Test
    void theProfileShowsTheApisAnswerAndAnAdminUndoesAMerge() {
        String identity = userWithTwoDevices();
        JsonNode profile = get("/api/users/" + enc(identity) + "?app_id=" + app());
        JsonNode events = get("/api/users/" + enc(identity) + "/events?app_id=" + app() + "&limit=50");
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            // Opened from the list: search for the user, click it.
            page.navigate(web.url("/e/" + app() + "/users"));
            page.getByLabel("Search users").fill(identity);
            page.locator("hs-user-list tbody a", new Page.LocatorOptions().setHasText(identity)).first().click();
            assertThat(page).hasURL(web.url("/e/" + app() + "/users/" + enc(identity)));
            Locator p = page.locator("hs-user-profile");
            assertThat(p.locator("h1")).hasText(identity);
            profile.get("properties").fields().forEachRemaining(e ->
                    assertThat(p.locator("dt", new Locator.LocatorOptions().setHasText(e.getKey())).first()).isVisible());
            assertThat(p.locator("ul.devices li")).hasText(deviceTexts(profile));
            assertThat(p.locator("table.merges tbody tr")).hasCount(profile.get("merges").size());
            Locator eventRows = p.locator("section[aria-labelledby=ev-h] tbody tr");
            assertThat(eventRows).hasCount(events.get("events").size());
            List<String> kinds = new ArrayList<>();
            events.get("events").forEach(e -> kinds.add(e.get("kind").asText().equals("custom") ? e.get("name").asText()
                    : e.get("kind").asText().equals("identify") ? "identify as " + e.path("identity").asText()
                    : e.get("kind").asText()));
            assertThat(eventRows.locator(".kind")).hasText(kinds.toArray(String[]::new));
            List<String> defs = new ArrayList<>();
            events.get("events").forEach(e -> e.get("definitions").forEach(d -> defs.add(d.get("name").asText())));
            assertThat(defs).as("the demo's events match its definitions").isNotEmpty();
            assertThat(eventRows.locator(".def")).hasText(defs.toArray(String[]::new));
            WebApp.screenshot(page, "user-profile");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            // Undo the second device's merge: the API is called, and the profile shows it undone.
            JsonNode merge = profile.get("merges").get(profile.get("merges").size() - 1);
            String device = merge.get("device_id").asText();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Undo merge of device " + device)).click();
            assertThat(p.locator(".note.ok")).containsText("Merge of device " + device + " undone");
            Locator row = p.locator("table.merges tbody tr", new Locator.LocatorOptions().setHasText(device));
            assertThat(row).containsText("Undone");
            JsonNode after = get("/api/users/" + enc(identity) + "/merges?app_id=" + app());
            boolean undone = false;
            for (JsonNode m : after.get("merges")) {
                if (m.get("id").asLong() == merge.get("id").asLong()) {
                    undone = !m.get("undone_at").isNull();
                }
            }
            assertThat(undone).as("the API has the merge undone").isTrue();
            JsonNode now = get("/api/users/" + enc(identity) + "?app_id=" + app());
            assertThat(p.locator("ul.devices li")).hasText(deviceTexts(now));
            assertThat(errors).isEmpty();
        }
    }

    private static String[] deviceTexts(JsonNode profile) {
        List<String> out = new ArrayList<>();
        profile.get("devices").forEach(d -> out.add(d.asText()));
        return out.toArray(String[]::new);
    }

    @Test
    void analystsAndViewersGetNoUndoButton() {
        String identity = userWithTwoDevices();
        String profileUrl = "/e/" + app() + "/users/" + enc(identity);
        web.invite("ana@example.com", "analyst");
        try (BrowserContext ctx = web.signedIn("ana@example.com", WebApp.PASSWORD)) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            page.navigate(web.url(profileUrl));
            Locator p = page.locator("hs-user-profile");
            assertThat(p.locator("table.merges tbody tr").first()).isVisible();
            assertThat(p.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName(
                    java.util.regex.Pattern.compile("^Undo")))).hasCount(0);
            assertThat(p.locator(".note")).hasText("Only admins can undo a merge.");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
        web.invite("vic@example.com", "viewer");
        try (BrowserContext ctx = web.signedIn("vic@example.com", WebApp.PASSWORD)) {
            Page page = ctx.newPage();
            page.navigate(web.url(profileUrl));
            // A viewer's app has no Users screen: a link to a profile opens the dashboards, the only screen it has.
            assertThat(page.locator("hs-dashboards")).isVisible();
            assertThat(page.locator("hs-app nav a")).hasText(new String[] {"Dashboards", "Settings"});
            assertThat(page.locator("hs-user-profile")).hasCount(0);
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(
                    java.util.regex.Pattern.compile("^Undo")))).hasCount(0);
        }
    }

    @Test
    void sessionsShowWhatTheApiAnswersAndOpenToTheirEventsInOrder() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            page.navigate(web.url("/e/" + app() + "/sessions"));
            JsonNode answer = web.query(Map.of("app_id", app(), "kind", "sessions", "from", "-7d", "limit", 100));
            Locator rows = page.locator("hs-sessions tbody tr.session");
            assertThat(rows).hasCount(answer.get("sessions").size());
            List<String> users = new ArrayList<>();
            List<String> counts = new ArrayList<>();
            List<String> channels = new ArrayList<>();
            answer.get("sessions").forEach(s -> {
                users.add(name(s));
                counts.add(String.format("%,d", s.get("event_count").asLong()));
                channels.add(s.get("channel").asText());
            });
            assertThat(rows.locator("td.user :is(a, span)")).hasText(users.toArray(String[]::new));
            assertThat(rows.locator("td:nth-child(4)")).hasText(counts.toArray(String[]::new));
            assertThat(rows.locator(".chan")).hasText(channels.toArray(String[]::new));
            assertThat(page.locator("hs-sessions .count")).containsText(String.format("%,d sessions", answer.get("total").asLong()));

            // The CSV holds the sessions shown, in order: user key, start and events as the API answers them.
            List<String> csv = download(page, page.locator("hs-sessions").getByRole(AriaRole.BUTTON,
                    new Locator.GetByRoleOptions().setName("Download CSV")));
            assertThat(csv.get(0)).isEqualTo("identity,user_key,start,duration_seconds,event_count,landing_page,channel");
            assertThat(csv).hasSize(answer.get("sessions").size() + 1);
            for (int i = 0; i < answer.get("sessions").size(); i++) {
                JsonNode x = answer.get("sessions").get(i);
                assertThat(csv.get(i + 1)).contains("," + x.get("user_key").asText() + "," + x.get("start").asText()
                        + ",").contains("," + x.get("event_count").asLong() + ",");
            }

            // A session opens to its events, in order.
            rows.first().locator("button.toggle").click();
            JsonNode first = answer.get("sessions").get(0);
            Locator items = page.locator("hs-sessions tr.events li");
            assertThat(items).hasCount(first.get("events").size());
            for (int i = 0; i < first.get("events").size(); i++) {
                JsonNode e = first.get("events").get(i);
                assertThat(items.nth(i).locator(".kind")).hasText(e.get("kind").asText().equals("custom")
                        ? e.get("name").asText() : e.get("kind").asText());
            }
            WebApp.screenshot(page, "sessions");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            // A built-in filter: the sessions from search engines, as the API answers them.
            JsonNode search = web.query(Map.of("app_id", app(), "kind", "sessions", "from", "-7d", "limit", 100,
                    "filters", List.of(Map.of("key", "$channel", "op", "=", "value", "search"))));
            page.getByLabel("Filter by").selectOption("$channel");
            page.getByLabel("equals").fill("search");
            assertThat(page.locator("hs-sessions .count")).containsText(String.format("%,d session", search.get("total").asLong()));
            assertThat(rows).hasCount(search.get("sessions").size());
            assertThat(rows.locator(".chan")).hasText(search.get("sessions").findValuesAsText("channel").toArray(String[]::new));
            assertThat(errors).isEmpty();
        }
    }

    @Test
    void theLiveViewShowsAnEventSentWithItsDefinitionsAndStopsPollingWhenLeft() {
        WebApp.Response def = web.send("POST", "/api/definitions", Map.of("app_id", app(), "name", "Live upgrade",
                "rules", List.of(Map.of("kind", "custom", "event", "Upgraded plan"))), WebApp.ADMIN_TOKEN);
        assertThat(def.status()).as(def.body()).isEqualTo(201);
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            AtomicInteger polls = new AtomicInteger();
            page.onRequest(r -> {
                if (r.url().contains("/live?")) {
                    polls.incrementAndGet();
                }
            });
            // The page's timers run on Playwright's clock: each poll happens when the test moves it on.
            page.clock().install();
            page.navigate(web.url("/e/" + app() + "/live"));
            Locator rows = page.locator("hs-live tbody tr");
            assertThat(rows.first()).isVisible();
            assertThat(rows).hasCount(100);

            WebApp.Response sent = web.send("POST", "/api/track", Map.of("app_id", app(), "identity", "live@example.com",
                    "event", "Upgraded plan", "properties", Map.of("plan", "pro")), web.dev().secretKey());
            assertThat(sent.status()).as(sent.body()).isEqualTo(200);
            page.clock().runFor(2_100);
            Locator top = rows.first();
            assertThat(top.locator(".kind")).hasText("Upgraded plan");
            assertThat(top.locator("td.user")).hasText("live@example.com");
            JsonNode feed = get("/api/environments/" + app() + "/live?limit=1");
            assertThat(top.locator(".def")).hasText(feed.get("events").get(0).get("definitions")
                    .findValuesAsText("name").toArray(String[]::new));
            assertThat(top.locator(".def")).hasText("Live upgrade");
            assertThat(rows).hasCount(101);

            // The CSV holds the events shown, newest first, as the live feed answers them.
            JsonNode shown = get("/api/environments/" + app() + "/live?limit=101").get("events");
            assertThat(shown).hasSize(101);
            List<String> ids = new ArrayList<>();
            List<String> users = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (JsonNode e : shown) {
                ids.add(e.get("event_id").asText());
                users.add(e.hasNonNull("identity") ? e.get("identity").asText() : "Anonymous (" + text(e, "device_id") + ")");
                expected.add(csvLine(e.get("event_id").asText(), e.get("time").asText(), e.get("kind").asText(), text(e, "name"),
                        text(e, "path"), text(e, "text"), text(e, "hierarchy"), text(e, "identity"), text(e, "device_id"),
                        String.join("; ", e.get("definitions").findValuesAsText("name"))));
            }
            assertThat(rows.evaluateAll("rs => rs.map(r => r.dataset.eventId)")).isEqualTo(ids);
            assertThat(rows.locator("td.user")).hasText(users.toArray(String[]::new));
            List<String> csv = download(page, page.locator("hs-live").getByRole(AriaRole.BUTTON,
                    new Locator.GetByRoleOptions().setName("Download CSV")));
            assertThat(csv.get(0)).isEqualTo("event_id,time,kind,name,path,text,hierarchy,identity,device_id,definitions");
            assertThat(csv.subList(1, csv.size())).containsExactlyElementsOf(expected);
            assertThat(csv.get(1)).endsWith(",live@example.com,,Live upgrade");
            WebApp.screenshot(page, "live");
            assertThat(WebApp.seriousViolations(page)).isEmpty();

            // Paused: nothing new comes in; resumed, it does.
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Pause")).click();
            web.send("POST", "/api/track", Map.of("app_id", app(), "identity", "live@example.com",
                    "event", "Downgraded plan"), web.dev().secretKey());
            int before = polls.get();
            page.clock().runFor(10_000);
            assertThat(top.locator(".kind")).hasText("Upgraded plan");
            assertThat(polls.get()).isEqualTo(before);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Resume")).click();
            assertThat(rows.first().locator(".kind")).hasText("Downgraded plan");

            // Left for another screen: no more polls.
            page.locator("nav a", new Page.LocatorOptions().setHasText("Users")).click();
            assertThat(page.locator("hs-user-list tbody tr").first()).isVisible();
            int left = polls.get();
            page.clock().runFor(10_000);
            assertThat(page.locator("hs-live")).hasCount(0);
            assertThat(polls.get()).isEqualTo(left);
            assertThat(errors).isEmpty();
        }
    }
}
