package dev.hindsight.define;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in properties every event has, named with a leading {@code $} so that they never clash with the
 * properties a site sends: usable wherever an event property is (filters, breakdowns, definition rules). Their
 * meaning lives here, once: each engine renders them in its own language, and the reference engine of the tests
 * computes them with the Java functions below ({@link #channel}, {@link #host}, {@link #queryParam}).
 *
 * <p>Session-level properties come from the first event of the event's session (by time, then the order the
 * store received them in); an event without a session id (server-side events) is its own session's first event.
 * {@code $user.<name>} is the user property {@code name}'s latest value (not its value at the event's time) of the
 * event's user: its own identity, else the identity its device was last linked to, else, for a device never
 * identified, the device's own properties (set before identify). {@code $user_at_event.<name>} is the value the
 * same user's property had at the event's time: the last value set at or before it, from the history of sets.
 */
public final class BuiltIns {

    /** Where a built-in's value comes from. */
    public enum Level {
        /** The event's own fields. */
        EVENT,
        /** The first event of the event's session. */
        SESSION,
        /** The event's location, looked up at ingest from the sender's address (see HINDSIGHT_GEOIP_DB). */
        LOCATION
    }

    /** The built-ins by name, in the order the README lists them. */
    public static final Map<String, Level> ALL;

    static {
        Map<String, Level> all = new LinkedHashMap<>();
        for (String n : List.of("$browser", "$browser_version", "$os", "$os_version", "$device_type", "$url", "$domain",
                "$path", "$title", "$hash")) {
            all.put(n, Level.EVENT);
        }
        for (String n : List.of("$referrer", "$referring_domain", "$channel", "$utm_source", "$utm_medium",
                "$utm_campaign", "$utm_term", "$utm_content", "$landing_page", "$landing_path")) {
            all.put(n, Level.SESSION);
        }
        for (String n : List.of("$country", "$region", "$city")) {
            all.put(n, Level.LOCATION);
        }
        ALL = java.util.Collections.unmodifiableMap(all);
    }

    /** The prefix of a user property's built-in name: {@code $user.plan}. */
    public static final String USER_PREFIX = "$user.";

    /** The prefix of a user property's value at the event's time: {@code $user_at_event.plan}. */
    public static final String USER_AT_EVENT_PREFIX = "$user_at_event.";

    /** The channels, in the order their rules are tried (see {@link #channel}). */
    public static final List<String> CHANNELS = List.of("paid", "email", "social", "search", "referral", "direct");

    /** utm_medium values (lower case) of paid traffic; a medium starting with {@code paid} is paid too. */
    public static final Set<String> PAID_MEDIUMS = Set.of("cpc", "ppc", "cpm", "cpv", "cpa", "display", "banner",
            "retargeting");

    /** Landing-page query parameters that ad platforms add to their clicks: their presence marks paid traffic. */
    public static final List<String> CLICK_IDS = List.of("gclid", "gbraid", "wbraid", "dclid", "fbclid", "msclkid",
            "ttclid", "twclid", "li_fat_id");

    /** utm_medium values (lower case) of email. */
    public static final Set<String> EMAIL_MEDIUMS = Set.of("email", "e-mail", "e_mail", "newsletter");

    /** utm_source values (lower case) of email. */
    public static final Set<String> EMAIL_SOURCES = Set.of("newsletter", "email", "e-mail", "mailchimp", "klaviyo");

    /** utm_medium values (lower case) of social traffic. */
    public static final Set<String> SOCIAL_MEDIUMS = Set.of("social", "social-network", "social-media", "social_network",
            "social_media", "sm");

    /**
     * Social networks: a referring host is social when one of its dot-separated labels is one of these
     * ({@code m.facebook.com}, {@code www.linkedin.com}), or when it is, or is under, one of {@link #SOCIAL_HOSTS}.
     */
    public static final Set<String> SOCIAL_LABELS = Set.of("facebook", "instagram", "twitter", "linkedin", "reddit",
            "pinterest", "tiktok", "youtube", "snapchat", "tumblr", "threads", "bsky", "mastodon", "quora", "vk");

    /** Short hosts of social networks (see {@link #SOCIAL_LABELS}). */
    public static final Set<String> SOCIAL_HOSTS = Set.of("t.co", "x.com", "lnkd.in", "fb.me", "m.me", "youtu.be");

    /** Search engines: a referring host is a search engine when one of its dot-separated labels is one of these. */
    public static final Set<String> SEARCH_LABELS = Set.of("google", "bing", "yahoo", "duckduckgo", "baidu", "yandex",
            "ecosia", "qwant", "startpage", "naver", "seznam", "brave");

    /**
     * The host of a URL: the part after {@code scheme://} and any {@code user@}, up to a port, path, query or
     * fragment. Engines use this regex as it is (RE2 and Java agree on it); the host is then lower-cased.
     */
    public static final String HOST_REGEX = "^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)";

    private static final Pattern HOST = Pattern.compile(HOST_REGEX);

    private BuiltIns() {
    }

