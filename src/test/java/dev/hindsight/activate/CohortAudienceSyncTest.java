package dev.hindsight.activate;

import static dev.hindsight.activate.ActivationHttp.json;
import static dev.hindsight.activate.ActivationHttp.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.TestServer;
import dev.hindsight.activate.destination.Pii;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cohort syncs to Meta Custom Audiences and HubSpot lists, over HTTP against stand-ins that enforce the platforms'
 * rules: hashed emails (or the hashed identity) to Meta, emails to HubSpot, only the diff, and never an anonymous
 * device.
 */
class CohortAudienceSyncTest {
    private static TestServer s;

    @BeforeAll
    static void start() {
        s = TestServer.start();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aMetaSyncSendsHashedEmailsOrTheHashedIdentityRemovesWhoLeftAndNeverSendsAnonymousDevices() {
        long now = System.currentTimeMillis();
        // ann and bob have emails (ann's untidy), cid has none; two anonymous devices, one with an email of its own.
        track("m-ann", "meta_visit", now - 60_000);
        track("m-bob", "meta_visit", now - 60_000);
        track("m-cid", "meta_visit", now - 60_000);
        setProps("m-ann", Map.of("email", " Ann@Example.com ", "meta_member", "yes"));
        setProps("m-bob", Map.of("email", "bob@example.com", "meta_member", "yes"));
        setProps("m-cid", Map.of("meta_member", "yes"));
        anonymous("m-dev-1", "meta_visit", now - 60_000, Map.of("meta_member", "yes"));
        anonymous("m-dev-2", "meta_visit", now - 60_000, Map.of("meta_member", "yes", "email", "anon@example.com"));
        long cohort = memberCohort("Meta audience", "meta_visit", "meta_member");

        try (MetaStandIn meta = new MetaStandIn(Clock.systemUTC(), "px1", "EAAaudience").audience("23850001")) {
            long dest = destination("meta", map("base_url", meta.baseUrl(), "api_version", "21.0", "pixel_id", "px1",
                    "access_token", "EAAaudience"));
            long sync = sync(cohort, dest, "23850001");

            JsonNode first = run(sync);
            assertThat(first.get("status").asText()).as(first.toString()).isEqualTo("delivered");
            assertThat(first.get("joined").asInt()).as("the cohort itself has the 5 members").isEqualTo(5);
            // Only the three identified members were sent: emails hashed after normalising, cid by its identity.
            assertThat(meta.sent("POST", "EMAIL_SHA256")).containsExactlyInAnyOrder(
                    Pii.sha256Hex("ann@example.com"), Pii.sha256Hex("bob@example.com"));
            assertThat(meta.sent("POST", "EXTERN_ID")).containsExactly(Pii.sha256Hex("m-cid"));
            assertThat(meta.audienceRequests).allSatisfy(r -> assertThat(r.audienceId()).isEqualTo("23850001"));
            assertThat(meta.audienceRequests).extracting(MetaStandIn.AudienceRequest::method).containsOnly("POST");
            assertThat(meta.received).allSatisfy(r -> {
                assertThat(r.path()).isEqualTo("/v21.0/23850001/users");
                assertThat(r.body()).doesNotContain("anon@example.com", Pii.sha256Hex("anon@example.com"),
                        "ann@example.com", "m-dev");
            });
            assertThat(meta.audienceMembers.get("23850001")).containsExactlyInAnyOrder(
                    "EMAIL_SHA256:" + Pii.sha256Hex("ann@example.com"), "EMAIL_SHA256:" + Pii.sha256Hex("bob@example.com"),
                    "EXTERN_ID:" + Pii.sha256Hex("m-cid"));

            // bob leaves: one DELETE with his hashed email, nothing added.
            setProps("m-bob", Map.of("meta_member", "no"));
            int before = meta.audienceRequests.size();
            JsonNode second = run(sync);
            assertThat(second.get("status").asText()).as(second.toString()).isEqualTo("delivered");
            assertThat(second.get("joined").asInt()).isZero();
            assertThat(second.get("left").asInt()).isEqualTo(1);
            assertThat(meta.audienceRequests).hasSize(before + 1);
            assertThat(meta.sent("DELETE", "EMAIL_SHA256")).containsExactly(Pii.sha256Hex("bob@example.com"));
            assertThat(meta.sent("DELETE", "EXTERN_ID")).isEmpty();
            assertThat(meta.audienceMembers.get("23850001")).containsExactlyInAnyOrder(
                    "EMAIL_SHA256:" + Pii.sha256Hex("ann@example.com"), "EXTERN_ID:" + Pii.sha256Hex("m-cid"));

            // An anonymous device leaving sends nothing either.
            anonymous("m-dev-2", "meta_visit", now - 50_000, Map.of("meta_member", "no"));
            int requests = meta.received.size();
            JsonNode third = run(sync);
            assertThat(third.get("status").asText()).as(third.toString()).isEqualTo("delivered");
            assertThat(third.get("left").asInt()).isEqualTo(1);
            assertThat(meta.received).hasSize(requests);
        }
    }

    @Test
    void metaRefusesAWrongTokenAndTheRunFailsWithoutMovingTheBaseline() {
        long now = System.currentTimeMillis();
        track("t-ann", "token_visit", now - 60_000);
        setProps("t-ann", Map.of("email", "t-ann@example.com", "token_member", "yes"));
        long cohort = memberCohort("Token audience", "token_visit", "token_member");
        try (MetaStandIn meta = new MetaStandIn(Clock.systemUTC(), "px1", "EAAright").audience("777")) {
            long dest = destination("meta", map("base_url", meta.baseUrl(), "pixel_id", "px1",
                    "access_token", "EAAwrong"));
            long sync = sync(cohort, dest, "777");
            JsonNode failed = run(sync);
            assertThat(failed.get("status").asText()).isEqualTo("failed");
            assertThat(failed.get("answer_status").asInt()).isEqualTo(400);
            assertThat(failed.get("reason").asText()).contains("Invalid OAuth access token");
            assertThat(meta.audienceRequests).isEmpty();
            assertThat(admin("GET", env("/cohort-syncs/" + sync), null).json().get("members_synced").asInt()).isZero();
        }
    }

    @Test
    void aMetaSyncOfMoreThanTenThousandMembersIsSplitIntoRequestsMetaAccepts() {
        long now = System.currentTimeMillis();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10_005; i++) {
            ids.add("big-" + i);
        }
        for (int i = 0; i < ids.size(); i += 1000) {
            List<Map<String, Object>> events = new ArrayList<>();
            for (String id : ids.subList(i, Math.min(ids.size(), i + 1000))) {
                events.add(map("identity", id, "event", "big_visit", "timestamp", now - 60_000));
            }
            TestServer.Response r = s.post("/api/track", json(map("app_id", s.dev().appId(), "events", events)),
                    TestServer.bearer(s.dev().secretKey()));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
        }
        long cohort = admin("POST", "/api/cohorts", map("app_id", s.dev().appId(), "name", "Big",
                "definition", map("type", "static", "identities", ids))).json().get("id").asLong();
        try (MetaStandIn meta = new MetaStandIn(Clock.systemUTC(), "px1", "EAAbig").audience("888")) {
            long dest = destination("meta", map("base_url", meta.baseUrl(), "pixel_id", "px1",
                    "access_token", "EAAbig"));
            long sync = sync(cohort, dest, "888");
            JsonNode r = run(sync);
            assertThat(r.get("status").asText()).as(r.toString()).isEqualTo("delivered");
            assertThat(meta.audienceRequests).allSatisfy(q -> assertThat(q.rows()).hasSizeLessThanOrEqualTo(10_000));
            assertThat(meta.sent("POST", "EXTERN_ID")).hasSize(10_005).doesNotHaveDuplicates()
                    .contains(Pii.sha256Hex("big-0"), Pii.sha256Hex("big-10004"));
        }
    }

