package dev.hindsight.demo;

import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A deterministic generator of a synthetic shop's traffic, shaped as the tracker would have captured it: visitors
 * (devices) with sessions, landings from google, a newsletter, social networks, a blog or direct, SPA navigations between the home page,
 * pricing, product pages, checkout and signup, add-to-cart clicks, checkout field changes and submits, signups that
 * identify the device as a user (some users come back on a second device and log in there), and a custom
 * {@code Purchase Completed} event with revenue. Each step loses visitors, so funnels look like funnels.
 *
 * <p>Halfway through the range the product page's markup changes (the reference's "definitions return zero
 * results" problem): before {@link #domChangeAt()} the add-to-cart button is
 * {@code div.card.product[data-sku] > button.add-to-cart.btn}, from then on
 * {@code section.item[data-sku] > button.cta[data-action=add]}. Hierarchies use the tracker's exact encoding
 * ({@code src/main/tracker/hierarchy.js}: levels from body down, classes sorted, fixed attributes then data-*
 * sorted, {@code :nth-child:nth-of-type} per level, escaped values).
 *
 * <p>The same options give the same ops, byte for byte: all randomness comes from one seeded stream.
 */
public final class SiteGenerator {
    /** The synthetic site's origin. */
    public static final String ORIGIN = "https://shop.example.com";
    /** The tracker's session timeout: a gap longer than this starts a new session. */
    public static final long SESSION_TIMEOUT_MS = 30 * 60_000L;
    /** The custom event a completed checkout sends. */
    public static final String PURCHASE = "Purchase Completed";

    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    // Relative traffic per UTC hour: quiet nights, busy evenings.
    private static final int[] HOUR_WEIGHTS = {2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 9, 9, 8, 8, 8, 9, 10, 11, 11, 9, 6, 4};
    private static final int HOUR_TOTAL = java.util.Arrays.stream(HOUR_WEIGHTS).sum();

    // The page frame every hierarchy starts with: <body> follows <head>, the app root, then header or main.
    private static final String FRAME = "body:2:1|div#app:1:1|";
    private static final String MAIN = FRAME + "main.content:2:1|";
    private static final String NAV = FRAME + "header.site-header:1:1|nav:2:1|";
    private static final String NAV_PRICING = NAV + "a.nav-link[href=" + esc("/pricing") + "]:2:2";
    private static final String NAV_CHECKOUT = NAV + "a.cart-link.nav-link[href=" + esc("/checkout") + "]:3:3";
    private static final String HERO_PRICING = MAIN + "section.hero:1:1|a.btn.btn-primary[href=" + esc("/pricing")
            + "]:2:1";
    private static final String[] PLANS = {"starter", "pro", "business"};
    private static final String SIGNUP_FORM = MAIN + "form#signup[name=signup]:2:1";
    private static final String LOGIN_FORM = MAIN + "form#login[name=login]:2:1";
    private static final String CHECKOUT_FORM = MAIN + "form#checkout.checkout-form[name=checkout]:2:1";
    // Checkout fields with their tracker field_type; password-like fields are never captured, so none here.
    private static final String[][] CHECKOUT_FIELDS = {
        {"input[name=email][type=email]:1:1", "email", "email"},
        {"input[name=full_name][type=text]:2:2", "full_name", "text"},
        {"input[name=address][type=text]:3:3", "address", "text"},
        {"select[name=country]:4:1", "country", "select-one"},
        {"input[name=card_number][type=text]:5:4", "card_number", "text"}};
    private static final String[][] SIGNUP_FIELDS = {
        {"input[name=email][type=email]:1:1", "email", "email"},
        {"input[name=company][type=text]:3:3", "company", "text"}};
    private static final String[] ADJECTIVES = {"Walnut", "Linen", "Copper", "Canvas", "Ceramic", "Wool", "Oak",
        "Marble"};
    private static final String[] NOUNS = {"Desk Lamp", "Throw", "Kettle", "Backpack", "Mug", "Blanket", "Shelf"};

    /** The browser context of one device, as the server's user-agent parsing would have filled it in. */
    private record Agent(String browser, String version, String os, String osVersion, String deviceType, int width,
            int height) {
    }

