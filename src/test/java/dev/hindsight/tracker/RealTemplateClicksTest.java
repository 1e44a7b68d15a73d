package dev.hindsight.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every click on a real admin template (Start Bootstrap's SB Admin 2, in {@code src/test/resources/templates}) is
 * stored: collapse and dropdown toggles, {@code href="#"} links that change the hash and scroll, modals.
 */
class RealTemplateClicksTest {
    /**
     * A seeded pick among the visible elements whose centre is theirs (not covered), except links and submit
     * buttons that would leave the page; returns the centre to click and a description, or null if none.
     */
    private static final String PICK = """
            seed => {
              const els = [...document.querySelectorAll('a,button,[role=button],input,label,.btn,.nav-link,'
                  + '.card-header,h1,h6,p,span,i')].filter(e => {
                const r = e.getBoundingClientRect();
                if (r.width < 2 || r.height < 2 || getComputedStyle(e).visibility == 'hidden') return false;
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
                const hit = document.elementFromPoint(x, y);
                if (!hit || !(hit == e || e.contains(hit))) return false;
                const link = hit.closest('a'), href = link && link.getAttribute('href');
                if (href && !href.startsWith('#')) return false;
                return !(hit.closest('form') && (hit.type == 'submit' || hit.closest('button[type=submit]')));
              });
              if (!els.length) return null;
              const r = els[seed % els.length].getBoundingClientRect();
              return [r.left + r.width / 2, r.top + r.height / 2];
            }""";
    private static TestServer server;
    private static FixtureSite site;
    private static Chromium chromium;

    @BeforeAll
    static void start() throws URISyntaxException {
        server = TestServer.start();
        site = new FixtureSite(server, Path.of(RealTemplateClicksTest.class.getResource("/templates").toURI()));
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        chromium.close();
        site.close();
        server.close();
    }

    @Test
    void everyClickOnTheSbAdmin2DashboardIsStoredOnce() {
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            List<String> errors = new ArrayList<>();
            page.onPageError(errors::add);
            page.navigate(site.origin() + "/sb-admin-2/index.html");
            Pages.ready(page);
            String user = Stored.identifyDevice(page, Pages.newUser());
            // Registered after the tracker's own capture listener on document, so it sees what the tracker saw.
            page.evaluate("() => { window.__clicks = 0; document.addEventListener('click', () => __clicks++, true); }");

            Random random = new Random(17);
            for (int i = 0; i < 164; i++) {
                List<?> at = (List<?>) page.evaluate(PICK, random.nextInt(1_000_000));
                if (at == null) {
                    // A modal covers everything pickable (its links leave the page): close it.
                    page.keyboard().press("Escape");
                    continue;
                }
                page.mouse().click(((Number) at.get(0)).doubleValue(), ((Number) at.get(1)).doubleValue());
                if (random.nextInt(3) == 0) {
                    // Some clicks land while a collapse, fade or scroll started by the previous one still runs.
                    page.waitForTimeout(random.nextInt(400));
                }
            }
            int clicked = ((Number) page.evaluate("() => __clicks")).intValue();
            List<JsonNode> events = Pages.awaitStored(page, server, server.dev(), user,
                    e -> Stored.ofKind(e, "click").size() >= clicked, Duration.ofSeconds(30));

            assertThat(page.url()).as("still on the dashboard").startsWith(site.origin() + "/sb-admin-2/index.html");
            assertThat(clicked).as("clicks the page received").isGreaterThan(100);
            List<JsonNode> clicks = Stored.ofKind(events, "click");
            assertThat(clicks).as("stored clicks").hasSize(clicked);
            assertThat(new HashSet<>(Pages.eventIds(clicks))).hasSize(clicked);
            assertThat(errors).as("page errors").isEmpty();
        }
    }
}
