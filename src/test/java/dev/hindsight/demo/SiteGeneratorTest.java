package dev.hindsight.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.define.HierarchyPattern;
import dev.hindsight.store.RawEvent;
import dev.hindsight.store.WriteOp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The synthetic shop: repeatable for a seed, and shaped like the tracker's traffic. */
class SiteGeneratorTest {
    private static final long FROM = 1_794_268_800_000L; // 2026-11-10T00:00:00Z
    private static final long TO = FROM + 30 * 86_400_000L;
    private static final SiteGenerator.Options OPTIONS = new SiteGenerator.Options(7, 42, FROM, TO, 30_000);
    private static final List<WriteOp> OPS = SiteGenerator.all(OPTIONS);
    private static final List<RawEvent> EVENTS = OPS.stream().filter(o -> o instanceof WriteOp.Append)
            .map(o -> ((WriteOp.Append) o).event()).toList();
    private static final long MIDPOINT = new SiteGenerator(OPTIONS).domChangeAt();

    // One level of the tracker's encoding: tag, #id, sorted classes, [name=value]s, :nth-child:nth-of-type.
    private static final String UNIT = "(?:[A-Za-z0-9_-]|%[0-9A-F]{2})";
    private static final Pattern LEVEL = Pattern.compile("[a-z][a-z0-9-]*(#" + UNIT + "+)?((?:\\." + UNIT
            + "+)*)((?:\\[" + UNIT + "+=" + UNIT + "*\\])*):[1-9][0-9]*:[1-9][0-9]*");
    private static final List<String> FIXED = List.of("name", "type", "role", "aria-label", "href", "title", "alt",
            "for", "placeholder");

    private static boolean isAddToCart(RawEvent e) {
        return e.kind().equals("click") && "Add to cart".equals(e.targetText());
    }

    @Test
    void theSameSeedGivesTheSameOpsAndAnotherSeedDoesNot() {
        assertThat(SiteGenerator.all(OPTIONS)).isEqualTo(OPS);
        List<WriteOp> other = SiteGenerator.all(new SiteGenerator.Options(7, 43, FROM, TO, 30_000));
        assertThat(other).isNotEqualTo(OPS);
    }

    @Test
    void chunksHoldAtMostTheChunkSizeAndTogetherAreTheWholeRun() {
        List<List<WriteOp>> chunks = new ArrayList<>();
        SiteGenerator.Counts counts = new SiteGenerator(OPTIONS).generate(1_000, chunks::add);
        assertThat(chunks).allSatisfy(c -> assertThat(c).hasSizeLessThanOrEqualTo(1_000));
        assertThat(chunks.stream().flatMap(List::stream).toList()).isEqualTo(OPS);
        assertThat(counts.events()).isEqualTo(30_000);
    }

    @Test
    void itMakesExactlyTheRequestedEventsInsideTheRangeWithUniqueIds() {
        assertThat(EVENTS).hasSize(30_000);
        assertThat(EVENTS).allSatisfy(e -> {
            assertThat(e.time()).isBetween(FROM, TO - 1);
            assertThat(e.envId()).isEqualTo(7);
        });
        assertThat(EVENTS.stream().map(RawEvent::eventId).distinct().count()).isEqualTo(30_000);
        // The traffic spreads over the whole range, not just its start.
        assertThat(EVENTS.stream().filter(e -> e.time() >= TO - 3 * 86_400_000L).count()).isGreaterThan(1_000);
    }

    @Test
    void itEmitsEveryTrackerKindWithTheTrackersProperties() {
        Map<String, Long> kinds = EVENTS.stream().collect(Collectors.groupingBy(RawEvent::kind, Collectors.counting()));
        assertThat(kinds).containsOnlyKeys("pageview", "click", "change", "submit", "custom");
        assertThat(EVENTS).filteredOn(e -> e.kind().equals("submit")).extracting(RawEvent::propertiesJson)
                .anyMatch(p -> p.contains("\"form_id\":\"checkout\""))
                .anyMatch(p -> p.contains("\"form_id\":\"signup\""))
                .allMatch(p -> p.contains("\"form_method\":\"post\""));
        assertThat(EVENTS).filteredOn(e -> e.kind().equals("change")).extracting(RawEvent::propertiesJson)
                .allMatch(p -> p.contains("\"field_name\":") && p.contains("\"field_type\":"));
        assertThat(EVENTS).filteredOn(e -> e.kind().equals("custom")).isNotEmpty().allSatisfy(e -> {
            assertThat(e.name()).isEqualTo(SiteGenerator.PURCHASE);
            assertThat(e.propertiesJson()).containsPattern("\"revenue\":[0-9]+\\.[0-9]{2},");
        });
        assertThat(EVENTS).filteredOn(e -> e.kind().equals("pageview")).allSatisfy(e -> {
            assertThat(e.hierarchy()).isNull();
            assertThat(e.url()).isEqualTo(SiteGenerator.ORIGIN + e.path() + (e.query() == null ? "" : "?" + e.query()));
        });
        assertThat(EVENTS).extracting(RawEvent::path).contains("/", "/pricing", "/checkout", "/signup", "/login")
                .anyMatch(p -> p.matches("/products/[0-9]+"));
        assertThat(EVENTS).extracting(RawEvent::referrer).contains("https://www.google.com/").containsNull();
        assertThat(EVENTS).extracting(RawEvent::query).anyMatch(q -> q != null && q.contains("utm_source=newsletter"));
    }