    private static final Agent[] AGENTS = {
        new Agent("Chrome", "131.0.0", "Windows", "10", "desktop", 1920, 1080),
        new Agent("Chrome", "131.0.0", "Mac OS X", "10.15.7", "desktop", 1440, 900),
        new Agent("Safari", "18.1", "Mac OS X", "10.15.7", "desktop", 1512, 982),
        new Agent("Firefox", "133.0", "Linux", null, "desktop", 1366, 768),
        new Agent("Mobile Safari", "18.1", "iOS", "18.1", "mobile", 390, 844),
        new Agent("Chrome Mobile", "131.0.0", "Android", "14", "mobile", 412, 915)};

    /** A product of the shop. */
    private record Product(int id, String name, int priceCents) {
        String path() {
            return "/products/" + id;
        }

        String sku() {
            return "SKU-" + id;
        }
    }

    /**
     * What to generate.
     *
     * @param envId  environment the events belong to
     * @param seed   the random seed: equal options give equal output
     * @param from   first moment of the range (epoch ms, inclusive)
     * @param to     end of the range (epoch ms, exclusive): no event at or after it
     * @param events how many events ({@link WriteOp.Append}s) to produce
     */
    public record Options(long envId, long seed, long from, long to, long events) {
        public Options {
            if (to <= from) {
                throw new IllegalArgumentException("The range must not be empty: from " + from + ", to " + to);
            }
            if (events < 0) {
                throw new IllegalArgumentException("events must not be negative, got " + events);
            }
        }
    }

    /** What a run produced: appended events, devices, sessions, identify ops and distinct identified users. */
    public record Counts(long events, long devices, long sessions, long identifies, long users) {
    }

    private final Options options;
    private final SplittableRandom random;
    private final Product[] products;
    private final long domChangeAt;

    private List<WriteOp> chunk;
    private int chunkSize;
    private Consumer<List<WriteOp>> sink;
    private long events;
    private long devices;
    private long sessions;
    private long identifies;
    private long users;

