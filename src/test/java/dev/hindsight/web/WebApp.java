package dev.hindsight.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.Cookie;
import dev.hindsight.Hindsight;
import dev.hindsight.config.Settings;
import dev.hindsight.demo.Demo;
import dev.hindsight.project.Environment;
import dev.hindsight.tracker.Chromium;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The web app's test fixture: a real server on a free port, optionally filled with the demo shop's last 30 days
 * (up to now, so the app's default "last 30 days" shows all of it), its first admin, and Debian's Chromium. Tests
 * sign a browser context in through the API (as the login screen does) and drive the screens; they compare what a
 * screen shows with what the API answers for the same question.
 */
public final class WebApp implements AutoCloseable {
    public static final String ADMIN_TOKEN = "web-test-admin";
    public static final String ADMIN_EMAIL = "ada@example.com";
    public static final String PASSWORD = "correct horse battery";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Hindsight app;
    private final Chromium chromium;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Demo.Report demo;

    private WebApp(Path dir, Demo.Report demo) {
        this.dir = dir;
        this.demo = demo;
        this.app = Hindsight.start(settings(dir), Clock.systemUTC());
        this.chromium = Chromium.launch();
    }

    /** A server with {@code events} demo events (0: an empty server, no admin yet) and Chromium. */
    public static WebApp start(long events) {
        try {
            Path dir = Files.createTempDirectory("hindsight-web");
            Demo.Report report = events == 0 ? null
                    : Hindsight.demo(settings(dir), new Demo.Options(events, 30, 11, false), Clock.systemUTC());
            return new WebApp(dir, report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A demo-filled server whose first admin ({@link #ADMIN_EMAIL}) is set up already. */
    public static WebApp withDemo() {
        WebApp w = start(20_000);
        w.send("POST", "/api/setup", Map.of("email", ADMIN_EMAIL, "password", PASSWORD, "name", "Ada"), null);
        return w;
    }

    private static Settings settings(Path dir) {
        return Settings.from(new String[] {"--port=0", "--data=" + dir, "--admin-token=" + ADMIN_TOKEN}, Map.of());
    }

    public String url(String path) {
        return "http://localhost:" + app.port() + path;
    }

    /** The environment the demo filled ({@code development}). */
    public Environment dev() {
        return environment("development");
    }

    public Environment environment(String name) {
        return app.projects().all().get(0).environments().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow();
    }

    public Demo.Report demo() {
        return demo;
    }

    public Hindsight server() {
        return app;
    }

    public Chromium chromium() {
        return chromium;
    }

    /** A fresh browser context signed in as {@code email} (the admin unless another member was invited). */
    public BrowserContext signedIn(String email, String password) {
        Response r = send("POST", "/api/login", Map.of("email", email, "password", password), null);
        if (r.status() != 200) {
            throw new AssertionError("Sign-in failed: " + r.status() + " " + r.body());
        }
        String cookie = r.headers().allValues("set-cookie").stream().filter(v -> v.startsWith("hindsight_session="))
                .findFirst().orElseThrow();
        BrowserContext ctx = chromium.newContext();
        ctx.addCookies(List.of(new Cookie("hindsight_session", cookie.substring(cookie.indexOf('=') + 1,
                cookie.indexOf(';'))).setUrl(url("/"))));
        return ctx;
    }

    public BrowserContext signedInAsAdmin() {
        return signedIn(ADMIN_EMAIL, PASSWORD);
    }

    /** A new member with {@code role}, invited by the admin token; its password is {@link #PASSWORD}. */
    public String invite(String email, String role) {
        Response i = send("POST", "/api/invites", Map.of("email", email, "role", role), ADMIN_TOKEN);
        Response a = send("POST", "/api/invites/" + i.json().get("token").asText() + "/accept",
                Map.of("password", PASSWORD), null);
        if (a.status() != 201) {
            throw new AssertionError(a.body());
        }
        return email;
    }

    /** The API's answer to {@code POST /api/query} (admin token), for comparison with what a screen shows. */
    public JsonNode query(Map<String, Object> body) {
        Response r = send("POST", "/api/query", body, ADMIN_TOKEN);
        if (r.status() != 200) {
            throw new AssertionError(r.status() + " " + r.body());
        }
        return r.json();
    }

    /** A new page of {@code ctx} at {@code path} of the app. */
    public Page open(BrowserContext ctx, String path) {
        Page page = ctx.newPage();
        page.navigate(url(path));
        return page;
    }

    /** The API's answer to a GET with the admin token, which must be 200. */
    public JsonNode get(String path) {
        Response r = send("GET", path, null, ADMIN_TOKEN);
        if (r.status() != 200) {
            throw new AssertionError("GET " + path + ": " + r.status() + " " + r.body());
        }
        return r.json();
    }

    /** The id of the development environment's definition named {@code name}. */
    public long definitionId(String name) {
        for (JsonNode d : get("/api/definitions?app_id=" + dev().appId()).get("definitions")) {
            if (d.get("name").asText().equals(name)) {
                return d.get("id").asLong();
            }
        }
        throw new AssertionError("no definition " + name);
    }

    /** The id of the development environment's cohort named {@code name}. */
    public long cohortId(String name) {
        for (JsonNode c : get("/api/cohorts?app_id=" + dev().appId() + "&limit=200").get("cohorts")) {
            if (c.get("name").asText().equals(name)) {
                return c.get("id").asLong();
            }
        }
        throw new AssertionError("no cohort " + name);
    }

    /** A whole number as the screens show it (en-US thousands separators). */
    public static String format(long n) {
        return String.format(Locale.US, "%,d", n);
    }

    /**
     * Presses Tab (at most 60 times) until the focused element, looked up through shadow roots, is named
     * {@code name} (its text, aria-label, name attribute, class or label).
     */
    public static void tabTo(Page page, String name) {
        for (int i = 0; i < 60; i++) {
            page.keyboard().press("Tab");
            if (focusedIs(page, name)) {
                return;
            }
        }
        throw new AssertionError("Tab never reached " + name);
    }

    /** Presses Tab (Shift+Tab back once past 40 presses) until {@code target} has the focus. */
    public static void tabTo(Page page, Locator target) {
        for (int i = 0; i < 80; i++) {
            if (hasFocus(target)) {
                return;
            }
            page.keyboard().press(i < 40 ? "Tab" : "Shift+Tab");
        }
        throw new AssertionError("Tab never reached " + target);
    }

    /** Whether {@code target} has the focus (in its document or shadow root). */
    public static boolean hasFocus(Locator target) {
        return (Boolean) target.evaluate("e => e.getRootNode().activeElement === e");
    }

    /** Whether the focused element, looked up through shadow roots, is named {@code name} (as {@link #tabTo}). */
    public static boolean focusedIs(Page page, String name) {
        Object focused = page.evaluate("() => { let a = document.activeElement;"
                + " while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;"
                + " if (!a) return ''; const own = a.labels && a.labels[0] ? a.labels[0].textContent : '';"
                + " return [a.getAttribute('aria-label'), a.getAttribute('name'), a.className, a.textContent, own]"
                + ".map(s => (s || '').trim()).join('|'); }");
        for (String part : String.valueOf(focused).split("\\|")) {
            if (part.equals(name) || part.startsWith(name + " ")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Saves a static cohort of the development environment's first {@code size} identified users (most recently
     * seen first), and returns its id and members.
     */
    public Cohort staticCohort(String name, int size) {
        List<String> members = new java.util.ArrayList<>();
        for (JsonNode u : send("GET", "/api/users?app_id=" + dev().appId() + "&limit=200", null, ADMIN_TOKEN).json()
                .get("users")) {
            if (!u.get("identity").isNull() && members.size() < size) {
                members.add(u.get("identity").asText());
            }
        }
        Response made = send("POST", "/api/cohorts", Map.of("app_id", dev().appId(), "name", name,
                "definition", Map.of("type", "static", "identities", members)), ADMIN_TOKEN);
        if (made.status() != 201) {
            throw new AssertionError("cohort not saved: " + made.body());
        }
        return new Cohort(made.json().get("id").asLong(), List.copyOf(members));
    }

    /** A saved cohort: its id and the identities it holds. */
    public record Cohort(long id, List<String> members) {
    }

    /** Deletes a cohort of the development environment. */
    public void deleteCohort(long id) {
        send("DELETE", "/api/cohorts/" + id + "?app_id=" + dev().appId(), null, ADMIN_TOKEN);
    }

    /** A request with {@code body} as JSON (or none), with the admin token or another bearer token (or none). */
    public Response send(String method, String path, Object body, String bearer) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).method(method, body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .header("Content-Type", "application/json");
            if (bearer != null) {
                b.header("Authorization", "Bearer " + bearer);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP answer. */
    public record Response(int status, String body, java.net.http.HttpHeaders headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Writes the page as {@code target/screenshots/<name>.png} (the README shows the main ones). */
    public static Path screenshot(Page page, String name) {
        Path file = Path.of("target", "screenshots", name + ".png");
        page.screenshot(new Page.ScreenshotOptions().setPath(file).setFullPage(true));
        return file;
    }

    /**
     * Collects what would tell a user something broke: uncaught errors, console errors (a CSP refusal is one) and
     * failed requests of the app itself.
     */
    public static List<String> watchErrors(Page page) {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        page.onPageError(e -> errors.add("page error: " + e));
        page.onConsoleMessage(m -> {
            // Failed requests are taken from the responses below, with their URLs.
            if (m.type().equals("error") && !m.text().startsWith("Failed to load resource")) {
                errors.add("console: " + m.text());
            }
        });
        page.onResponse(r -> {
            // The app asks /api/me (and the environments, at once) first: a 401 there means "show sign-in".
            if (r.status() >= 400 && !(r.status() == 401 && (r.url().endsWith("/api/me") || r.url().endsWith("/api/environments")))) {
                errors.add(r.status() + " " + r.request().method() + " " + r.url());
            }
        });
        return errors;
    }

    /**
     * The page's serious and critical accessibility violations by axe-core (rule id, help text and the elements),
     * empty when there are none. Minor and moderate ones are not counted.
     */
    public static List<String> seriousViolations(Page page) {
        com.deque.html.axecore.results.AxeResults r = new com.deque.html.axecore.playwright.AxeBuilder(page).analyze();
        if (r.isErrored()) {
            throw new AssertionError("axe-core failed: " + r.getErrorMessage());
        }
        return r.getViolations().stream()
                .filter(v -> "serious".equals(v.getImpact()) || "critical".equals(v.getImpact()))
                .map(v -> v.getImpact() + " " + v.getId() + ": " + v.getHelp() + " at "
                        + v.getNodes().stream().map(n -> String.valueOf(n.getTarget())).toList())
                .toList();
    }

    @Override
    public void close() {
        chromium.close();
        app.close();
    }
}
