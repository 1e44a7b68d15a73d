package dev.hindsight.bench;

import dev.hindsight.store.RawEvent;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Tracker-shaped events for the ingest benchmark: realistic sizes (a hierarchy of several levels, a URL with a
 * query, a title, a few properties), as the same JSON the tracker sends to {@code /h} and as stored rows.
 */
final class SyntheticEvents {
    private static final String[] KINDS = {"pageview", "click", "click", "click", "change", "submit"};
    private static final String[] PATHS = {"/", "/pricing", "/products/42", "/products/7", "/cart", "/checkout",
        "/signup", "/blog/how-we-built-it"};
    private static final String[] TEXTS = {"Add to cart", "Start free trial", "Pricing", "Sign up", "Continue",
        "Learn more"};
    static final String USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/131.0.0.0 Safari/537.36";

    private final SplittableRandom random;
    private final int[] sessions = new int[50_000];

    SyntheticEvents(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** One {@code /h} body of {@code n} events with fresh ids. */
    String batch(String appId, int n, long now) {
        StringBuilder sb = new StringBuilder(n * 700);
        sb.append("{\"app_id\":\"").append(appId).append("\",\"sent_at\":").append(now).append(",\"events\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            int device = random.nextInt(50_000);
            String kind = KINDS[random.nextInt(KINDS.length)];
            String path = PATHS[random.nextInt(PATHS.length)];
            sb.append("{\"event_id\":\"").append(new UUID(random.nextLong(), random.nextLong()))
                    .append("\",\"kind\":\"").append(kind)
                    .append("\",\"device_id\":\"dev-").append(device)
                    .append("\",\"session_id\":\"s-").append(device).append('-').append(session(device))
                    .append("\",\"time\":").append(now - random.nextInt(2000))
                    .append(",\"session_ms\":").append(random.nextInt(600_000))
                    .append(",\"since_prev_ms\":").append(random.nextInt(30_000))
                    .append(",\"url\":\"https://shop.example.com").append(path).append("?utm_source=news&ref=")
                    .append(random.nextInt(100))
                    .append("\",\"title\":\"Example Shop - ").append(path)
                    .append("\",\"referrer\":\"https://www.google.com/\"");
            if (!kind.equals("pageview")) {
                sb.append(",\"hierarchy\":\"").append(hierarchy()).append("\",\"text\":\"")
                        .append(TEXTS[random.nextInt(TEXTS.length)]).append('"');
            }
            sb.append(",\"viewport_width\":1440,\"viewport_height\":900,\"lib\":\"hindsight-js\",\"lib_version\":\"0.1.0\"")
                    .append(",\"properties\":{\"experiment\":\"pricing_v2\",\"logged_in\":")
                    .append(random.nextBoolean()).append(",\"cart_items\":").append(random.nextInt(5)).append("}}");
        }
        return sb.append("]}").toString();
    }

    /** A stored row of the same shape, for the store's raw append ceiling. */
    RawEvent row(long envId, long now) {
        int device = random.nextInt(50_000);
        String kind = KINDS[random.nextInt(KINDS.length)];
        String path = PATHS[random.nextInt(PATHS.length)];
        boolean interaction = !kind.equals("pageview");
        return new RawEvent(envId, new UUID(random.nextLong(), random.nextLong()), kind, null, "dev-" + device, null,
                "s-" + device + "-" + session(device), now, now - random.nextInt(2000), now,
                (long) random.nextInt(600_000), (long) random.nextInt(30_000), interaction ? hierarchy() : null,
                interaction ? TEXTS[random.nextInt(TEXTS.length)] : null, null,
                "https://shop.example.com" + path + "?utm_source=news&ref=" + random.nextInt(100), path,
                "Example Shop - " + path, "https://www.google.com/", "utm_source=news&ref=1", null, "Chrome", "131.0",
                "Linux", null, "desktop", 1440, 900, "hindsight-js", "0.1.0", "browser", null,
                "{\"experiment\":\"pricing_v2\",\"logged_in\":true,\"cart_items\":" + random.nextInt(5) + "}");
    }

    /**
     * The device's current session: each event starts a new one with probability 1/20, so sessions come one after
     * another per device, as they do on a site (a device does not hop between twenty open sessions at random).
     */
    private int session(int device) {
        if (random.nextInt(20) == 0) {
            sessions[device]++;
        }
        return sessions[device];
    }

    private String hierarchy() {
        return "body|div#app.layout:nth-child(1)|main.content:nth-child(2)|div.product.card[data-sku=SKU-"
                + random.nextInt(1000) + "]:nth-child(" + (1 + random.nextInt(12)) + ")|button.btn.add-to-cart[type=button]:nth-child(3)";
    }
}
