package dev.hindsight.web;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * First run and sign-in in Chromium on a new, empty server: the first admin is created through the set-up screen
 * (there is no default password), signs out and in again, and a wrong password is answered in words and then
 * throttled. The tests run in order: the first creates the only admin, and the throttling one runs last since
 * every test signs in from the same address.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SignInTest {
    private static WebApp web;

    @BeforeAll
    static void start() {
        web = WebApp.start(0);
    }

    @AfterAll
    static void stop() {
        web.close();
    }

    @Test
    @Order(1)
    void theFirstVisitAsksForTheFirstAdminAndOpensTheAppSignedIn() {
        try (BrowserContext ctx = web.chromium().newContext()) {
            Page page = ctx.newPage();
            List<String> errors = WebApp.watchErrors(page);
            page.navigate(web.url("/"));

            assertThat(page.getByRole(com.microsoft.playwright.options.AriaRole.HEADING,
                    new Page.GetByRoleOptions().setName("Create the first admin account"))).isVisible();
            WebApp.screenshot(page, "setup");
            assertThat(WebApp.seriousViolations(page)).isEmpty();
            page.getByLabel("Name").fill("Ada");
            page.getByLabel("Email").fill(WebApp.ADMIN_EMAIL);
            page.getByLabel("Password").fill(WebApp.PASSWORD);
            page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                    new Page.GetByRoleOptions().setName("Create account")).click();

            // Signed in: the app opens the production environment's graph, and the account is named in the bar.
            assertThat(page).hasURL(Pattern.compile("/e/" + web.environment("production").appId() + "/graph"));
            assertThat(page.getByText(WebApp.ADMIN_EMAIL)).isVisible();
            assertThat(errors).isEmpty();
        }
        assertThat(web.send("GET", "/api/setup", null, null).json().get("admin_exists").asBoolean()).isTrue();
    }

    @Test
    @Order(2)
    void signingOutAndInAgainWithTheRightPasswordOpensTheApp() {
        try (BrowserContext ctx = web.chromium().newContext()) {
            Page page = ctx.newPage();
            page.navigate(web.url("/"));
            assertThat(page.getByRole(com.microsoft.playwright.options.AriaRole.HEADING,
                    new Page.GetByRoleOptions().setName("Sign in"))).isVisible();
            page.getByLabel("Email").fill(WebApp.ADMIN_EMAIL);
            page.getByLabel("Password").fill(WebApp.PASSWORD);
            // Keyboard only: Enter in the password field submits.
            page.getByLabel("Password").press("Enter");
            assertThat(page.getByText(WebApp.ADMIN_EMAIL)).isVisible();

            page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                    new Page.GetByRoleOptions().setName("Sign out")).click();
            assertThat(page.getByRole(com.microsoft.playwright.options.AriaRole.HEADING,
                    new Page.GetByRoleOptions().setName("Sign in"))).isVisible();
            // The session is gone on the server too, not only forgotten by the page.
            page.reload();
            assertThat(page.getByRole(com.microsoft.playwright.options.AriaRole.HEADING,
                    new Page.GetByRoleOptions().setName("Sign in"))).isVisible();
        }
    }

    @Test
    @Order(9)
    void aWrongPasswordIsRefusedInWordsAndRepeatedOnesAreThrottled() {
        try (BrowserContext ctx = web.chromium().newContext()) {
            Page page = ctx.newPage();
            page.navigate(web.url("/login"));
            page.getByLabel("Email").fill("ada+nobody@example.com");
            page.getByLabel("Password").fill("not the password");
            page.getByLabel("Password").press("Enter");
            assertThat(page.getByRole(com.microsoft.playwright.options.AriaRole.ALERT))
                    .containsText("Wrong email or password");
            // Five wrong tries for the email are allowed; then each further one must wait, and the screen says so.
            for (int i = 0; i < 6; i++) {
                page.getByLabel("Password").fill("still wrong " + i);
                page.getByLabel("Password").press("Enter");
                page.waitForCondition(() -> !page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON,
                        new Page.GetByRoleOptions().setName("Sign in")).isDisabled());
            }
            assertThat(page.getByRole(com.microsoft.playwright.options.AriaRole.ALERT)).containsText("Too many wrong passwords; try again in");
            WebApp.screenshot(page, "login-throttled");
        }
    }

    @Test
    @Order(4)
    void aSignedInPageWithoutTheCsrfTokenCannotChangeAnything() {
        try (BrowserContext ctx = web.signedInAsAdmin()) {
            Page page = ctx.newPage();
            page.navigate(web.url("/"));
            assertThat(page.getByText(WebApp.ADMIN_EMAIL)).isVisible();
            // What a forged cross-site form or a script without the token would send: the cookie, no X-CSRF-Token.
            Object status = page.evaluate("async () => (await fetch('/api/projects', {method: 'POST', "
                    + "headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name: 'forged'})})).status");
            assertThat(status).isEqualTo(403);
            Object withToken = page.evaluate("async () => { const me = await (await fetch('/api/me')).json();"
                    + " return (await fetch('/api/projects', {method: 'POST', headers: {'Content-Type': "
                    + "'application/json', 'X-CSRF-Token': me.csrf_token}, body: JSON.stringify({name: 'made'})})).status; }");
            assertThat(withToken).isEqualTo(201);
        }
        assertThat(web.server().projects().all()).extracting(p -> p.name()).contains("made").doesNotContain("forged");
    }

    @Test
    @Order(5)
    void anAnalystAndAViewerAreRefusedEditsByTheApiItself() {
        web.invite("ana@example.com", "analyst");
        web.invite("vic@example.com", "viewer");
        for (String email : List.of("ana@example.com", "vic@example.com")) {
            try (BrowserContext ctx = web.signedIn(email, WebApp.PASSWORD)) {
                Page page = ctx.newPage();
                page.navigate(web.url("/"));
                assertThat(page.getByText(email)).isVisible();
                Object status = page.evaluate("async () => { const me = await (await fetch('/api/me')).json();"
                        + " return (await fetch('/api/definitions?app_id=" + web.dev().appId() + "', {method: 'POST', "
                        + "headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token}, body: "
                        + "JSON.stringify({app_id: '" + web.dev().appId() + "', name: 'Clicked buy', rules: "
                        + "[{kind: 'click', selector: 'button'}]})})).status; }");
                assertThat(status).as(email).isEqualTo(403);
            }
        }
        assertThat(web.send("GET", "/api/definitions?app_id=" + web.dev().appId(), null, WebApp.ADMIN_TOKEN).json()
                .toString()).doesNotContain("Clicked buy");
    }
}
