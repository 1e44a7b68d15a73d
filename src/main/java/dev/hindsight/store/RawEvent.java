package dev.hindsight.store;

import java.util.UUID;

/**
 * One captured or sent event as it is stored: never rewritten afterwards.
 *
 * <p>Times are epoch milliseconds. {@code time} is the clock-skew-corrected moment the event happened,
 * {@code clientTime} what the sender's clock said, {@code receivedAt} the server's clock on arrival.
 * {@code propertiesJson} is a flat JSON object of string, number and boolean values.
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
        String propertiesJson) {
}
