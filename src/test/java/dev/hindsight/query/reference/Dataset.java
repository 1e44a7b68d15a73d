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
 * order they were made, each identity's user properties (their latest values), and the history of user property
 * sets in the order they were made. Times are distinct, so order never needs a tie-break.
 */
public record Dataset(List<Ev> events, List<Link> links, Map<String, Map<String, Object>> userProperties,
        List<PropertySet> history) {

    /** A dataset without a history of property sets. */
    public Dataset(List<Ev> events, List<Link> links, Map<String, Map<String, Object>> userProperties) {
        this(events, links, userProperties, List.of());
    }

    /** A user property set at {@code time}: to {@code identity}, or with a null identity to the anonymous device's. */
    public record PropertySet(String identity, String device, String name, Object value, long time) {
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
        Map<String, List<Resolved>> out = new LinkedHashMap<>();
        Map<String, Long> lastLoose = new HashMap<>();
        Map<String, Integer> looseCount = new HashMap<>();
        for (Resolved r : resolved(from, to)) {
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
