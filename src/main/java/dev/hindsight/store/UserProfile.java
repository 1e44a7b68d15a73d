package dev.hindsight.store;

import java.util.List;
import java.util.Map;

/**
 * What is known of one identified user: properties (last write wins), first and last seen (epoch ms,
 * over the merged event stream, or the user's first and last write when there are no events), devices and
 * merges (undone ones included).
 */
public record UserProfile(String identity, Map<String, Object> properties, Long firstSeen, Long lastSeen,
        List<String> devices, List<IdentityLink> merges) {
}