    @Test
    void aHubSpotSyncUpsertsContactsByEmailThenAddsAndRemovesThemByRecordIdAndSkipsThoseWithout() {
        long now = System.currentTimeMillis();
        track("h-ann", "hub_visit", now - 60_000);
        track("h-bob", "hub_visit", now - 60_000);
        track("h-cid", "hub_visit", now - 60_000);
        setProps("h-ann", Map.of("email", " Ann@Example.com ", "hub_member", "yes"));
        setProps("h-bob", Map.of("email", "h-bob@example.com", "hub_member", "yes"));
        setProps("h-cid", Map.of("hub_member", "yes"));
        anonymous("h-dev-1", "hub_visit", now - 60_000, Map.of("hub_member", "yes"));
        anonymous("h-dev-2", "hub_visit", now - 60_000, Map.of("hub_member", "yes", "email", "h-anon@example.com"));
        long cohort = memberCohort("HubSpot list", "hub_visit", "hub_member");

        try (HubSpotStandIn hub = new HubSpotStandIn(Clock.systemUTC(), "pat-na1-list", Map.of()).list("4242")) {
            // bob is a contact already: the upsert finds him rather than making another.
            hub.contacts.put("h-bob@example.com", "777");
            long dest = destination("hubspot", map("base_url", hub.baseUrl(), "access_token", "pat-na1-list"));
            long sync = sync(cohort, dest, "4242");

            JsonNode first = run(sync);
            assertThat(first.get("status").asText()).as(first.toString()).isEqualTo("delivered");
            assertThat(first.get("joined").asInt()).isEqualTo(5);
            // One upsert of the identified members with an email, normalised; then the list add by record id.
            assertThat(hub.received).extracting(StandIn.Received::path).containsExactly(
                    "/crm/v3/objects/contacts/batch/upsert", "/crm/v3/lists/4242/memberships/add");
            assertThat(hub.received).allSatisfy(r ->
                    assertThat(r.headers().get("Authorization")).isEqualTo("Bearer pat-na1-list"));
            JsonNode upsert = hub.received.getFirst().json();
            List<String> upserted = new java.util.ArrayList<>();
            upsert.get("inputs").forEach(i -> {
                assertThat(i.get("idProperty").asText()).isEqualTo("email");
                upserted.add(i.get("id").asText());
            });
            assertThat(upserted).containsExactlyInAnyOrder("ann@example.com", "h-bob@example.com");
            String ann = hub.contacts.get("ann@example.com");
            assertThat(hub.sent("add")).containsExactlyInAnyOrder(ann, "777");
            assertThat(hub.sent("remove")).isEmpty();
            assertThat(hub.listMembers.get("4242")).containsExactlyInAnyOrder(ann, "777");
            // The record ids HubSpot answered come back as a trait of each user.
            assertThat(admin("GET", "/api/users/h-ann?app_id=" + s.dev().appId(), null).json().path("properties")
                    .path("hs_hubspot_contact_id").asText()).isEqualTo(ann);

            // The baseline keeps no email or phone, only their hashes and the record ids.
            String baseline = baseline(sync);
            assertThat(baseline).doesNotContain("example.com").contains(Pii.hashEmail("ann@example.com"))
                    .contains("\"record_id\":\"777\"");

            // bob and cid leave: bob is removed by his record id, with no upsert; cid (no contact) is not sent.
            setProps("h-bob", Map.of("hub_member", "no"));
            setProps("h-cid", Map.of("hub_member", "no"));
            JsonNode second = run(sync);
            assertThat(second.get("status").asText()).as(second.toString()).isEqualTo("delivered");
            assertThat(second.get("left").asInt()).isEqualTo(2);
            assertThat(hub.sent("remove")).containsExactly("777");
            assertThat(hub.received).extracting(StandIn.Received::path).hasSize(3);
            assertThat(hub.received.getLast().path()).isEqualTo("/crm/v3/lists/4242/memberships/remove");
            assertThat(hub.listMembers.get("4242")).containsExactly(ann);
        }
    }

