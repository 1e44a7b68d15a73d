package dev.hindsight.query.reference;

import dev.hindsight.define.BuiltIns;
import dev.hindsight.query.reference.Dataset.Ev;
import dev.hindsight.query.reference.Dataset.Link;
import java.util.Comparator;
import java.util.Optional;

/**
 * The built-in properties of an event computed in plain Java from a {@link Dataset}, as {@link BuiltIns} defines
 * them: event-level ones from the event's url, path and hash; session-level ones from the first event (by time) of
 * all the events with its session id, or the event itself without one; {@code $user.<name>} from the event's
 * identity, else its device's last link, else its device, and {@code $user_at_event.<name>} from the history of
 * sets to it (with the values identifies copied to it). Browser,
 * OS and location are not in the dataset.
 */
public final class BuiltInsReference {
    private BuiltInsReference() {
    }

    /** The value of built-in {@code key} for {@code e}, or null when it has none. */
    public static String value(Dataset data, Ev e, String key) {
        String user = BuiltIns.userProperty(key);
        if (user != null) {
            return userProperty(data, e, user);
        }
        String atEvent = BuiltIns.userPropertyAtEvent(key);
        if (atEvent != null) {
            return userPropertyAtEvent(data, e, atEvent);
        }
        Ev first = e.session() == null ? e : data.events().stream().filter(x -> e.session().equals(x.session()))
                .min(Comparator.comparingLong(Ev::time)).orElseThrow();
        return switch (key) {
            case "$url" -> empty(e.url());
            case "$domain" -> BuiltIns.host(e.url());
            case "$path" -> empty(e.path());
            case "$hash" -> e.url() == null || e.url().indexOf('#') < 0 ? null
                    : empty(e.url().substring(e.url().indexOf('#') + 1));
            case "$referrer" -> empty(first.referrer());
            case "$referring_domain" -> BuiltIns.host(first.referrer());
            case "$landing_page" -> empty(first.url());
            case "$landing_path" -> empty(first.path());
            case "$utm_source", "$utm_medium", "$utm_campaign", "$utm_term", "$utm_content" ->
                    BuiltIns.queryParam(query(first.url()), key.substring(1));
            case "$channel" -> BuiltIns.channel(BuiltIns.host(first.referrer()), BuiltIns.host(first.url()),
                    query(first.url()));
            default -> throw new IllegalArgumentException("no reference for " + key);
        };
    }

    /** Whether {@code e} passes a filter {@code key op value} on a built-in, with event property filters' meaning. */
    public static boolean test(Dataset data, Ev e, String key, String op, Object value) {
        String v = value(data, e, key);
        return switch (op) {
            case "=" -> v != null && v.equals(String.valueOf(value));
            case "!=" -> v == null || !v.equals(String.valueOf(value));
            case "contains" -> v != null && v.contains(String.valueOf(value));
            case "is_set" -> v != null;
            case "is_not_set" -> v == null;
            default -> throw new IllegalArgumentException(op);
        };
    }

    /**
     * The user's latest value ({@link Dataset#properties}): of the event's identity, else of its device's last link's
     * identity, else (when that has none, or the device was never identified) of the device.
     */
    private static String userProperty(Dataset data, Ev e, String name) {
        String identity = e.identity();
        if (identity == null && e.device() != null) {
            identity = data.links().stream().filter(l -> l.device().equals(e.device()) && !l.undone())
                    .max(Comparator.comparingLong(Link::validFrom)).map(Link::identity).orElse(null);
        }
        Object v = Optional.ofNullable(identity).map(i -> data.properties(i).get(name)).orElse(null);
        if (v == null && e.identity() == null && e.device() != null) {
            v = data.deviceProperties(e.device()).get(name);
        }
        return v == null ? null : String.valueOf(v);
    }

    /**
     * The user's property at the event's time: of the sets to the identity of {@link #userProperty} (the event's,
     * else its device's last link), its own and those its identifies copied ({@link Dataset#sets}), the last at or
     * before the event; else, for an event without an identity, of the sets to its device. Of sets at one instant,
     * the later made.
     */
    private static String userPropertyAtEvent(Dataset data, Ev e, String name) {
        String identity = e.identity();
        if (identity == null && e.device() != null) {
            identity = data.links().stream().filter(l -> l.device().equals(e.device()) && !l.undone())
                    .max(Comparator.comparingLong(Link::validFrom)).map(Link::identity).orElse(null);
        }
        Object v = identity == null ? null : at(data, e.time(), name, identity, null);
        if (v == null && e.identity() == null && e.device() != null) {
            v = at(data, e.time(), name, null, e.device());
        }
        return v == null ? null : String.valueOf(v);
    }

    /** The value of the last set of {@code name} to the owner at or before {@code time}, or null. */
    private static Object at(Dataset data, long time, String name, String identity, String device) {
        Object v = null;
        long when = Long.MIN_VALUE;
        for (Dataset.PropertySet p : data.sets()) {
            boolean mine = identity != null ? identity.equals(p.identity())
                    : p.identity() == null && device.equals(p.device());
            if (mine && p.name().equals(name) && p.time() <= time && p.time() >= when) {
                v = p.value();
                when = p.time();
            }
        }
        return v;
    }

    /** The query string of a URL: after '?', before '#'. */
    static String query(String url) {
        if (url == null) {
            return null;
        }
        int q = url.indexOf('?');
        int h = url.indexOf('#');
        if (q < 0 || (h >= 0 && h < q)) {
            return null;
        }
        return url.substring(q + 1, h < 0 ? url.length() : h);
    }

    private static String empty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
