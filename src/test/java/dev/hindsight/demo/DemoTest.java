package dev.hindsight.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hindsight.Hindsight;
import dev.hindsight.config.Settings;
import dev.hindsight.store.WriteOp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo command on a fresh data directory, checked through the HTTP API the newcomer would use. */
class DemoTest {
    private static final String ADMIN = "demo-test-admin";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-12-10T12:00:00Z"), ZoneOffset.UTC);
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private Settings settings() {
        return Settings.from(new String[] {"--port=0", "--data=" + dir, "--admin-token=" + ADMIN}, Map.of());
    }

    private JsonNode send(Hindsight app, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + app.port() + path))
                .header("Authorization", "Bearer " + ADMIN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 201);
        return JSON.readTree(r.body());
    }

    /** Per-day counts of a definition over the demo's 30 days (31 calendar days). */
    private List<Long> daily(Hindsight app, String appId, long definition) throws Exception {
        JsonNode answer = send(app, "POST", "/api/query", "{\"app_id\":\"" + appId + "\",\"kind\":\"graph\","
                + "\"from\":\"2026-11-10T00:00:00Z\",\"to\":\"2026-12-11T00:00:00Z\",\"interval\":\"day\","
                + "\"series\":[{\"event\":{\"definition\":" + definition + "},\"measure\":\"count\"}]}");
        List<Long> out = new ArrayList<>();
        answer.get("series").get(0).get("points").forEach(p -> out.add(p.get("value").asLong()));
        assertThat(out).hasSize(31);
        return out;
    }

    private static long sum(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void theDemoFillsTheDevelopmentEnvironmentAndEveryDefinitionHasData() throws Exception {
        Demo.Report report = Hindsight.demo(settings(), new Demo.Options(20_000, 30, 5, false), NOW);
        assertThat(report.env().name()).isEqualTo("development");
        assertThat(report.counts().events()).isEqualTo(20_000);
        assertThat(report.definitions()).extracting(d -> d.name()).containsExactly("Viewed pricing",
                "Viewed a product", "Added to cart", "Started checkout", "Signed up", "Purchased");
        assertThat(report.projectCreated()).isTrue();
        assertThat(Demo.describe(report, 8080)).contains(report.env().appId(), report.env().secretKey(),
                "production", "20,000 events", "localhost:8080/api/query", "Added to cart");

        try (Hindsight app = Hindsight.start(settings(), Clock.systemUTC())) {
            String appId = app.projects().all().get(0).environments().stream()
                    .filter(e -> e.name().equals("development")).findFirst().orElseThrow().appId();
            assertThat(appId).isEqualTo(report.env().appId());
            assertThat(app.store().countEvents(report.env().id())).isEqualTo(20_000);

            JsonNode listed = send(app, "GET", "/api/definitions?app_id=" + appId, null).get("definitions");
            assertThat(listed).hasSize(6);
            Map<String, Long> ids = new HashMap<>();
            listed.forEach(d -> ids.put(d.get("name").asText(), d.get("id").asLong()));
            for (Map.Entry<String, Long> d : ids.entrySet()) {
                assertThat(sum(daily(app, appId, d.getValue()))).as(d.getKey()).isPositive();
            }

            // "Added to cart" counts exactly the generator's add-to-cart clicks, on both sides of the redesign.
            List<Long> added = daily(app, appId, ids.get("Added to cart"));
            List<WriteOp> ops = SiteGenerator.all(new SiteGenerator.Options(report.env().id(), 5, report.from(),
                    report.to(), 20_000));
            long generated = ops.stream().filter(o -> o instanceof WriteOp.Append).map(o -> ((WriteOp.Append) o).event())
                    .filter(e -> e.kind().equals("click") && "Add to cart".equals(e.targetText())).count();
            assertThat(sum(added)).isEqualTo(generated);
            int changeDay = (int) ((report.domChangeAt() - Instant.parse("2026-11-10T00:00:00Z").toEpochMilli())
                    / 86_400_000L);
            assertThat(sum(added.subList(0, changeDay))).as("before the redesign").isPositive();
            assertThat(sum(added.subList(changeDay + 1, 31))).as("after the redesign").isPositive();

            // Its first rule alone is the reference's "zero results" problem: nothing after the change day.
            JsonNode oldOnly = send(app, "POST", "/api/definitions", "{\"app_id\":\"" + appId + "\",\"name\":"
                    + "\"Old button only\",\"rules\":[{\"kind\":\"click\",\"selector\":\"div.product button.add-to-cart\"}]}");
            List<Long> old = daily(app, appId, oldOnly.get("id").asLong());
            assertThat(sum(old.subList(0, changeDay))).isPositive();
            assertThat(sum(old.subList(changeDay + 1, 31))).isZero();
        }
    }

    @Test
    void theDemosGoogleNewsletterAndDirectTrafficComeOutAsTheirChannels() throws Exception {
        Demo.Report report = Hindsight.demo(settings(), new Demo.Options(20_000, 30, 7, false), NOW);
        try (Hindsight app = Hindsight.start(settings(), Clock.systemUTC())) {
            String appId = report.env().appId();
            String sessions = "{\"app_id\":\"" + appId + "\",\"kind\":\"graph\",\"from\":\"2026-11-01T00:00:00Z\","
                    + "\"to\":\"2027-01-01T00:00:00Z\",\"interval\":\"month\",\"series\":[{\"event\":{\"kind\":"
                    + "\"pageview\"},\"measure\":\"sessions\"}],\"breakdown\":\"";
            Map<String, Long> byChannel = new HashMap<>();
            Map<String, Long> bySource = new HashMap<>();
            for (String[] q : new String[][] {{"$channel", "c"}, {"$utm_source", "s"}}) {
                JsonNode answer = send(app, "POST", "/api/query", sessions + q[0] + "\"}");
                for (JsonNode line : answer.get("series")) {
                    line.get("points").forEach(p -> (q[1].equals("c") ? byChannel : bySource)
                            .merge(line.get("breakdown").asText(), p.get("value").asLong(), Long::sum));
                }
            }
            // Google's shopping ads are paid, its organic results search; the newsletter is email; Reddit and t.co
            // social, a blog's links referral; the rest direct.
            assertThat(byChannel.keySet()).containsExactlyInAnyOrder("paid", "search", "email", "social", "referral",
                    "direct");
            assertThat(bySource.keySet()).containsExactlyInAnyOrder("google", "newsletter", "(none)");
            long all = byChannel.values().stream().mapToLong(Long::longValue).sum();
            assertThat(all).isEqualTo(bySource.values().stream().mapToLong(Long::longValue).sum());
            // The generator lands 45% of sessions from Google, 20% from the newsletter (log-in visits are direct).
            assertThat((double) (byChannel.get("paid") + byChannel.get("search")) / all).isBetween(0.35, 0.5);
            assertThat((double) byChannel.get("email") / all).isBetween(0.14, 0.25);
            assertThat(byChannel.get("email")).isEqualTo(bySource.get("newsletter"));
            assertThat(byChannel.get("paid")).isEqualTo(bySource.get("google"));
        }
    }

    @Test
    void theDemoRefusesAnEnvironmentThatHasEventsUnlessForced() {
        Hindsight.demo(settings(), new Demo.Options(2_000, 30, 1, false), NOW);
        assertThatThrownBy(() -> Hindsight.demo(settings(), new Demo.Options(2_000, 30, 2, false), NOW))
                .isInstanceOf(Demo.NotEmpty.class).hasMessageContaining("already has 2000 events")
                .hasMessageContaining("--force");

        Demo.Report forced = Hindsight.demo(settings(), new Demo.Options(2_000, 30, 2, true), NOW);
        assertThat(forced.definitions()).as("definitions already there are not added twice").isEmpty();
        assertThat(forced.projectCreated()).isFalse();
        assertThat(Demo.describe(forced, 8080)).doesNotContain("production");
        try (Hindsight app = Hindsight.start(settings(), Clock.systemUTC())) {
            assertThat(app.store().countEvents(forced.env().id())).isEqualTo(4_000);
        }
    }

    @Test
    void theDemoFlagsAreReadAndTheRestGoToTheServer() {
        Demo.Parsed p = Demo.parse(new String[] {"--events=1_000", "--force", "--port=9090", "--seed=3"}, NOW);
        assertThat(p.options()).isEqualTo(new Demo.Options(1_000, 30, 3, true));
        assertThat(p.serverArgs()).containsExactly("--port=9090");
        Demo.Parsed defaults = Demo.parse(new String[0], NOW);
        assertThat(defaults.options()).isEqualTo(new Demo.Options(200_000, 30, NOW.millis(), false));
        assertThatThrownBy(() -> Demo.parse(new String[] {"--events=many"}, NOW))
                .hasMessageContaining("--events=many");
    }
}
