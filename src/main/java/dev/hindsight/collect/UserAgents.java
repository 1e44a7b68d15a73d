package dev.hindsight.collect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Locale;
import ua_parser.Client;
import ua_parser.Parser;

/**
 * Browser, OS and device type from a User-Agent header, by uap-java (the ua-parser project's maintained
 * regexes). Parsing costs tens of microseconds, and a site sees few distinct agents, so results are cached.
 */
public final class UserAgents {

    /** What a User-Agent says; fields are null when it does not say. */
    public record Agent(String browser, String browserVersion, String os, String osVersion, String deviceType) {
    }

    private static final Agent UNKNOWN = new Agent(null, null, null, null, null);
    private final Parser parser = new Parser();
    private final Cache<String, Agent> cache = Caffeine.newBuilder().maximumSize(10_000).build();

    public Agent parse(String userAgent) {
        if (userAgent == null || userAgent.isBlank()) {
            return UNKNOWN;
        }
        return cache.get(userAgent, this::parseUncached);
    }

    private Agent parseUncached(String ua) {
        Client c = parser.parse(ua);
        String browser = c.userAgent == null || "Other".equals(c.userAgent.family) ? null : c.userAgent.family;
        String os = c.os == null || "Other".equals(c.os.family) ? null : c.os.family;
        return new Agent(browser, version(c.userAgent == null ? null : c.userAgent.major,
                c.userAgent == null ? null : c.userAgent.minor), os,
                version(c.os == null ? null : c.os.major, c.os == null ? null : c.os.minor), deviceType(ua, c));
    }

    private static String version(String major, String minor) {
        if (major == null) {
            return null;
        }
        return minor == null ? major : major + "." + minor;
    }

    private static String deviceType(String ua, Client c) {
        String lower = ua.toLowerCase(Locale.ROOT);
        if (c.device != null && "Spider".equals(c.device.family)) {
            return "bot";
        }
        if (lower.contains("ipad") || lower.contains("tablet") || (lower.contains("android") && !lower.contains("mobile"))) {
            return "tablet";
        }
        if (lower.contains("mobi") || lower.contains("iphone") || lower.contains("ipod")) {
            return "mobile";
        }
        return "desktop";
    }
}