    @Test
    void aSyncToADestinationRequiringConsentSendsOnlyMembersWhoGrantedItAndRemovesOneWhoWithdrawsIt() {
        long now = System.currentTimeMillis();
        track("c-ann", "consent_visit", now - 60_000);
        track("c-bob", "consent_visit", now - 60_000);
        setProps("c-ann", Map.of("email", "c-ann@example.com", "consent_member", "yes", "consents", "analytics,ads"));
        setProps("c-bob", Map.of("email", "c-bob@example.com", "consent_member", "yes", "consents", "analytics"));
        long cohort = memberCohort("Consented audience", "consent_visit", "consent_member");

        try (MetaStandIn meta = new MetaStandIn(Clock.systemUTC(), "px3", "EAAconsent").audience("23850003")) {
            TestServer.Response d = admin("POST", env("/destinations"), map("name", "meta consented " + System.nanoTime(),
                    "kind", "meta", "settings", map("base_url", meta.baseUrl(), "api_version", "21.0", "pixel_id",
                            "px3", "access_token", "EAAconsent"), "mapping", map(), "required_consent", "ads"));
            assertThat(d.status()).as(d.body()).isEqualTo(201);
            long sync = sync(cohort, d.json().get("id").asLong(), "23850003");

            JsonNode first = run(sync);
            assertThat(first.get("status").asText()).as(first.toString()).isEqualTo("delivered");
            assertThat(first.get("joined").asInt()).as("only ann granted ads").isEqualTo(1);
            assertThat(meta.sent("POST", "EMAIL_SHA256")).containsExactly(Pii.sha256Hex("c-ann@example.com"));
            assertThat(String.join("", meta.received.stream().map(StandIn.Received::body).toList()))
                    .doesNotContain(Pii.sha256Hex("c-bob@example.com"));

            // ann withdraws her consent: she leaves the audience though still in the cohort.
            setProps("c-ann", Map.of("consents", "analytics"));
            JsonNode second = run(sync);
            assertThat(second.get("left").asInt()).isEqualTo(1);
            assertThat(meta.sent("DELETE", "EMAIL_SHA256")).containsExactly(Pii.sha256Hex("c-ann@example.com"));
            assertThat(meta.audienceMembers.get("23850003")).isEmpty();
        }
    }