    public SiteGenerator(Options options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed());
        this.domChangeAt = options.from() + (options.to() - options.from()) / 2;
        this.products = new Product[40];
        for (int i = 0; i < products.length; i++) {
            int id = 101 + i;
            products[i] = new Product(id, ADJECTIVES[i % ADJECTIVES.length] + " " + NOUNS[i % NOUNS.length],
                    1_500 + (id * 7919 % 180) * 100);
        }
    }

    /** All ops of a small run, in order; for tests. */
    public static List<WriteOp> all(Options options) {
        List<WriteOp> out = new ArrayList<>();
        new SiteGenerator(options).generate(10_000, out::addAll);
        return out;
    }

    /** The moment the add-to-cart markup changes: the middle of the range. */
    public long domChangeAt() {
        return domChangeAt;
    }

    /**
     * Generates the traffic, handing {@code sink} lists of at most {@code chunkSize} ops (each list is fresh, the
     * sink may keep it). Ops of one device come in time order; devices come one after another.
     */
    public Counts generate(int chunkSize, Consumer<List<WriteOp>> sink) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be at least 1, got " + chunkSize);
        }
        this.chunkSize = chunkSize;
        this.sink = sink;
        this.chunk = new ArrayList<>(Math.min(chunkSize, 100_000));
        while (!full()) {
            visitor();
        }
        if (!chunk.isEmpty()) {
            sink.accept(chunk);
        }
        return new Counts(events, devices, sessions, identifies, users);
    }

    private boolean full() {
        return events >= options.events();
    }

    private void add(WriteOp op) {
        chunk.add(op);
        if (chunk.size() >= chunkSize) {
            sink.accept(chunk);
            chunk = new ArrayList<>(Math.min(chunkSize, 100_000));
        }
    }

    // ---- visitors and sessions ----

    /** One person: a first device with a few sessions, and for some signed-up users a second device later. */
    private void visitor() {
        Device first = new Device(AGENTS[random.nextInt(AGENTS.length)]);
        long t = startTime();
        int count = 1 + geometric(0.5, 7);
        for (int i = 0; i < count && t < options.to() && !full(); i++) {
            t = session(first, t) + gap();
        }
        if (first.identity != null && random.nextDouble() < 0.35 && !full()) {
            // The same person on their phone (or laptop): anonymous until they log in, then merged into the user.
            Device second = new Device(AGENTS[random.nextInt(AGENTS.length)]);
            second.knownAs = first.identity;
            t = first.signedUpAt + gap();
            int more = 1 + geometric(0.5, 3);
            for (int i = 0; i < more && t < options.to() && !full(); i++) {
                t = session(second, t) + gap();
            }
        }
    }

    private long startTime() {
        long t = options.from() + (long) (random.nextDouble() * (options.to() - options.from()));
        long day = Math.floorDiv(t, DAY) * DAY;
        int pick = random.nextInt(HOUR_TOTAL);
        int hour = 0;
        while (pick >= HOUR_WEIGHTS[hour]) {
            pick -= HOUR_WEIGHTS[hour++];
        }
        return Math.max(options.from(), day + hour * HOUR + random.nextLong(HOUR));
    }

    /** Time between sessions: always past the session timeout, mostly hours to a few days. */
    private long gap() {
        return SESSION_TIMEOUT_MS + MINUTE + (long) (-Math.log(1 - random.nextDouble()) * 2 * DAY);
    }

    private int geometric(double continueP, int max) {
        int n = 0;
        while (n < max && random.nextDouble() < continueP) {
            n++;
        }
        return n;
    }

    /** One session starting at {@code t}; returns the time of its last event. */
    private long session(Device d, long t) {
        Visit v = new Visit(d, t);
        sessions++;
        double r = random.nextDouble();
        String path;
        if (d.knownAs != null && d.identity == null) {
            v.land("/login", "direct");
            login(v);
            path = "/";
            v.navigate(path);
        } else if (r < 0.45) {
            double l = random.nextDouble();
            path = l < 0.4 ? "/" : l < 0.65 ? "/pricing" : product().path();
            v.land(path, "google");
        } else if (r < 0.65) {
            path = random.nextDouble() < 0.6 ? product().path() : "/";
            v.land(path, "newsletter");
        } else {
            // The rest: links from social networks (Reddit, X's t.co) and from a blog, else typed in. The draw r
            // picks them, so that the generator's random sequence (and every other figure it makes) is unchanged.
            path = random.nextDouble() < 0.7 ? "/" : "/pricing";
            v.land(path, r < 0.68 ? "reddit" : r < 0.71 ? "twitter" : r < 0.77 ? "blog" : "direct");
        }
        boolean carted = false;
        for (int step = 0; step < 8 && !v.over(); step++) {
            if (path.equals("/")) {
                double c = random.nextDouble();
                if (c < 0.55) {
                    Product p = product();
                    int slot = 1 + random.nextInt(12);
                    v.click(MAIN + "section.grid:2:2|div.card.product-tile[data-sku=" + esc(p.sku()) + "]:" + slot + ":"
                            + slot + "|a.product-link[href=" + esc(p.path()) + "]:2:1", p.name(), p.path());
                    path = p.path();
                    v.navigate(path);
                } else if (c < 0.8) {
                    v.click(HERO_PRICING, "See pricing", "/pricing");
                    path = "/pricing";
                    v.navigate(path);
                } else {
                    break;
                }
            } else if (path.equals("/pricing")) {
                double c = random.nextDouble();
                if (c < 0.3 && d.identity == null) {
                    int plan = random.nextInt(PLANS.length);
                    v.click(MAIN + "section.plans:2:2|div.plan[data-plan=" + PLANS[plan] + "]:" + (plan + 1) + ":"
                            + (plan + 1) + "|button.btn.btn-primary[type=button]:3:1", "Start free trial", null);
                    v.navigate("/signup");
                    signup(v, PLANS[plan]);
                    path = "/";
                    v.navigate(path);
                } else if (c < 0.65) {
                    path = product().path();
                    v.navigate(path);
                } else {
                    break;
                }
            } else {
                Product p = productOf(path);
                double c = random.nextDouble();
                if (c < 0.4) {
                    v.addToCart(p);
                    carted = true;
                    if (random.nextDouble() < 0.5) {
                        v.click(NAV_CHECKOUT, "Cart", "/checkout");
                        v.navigate("/checkout");
                        checkout(v, p);
                        break;
                    }
                } else if (c < 0.7) {
                    path = product().path();
                    v.navigate(path);
                } else if (c < 0.8) {
                    v.click(NAV_PRICING, "Pricing", "/pricing");
                    path = "/pricing";
                    v.navigate(path);
                } else {
                    break;
                }
            }
        }
        if (carted && !v.over() && random.nextDouble() < 0.1) {
            // Some come back to the cart from the header before leaving.
            v.click(NAV_CHECKOUT, "Cart", "/checkout");
            v.navigate("/checkout");
            checkout(v, productOf(path.startsWith("/products/") ? path : products[0].path()));
        }
        return v.t;
    }

    private void checkout(Visit v, Product p) {
        double keep = 0.85;
        for (String[] f : CHECKOUT_FIELDS) {
            if (random.nextDouble() > keep) {
                return;
            }
            v.change(CHECKOUT_FORM + "|" + f[0], f[1], f[2]);
        }
        if (random.nextDouble() < 0.75) {
            v.submit(CHECKOUT_FORM, "checkout", "checkout", "/api/orders",
                    "email,full_name,address,country,card_number");
            int quantity = 1 + geometric(0.25, 3);
            long cents = (long) p.priceCents() * quantity;
            v.custom(PURCHASE, "{\"revenue\":" + cents / 100 + "." + String.format("%02d", cents % 100)
                    + ",\"currency\":\"USD\",\"items\":" + quantity + ",\"sku\":\"" + p.sku() + "\"}");
            v.navigate("/checkout/complete");
        }
    }

    private void signup(Visit v, String plan) {
        for (String[] f : SIGNUP_FIELDS) {
            if (random.nextDouble() > 0.8) {
                return;
            }
            v.change(SIGNUP_FORM + "|" + f[0], f[1], f[2]);
        }
        if (random.nextDouble() < 0.7) {
            v.submit(SIGNUP_FORM, "signup", "signup", "/api/signup", "email,password,company");
            String identity = "user-" + Long.toHexString(random.nextLong() & 0xffffffffffL);
            if (v.identify(identity, java.util.Map.of("plan", plan, "signup_channel", v.channel))) {
                v.device.signedUpAt = v.t;
                users++;
            }
        }
    }

    private void login(Visit v) {
        v.change(LOGIN_FORM + "|input[name=email][type=email]:1:1", "email", "email");
        v.submit(LOGIN_FORM, "login", "login", "/api/login", "email,password");
        v.identify(v.device.knownAs, null);
    }

    private String addToCartHierarchy(Product p, long t) {
        return t < domChangeAt
                ? MAIN + "div.card.product[data-sku=" + esc(p.sku()) + "]:1:1|button.add-to-cart.btn[type=button]:3:1"
                : MAIN + "section.item[data-sku=" + esc(p.sku()) + "]:1:1|button.cta[type=button][data-action=add]:3:1";
    }

    private Product product() {
        // Skewed popularity: a few bestsellers, a long tail.
        double u = random.nextDouble();
        return products[(int) (u * u * products.length)];
    }

    private Product productOf(String path) {
        int id = Integer.parseInt(path.substring("/products/".length()));
        return products[id - 101];
    }

    private static String title(String path) {
        return switch (path) {
            case "/" -> "Example Shop";
            case "/pricing" -> "Pricing · Example Shop";
            case "/checkout" -> "Checkout · Example Shop";
            case "/checkout/complete" -> "Thank you · Example Shop";
            case "/signup" -> "Sign up · Example Shop";
            case "/login" -> "Log in · Example Shop";
            default -> "Product · Example Shop";
        };
    }

    /** A device: its id, browser context, and the identity the tracker holds for it once identified. */
    private final class Device {
        final String id = uuid().toString();
        final Agent agent;
        String identity;
        String knownAs;
        long signedUpAt;

        Device(Agent agent) {
            this.agent = agent;
            devices++;
        }
    }

    /** One session in progress: the page the browser shows, the tracker's session clock, and emitting. */
    private final class Visit {
        final Device device;
        final String sessionId = uuid().toString();
        final long start;
        long t;
        long prev;
        String channel;
        String referrer;
        String path;
        String url;
        String query;
        String title;

        Visit(Device device, long t) {
            this.device = device;
            this.start = t;
            this.t = t;
            this.prev = t;
        }

        boolean over() {
            return t >= options.to() || full();
        }

        /** The first page load of the session, from a channel; the referrer holds for its SPA navigations. */
        void land(String landing, String channel) {
            this.channel = channel;
            switch (channel) {
                // Google: a shopping ad (utm tags, paid) for a product page, else an organic result (search).
                case "google" -> page(landing, landing.startsWith("/products/")
                        ? "utm_source=google&utm_medium=cpc&utm_campaign=shopping" : null, "https://www.google.com/");
                case "newsletter" -> page(landing, "utm_source=newsletter&utm_medium=email&utm_campaign=weekly", null);
                case "reddit" -> page(landing, null, "https://www.reddit.com/r/ecommerce/");
                case "twitter" -> page(landing, null, "https://t.co/Xq3vLk9");
                case "blog" -> page(landing, null, "https://blog.example.org/best-shops-2026");
                default -> page(landing, null, null);
            }
            emit("pageview", null, null, null, null, null);
        }

        /** An SPA route change: a pageview after a short pause. */
        void navigate(String to) {
            advance(400, 3_000);
            page(to, null, referrer);
            emit("pageview", null, null, null, null, null);
        }

        private void page(String to, String query, String referrer) {
            this.path = to;
            this.query = query;
            this.referrer = referrer;
            this.url = ORIGIN + to + (query == null ? "" : "?" + query);
            this.title = to.startsWith("/products/") ? productOf(to).name() + " · Example Shop" : title(to);
        }

        void click(String hierarchy, String text, String href) {
            advance(3_000, 60_000);
            emit("click", null, hierarchy, text, href == null ? null : ORIGIN + href, null);
        }

        /** A click on the product page's add-to-cart button, in the markup of the moment it happens. */
        void addToCart(Product p) {
            advance(3_000, 60_000);
            emit("click", null, addToCartHierarchy(p, t), "Add to cart", null, null);
        }

        void change(String hierarchy, String field, String type) {
            advance(2_000, 20_000);
            emit("change", null, hierarchy, null, null, "{\"field_name\":\"" + field + "\",\"field_type\":\"" + type
                    + "\"}");
        }

        void submit(String form, String id, String name, String action, String fields) {
            advance(1_000, 15_000);
            emit("submit", null, form, null, null, "{\"form_id\":\"" + id + "\",\"form_name\":\"" + name
                    + "\",\"form_action\":\"" + action + "\",\"form_method\":\"post\",\"form_fields\":\"" + fields
                    + "\"}");
        }

        void custom(String name, String propertiesJson) {
            advance(200, 1_500);
            emit("custom", name, null, null, null, propertiesJson);
        }

        /** The tracker's identify: the device becomes the user's; later events carry the identity. */
        boolean identify(String identity, java.util.Map<String, Object> userProperties) {
            advance(100, 1_000);
            if (over()) {
                return false;
            }
            device.identity = identity;
            add(new WriteOp.Identify(options.envId(), device.id, identity, t, "browser"));
            identifies++;
            if (userProperties != null) {
                add(new WriteOp.SetUserProperties(options.envId(), identity, userProperties, t));
            }
            return true;
        }

        private void advance(int minMs, int maxMs) {
            t += minMs + random.nextInt(maxMs - minMs);
        }

        private void emit(String kind, String name, String hierarchy, String text, String href, String props) {
            if (over()) {
                return;
            }
            Agent a = device.agent;
            long receivedAt = t + 200 + (t & 1023);
            add(new WriteOp.Append(new RawEvent(options.envId(), uuid(), kind, name, device.id, device.identity,
                    sessionId, t, t, receivedAt, t - start, t - prev, hierarchy,
                    text, href, url, path, title, referrer, query, null, a.browser(), a.version(), a.os(),
                    a.osVersion(), a.deviceType(), a.width(), a.height(), "hindsight-js", "0.1.0", "browser", null,
                    props == null ? "{}" : props)));
            prev = t;
            events++;
        }
    }

    private UUID uuid() {
        // Version 4, variant 2, as the tracker's ids look; drawn from the seeded stream so runs repeat.
        long hi = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo);
    }

    /** The tracker's escaping of ids, classes and attribute values: all but A-Z a-z 0-9 - _ as UTF-8 %XX. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }
}
