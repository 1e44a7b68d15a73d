package dev.hindsight.query.reference;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A dataset as plain Java, for the brute-force reference implementations: the events, the identity links in the
 * order they were made, each identity's user properties (their latest values, as the test set them), the history
 * of user property sets (to identities and to anonymous devices) in the order they were made, and the static
 * cohorts' lists. Times are distinct, so order never needs a tie-break.
 *
 * <p>The links and the history are each in the order they were made; how they interleave is the order the tests
 * send them in: every set dated before the server's now ({@link Long#MAX_VALUE}, see {@link PropertySet}) was made
 * before every link, and the sets at the server's now after them all. That decides what identifies copy from
 * devices to users ({@link #copies}).
 */
public record Dataset(List<Ev> events, List<Link> links, Map<String, Map<String, Object>> userProperties,
        List<PropertySet> history, List<Listing> listings) {

    /** A dataset without a history of property sets. */
    public Dataset(List<Ev> events, List<Link> links, Map<String, Map<String, Object>> userProperties) {
        this(events, links, userProperties, List.of());
    }

    /** A dataset without static cohorts. */
    public Dataset(List<Ev> events, List<Link> links, Map<String, Map<String, Object>> userProperties,
            List<PropertySet> history) {
        this(events, links, userProperties, history, List.of());
    }

    /** This dataset with the static cohorts' lists {@code listings}. */
    public Dataset withListings(List<Listing> listings) {
        return new Dataset(events, links, userProperties, history, listings);
    }

    /**
     * A user property set at {@code time}: to {@code identity}, or with a null identity to the anonymous device's.
     * A set at the server's now, after every event, has the time {@link Long#MAX_VALUE}.
     */
    public record PropertySet(String identity, String device, String name, Object value, long time) {
    }

    /**
     * An identity on the list of the static cohort {@code cohortId} from {@code addedAt} until {@code removedAt}
     * (null: still listed); an identity listed again later has a listing per span.
     */
    public record Listing(long cohortId, String identity, long addedAt, Long removedAt) {
    }

    /** A value an identify copied from a device to its user, and the time of the device's set it copied. */
    private record Copy(PropertySet set, long deviceSetTime) {
    }

    /**
     * The sets that identifies make: at each link (in the order made), each property of the device (its latest set)
     * is copied to the identity when the identity has no set of it at all, or only older ones (its sets made before
     * the link, and the copies of earlier links, dated by the device's sets they copied): a set to the identity
     * dated at the link, or at the device's set if that is later. Undone links copied too.
     */
    public List<PropertySet> copies() {
        return copied().stream().map(Copy::set).toList();
    }

    private List<Copy> copied() {
        // The time of each identity's latest set of each name, as the links find it.
        Map<String, Long> latest = new HashMap<>();
        Map<String, PropertySet> devices = new LinkedHashMap<>();
        for (PropertySet p : history) {
            if (p.identity() != null && p.time() != Long.MAX_VALUE) {
                latest.merge(p.identity() + "\u0000" + p.name(), p.time(), Math::max);
            } else if (p.identity() == null) {
                devices.merge(p.device() + "\u0000" + p.name(), p, (a, b) -> b.time() >= a.time() ? b : a);
            }
        }
        List<Copy> out = new ArrayList<>();
        for (Link l : links) {
            for (PropertySet d : devices.values()) {
                String key = l.identity() + "\u0000" + d.name();
                if (d.device().equals(l.device()) && (!latest.containsKey(key) || d.time() > latest.get(key))) {
                    out.add(new Copy(new PropertySet(l.identity(), null, d.name(), d.value(),
                            Math.max(l.validFrom(), d.time())), d.time()));
                    latest.put(key, d.time());
                }
            }
        }
        return out;
    }

    /** Every set to identities and devices: the history and the identifies' {@link #copies}. */
    public List<PropertySet> sets() {
        List<PropertySet> out = new ArrayList<>(history);
        out.addAll(copies());
        return out;
    }

    /**
     * The current properties of a user (a resolved user key), as the users analysis and cohorts read them: an
     * identity's latest value of each property, of its sets and the copies its identifies made (a copy dated by the
     * device's set), then its {@link #userProperties}; an anonymous device's latest of its own sets.
     */
    public Map<String, Object> properties(String userKey) {
        String identity = identityOf(userKey);
        if (identity == null) {
            return deviceProperties(userKey.substring("device:".length()));
        }
        Map<String, Object> out = new HashMap<>();
        Map<String, Long> when = new HashMap<>();
        for (PropertySet p : history) {
            if (identity.equals(p.identity()) && p.time() >= when.getOrDefault(p.name(), Long.MIN_VALUE)) {
                out.put(p.name(), p.value());
                when.put(p.name(), p.time());
            }
        }
        for (Copy c : copied()) {
            if (identity.equals(c.set().identity()) && c.deviceSetTime() > when.getOrDefault(c.set().name(), Long.MIN_VALUE)) {
                out.put(c.set().name(), c.set().value());
                when.put(c.set().name(), c.deviceSetTime());
            }
        }
        out.putAll(userProperties.getOrDefault(identity, Map.of()));
        return out;
    }

    /** An anonymous device's properties: the latest of its own sets of each. */
    public Map<String, Object> deviceProperties(String device) {
        Map<String, Object> out = new HashMap<>();
        Map<String, Long> when = new HashMap<>();
        for (PropertySet p : history) {
            if (p.identity() == null && device.equals(p.device())
                    && p.time() >= when.getOrDefault(p.name(), Long.MIN_VALUE)) {
                out.put(p.name(), p.value());
                when.put(p.name(), p.time());
            }
        }
        return out;
    }

    /** One stored event; {@code url} and {@code referrer} as sent, {@code props} its event properties. */
    public record Ev(String kind, String name, String device, String identity, String session, long time, String path,
            String text, String hierarchy, String url, String referrer, Map<String, Object> props) {
    }

    /** A device linked to an identity from {@code validFrom} on (and, for its first link, before). */
    public record Link(String device, String identity, long validFrom, boolean undone) {
    }

    /** An event with a label or test: a name and a predicate. */
    public record Named(String label, Predicate<Ev> test) {
    }

    /** The events in [from, to) with their resolved user keys, in time order. */
    public List<Resolved> resolved(long from, long to) {
        List<Resolved> out = new ArrayList<>();
        for (Ev e : events) {
            if (e.time() >= from && e.time() < to) {
                out.add(new Resolved(e, userKey(e)));
            }
        }
        out.sort(Comparator.comparingLong(r -> r.ev().time()));
        return out;
    }

    /** An event and its user. */
    public record Resolved(Ev ev, String userKey) {
    }

    /**
     * The user of an event: its own identity; else the device's link covering its time (links of a device ordered
     * by time, each covering until the next, the first also covering everything before; an undone link covers
     * nothing but still ends its predecessor); else the device.
     */
    public String userKey(Ev e) {
        if (e.identity() != null) {
            return e.identity();
        }
        List<Link> mine = links.stream().filter(l -> l.device().equals(e.device()))
                .sorted(Comparator.comparingLong(Link::validFrom)).toList();
        for (int i = 0; i < mine.size(); i++) {
            long from = i == 0 ? Long.MIN_VALUE : mine.get(i).validFrom();
            long to = i + 1 < mine.size() ? mine.get(i + 1).validFrom() : Long.MAX_VALUE;
            if (e.time() >= from && e.time() < to) {
                return mine.get(i).undone() ? "device:" + e.device() : mine.get(i).identity();
            }
        }
        return "device:" + e.device();
    }

    /** The identity of a user key, or null for an anonymous device. */
    public static String identityOf(String userKey) {
        return userKey.startsWith("device:") ? null : userKey;
    }

    /**
     * The sessions of the range's events, each in time order: by session id, or for events without one, per user,
     * split where more than 30 minutes pass.
     */
    public List<List<Resolved>> sessions(long from, long to) {
        return sessions(from, to, user -> true);
    }

    /** {@link #sessions(long, long)} of the events of the users {@code keep} keeps only. */
    public List<List<Resolved>> sessions(long from, long to, Predicate<String> keep) {
        Map<String, List<Resolved>> out = new LinkedHashMap<>();
        Map<String, Long> lastLoose = new HashMap<>();
        Map<String, Integer> looseCount = new HashMap<>();
        for (Resolved r : resolved(from, to)) {
            if (!keep.test(r.userKey())) {
                continue;
            }
            String key;
            if (r.ev().session() != null) {
                key = "s:" + r.ev().session();
            } else {
                Long last = lastLoose.get(r.userKey());
                if (last == null || r.ev().time() - last > 30 * 60_000L) {
                    looseCount.merge(r.userKey(), 1, Integer::sum);
                }
                lastLoose.put(r.userKey(), r.ev().time());
                key = "u:" + r.userKey() + ":" + looseCount.get(r.userKey());
            }
            out.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        return new ArrayList<>(out.values());
    }

    /** The raw label of an event, as the paths analysis documents it. */
    public static String rawLabel(Ev e) {
        return switch (e.kind()) {
            case "pageview" -> e.path() == null ? "pageview" : "pageview " + e.path();
            case "custom" -> e.name();
            default -> {
                if (e.text() != null && !e.text().isEmpty()) {
                    yield e.kind() + " " + e.text();
                }
                String element = "";
                if (e.hierarchy() != null) {
                    String last = e.hierarchy().substring(e.hierarchy().lastIndexOf('|') + 1);
                    element = last.split("[\\[:]", -1)[0];
                    element = URLDecoder.decode(element, StandardCharsets.UTF_8);
                }
                yield element.isEmpty() ? e.kind() : e.kind() + " " + element;
            }
        };
    }
}