    @Test
    void aGoogleAdsSyncRunsACustomerMatchJobOfHashedIdentifiersThenAJobOfRemovals() {
        long now = System.currentTimeMillis();
        track("g-ann", "gads_visit", now - 60_000);
        track("g-bob", "gads_visit", now - 60_000);
        track("g-cid", "gads_visit", now - 60_000);
        setProps("g-ann", Map.of("email", " G-Ann@Example.com ", "phone", "+1 (415) 555-0100", "gads_member", "yes"));
        setProps("g-bob", Map.of("email", "g-bob@example.com", "gads_member", "yes"));
        setProps("g-cid", Map.of("gads_member", "yes"));
        anonymous("g-dev-1", "gads_visit", now - 60_000, Map.of("gads_member", "yes", "email", "g-anon@example.com"));
        long cohort = memberCohort("Google Ads list", "gads_visit", "gads_member");

        try (GoogleAdsStandIn ads = new GoogleAdsStandIn(Clock.systemUTC(), "ya29.token", "devtok123", "1234567890")
                .userList("555")) {
            // A Google Ads destination takes audiences only: a mapping of events is refused, naming it.
            TestServer.Response mapped = admin("POST", env("/destinations"), map("name", "ads with events", "kind",
                    "google_ads", "settings", map("customer_id", "123-456-7890", "developer_token", "devtok123",
                            "access_token", "ya29.token"), "mapping", map("purchase", map("name", "Purchase"))));
            assertThat(mapped.status()).isEqualTo(400);
            assertThat(mapped.json().get("errors").get(0).get("field").asText()).isEqualTo("mapping");

            long dest = destination("google_ads", map("base_url", ads.baseUrl(), "api_version", "21",
                    "customer_id", "123-456-7890", "developer_token", "devtok123", "access_token", "ya29.token"));
            // The destination answers with its secrets masked.
            assertThat(admin("GET", env("/destinations/" + dest), null).body()).doesNotContain("devtok123", "ya29.token");
            TestServer.Response noList = admin("POST", env("/cohort-syncs"), map("cohort_id", cohort, "destination_id",
                    dest, "audience_id", "not-a-list"));
            assertThat(noList.status()).isEqualTo(400);
            assertThat(noList.body()).contains("audience_id");
            long sync = sync(cohort, dest, "555");

            JsonNode first = run(sync);
            assertThat(first.get("status").asText()).as(first.toString()).isEqualTo("delivered");
            // One job: created for the list, one create operation per member with an email or phone, then run.
            assertThat(ads.received).extracting(StandIn.Received::path).containsExactly(
                    "/v21/customers/1234567890/offlineUserDataJobs:create",
                    "/v21/customers/1234567890/offlineUserDataJobs/9001:addOperations",
                    "/v21/customers/1234567890/offlineUserDataJobs/9001:run");
            assertThat(ads.sent("create")).containsExactlyInAnyOrder(
                    "hashedEmail:" + Pii.sha256Hex("g-ann@example.com"), "hashedPhoneNumber:" + Pii.hashPhone("+14155550100"),
                    "hashedEmail:" + Pii.sha256Hex("g-bob@example.com"));
            assertThat(ads.jobs.get("9001").consent.path("adUserData").asText()).isEqualTo("UNSPECIFIED");
            assertThat(ads.received).allSatisfy(r -> assertThat(r.body()).doesNotContain("example.com", "g-dev"));

            // bob leaves: a second job with his removal only.
            setProps("g-bob", Map.of("gads_member", "no"));
            JsonNode second = run(sync);
            assertThat(second.get("status").asText()).as(second.toString()).isEqualTo("delivered");
            assertThat(ads.sent("remove")).containsExactly("hashedEmail:" + Pii.sha256Hex("g-bob@example.com"));
            assertThat(ads.lists.get("555")).containsExactlyInAnyOrder(
                    "hashedEmail:" + Pii.sha256Hex("g-ann@example.com"), "hashedPhoneNumber:" + Pii.hashPhone("+14155550100"));

            // A refused token fails the run and keeps the baseline: the next run sends the same diff again.
            setProps("g-cid", Map.of("email", "g-cid@example.com"));
            ads.failNext(StandIn.Failure.status(401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}"));
            assertThat(run(sync).get("status").asText()).isEqualTo("failed");
            JsonNode retried = run(sync);
            assertThat(retried.get("status").asText()).as(retried.toString()).isEqualTo("delivered");
            assertThat(ads.lists.get("555")).contains("hashedEmail:" + Pii.sha256Hex("g-cid@example.com"));
        }
    }

    // --- helpers ---

    /** A dynamic cohort: did {@code event} in the last 30 days and has {@code property} = "yes". */
    private static long memberCohort(String name, String event, String property) {
        TestServer.Response r = admin("POST", "/api/cohorts", map("app_id", s.dev().appId(), "name", name,
                "definition", map("all", List.of(
                        map("did", map("kind", "custom", "event", event), "within", "30d"),
                        map("property", property, "op", "eq", "value", "yes")))));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    private static long destination(String kind, Map<String, Object> settings) {
        TestServer.Response d = admin("POST", env("/destinations"), map("name", kind + " audience " + System.nanoTime(),
                "kind", kind, "settings", settings, "mapping", map()));
        assertThat(d.status()).as(d.body()).isEqualTo(201);
        return d.json().get("id").asLong();
    }

    private static long sync(long cohort, long dest, String audience) {
        TestServer.Response r = admin("POST", env("/cohort-syncs"), map("cohort_id", cohort, "destination_id", dest,
                "schedule_minutes", 60, "audience_id", audience));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asLong();
    }

    /** A sync's baseline as the store keeps it. */
    private static String baseline(long id) {
        return s.app().cohortSyncs().get(s.dev(), id).baselineJson();
    }

    private static JsonNode run(long id) {
        TestServer.Response r = admin("POST", env("/cohort-syncs/" + id + "/run"), null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    private static void track(String identity, String event, long time) {
        TestServer.Response r = s.post("/api/track", TestServer.json("app_id", s.dev().appId(), "identity", identity,
                "event", event, "timestamp", time), TestServer.bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static void setProps(String identity, Map<String, Object> props) {
        TestServer.Response r = s.post("/api/add_user_properties", json(map("app_id", s.dev().appId(),
                "identity", identity, "properties", props)), TestServer.bearer(s.dev().secretKey()));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** An anonymous device's custom event and its own (the anonymous user's) properties, through {@code /h}. */
    private static void anonymous(String device, String event, long time, Map<String, Object> props) {
        List<Map<String, Object>> events = List.of(
                map("kind", "user_properties", "device_id", device, "properties", props, "time", time),
                map("kind", "custom", "name", event, "device_id", device, "time", time));
        TestServer.Response r = s.post("/h", json(map("app_id", s.dev().appId(), "events", events)),
                "Content-Type", "application/json");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).as(r.body()).isEqualTo(2);
    }

    private static String env(String rest) {
        return ActivationHttp.env(s, rest);
    }

    private static TestServer.Response admin(String method, String path, Object body) {
        return ActivationHttp.admin(s, method, path, body);
    }
}
