package dev.hindsight.bench;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.hindsight.TestServer;
import dev.hindsight.tracker.Chromium;
import dev.hindsight.tracker.FixtureSite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The tracker's cost per click (issue 8): a page of 2000 elements (nested divs, buttons, links) loaded with the
 * tracker from a real Hindsight server, and the same page without it. In each, 1000 clicks on random elements
 * (the same seeded sequence) are dispatched with element.click() inside the page, and the main-thread time of
 * the dispatch is measured with performance.now(). Chromium clamps performance.now() to 100 µs on pages that
 * are not cross-origin isolated, so clicks are timed in batches of {@value #BATCH} and each batch's time is
 * divided by {@value #BATCH}; percentiles are over those per-batch averages. Usage: [--clicks=N] [--rounds=R]
 */
public final class TrackerCostBenchmark {
    static final int BATCH = 10;

    private TrackerCostBenchmark() {
    }

    /** Runs the clicks in the page; returns microseconds per click, one value per batch. */
    private static List<Double> measure(Page page, int clicks) {
        String js = """
                async ({ clicks, batch }) => {
                  const els = Array.from(document.querySelectorAll('#root button, #root a, #root div'));
                  let seed = 7;
                  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
                  const pick = () => els[Math.floor(rnd() * els.length)];
                  for (let i = 0; i < 100; i++) pick().click();            // warm-up, not measured
                  await new Promise(r => setTimeout(r, 50));
                  const out = [];
                  for (let b = 0; b < clicks / batch; b++) {
                    const targets = []; for (let i = 0; i < batch; i++) targets.push(pick());
                    const t0 = performance.now();
                    for (let i = 0; i < batch; i++) targets[i].click();
                    out.push((performance.now() - t0) * 1000 / batch);
                    await new Promise(r => setTimeout(r, 0));                // let timers (batch sends) run in between
                  }
                  return { count: els.length, perClick: out };
                }""";
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) page.evaluate(js, Map.of("clicks", clicks, "batch", BATCH));
        List<Double> out = new ArrayList<>();
        ((List<?>) r.get("perClick")).forEach(v -> out.add(((Number) v).doubleValue()));
        int count = ((Number) r.get("count")).intValue();
        if (count < 2000) {
            throw new IllegalStateException("the benchmark page has " + count + " elements, not 2000");
        }
        return out;
    }

    private static double percentile(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static int arg(String[] args, String name, int def) {
        for (String a : args) {
            if (a.startsWith("--" + name + "=")) {
                return Integer.parseInt(a.substring(name.length() + 3));
            }
        }
        return def;
    }

    public static void main(String[] args) throws IOException {
        int clicks = arg(args, "clicks", 1000);
        int rounds = arg(args, "rounds", 3);
        byte[] script = Files.readAllBytes(Path.of("target/classes/static/js/hindsight.js"));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(script);
        }
        List<Double> with = new ArrayList<>();
        List<Double> without = new ArrayList<>();
        try (TestServer server = TestServer.start(); FixtureSite site = new FixtureSite(server);
                Chromium chromium = Chromium.launch()) {
            // Alternate the two pages so machine noise falls on both alike; each round in a fresh context.
            for (int round = 0; round < rounds; round++) {
                try (BrowserContext ctx = chromium.newContext()) {
                    Page page = ctx.newPage();
                    page.navigate(site.url("bench", "/bench?snippet=off", Map.of()));
                    without.addAll(measure(page, clicks));
                }
                try (BrowserContext ctx = chromium.newContext()) {
                    Page page = ctx.newPage();
                    page.navigate(site.url("bench", "/bench", Map.of()));
                    page.waitForFunction("() => window.hindsight && window.hindsight.version");
                    with.addAll(measure(page, clicks));
                }
            }
        }
        double medWith = percentile(with, 0.5), p95With = percentile(with, 0.95);
        double medWithout = percentile(without, 0.5), p95Without = percentile(without, 0.95);
        System.out.printf("Tracker cost per click: %d rounds x %d clicks on random elements of a 2000-element page,%n",
                rounds, clicks);
        System.out.printf("  timed in batches of %d element.click() calls with performance.now() (Chromium clamps it "
                + "to 100 us; each batch's time / %d is one sample)%n", BATCH, BATCH);
        System.out.printf("  %-18s median %8.1f us   p95 %8.1f us%n", "without tracker", medWithout, p95Without);
        System.out.printf("  %-18s median %8.1f us   p95 %8.1f us%n", "with tracker", medWith, p95With);
        System.out.printf("  %-18s median %8.1f us   p95 %8.1f us%n", "tracker's cost", medWith - medWithout,
                p95With - p95Without);
        System.out.printf("Tracker size: %,d bytes minified, %,d bytes gzipped (budget 8,192)%n", script.length,
                gz.size());
    }
}