    /** Whether {@code key} names a built-in (or a misspelt one): it starts with {@code $}. */
    public static boolean isBuiltIn(String key) {
        return key != null && key.startsWith("$");
    }

    /** What is wrong with a {@code $} key (null when it is a built-in), for a 400 naming the field. */
    public static String problem(String key) {
        if (ALL.containsKey(key)) {
            return null;
        }
        if (key.startsWith(USER_PREFIX)) {
            return key.length() > USER_PREFIX.length() ? null : "needs a user property's name after '$user.'";
        }
        if (key.startsWith(USER_AT_EVENT_PREFIX)) {
            return key.length() > USER_AT_EVENT_PREFIX.length() ? null
                    : "needs a user property's name after '$user_at_event.'";
        }
        return "is not a built-in property; the built-ins are " + String.join(", ", ALL.keySet())
                + ", $user.<name> and $user_at_event.<name>";
    }

    /** The user property a {@code $user.<name>} key names, else null. */
    public static String userProperty(String key) {
        return key != null && key.startsWith(USER_PREFIX) ? key.substring(USER_PREFIX.length()) : null;
    }

    /** The user property a {@code $user_at_event.<name>} key names, else null. */
    public static String userPropertyAtEvent(String key) {
        return key != null && key.startsWith(USER_AT_EVENT_PREFIX) ? key.substring(USER_AT_EVENT_PREFIX.length())
                : null;
    }

    /** The lower-cased host of a URL, or null when it has none. */
    public static String host(String url) {
        if (url == null) {
            return null;
        }
        Matcher m = HOST.matcher(url);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /**
     * The value of query parameter {@code name} in a query string ({@code a=1&b=2}, without {@code ?}): its first
     * occurrence, %XX-decoded as UTF-8 ({@code +} stays a plus), or null when absent or empty.
     */
    public static String queryParam(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&", -1)) {
            if (pair.startsWith(name + "=")) {
                String v = percentDecode(pair.substring(name.length() + 1));
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }

    /** Whether a query string has parameter {@code name}, with any value. */
    public static boolean hasParam(String query, String name) {
        if (query == null) {
            return false;
        }
        for (String pair : query.split("&", -1)) {
            if (pair.equals(name) || pair.startsWith(name + "=")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A session's channel, by the first rule that holds:
     * <ol>
     * <li>paid: utm_medium is one of {@link #PAID_MEDIUMS} or starts with {@code paid}, or the landing page has an
     * ad click id ({@link #CLICK_IDS});
     * <li>email: utm_medium is one of {@link #EMAIL_MEDIUMS} or utm_source one of {@link #EMAIL_SOURCES};
     * <li>social: utm_medium is one of {@link #SOCIAL_MEDIUMS}, or the referrer is a social network;
     * <li>search: the referrer is a search engine;
     * <li>referral: there is a referrer on another host than the landing page's;
     * <li>direct: anything else (no referrer, or one from the site itself).
     * </ol>
     * utm values compare case-insensitively.
     *
     * @param referrerHost the session's referring host (lower case), or null
     * @param landingHost  the landing page's host (lower case), or null
     * @param landingQuery the landing page's query string, or null
     */
    public static String channel(String referrerHost, String landingHost, String landingQuery) {
        String medium = lower(queryParam(landingQuery, "utm_medium"));
        String source = lower(queryParam(landingQuery, "utm_source"));
        if (medium != null && (PAID_MEDIUMS.contains(medium) || medium.startsWith("paid"))
                || CLICK_IDS.stream().anyMatch(id -> hasParam(landingQuery, id))) {
            return "paid";
        }
        if (medium != null && EMAIL_MEDIUMS.contains(medium) || source != null && EMAIL_SOURCES.contains(source)) {
            return "email";
        }
        if (medium != null && SOCIAL_MEDIUMS.contains(medium) || isSocial(referrerHost)) {
            return "social";
        }
        if (isSearch(referrerHost)) {
            return "search";
        }
        if (referrerHost != null && !referrerHost.equals(landingHost)) {
            return "referral";
        }
        return "direct";
    }

    /** Whether a host is a social network's (see {@link #SOCIAL_LABELS}). */
    public static boolean isSocial(String host) {
        if (host == null) {
            return false;
        }
        for (String h : SOCIAL_HOSTS) {
            if (host.equals(h) || host.endsWith("." + h)) {
                return true;
            }
        }
        return hasLabel(host, SOCIAL_LABELS);
    }

    /** Whether a host is a search engine's (see {@link #SEARCH_LABELS}). */
    public static boolean isSearch(String host) {
        return host != null && hasLabel(host, SEARCH_LABELS);
    }

    private static boolean hasLabel(String host, Set<String> labels) {
        for (String label : host.split("\\.", -1)) {
            if (labels.contains(label)) {
                return true;
            }
        }
        return false;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    /** %XX escapes decoded as UTF-8 bytes; anything else, malformed escapes included, kept as it is. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); ) {
            if (s.charAt(i) == '%' && i + 2 < s.length()
                    && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
                bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
