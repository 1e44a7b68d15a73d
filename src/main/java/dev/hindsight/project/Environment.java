package dev.hindsight.project;

import java.util.List;

/**
 * An environment of a project (such as {@code development} or {@code production}): its own data, a public
 * app id for browsers, a secret key for servers, the browser origins allowed to send to {@code /h}, and the
 * query parameters removed from captured URLs on top of the default blocklist.
 */
public record Environment(long id, long projectId, String name, String appId, String secretKey,
        boolean allowAnyOrigin, List<String> allowedOrigins, List<String> queryBlocklist) {

    /** Whether a browser page at {@code origin} may send events here; requests without an origin are not browsers. */
    public boolean allowsOrigin(String origin) {
        return origin == null || allowAnyOrigin || allowedOrigins.contains(origin);
    }
}