    @Test
    void hierarchiesUseTheTrackersEncodingWithSortedClassesAndAttributes() {
        List<String> hierarchies = EVENTS.stream().map(RawEvent::hierarchy).filter(h -> h != null).distinct().toList();
        assertThat(hierarchies).hasSizeGreaterThan(20);
        for (String h : hierarchies) {
            assertThat(h).startsWith("body:2:1|div#app:1:1|");
            for (String level : h.split("\\|")) {
                var m = LEVEL.matcher(level);
                assertThat(m.matches()).as(level + " in " + h).isTrue();
                List<String> classes = m.group(2).isEmpty() ? List.of()
                        : List.of(m.group(2).substring(1).split("\\."));
                assertThat(classes).as(level).isSorted();
                List<String> names = Pattern.compile("\\[([^=]+)=").matcher(m.group(3)).results()
                        .map(r -> r.group(1)).toList();
                List<String> fixed = names.stream().filter(FIXED::contains).toList();
                List<String> data = names.stream().filter(n -> n.startsWith("data-")).toList();
                assertThat(names).as(level).isEqualTo(concat(fixed, data));
                assertThat(fixed).as(level).isSortedAccordingTo(Comparator.comparingInt(FIXED::indexOf));
                assertThat(data).as(level).isSorted();
            }
        }
        assertThat(SiteGenerator.esc("/products/42")).isEqualTo("%2Fproducts%2F42");
        assertThat(SiteGenerator.esc("a.b é")).isEqualTo("a%2Eb%20%C3%A9");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void sessionsSplitOnThirtyMinutesOfInactivityAndCarryTheTrackersTimings() {
        Map<String, List<RawEvent>> bySession = EVENTS.stream()
                .collect(Collectors.groupingBy(RawEvent::sessionId, LinkedHashMap::new, Collectors.toList()));
        assertThat(bySession.size()).isGreaterThan(2_000);
        Map<String, List<List<RawEvent>>> byDevice = new HashMap<>();
        for (List<RawEvent> s : bySession.values()) {
            assertThat(s).extracting(RawEvent::deviceId).containsOnly(s.get(0).deviceId());
            assertThat(s.get(0).sessionMs()).isZero();
            assertThat(s.get(0).sincePrevMs()).isZero();
            for (int i = 1; i < s.size(); i++) {
                long gap = s.get(i).time() - s.get(i - 1).time();
                assertThat(gap).isPositive().isLessThan(SiteGenerator.SESSION_TIMEOUT_MS);
                assertThat(s.get(i).sincePrevMs()).isEqualTo(gap);
                assertThat(s.get(i).sessionMs()).isEqualTo(s.get(i).time() - s.get(0).time());
            }
            byDevice.computeIfAbsent(s.get(0).deviceId(), d -> new ArrayList<>()).add(s);
        }
        long returning = 0;
        for (List<List<RawEvent>> sessions : byDevice.values()) {
            for (int i = 1; i < sessions.size(); i++) {
                List<RawEvent> before = sessions.get(i - 1);
                assertThat(sessions.get(i).get(0).time() - before.get(before.size() - 1).time())
                        .isGreaterThan(SiteGenerator.SESSION_TIMEOUT_MS);
                returning++;
            }
        }
        assertThat(returning).as("devices with more than one session").isGreaterThan(500);
    }

    @Test
    void identifiesMergeDevicesIntoUsersAndSomeUsersComeBackOnASecondDevice() {
        List<WriteOp.Identify> identifies = OPS.stream().filter(o -> o instanceof WriteOp.Identify)
                .map(o -> (WriteOp.Identify) o).toList();
        assertThat(identifies).hasSizeGreaterThan(50);
        Map<String, Set<String>> devicesPerUser = identifies.stream().collect(Collectors.groupingBy(
                WriteOp.Identify::identity, Collectors.mapping(WriteOp.Identify::deviceId, Collectors.toSet())));
        assertThat(devicesPerUser.values()).anyMatch(d -> d.size() == 2);
        assertThat(devicesPerUser.values()).allMatch(d -> d.size() <= 2);
        // Signups set user properties; logins on the second device do not need to.
        assertThat(OPS).filteredOn(o -> o instanceof WriteOp.SetUserProperties).hasSize(devicesPerUser.size());

        // On each identified device: anonymous before the identify, the user's identity from then on.
        Map<String, WriteOp.Identify> byDevice = identifies.stream()
                .collect(Collectors.toMap(WriteOp.Identify::deviceId, i -> i));
        Set<String> anonymousFirst = new HashSet<>();
        for (RawEvent e : EVENTS) {
            WriteOp.Identify id = byDevice.get(e.deviceId());
            if (id == null) {
                assertThat(e.identity()).isNull();
            } else if (e.time() < id.at()) {
                assertThat(e.identity()).isNull();
                anonymousFirst.add(e.deviceId());
            } else {
                assertThat(e.identity()).isEqualTo(id.identity());
            }
        }
        assertThat(anonymousFirst).hasSize(byDevice.size());
        // Second devices log in first thing: a login form submit just before their identify.
        assertThat(EVENTS).filteredOn(e -> e.kind().equals("submit") && e.propertiesJson().contains("\"login\""))
                .hasSizeGreaterThanOrEqualTo((int) devicesPerUser.values().stream().filter(d -> d.size() == 2).count());
    }

    @Test
    void theAddToCartMarkupChangesAtTheMidpointSoTheOldSelectorStopsMatching() {
        HierarchyPattern old = HierarchyPattern.compile("div.product button.add-to-cart");
        HierarchyPattern redesigned = HierarchyPattern.compile("section.item button[data-action=add]");
        List<RawEvent> before = EVENTS.stream().filter(e -> isAddToCart(e) && e.time() < MIDPOINT).toList();
        List<RawEvent> after = EVENTS.stream().filter(e -> isAddToCart(e) && e.time() >= MIDPOINT).toList();
        assertThat(before).hasSizeGreaterThan(100);
        assertThat(after).hasSizeGreaterThan(100);
        assertThat(before).allSatisfy(e -> {
            assertThat(old.matches(e.hierarchy())).as(e.hierarchy()).isTrue();
            assertThat(redesigned.matches(e.hierarchy())).as(e.hierarchy()).isFalse();
            assertThat(e.path()).startsWith("/products/");
        });
        assertThat(after).allSatisfy(e -> {
            assertThat(old.matches(e.hierarchy())).as(e.hierarchy()).isFalse();
            assertThat(redesigned.matches(e.hierarchy())).as(e.hierarchy()).isTrue();
        });
        // Nothing else on the site matches either selector.
        assertThat(EVENTS).filteredOn(e -> e.hierarchy() != null && !isAddToCart(e))
                .noneMatch(e -> old.matches(e.hierarchy()) || redesigned.matches(e.hierarchy()));
        assertThat(MIDPOINT).isEqualTo(FROM + 15 * 86_400_000L);
    }

    @Test
    void fewerDevicesReachEachStepOfTheShoppingFunnel() {
        long viewed = devices(e -> e.kind().equals("pageview") && e.path().startsWith("/products/"));
        long carted = devices(SiteGeneratorTest::isAddToCart);
        long checkout = devices(e -> e.kind().equals("pageview") && e.path().equals("/checkout"));
        long submitted = devices(e -> e.kind().equals("submit") && e.propertiesJson().contains("\"checkout\""));
        long purchased = devices(e -> e.kind().equals("custom"));
        assertThat(List.of(viewed, carted, checkout, submitted)).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(viewed).isGreaterThan(carted);
        assertThat(carted).isGreaterThan(checkout);
        assertThat(checkout).isGreaterThan(submitted);
        // A purchase follows each checkout submit, unless the run's last event was that submit.
        assertThat(purchased).isPositive().isBetween(submitted - 1, submitted);
    }

    private static long devices(java.util.function.Predicate<RawEvent> p) {
        return EVENTS.stream().filter(p).map(RawEvent::deviceId).distinct().count();
    }
}
