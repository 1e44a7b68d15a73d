package dev.hindsight.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link EventStore} backend must do, driven through the interface only. A backend's test extends
 * this and supplies {@link #newStore(Path)}; nothing here may depend on one backend's SQL or files.
 *
 * <p>Identity semantics: a device's first link covers its anonymous events from the beginning of time until
 * its next link; a later link covers them from its {@code validFrom}; an undone link covers nothing but still
 * ends its predecessor's span. Events carrying an identity belong to that identity only.
 */
public abstract class EventStoreContract {
    protected static final long ENV = 1;
    protected static final long OTHER_ENV = 2;
    /** 2024-06-01T00:00:00Z. */
    protected static final long T = 1_717_200_000_000L;

    @TempDir
    protected Path dir;
    protected EventStore store;

    /** A store over a fresh or (on reopening) existing data directory. */
    protected abstract EventStore newStore(Path dir);

    /** Closes a store made by {@link #newStore(Path)} and whatever it opened. */
    protected void closeStore(EventStore s) {
        s.close();
    }

    @BeforeEach
    void openStore() {
        store = newStore(dir);
    }

    @AfterEach
    void closeTheStore() {
        if (store != null) {
            closeStore(store);
        }
    }

    // ---- writing ------------------------------------------------------------------------------------------

    @Test
    void appendedEventIsReadBackWithEveryField() {
        RawEvent full = new RawEvent(ENV, UUID.randomUUID(), "click", "Clicked buy", "d1", "alice", "s1", T + 5,
                T + 3, T + 9, 1234L, 56L, "body|div#main.a.b|button:nth-child(2)", "Buy now", "/buy",
                "https://shop.example/p?q=1#top", "/p", "Product", "https://ref.example/", "q=1", "top", "Chrome",
                "126.0", "Linux", "6.1", "desktop", 1280, 800, "hindsight-js", "0.1.0", "browser", "203.0.113.0",
                "{\"plan\":\"pro\",\"n\":3,\"ok\":true}");
        RawEvent sparse = new RawEvent(ENV, UUID.randomUUID(), "custom", "Renewed", null, "alice", null, T + 4, null,
                T + 9, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, "server", null, "{}");

        store.write(List.of(new WriteOp.Append(full), new WriteOp.Append(sparse)));

        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(full, sparse);
    }

    @Test
    void writeReturnsWhetherEachOpChangedAnything() {
        boolean[] changed = store.write(List.of(
                new WriteOp.Append(anon(ENV, "d1", T)),
                new WriteOp.Identify(ENV, "d1", "alice", T + 1, "browser"),
                new WriteOp.Identify(ENV, "d1", "alice", T + 2, "browser"),
                new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), T + 3),
                new WriteOp.Identify(ENV, "d1", "bob", T + 4, "browser"),
                new WriteOp.UndoLink(ENV, 987_654_321L, T + 5)));

        assertThat(changed).containsExactly(true, true, false, true, true, false);
    }

    @Test
    void identifyRepeatingTheDevicesLatestLinkInALaterWriteChangesNothing() {
        assertThat(store.write(List.of(identify(ENV, "d1", "alice", T)))).containsExactly(true);
        assertThat(store.write(List.of(identify(ENV, "d1", "alice", T + 10)))).containsExactly(false);
        assertThat(store.write(List.of(identify(ENV, "d1", "bob", T + 20)))).containsExactly(true);
        assertThat(store.write(List.of(identify(ENV, "d1", "bob", T + 30)))).containsExactly(false);
        assertThat(store.write(List.of(identify(ENV, "d1", "alice", T + 40)))).containsExactly(true);

        assertThat(store.user(ENV, "alice").orElseThrow().merges()).extracting(IdentityLink::validFrom)
                .containsExactly(T, T + 40);
        assertThat(store.user(ENV, "bob").orElseThrow().merges()).extracting(IdentityLink::validFrom)
                .containsExactly(T + 20);
    }

    @Test
    void identifyRepeatingTheLatestLinkChangesNothingAfterReopening() {
        store.write(List.of(identify(ENV, "d1", "alice", T)));
        reopen();

        assertThat(store.write(List.of(identify(ENV, "d1", "alice", T + 10)))).containsExactly(false);
        assertThat(store.user(ENV, "alice").orElseThrow().merges()).hasSize(1);
    }

    @Test
    void undoingALinkChangesItOnce() {
        store.write(List.of(identify(ENV, "d1", "alice", T)));
        long id = onlyLink(ENV, "alice").id();

        assertThat(store.write(List.of(new WriteOp.UndoLink(ENV, id, T + 100)))).containsExactly(true);
        assertThat(store.write(List.of(new WriteOp.UndoLink(ENV, id, T + 200)))).containsExactly(false);

        assertThat(store.link(ENV, id).orElseThrow().undoneAt()).isEqualTo(T + 100);
    }

    @Test
    void repeatedIdentifyDoesNotRedoAnUndoneMergeButAnotherUserStillLinks() {
        store.write(List.of(identify(ENV, "d1", "alice", T)));
        store.write(List.of(new WriteOp.UndoLink(ENV, onlyLink(ENV, "alice").id(), T + 5)));

        assertThat(store.write(List.of(identify(ENV, "d1", "alice", T + 10)))).containsExactly(false);
        assertThat(store.user(ENV, "alice").orElseThrow().merges()).hasSize(1);
        assertThat(store.write(List.of(identify(ENV, "d1", "bob", T + 20)))).containsExactly(true);
        assertThat(store.user(ENV, "bob").orElseThrow().merges()).hasSize(1);
    }

    @Test
    void userPropertyWrittenLaterInTimeWinsEvenWhenItArrivesFirst() {
        store.write(List.of(new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), T + 10)));
        store.write(List.of(new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "free"), T)));

        assertThat(store.user(ENV, "alice").orElseThrow().properties()).containsEntry("plan", "pro");
    }

    @Test
    void failedWriteAppliesNoneOfItsOps() {
        RawEvent e = anon(ENV, "d1", T);
        // An identify without device or identity is one no store can record: the whole batch must fail.
        List<WriteOp> ops = List.of(new WriteOp.Append(e), identify(ENV, "d1", "alice", T + 1),
                new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), T + 2),
                new WriteOp.Identify(ENV, null, null, T + 3, "browser"));

        assertThatThrownBy(() -> store.write(ops)).isInstanceOf(RuntimeException.class);

        assertThat(store.countEvents(ENV)).isZero();
        assertThat(store.user(ENV, "alice")).isEmpty();
        List<UUID> recent = new ArrayList<>();
        store.forEachRecentEventId(0, (env, id) -> recent.add(id));
        assertThat(recent).isEmpty();
        // The store still works, and the failed identify left no trace that would make this one a repeat.
        assertThat(store.write(List.of(new WriteOp.Append(e), identify(ENV, "d1", "alice", T + 1))))
                .containsExactly(true, true);
        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(e);
    }

    @Test
    void aTimeTheStoreCannotHoldFailsTheWriteRatherThanWrappingToAnotherDate() {
        // -1e16 ms in microseconds is below Long.MIN_VALUE: multiplied unchecked, it became the year 269636.
        List<WriteOp> ops = List.of(new WriteOp.Append(event(ENV, "d1", "alice", -10_000_000_000_000_000L)),
                new WriteOp.Append(event(ENV, "d1", "alice", Long.MAX_VALUE / 1000 + 1)),
                new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), Long.MIN_VALUE),
                new WriteOp.Identify(ENV, "d1", "alice", -9_000_000_000_000_000_000L, "browser"));
        for (WriteOp op : ops) {
            assertThatThrownBy(() -> store.write(List.of(op))).as("%s", op).isInstanceOf(RuntimeException.class);
        }

        assertThat(store.countEvents(ENV)).isZero();
        assertThat(store.user(ENV, "alice")).isEmpty();
    }

    @Test
    void writesSurviveReopeningTheStore() {
        RawEvent e = anon(ENV, "d1", T);
        store.write(List.of(new WriteOp.Append(e), identify(ENV, "d1", "alice", T + 1),
                new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), T + 2)));

        reopen();

        assertThat(store.countEvents(ENV)).isEqualTo(1);
        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(e);
        assertThat(store.user(ENV, "alice").orElseThrow().properties()).containsEntry("plan", "pro");
    }

    // ---- identity resolution ------------------------------------------------------------------------------

    @Test
    void firstLinkGivesTheUserTheDevicesEarlierAndLaterAnonymousEvents() {
        RawEvent before = anon(ENV, "d1", T);
        RawEvent after = anon(ENV, "d1", T + 1_000_000);
        RawEvent otherDevice = anon(ENV, "d2", T + 10);
        store.write(List.of(new WriteOp.Append(before), new WriteOp.Append(otherDevice)));
        store.write(List.of(identify(ENV, "d1", "alice", T + 100)));
        store.write(List.of(new WriteOp.Append(after)));

        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(after, before);
    }

    @Test
    void identifyInTheSameWriteAsTheEventsCoversThem() {
        RawEvent e = anon(ENV, "d1", T);

        store.write(List.of(new WriteOp.Append(e), identify(ENV, "d1", "alice", T + 100)));

        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(e);
    }

    @Test
    void deviceIdentifiedAsBKeepsEarlierHistoryWithA() {
        RawEvent early = anon(ENV, "d1", T);
        RawEvent justBefore = anon(ENV, "d1", T + 999);
        RawEvent atB = anon(ENV, "d1", T + 1000);
        RawEvent late = anon(ENV, "d1", T + 2000);
        store.write(List.of(identify(ENV, "d1", "alice", T + 500), identify(ENV, "d1", "bob", T + 1000),
                new WriteOp.Append(early), new WriteOp.Append(justBefore), new WriteOp.Append(atB),
                new WriteOp.Append(late)));

        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(justBefore, early);
        assertThat(store.userEvents(ENV, "bob", null, 10).events()).containsExactly(late, atB);
    }

    @Test
    void eventsCarryingAnIdentityBelongOnlyToThatIdentity() {
        RawEvent anon = anon(ENV, "d1", T + 10);
        RawEvent bobs = event(ENV, "d1", "bob", T + 20);
        store.write(List.of(identify(ENV, "d1", "alice", T), new WriteOp.Append(anon), new WriteOp.Append(bobs)));

        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(anon);
        assertThat(store.userEvents(ENV, "bob", null, 10).events()).containsExactly(bobs);
    }

    @Test
    void undoneLinkAttributesNothingAndStillEndsItsPredecessorsSpan() {
        RawEvent a = anon(ENV, "d1", T + 10);
        RawEvent b = anon(ENV, "d1", T + 110);
        RawEvent c = anon(ENV, "d1", T + 210);
        RawEvent sentAsBob = event(ENV, "d1", "bob", T + 120);
        store.write(List.of(identify(ENV, "d1", "alice", T), identify(ENV, "d1", "bob", T + 100),
                identify(ENV, "d1", "carol", T + 200), new WriteOp.Append(a), new WriteOp.Append(b),
                new WriteOp.Append(c), new WriteOp.Append(sentAsBob)));

        store.write(List.of(new WriteOp.UndoLink(ENV, onlyLink(ENV, "bob").id(), T + 300)));

        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(a);
        assertThat(store.userEvents(ENV, "bob", null, 10).events()).containsExactly(sentAsBob);
        assertThat(store.userEvents(ENV, "carol", null, 10).events()).containsExactly(c);
    }

    @Test
    void undoneFirstLinkDoesNotHandItsEventsToTheNextLink() {
        RawEvent early = anon(ENV, "d1", T - 1000);
        RawEvent during = anon(ENV, "d1", T + 10);
        RawEvent afterB = anon(ENV, "d1", T + 110);
        store.write(List.of(identify(ENV, "d1", "alice", T), identify(ENV, "d1", "bob", T + 100),
                new WriteOp.Append(early), new WriteOp.Append(during), new WriteOp.Append(afterB)));

        store.write(List.of(new WriteOp.UndoLink(ENV, onlyLink(ENV, "alice").id(), T + 300)));

        assertThat(store.userEvents(ENV, "alice", null, 10).events()).isEmpty();
        assertThat(store.userEvents(ENV, "bob", null, 10).events()).containsExactly(afterB);
    }

    // ---- users --------------------------------------------------------------------------------------------

    @Test
    void unknownUserIsEmpty() {
        store.write(List.of(new WriteOp.Append(anon(ENV, "d1", T))));

        assertThat(store.user(ENV, "nobody")).isEmpty();
    }

    @Test
    void userPropertiesKeepTheLastWritePerKeyWithTheirTypes() {
        Map<String, Object> first = new LinkedHashMap<>();
        first.put("plan", "free");
        first.put("seats", 1);
        first.put("email", "a@example.com");
        Map<String, Object> second = new LinkedHashMap<>();
        second.put("plan", "pro");
        second.put("admin", true);
        Map<String, Object> third = new LinkedHashMap<>();
        third.put("seats", 12.5);
        store.write(List.of(new WriteOp.SetUserProperties(ENV, "alice", first, T)));
        // Two writes of the same key in one batch: the later op wins.
        store.write(List.of(new WriteOp.SetUserProperties(ENV, "alice", second, T + 1),
                new WriteOp.SetUserProperties(ENV, "alice", third, T + 2)));

        Map<String, Object> props = store.user(ENV, "alice").orElseThrow().properties();

        assertThat(props).containsOnlyKeys("plan", "seats", "email", "admin");
        assertThat(props.get("plan")).isEqualTo("pro");
        assertThat(props.get("email")).isEqualTo("a@example.com");
        assertThat(props.get("admin")).isEqualTo(true);
        assertThat(props.get("seats")).isInstanceOf(Number.class);
        assertThat(((Number) props.get("seats")).doubleValue()).isEqualTo(12.5);
    }

    @Test
    void identifyAndPropertiesOfANewUserInOneWriteBothApply() {
        // What POST /api/identify submits: a link and the traits of a user the store has not seen.
        boolean[] changed = store.write(List.of(identify(ENV, "d1", "alice", T),
                new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), T)));

        assertThat(changed).containsExactly(true, true);
        UserProfile u = store.user(ENV, "alice").orElseThrow();
        assertThat(u.properties()).containsEntry("plan", "pro");
        assertThat(u.merges()).hasSize(1);
    }

    @Test
    void firstAndLastSeenSpanTheMergedStream() {
        store.write(List.of(new WriteOp.Append(anon(ENV, "d1", T - 5000)), identify(ENV, "d1", "alice", T),
                new WriteOp.Append(event(ENV, null, "alice", T + 100)), new WriteOp.Append(anon(ENV, "d1", T + 7000)),
                new WriteOp.Append(anon(ENV, "d2", T - 90_000)),
                new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), T + 99_000)));

        UserProfile u = store.user(ENV, "alice").orElseThrow();

        assertThat(u.identity()).isEqualTo("alice");
        assertThat(u.firstSeen()).isEqualTo(T - 5000);
        assertThat(u.lastSeen()).isEqualTo(T + 7000);
    }

    @Test
    void userWithoutEventsIsSeenWhenItWasWritten() {
        store.write(List.of(new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "free"), T + 10)));
        store.write(List.of(new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), T + 20)));

        UserProfile u = store.user(ENV, "alice").orElseThrow();

        assertThat(u.firstSeen()).isEqualTo(T + 10);
        assertThat(u.lastSeen()).isEqualTo(T + 20);
        assertThat(u.devices()).isEmpty();
        assertThat(u.merges()).isEmpty();
    }

    @Test
    void userWhoseEventsHaveNoDeviceHasAProfileWithoutDevices() {
        store.write(List.of(new WriteOp.Append(event(ENV, null, "alice", T)),
                new WriteOp.Append(event(ENV, null, "alice", T + 50))));

        UserProfile u = store.user(ENV, "alice").orElseThrow();

        assertThat(u.devices()).isEmpty();
        assertThat(u.firstSeen()).isEqualTo(T);
        assertThat(u.lastSeen()).isEqualTo(T + 50);
    }

    @Test
    void userListsMergedDevicesAndEveryMergeIncludingUndoneOnes() {
        store.write(List.of(identify(ENV, "phone", "alice", T), identify(ENV, "laptop", "alice", T + 10),
                identify(ENV, "kiosk", "alice", T + 20), new WriteOp.Append(event(ENV, "tablet", "alice", T + 30))));
        long kiosk = store.user(ENV, "alice").orElseThrow().merges().get(2).id();
        store.write(List.of(new WriteOp.UndoLink(ENV, kiosk, T + 40)));

        UserProfile u = store.user(ENV, "alice").orElseThrow();

        assertThat(u.devices()).containsExactlyInAnyOrder("phone", "laptop", "tablet");
        assertThat(u.merges()).extracting(IdentityLink::deviceId).containsExactly("phone", "laptop", "kiosk");
        assertThat(u.merges().get(2).undoneAt()).isEqualTo(T + 40);
        assertThat(u.merges().get(0).undoneAt()).isNull();
    }

    // ---- links --------------------------------------------------------------------------------------------

    @Test
    void linkIsFoundByIdWithinItsEnvironment() {
        store.write(List.of(new WriteOp.Identify(ENV, "d1", "alice", T, "server")));
        long id = onlyLink(ENV, "alice").id();

        IdentityLink l = store.link(ENV, id).orElseThrow();

        assertThat(l.id()).isEqualTo(id);
        assertThat(l.envId()).isEqualTo(ENV);
        assertThat(l.deviceId()).isEqualTo("d1");
        assertThat(l.identity()).isEqualTo("alice");
        assertThat(l.validFrom()).isEqualTo(T);
        assertThat(l.undoneAt()).isNull();
        assertThat(l.source()).isEqualTo("server");
        assertThat(store.link(OTHER_ENV, id)).isEmpty();
        assertThat(store.link(ENV, id + 1_000_000)).isEmpty();
    }

    @Test
    void undoingAnotherEnvironmentsLinkChangesNothing() {
        store.write(List.of(identify(ENV, "d1", "alice", T), new WriteOp.Append(anon(ENV, "d1", T + 1))));
        long id = onlyLink(ENV, "alice").id();

        assertThat(store.write(List.of(new WriteOp.UndoLink(OTHER_ENV, id, T + 5)))).containsExactly(false);

        assertThat(store.link(ENV, id).orElseThrow().undoneAt()).isNull();
        assertThat(store.userEvents(ENV, "alice", null, 10).events()).hasSize(1);
    }

    // ---- paging -------------------------------------------------------------------------------------------

    @Test
    void userEventsPageThroughTheMergedStreamNewestFirstEachEventOnce() {
        List<WriteOp> ops = new ArrayList<>();
        Map<UUID, Long> times = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            // Groups of five events share a millisecond, so pages split inside ties.
            RawEvent e = i % 2 == 0 ? anon(ENV, "d1", T + (i / 5)) : event(ENV, null, "alice", T + (i / 5));
            times.put(e.eventId(), e.time());
            ops.add(new WriteOp.Append(e));
        }
        ops.add(new WriteOp.Append(anon(ENV, "d2", T + 3)));
        ops.add(identify(ENV, "d1", "alice", T + 1000));
        store.write(ops);

        List<UUID> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            EventPage page = store.userEvents(ENV, "alice", cursor, 7);
            assertThat(page.events().size()).isLessThanOrEqualTo(7);
            page.events().forEach(e -> seen.add(e.eventId()));
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null && pages < 100);

        assertThat(seen).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(times.keySet());
        for (int i = 1; i < seen.size(); i++) {
            assertThat(times.get(seen.get(i))).isLessThanOrEqualTo(times.get(seen.get(i - 1)));
        }
        assertThat(pages).isEqualTo(9);
        assertThat(store.userEvents(ENV, "alice", null, 100).events()).extracting(RawEvent::eventId)
                .isEqualTo(seen);
    }

    @Test
    void pageThatEndsTheStreamHasNoCursor() {
        store.write(List.of(new WriteOp.Append(event(ENV, null, "alice", T)),
                new WriteOp.Append(event(ENV, null, "alice", T + 1))));

        assertThat(store.userEvents(ENV, "alice", null, 2).nextCursor()).isNull();
        EventPage first = store.userEvents(ENV, "alice", null, 1);
        assertThat(first.nextCursor()).isNotNull();
        assertThat(store.userEvents(ENV, "alice", first.nextCursor(), 1).nextCursor()).isNull();
        assertThat(store.userEvents(ENV, "nobody", null, 5)).isEqualTo(new EventPage(List.of(), null));
    }

    @Test
    void cursorThatIsNotTheStoresIsRejectedAsAnIllegalArgument() {
        assertThatThrownBy(() -> store.userEvents(ENV, "alice", "garbage!", 5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- counts and recent ids ----------------------------------------------------------------------------

    @Test
    void countEventsCountsOneEnvironment() {
        store.write(List.of(new WriteOp.Append(anon(ENV, "d1", T)), new WriteOp.Append(anon(ENV, "d1", T)),
                new WriteOp.Append(anon(OTHER_ENV, "d1", T)), identify(ENV, "d1", "alice", T)));

        assertThat(store.countEvents(ENV)).isEqualTo(2);
        assertThat(store.countEvents(OTHER_ENV)).isEqualTo(1);
        assertThat(store.countEvents(99)).isZero();
    }

    @Test
    void recentEventIdsAreThoseReceivedSinceTheGivenMoment() {
        RawEvent old = received(anon(ENV, "d1", T), T + 1000);
        RawEvent edge = received(anon(ENV, "d1", T), T + 2000);
        RawEvent fresh = received(anon(OTHER_ENV, "d1", T), T + 3000);
        store.write(List.of(new WriteOp.Append(old), new WriteOp.Append(edge), new WriteOp.Append(fresh)));

        Map<UUID, Long> seen = new HashMap<>();
        store.forEachRecentEventId(T + 2000, (env, id) -> seen.put(id, env));

        assertThat(seen).containsOnly(Map.entry(edge.eventId(), ENV), Map.entry(fresh.eventId(), OTHER_ENV));
    }

    // ---- environments -------------------------------------------------------------------------------------

    @Test
    void environmentsShareNoEventsLinksOrProperties() {
        RawEvent devAnon = anon(ENV, "d1", T);
        RawEvent otherAnon = anon(OTHER_ENV, "d1", T);
        RawEvent otherTracked = event(OTHER_ENV, null, "alice", T + 5);
        store.write(List.of(new WriteOp.Append(devAnon), new WriteOp.Append(otherAnon),
                new WriteOp.Append(otherTracked), identify(ENV, "d1", "alice", T + 1),
                new WriteOp.SetUserProperties(ENV, "alice", Map.of("plan", "pro"), T),
                new WriteOp.SetUserProperties(ENV, "bob", Map.of("plan", "pro"), T)));

        assertThat(store.userEvents(ENV, "alice", null, 10).events()).containsExactly(devAnon);
        assertThat(store.userEvents(OTHER_ENV, "alice", null, 10).events()).containsExactly(otherTracked);
        UserProfile other = store.user(OTHER_ENV, "alice").orElseThrow();
        assertThat(other.merges()).isEmpty();
        assertThat(other.properties()).isEmpty();
        assertThat(other.devices()).isEmpty();
        assertThat(store.user(OTHER_ENV, "bob")).isEmpty();
    }

    @Test
    void aLinkInOneEnvironmentDoesNotMakeTheSameIdentifyARepeatInTheOther() {
        assertThat(store.write(List.of(identify(ENV, "d1", "alice", T), identify(OTHER_ENV, "d1", "alice", T))))
                .containsExactly(true, true);
        store.write(List.of(new WriteOp.UndoLink(ENV, onlyLink(ENV, "alice").id(), T + 1)));

        assertThat(store.write(List.of(identify(OTHER_ENV, "d1", "alice", T + 2)))).containsExactly(false);
        assertThat(onlyLink(OTHER_ENV, "alice").undoneAt()).isNull();
    }

    @Test
    void openStoreSaysSo() {
        assertThat(store.isOpen()).isTrue();
        assertThat(store.sizeBytes()).isNotNegative();
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** Closes the store and opens a new one over the same directory. */
    protected void reopen() {
        closeStore(store);
        store = null;
        store = newStore(dir);
    }

    protected IdentityLink onlyLink(long env, String identity) {
        List<IdentityLink> merges = store.user(env, identity).orElseThrow().merges();
        assertThat(merges).hasSize(1);
        return merges.get(0);
    }

    protected static WriteOp.Identify identify(long env, String device, String identity, long at) {
        return new WriteOp.Identify(env, device, identity, at, "browser");
    }

    protected static RawEvent anon(long env, String device, long time) {
        return event(env, device, null, time);
    }

    protected static RawEvent event(long env, String device, String identity, long time) {
        return new RawEvent(env, UUID.randomUUID(), "pageview", null, device, identity, "s", time, time, time + 1,
                null, null, null, null, null, "https://shop.example/", "/", null, null, null, null, null, null, null,
                null, null, null, null, null, null, "browser", null, "{}");
    }

    protected static RawEvent received(RawEvent e, long receivedAt) {
        return new RawEvent(e.envId(), e.eventId(), e.kind(), e.name(), e.deviceId(), e.identity(), e.sessionId(),
                e.time(), e.clientTime(), receivedAt, e.sessionMs(), e.sincePrevMs(), e.hierarchy(), e.targetText(),
                e.href(), e.url(), e.path(), e.title(), e.referrer(), e.query(), e.hash(), e.browser(),
                e.browserVersion(), e.os(), e.osVersion(), e.deviceType(), e.viewportWidth(), e.viewportHeight(),
                e.library(), e.libraryVersion(), e.source(), e.ip(), e.propertiesJson());
    }

    static Set<UUID> ids(List<RawEvent> events) {
        Set<UUID> out = new HashSet<>();
        events.forEach(e -> out.add(e.eventId()));
        return out;
    }
}
