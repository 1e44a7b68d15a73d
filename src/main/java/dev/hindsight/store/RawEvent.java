package dev.hindsight.store;

import java.util.UUID;

/**
 * One captured or sent event as it is stored: never rewritten afterwards.
 *
 * <p>Times are epoch milliseconds. {@code time} is the clock-skew-corrected moment the event happened,
 * {@code clientTime} what the sender's clock said, {@code receivedAt} the server's clock on arrival.
 * {@code propertiesJson} is a flat JSON object of string, number and boolean values. {@code micros} (0 to 999) is
 * stored below {@code time}'s millisecond: clients send milliseconds, so these microseconds carry the order of one
 * device's events within a millisecond (the tracker's per-device {@code seq}), which every analysis then keeps.
 */
public record RawEvent(
        long envId,
        UUID eventId,
        String kind,
        String name,
        String deviceId,
        String identity,
        String sessionId,
        long time,
        Long clientTime,
        long receivedAt,
        Long sessionMs,
        Long sincePrevMs,
        String hierarchy,
        String targetText,
        String href,
        String url,
        String path,
        String title,
        String referrer,
        String query,
        String hash,
        String browser,
        String browserVersion,
        String os,
        String osVersion,
        String deviceType,
        Integer viewportWidth,
        Integer viewportHeight,
        String library,
        String libraryVersion,
        String source,
        String ip,
        String propertiesJson,
        int micros,
        Location location) {

    public RawEvent {
        if (micros < 0 || micros > 999) {
            throw new IllegalArgumentException("micros must be 0 to 999, not " + micros);
        }
    }

    /**
     * Where the sender was, looked up at ingest from its address (see {@code collect.GeoIp}); each part null when
     * unknown. Stored instead of the address wherever the environment's IP policy drops that.
     */
    public record Location(String country, String region, String city) {
    }

    /** An event with no location. */
    public RawEvent(long envId, UUID eventId, String kind, String name, String deviceId, String identity,
            String sessionId, long time, Long clientTime, long receivedAt, Long sessionMs, Long sincePrevMs,
            String hierarchy, String targetText, String href, String url, String path, String title, String referrer,
            String query, String hash, String browser, String browserVersion, String os, String osVersion,
            String deviceType, Integer viewportWidth, Integer viewportHeight, String library, String libraryVersion,
            String source, String ip, String propertiesJson, int micros) {
        this(envId, eventId, kind, name, deviceId, identity, sessionId, time, clientTime, receivedAt, sessionMs,
                sincePrevMs, hierarchy, targetText, href, url, path, title, referrer, query, hash, browser,
                browserVersion, os, osVersion, deviceType, viewportWidth, viewportHeight, library, libraryVersion,
                source, ip, propertiesJson, micros, null);
    }

    /** This event with {@code location}. */
    public RawEvent withLocation(Location location) {
        return new RawEvent(envId, eventId, kind, name, deviceId, identity, sessionId, time, clientTime, receivedAt,
                sessionMs, sincePrevMs, hierarchy, targetText, href, url, path, title, referrer, query, hash, browser,
                browserVersion, os, osVersion, deviceType, viewportWidth, viewportHeight, library, libraryVersion,
                source, ip, propertiesJson, micros, location);
    }

    /** This event of {@code identity} (an anonymous device's event, once the device is known to be a user's). */
    public RawEvent withIdentity(String identity) {
        return new RawEvent(envId, eventId, kind, name, deviceId, identity, sessionId, time, clientTime, receivedAt,
                sessionMs, sincePrevMs, hierarchy, targetText, href, url, path, title, referrer, query, hash, browser,
                browserVersion, os, osVersion, deviceType, viewportWidth, viewportHeight, library, libraryVersion,
                source, ip, propertiesJson, micros, location);
    }

    /** An event whose time is a whole millisecond. */
    public RawEvent(long envId, UUID eventId, String kind, String name, String deviceId, String identity,
            String sessionId, long time, Long clientTime, long receivedAt, Long sessionMs, Long sincePrevMs,
            String hierarchy, String targetText, String href, String url, String path, String title, String referrer,
            String query, String hash, String browser, String browserVersion, String os, String osVersion,
            String deviceType, Integer viewportWidth, Integer viewportHeight, String library, String libraryVersion,
            String source, String ip, String propertiesJson) {
        this(envId, eventId, kind, name, deviceId, identity, sessionId, time, clientTime, receivedAt, sessionMs,
                sincePrevMs, hierarchy, targetText, href, url, path, title, referrer, query, hash, browser,
                browserVersion, os, osVersion, deviceType, viewportWidth, viewportHeight, library, libraryVersion,
                source, ip, propertiesJson, 0);
    }

    /** The stored time in epoch microseconds. */
    public long timeMicros() {
        return time * 1000 + micros;
    }

    /**
     * The event's name in a path (the paths analysis without {@code label_with}): {@code "pageview <path>"}, the
     * event name for custom events, else {@code "<kind> <text>"}, or, when the target has no text, the kind and the
     * last hierarchy level's tag, id and classes (decoded), such as {@code "click button#buy.primary"}. A part that
     * is missing is left out with its space; a custom event without a name has none. Stores keep it per event as an
     * integer of a dictionary, so that paths compare integers.
     */
    public String label() {
        return switch (kind) {
            case "pageview" -> path == null ? "pageview" : "pageview " + path;
            case "custom" -> name;
            default -> {
                String text = targetText != null && !targetText.isEmpty() ? targetText : tag(hierarchy);
                yield text == null ? kind : kind + " " + text;
            }
        };
    }

    /** The last level's tag, #id and .classes of a hierarchy, decoded; null when there are none. */
    static String tag(String hierarchy) {
        if (hierarchy == null) {
            return null;
        }
        String last = hierarchy.substring(hierarchy.lastIndexOf('|') + 1);
        int end = 0;
        while (end < last.length() && last.charAt(end) != '[' && last.charAt(end) != ':') {
            end++;
        }
        String tag = decode(last.substring(0, end));
        return tag.isEmpty() ? null : tag;
    }

    /** Decodes the %XX escapes of the hierarchy encoding (UTF-8 bytes). */
    private static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); ) {
            if (s.charAt(i) == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
