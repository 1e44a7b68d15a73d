package dev.hindsight.activate.sync;

import dev.hindsight.activate.sync.Audiences.Member;
import dev.hindsight.store.WriteOp;
import dev.hindsight.store.WriteQueue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Traits back: what the activation layer knows about a user, written as ordinary user properties (the
 * {@code /api/add_user_properties} write path) so that analysts segment by them ({@code $user.hs_...}):
 * <ul>
 * <li>{@code hs_in_audience_<sync id>}: true when the user joined the sync's audience, false when they left it;
 * <li>{@code hs_match_keys}: the identifiers a platform can match them by, "email,phone,external_id" or fewer;
 * <li>{@code hs_last_delivery_<destination name>}: delivered, dead or skipped, for their last event delivered;
 * <li>{@code hs_hubspot_contact_id}: the record id HubSpot answered for their contact (a value a destination returns).
 * </ul>
 * Only identified users carry traits (anonymous devices have no identity to write them to).
 */
public final class Traits {
    public static final String IN_AUDIENCE = "hs_in_audience_";
    public static final String MATCH_KEYS = "hs_match_keys";
    public static final String LAST_DELIVERY = "hs_last_delivery_";
    public static final String HUBSPOT_CONTACT_ID = "hs_hubspot_contact_id";
    private static final int CHUNK = 1000;

    private final WriteQueue queue;

    public Traits(WriteQueue queue) {
        this.queue = queue;
    }

    /** After a sync the destination accepted: membership of the audience and match keys of who joined. */
    void audience(long envId, long syncId, List<Member> joined, List<Member> left, long at) {
        List<WriteOp> ops = new ArrayList<>();
        for (Member m : joined) {
            if (!m.identified()) continue;
            Map<String, Object> p = new LinkedHashMap<>();
            p.put(IN_AUDIENCE + syncId, true);
            p.put(MATCH_KEYS, m.matchKeys());
            if (m.recordId() != null) {
                p.put(HUBSPOT_CONTACT_ID, m.recordId());
            }
            ops.add(new WriteOp.SetUserProperties(envId, m.label(), p, at));
        }
        for (Member m : left) {
            if (!m.identified()) continue;
            ops.add(new WriteOp.SetUserProperties(envId, m.label(), Map.of(IN_AUDIENCE + syncId, false), at));
        }
        write(ops);
    }

    /** After an event's delivery ended: {@code state} is delivered, dead or skipped. */
    public void delivery(long envId, String identity, String destinationName, String state, long at) {
        if (identity == null || identity.isBlank()) return;
        write(List.of(new WriteOp.SetUserProperties(envId, identity, Map.of(LAST_DELIVERY + slug(destinationName),
                state), at)));
    }

    /** A destination's name as a property name's tail: lower case, runs of other characters as one _. */
    public static String slug(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
        return s.isEmpty() ? "destination" : s.length() > 60 ? s.substring(0, 60) : s;
    }

    private void write(List<WriteOp> ops) {
        for (int i = 0; i < ops.size(); i += CHUNK) {
            queue.submitAndWait(ops.subList(i, Math.min(ops.size(), i + CHUNK)));
        }
    }
}
