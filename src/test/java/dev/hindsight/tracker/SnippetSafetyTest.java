package dev.hindsight.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import dev.hindsight.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The snippet cannot be turned against the sites that paste it: settings, tracking server and Host header. */
class SnippetSafetyTest {
    private static final String ATTACK = "</script><script>window.__pwned=document.domain</script>";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String snippetPath() {
        return "/api/environments/" + server.prod().appId() + "/snippet";
    }

    @Test
    void queryBlocklistEntriesMustBeQueryParameterNames() {
        String path = "/api/environments/" + server.prod().appId() + "/query-blocklist";
        TestServer.Response bad = server.put(path, TestServer.json("query_blocklist", List.of("coupon", ATTACK, "a b")),
                TestServer.bearer(TestServer.ADMIN));
        TestServer.Response good = server.put(path, TestServer.json("query_blocklist",
                List.of("coupon", "utm_source", "user[email]", "$token", "pwd")), TestServer.bearer(TestServer.ADMIN));

        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.header("Content-Type")).startsWith("application/problem+json");
        assertThat(bad.json().get("errors").findValuesAsText("field"))
                .containsExactly("query_blocklist[1]", "query_blocklist[2]");
        assertThat(bad.json().get("errors").get(0).get("message").asText()).contains("query parameter's name");
        assertThat(good.status()).as(good.body()).isEqualTo(200);
    }

    @Test
    void aSettingWithMarkupStaysInsideTheSnippetsScriptInTheBrowser() throws Exception {
        // Stored before names were checked (or by a future setting): the snippet must still be inert.
        server.app().projects().setQueryBlocklist(server.dev().appId(), List.of(ATTACK, "cou\u2028pon"));
        String snippet = server.get("/api/environments/" + server.dev().appId() + "/snippet",
                TestServer.bearer(TestServer.ADMIN)).body();
        assertThat(snippet).doesNotContain("</script><script>").contains("\\u003c/script\\u003e")
                .doesNotContain("\u2028").contains("\\u2028");

        try (FixtureSite site = new FixtureSite(server); Chromium chromium = Chromium.launch();
                BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            page.navigate(site.url("basic"));
            TrackerPages.waitForTracker(page);

            assertThat(page.evaluate("() => window.__pwned === undefined")).isEqualTo(true);
            assertThat(page.evaluate("() => window.hindsight.config.queryBlocklist"))
                    .isEqualTo(List.of(ATTACK.toLowerCase(), "cou\u2028pon"));
        } finally {
            server.app().projects().setQueryBlocklist(server.dev().appId(), List.of());
        }
    }

    @Test
    void theTrackingServerMustBeAnAbsoluteHttpUrl() {
        for (String bad : List.of("t.example.com", "javascript:alert(1)", "https://t.example.com/\"</script>",
                "ftp://t.example.com", "https://user:pw@t.example.com", "https://t.example.com/?x=1", "https://", "")) {
            TestServer.Response r = server.get(snippetPath() + "?tracking_server="
                    + URLEncoder.encode(bad, StandardCharsets.UTF_8), TestServer.bearer(TestServer.ADMIN));
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("tracking_server");
        }
        TestServer.Response good = server.get(snippetPath() + "?tracking_server=https://t.example.com/hs/",
                TestServer.bearer(TestServer.ADMIN));
        assertThat(good.status()).isEqualTo(200);
        assertThat(good.body()).contains("\"https://t.example.com/hs\"").doesNotContain("HINDSIGHT_PUBLIC_URL");
    }

    @Test
    void theSnippetNeverLoadsTheTrackerFromTheRequestsHostHeader() throws IOException {
        String body = rawGet(snippetPath(), "evil.example:1234");

        assertThat(body).startsWith("HTTP/1.1 200");
        assertThat(body).doesNotContain("evil.example")
                .contains("\"http://localhost:" + server.app().port() + "\"")
                .contains("// HINDSIGHT_PUBLIC_URL is not set");
    }

    @Test
    void theSnippetLoadsTheTrackerFromTheConfiguredPublicUrl() {
        try (TestServer configured = TestServer.start(Map.of("public-url", "https://hs.example.com/"),
                Clock.systemUTC())) {
            TestServer.Response r = configured.get("/api/environments/" + configured.dev().appId() + "/snippet",
                    TestServer.bearer(TestServer.ADMIN));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("\"https://hs.example.com\"").doesNotContain("localhost")
                    .doesNotContain("HINDSIGHT_PUBLIC_URL");
        }
        assertThatThrownBy(() -> Settings.from(new String[] {"--public-url=hs.example.com"}, Map.of()))
                .hasMessageContaining("HINDSIGHT_PUBLIC_URL must be an absolute http(s) URL");
    }

    @Test
    void theSnippetAndTheTrackerAreServedWithTheirTypesAndNosniff() {
        TestServer.Response snippet = server.get(snippetPath(), TestServer.bearer(TestServer.ADMIN));
        TestServer.Response tracker = server.get("/js/hindsight.js");

        assertThat(snippet.header("Content-Type")).isEqualToIgnoringWhitespace("text/plain; charset=utf-8");
        assertThat(snippet.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(tracker.header("Content-Type")).isEqualToIgnoringWhitespace("text/javascript; charset=utf-8");
        assertThat(tracker.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    /** A GET with a Host header of our choosing (java.net.http refuses to set Host). */
    private static String rawGet(String path, String host) throws IOException {
        try (Socket s = new Socket("localhost", server.app().port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + TestServer.ADMIN
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
