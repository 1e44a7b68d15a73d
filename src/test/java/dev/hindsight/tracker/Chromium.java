package dev.hindsight.tracker;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Debian's Chromium ({@code /usr/bin/chromium}, installed by {@code .ci/run}) driven by Playwright for Java,
 * which downloads no browser of its own. One per test class; each test takes a fresh context (own cookies and
 * storage).
 */
public final class Chromium implements AutoCloseable {
    static final Path EXECUTABLE = Path.of(System.getenv().getOrDefault("HINDSIGHT_CHROMIUM", "/usr/bin/chromium"));
    // Without the background-networking flags Chromium keeps dialling Google, which this network refuses.
    static final List<String> FLAGS = List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic");

    private final Playwright playwright;
    private final Browser browser;

    private Chromium() {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new IllegalStateException("Chromium is not installed at " + EXECUTABLE
                    + ": run 'apt-get install chromium' (as .ci/run does) or set HINDSIGHT_CHROMIUM");
        }
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(EXECUTABLE)
                .setArgs(FLAGS).setHeadless(true));
    }

    public static Chromium launch() {
        return new Chromium();
    }

    public BrowserContext newContext() {
        return browser.newContext();
    }

    public Browser browser() {
        return browser;
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
