package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Settings screen in Chromium: an admin invites a member by a one-time link that the member opens to join,
 * changes roles, makes a personal API token that works once shown, and rotates the environment's secret key.
 */
class SettingsScreenTest {
    private static WebApp web;

    @BeforeAll
    static void start() {
        web = WebApp.withDemo();
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    private static Page settings(BrowserContext ctx) {
        Page page = ctx.newPage();
        page.navigate(web.url("/e/" + web.dev().appId() + "/settings"));
        return page;
    }

    private static JsonNode member(String email) {
        for (JsonNode m : web.send("GET", "/api/members", null, WebApp.ADMIN_TOKEN).json().get("members")) {
            if (m.get("email").asText().equals(email)) {
                return m;
            }
        }
        return null;
    }

    @Test
    void anInvitedMemberJoinsByTheOneTimeLinkAndTheAdminChangesTheirRole() {
        String link;
        try (BrowserContext admin = web.signedInAsAdmin()) {
            Page page = settings(admin);
            List<String> errors = WebApp.watchErrors(page);
            page.getByLabel("Email").fill("bob@example.com");
            page.locator("hs-settings select[name=role]").selectOption("analyst");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Invite")).click();
            assertThat(page.locator("hs-settings #secret")).containsText("/invite/");
            link = page.locator("hs-settings #secret").innerText();
            WebApp.screenshot(page, "settings");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            assertThat(errors).isEmpty();
        }
        try (BrowserContext bob = web.chromium().newContext()) {
            Page page = bob.newPage();
            page.navigate(link);
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Join Hindsight"))).isVisible();
            page.getByLabel("Name").fill("Bob");
            page.getByLabel("Password").fill("bob picks a long one");
            page.getByLabel("Password").press("Enter");
            assertThat(page.getByText("bob@example.com")).isVisible();
            assertThat(page).hasURL(Pattern.compile("/e/[^/]+/graph"));
            // An analyst: the analyses, no member management.
            page.navigate(web.url("/e/" + web.dev().appId() + "/settings"));
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Your API tokens"))).isVisible();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Members"))).hasCount(0);
        }
        // The link worked once.
        try (BrowserContext again = web.chromium().newContext()) {
            Page page = again.newPage();
            page.navigate(link);
            page.getByLabel("Password").fill("someone else's try");
            page.getByLabel("Password").press("Enter");
            assertThat(page.getByRole(AriaRole.ALERT)).containsText("ask an admin for a new one");
        }
        assertThat(member("bob@example.com").get("role").asText()).isEqualTo("analyst");
        try (BrowserContext admin = web.signedInAsAdmin()) {
            Page page = settings(admin);
            page.getByLabel("Role of bob@example.com").selectOption("viewer");
            page.waitForCondition(() -> "viewer".equals(member("bob@example.com").get("role").asText()));
        }
    }

    @Test
    void aPersonalApiTokenIsShownOnceAndActsAsItsMember() {
        try (BrowserContext admin = web.signedInAsAdmin()) {
            Page page = settings(admin);
            page.getByLabel("Token name").fill("nightly export");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create token")).click();
            assertThat(page.locator("hs-settings #secret")).containsText("hs_pat_");
            String token = page.locator("hs-settings #secret").innerText();
            JsonNode who = web.send("GET", "/api/me", null, token).json();
            assertThat(who.get("account").get("email").asText()).isEqualTo(WebApp.ADMIN_EMAIL);
            assertThat(who.get("via").asText()).isEqualTo("api_token");

            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete token nightly export")).click();
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete token nightly export")))
                    .hasCount(0);
            assertThat(web.send("GET", "/api/me", null, token).status()).isEqualTo(401);
        }
    }

    @Test
    void rotatingTheSecretKeyShowsTheNewOneAndRefusesTheOld() {
        String old = web.environment("production").secretKey();
        try (BrowserContext admin = web.signedInAsAdmin()) {
            Page page = admin.newPage();
            page.navigate(web.url("/e/" + web.environment("production").appId() + "/settings"));
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Reveal")).click();
            assertThat(page.locator("hs-settings #secret-key")).hasText(old);
            page.onDialog(d -> d.accept());
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Rotate key")).click();
            assertThat(page.locator("hs-settings #secret")).containsText("hs_sk_");
            String fresh = page.locator("hs-settings #secret").innerText();
            assertThat(fresh).isNotEqualTo(old).isEqualTo(web.environment("production").secretKey());
        }
        Map<String, Object> event = Map.of("app_id", web.environment("production").appId(), "identity", "k@example.com",
                "event", "Key test");
        assertThat(web.send("POST", "/api/track", event, old).status()).isEqualTo(401);
        assertThat(web.send("POST", "/api/track", event, web.environment("production").secretKey()).status())
                .isEqualTo(200);
    }
}
