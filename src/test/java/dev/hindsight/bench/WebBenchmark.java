package dev.hindsight.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.Cookie;
import dev.hindsight.Hindsight;
import dev.hindsight.config.Settings;
import dev.hindsight.demo.Demo;
import dev.hindsight.tracker.Chromium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The web app's speed in Chromium on localhost (issue 14: the first screen interactive within 1 s of navigation;
 * a chart over 10 million events within 2 s), from the browser's own navigation and paint timings, with the same
 * question asked of the API directly as the comparison (the chart's time less the API's is what the app adds).
 *
 * <p>Each run opens a new browser context (an empty cache: the first visit) and then navigates again in it (a
 * return visit: modules from the cache, as they are immutable). Times are from the navigation's start
 * ({@code performance.now()} in the page). Run with {@code scripts/bench-web.sh} ({@code --events=N},
 * {@code --runs=R}, {@code --store=DIR} to keep and reuse the generated store).
 */
public final class WebBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "web-bench-admin";
    private static final String EMAIL = "bench@example.com";
    private static final String PASSWORD = "a long benchmark passphrase";

    public static void main(String[] args) throws Exception {
        long events = longArg(args, "events", 10_000_000);
        int runs = (int) longArg(args, "runs", 5);
        String storeArg = stringArg(args, "store", null);
        Path dir = storeArg == null ? Files.createTempDirectory("hindsight-webbench") : Path.of(storeArg);
        Settings settings = Settings.from(new String[] {"--port=0", "--data=" + dir, "--admin-token=" + ADMIN},
                Map.of());
        Path marker = dir.resolve("web-generated-" + events);
        System.out.printf(Locale.ROOT, "Hindsight web benchmark: %,d demo events over 30 days, median of %d runs, %d cores%n",
                events, runs, Runtime.getRuntime().availableProcessors());
        if (!Files.exists(marker)) {
            long t0 = System.nanoTime();
            Demo.Report r = Hindsight.demo(settings, new Demo.Options(events, 30, 42, false), Clock.systemUTC());
            Files.writeString(marker, "");
            System.out.printf(Locale.ROOT, "Generated %,d events in %.0f s%n", r.counts().events(),
                    (System.nanoTime() - t0) / 1e9);
        } else {
            System.out.println("Reusing the store in " + dir);
        }
        try (Hindsight app = Hindsight.start(settings, Clock.systemUTC()); Chromium chromium = Chromium.launch()) {
            String base = "http://localhost:" + app.port();
            HttpClient http = HttpClient.newHttpClient();
            if (JSON.readTree(send(http, base + "/api/setup", "GET", null, null).body()).get("admin_exists").asBoolean()) {
                System.out.println("(an admin exists already: signing in as " + EMAIL + ")");
            } else {
                send(http, base + "/api/setup", "POST", Map.of("email", EMAIL, "password", PASSWORD), null);
            }
            String appId = app.projects().all().get(0).environments().stream()
                    .filter(e -> e.name().equals("development")).findFirst().orElseThrow().appId();
            Map<String, Object> question = Map.of("kind", "graph", "from", "-30d", "interval", "day",
                    "series", List.of(Map.of("event", Map.of("kind", "pageview"), "measure", "count")));
            Map<String, Object> state = Map.of("series", List.of(Map.of("event", Map.of("kind", "pageview"),
                    "measure", "count")), "range", "-30d", "interval", "day", "breakdown", "", "view", "line");
            String graphUrl = base + "/e/" + appId + "/graph#q=" + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(JSON.writeValueAsBytes(state));
            Map<String, Object> apiBody = new java.util.HashMap<>(question);
            apiBody.put("app_id", appId);

            List<Double> signInCold = new ArrayList<>();
            List<Double> signInFcp = new ArrayList<>();
            List<Double> chartCold = new ArrayList<>();
            List<Double> chartWarm = new ArrayList<>();
            List<Double> api = new ArrayList<>();
            for (int run = -1; run < runs; run++) {
                // The first screen: the sign-in form, for a visitor with an empty cache.
                try (BrowserContext ctx = chromium.newContext()) {
                    Page page = ctx.newPage();
                    page.navigate(base + "/");
                    page.waitForSelector("hs-login form button:not([disabled])");
                    double interactive = ((Number) page.evaluate("() => performance.now()")).doubleValue();
                    Object fcp = page.evaluate("() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1");
                    if (run >= 0) {
                        signInCold.add(interactive);
                        signInFcp.add(((Number) fcp).doubleValue());
                    }
                }
                // The chart over every event, signed in: a first visit, then a return visit in the same context.
                String cookie = signIn(http, base);
                try (BrowserContext ctx = chromium.newContext()) {
                    ctx.addCookies(List.of(new Cookie("hindsight_session", cookie).setUrl(base + "/")));
                    for (int visit = 0; visit < 2; visit++) {
                        Page page = ctx.newPage();
                        page.navigate(graphUrl);
                        page.waitForSelector("hs-chart[data-rendered=true]",
                                new Page.WaitForSelectorOptions().setTimeout(120_000));
                        double shown = ((Number) page.evaluate("() => performance.now()")).doubleValue();
                        if (run >= 0) {
                            (visit == 0 ? chartCold : chartWarm).add(shown);
                        }
                        if (run == runs - 1 && "true".equals(stringArg(args, "trace", "false"))) {
                            // Where the time went: every request of the page, by when it started and ended.
                            System.out.println((visit == 0 ? "First" : "Return") + " visit's requests (start-end ms):");
                            System.out.println(page.evaluate("() => performance.getEntriesByType('resource').map(e => "
                                    + "`  ${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)} ${e.name.replace(location.origin, '')}`)"
                                    + ".join('\\n')"));
                        }
                        page.close();
                    }
                }
                long t = System.nanoTime();
                HttpResponse<String> r = send(http, base + "/api/query", "POST", apiBody, ADMIN);
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(r.body());
                }
                if (run >= 0) {
                    api.add((System.nanoTime() - t) / 1e6);
                }
            }
            JsonNode answer = JSON.readTree(send(http, base + "/api/query", "POST", apiBody, ADMIN).body());
            long total = 0;
            for (JsonNode p : answer.get("series").get(0).get("points")) {
                total += p.get("value").asLong();
            }
            System.out.printf(Locale.ROOT, "The chart: daily pageviews over the last 30 days, %,d pageviews of %,d events%n",
                    total, app.store().countEvents(app.projects().byAppId(appId).id()));
            System.out.printf(Locale.ROOT, "Sign-in screen interactive (first visit): %6.0f ms   (first contentful paint %.0f ms)%n",
                    median(signInCold), median(signInFcp));
            System.out.printf(Locale.ROOT, "Graph drawn, first visit:                 %6.0f ms%n", median(chartCold));
            System.out.printf(Locale.ROOT, "Graph drawn, return visit:                %6.0f ms%n", median(chartWarm));
            System.out.printf(Locale.ROOT, "The same query by the API alone:          %6.0f ms   (the app adds %.0f ms on a first visit,"
                    + " %.0f ms on a return)%n", median(api), median(chartCold) - median(api),
                    median(chartWarm) - median(api));
        }
    }

    private static String signIn(HttpClient http, String base) throws Exception {
        HttpResponse<String> r = send(http, base + "/api/login", "POST", Map.of("email", EMAIL, "password", PASSWORD),
                null);
        String set = r.headers().allValues("set-cookie").stream().filter(v -> v.startsWith("hindsight_session="))
                .findFirst().orElseThrow(() -> new IllegalStateException("Sign-in failed: " + r.body()));
        return set.substring(set.indexOf('=') + 1, set.indexOf(';'));
    }

    private static HttpResponse<String> send(HttpClient http, String url, String method, Object body, String bearer)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8))
                .header("Content-Type", "application/json");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
    }

    private static long longArg(String[] args, String name, long fallback) {
        String v = stringArg(args, name, null);
        return v == null ? fallback : Long.parseLong(v.replace("_", ""));
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith("--" + name + "=")) {
                return a.substring(name.length() + 3);
            }
        }
        return fallback;
    }
}
