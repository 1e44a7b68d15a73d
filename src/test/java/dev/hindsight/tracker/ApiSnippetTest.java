package dev.hindsight.tracker;

import static dev.hindsight.tracker.TrackerPages.await;
import static dev.hindsight.tracker.TrackerPages.identify;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import dev.hindsight.TestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ready-to-paste snippet endpoint and how /js/hindsight.js is served. */
class ApiSnippetTest {
    private static TestServer server;
    private static FixtureSite site;
    private static Chromium chromium;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = TestServer.start();
        site = new FixtureSite(server);
        chromium = Chromium.launch();
    }

    @AfterAll
    static void stop() {
        chromium.close();
        site.close();
        server.close();
    }

    private static String snippetPath() {
        return "/api/environments/" + server.dev().appId() + "/snippet";
    }

    private static HttpResponse<byte[]> script(String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/js/hindsight.js")).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void theSnippetEndpointReturnsAReadyToPasteScriptTagForTheAdminToken() {
        TestServer.Response r = server.get(snippetPath(), TestServer.bearer(TestServer.ADMIN));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(r.body().strip()).startsWith("<script type=\"text/javascript\">").endsWith("</script>");
        assertThat(r.body()).contains("hindsight.load(\"" + server.dev().appId() + "\"")
                .contains("\"" + server.baseUrl() + "\"").contains("/js/hindsight.js")
                .doesNotContain(server.dev().secretKey());
    }

    @Test
    void theSnippetEndpointAcceptsTheEnvironmentsSecretKeyAndNothingElse() {
        TestServer.Response withKey = server.get(snippetPath(), TestServer.bearer(server.dev().secretKey()));
        TestServer.Response admin = server.get(snippetPath(), TestServer.bearer(TestServer.ADMIN));
        TestServer.Response otherKey = server.get(snippetPath(), TestServer.bearer(server.prod().secretKey()));
        TestServer.Response none = server.get(snippetPath());

        assertThat(withKey.status()).isEqualTo(200);
        assertThat(withKey.body()).isEqualTo(admin.body());
        assertThat(otherKey.status()).isEqualTo(401);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("Content-Type")).startsWith("application/problem+json");
    }

    @Test
    void theSnippetPastedIntoAPageLoadsTheGzippedTrackerAndCapturesEvents() {
        String snippet = server.get(snippetPath(), TestServer.bearer(TestServer.ADMIN)).body();
        String code = snippet.strip().replaceFirst("^<script type=\"text/javascript\">", "").replaceFirst("</script>$", "");
        try (BrowserContext ctx = chromium.newContext()) {
            Page page = ctx.newPage();
            List<Response> scripts = new CopyOnWriteArrayList<>();
            page.onResponse(r -> {
                if (r.url().contains("/js/hindsight.js")) {
                    scripts.add(r);
                }
            });
            // A page of the fixture site without the tracker; the snippet goes into its head as the HTTP API gave it.
            // (Chromium lets only pages served from loopback load from the loopback server, so no route-made page.)
            page.navigate(site.url("blank"));
            page.evaluate("code => { const s = document.createElement('script'); s.text = code;"
                    + " document.head.appendChild(s); }", code);
            TrackerPages.waitForTracker(page);
            assertThat(scripts).singleElement().satisfies(r -> {
                assertThat(r.url()).isEqualTo(server.baseUrl() + "/js/hindsight.js");
                assertThat(r.headerValue("content-encoding")).isEqualTo("gzip");
            });
            page.click("#buy");
            String user = identify(page);

            List<JsonNode> events = await(server, user, e -> TrackerPages.clicks(e).size() == 1);

            assertThat(Stored.ofKind(events, "pageview")).singleElement()
                    .satisfies(p -> assertThat(p.get("path").asText()).isEqualTo("/blank"));
            assertThat(TrackerPages.target(TrackerPages.clicks(events).get(0))).isEqualTo("button#buy[type=button]:1:1:1:1");
        }
    }

    @Test
    void theSnippetLoadsTheTrackerFromTheTrackingServerItWasAskedFor() {
        TestServer.Response r = server.get(snippetPath() + "?tracking_server=https://t.example.com/",
                TestServer.bearer(TestServer.ADMIN));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("\"https://t.example.com\"").doesNotContain(server.baseUrl());
    }

    @Test
    void theTrackerIsServedWithCacheHeadersAndAnETagThatAnswers304() throws Exception {
        HttpResponse<byte[]> first = script();

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        assertThat(first.headers().firstValue("Cache-Control").orElse("")).contains("max-age=");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[^\"]+\"");
        assertThat(new String(first.body())).contains("hindsight");

        HttpResponse<byte[]> again = script("If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(again.headers().firstValue("ETag")).contains(etag);

        HttpResponse<byte[]> stale = script("If-None-Match", "\"not-the-current-one\"");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.body()).isEqualTo(first.body());
    }

    @Test
    void theTrackerIsGzippedOnlyForClientsThatAcceptGzip() throws Exception {
        HttpResponse<byte[]> plain = script();
        HttpResponse<byte[]> gzipped = script("Accept-Encoding", "gzip, deflate, br");

        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(gzipped.headers().firstValue("Content-Encoding")).contains("gzip");
        assertThat(gzipped.headers().allValues("Vary").toString()).contains("Accept-Encoding");
        assertThat(gzipped.body().length).isLessThan(plain.body().length);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
            assertThat(in.readAllBytes()).isEqualTo(plain.body());
        }
    }
}
