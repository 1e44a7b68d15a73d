package dev.hindsight.activate.sync;

import dev.hindsight.activate.destination.BuiltRequest;
import dev.hindsight.activate.destination.Destination;
import dev.hindsight.activate.destination.Outcome;
import dev.hindsight.activate.destination.Pii;
import dev.hindsight.activate.destination.Sender;
import dev.hindsight.http.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The requests that carry one diff of a cohort (who joined, who left) to a destination as an audience: a signed
 * webhook body, Meta Custom Audience users add/remove (hashed identifiers), HubSpot list membership add/remove.
 */
final class Audiences {
    /** Most rows Meta takes in one Custom Audience users request. */
    static final int META_MAX_ROWS = 10_000;

    private Audiences() {
    }

    /**
     * A member as a sync knows them: their text; their normalised email and phone while they are members now (null
     * when unknown, and never kept: a baseline holds only their hashes); and their HubSpot record id once a HubSpot
     * list took them.
     */
    record Member(String label, String email, String phone, String emailSha256, String phoneSha256, String recordId) {
        /** A member now, from their properties' normalised email and phone. */
        static Member of(String label, String email, String phone) {
            return new Member(label, email, phone, Pii.hashEmail(email), Pii.hashPhone(phone), null);
        }

        boolean identified() {
            return !label.startsWith("device:");
        }

        Member withRecordId(String id) {
            return new Member(label, email, phone, emailSha256, phoneSha256, id);
        }

        /** Which identifiers an ad platform could match them by: "email,phone,external_id" or fewer. */
        String matchKeys() {
            List<String> keys = new ArrayList<>();
            if (emailSha256 != null) keys.add("email");
            if (phoneSha256 != null) keys.add("phone");
            if (identified()) keys.add("external_id");
            return String.join(",", keys);
        }
    }

    /**
     * What sending a diff came to: the last answer (null when nothing needed sending; not {@link
     * Outcome.Delivered} when a request failed, which ends the sending), and who joined as the destination now knows
     * them (with HubSpot's record ids).
     */
    record Sent(Outcome last, List<Member> joined) {
    }

    /**
     * Sends a diff to a destination, request after request, stopping at the first one not delivered. Most
     * platforms take fixed requests; HubSpot first upserts the joined members' contacts to learn their record ids,
     * and Google Ads fills a job per side of the diff.
     */
    static Sent send(Destination d, Sender sender, String audienceId, long syncId, Map<String, Object> cohort,
            List<Member> joined, List<Member> left, Instant now) {
        return switch (d) {
            case Destination.Webhook w -> sendAll(sender, List.of(webhook(w, syncId, cohort, joined, left, now)),
                    joined);
            case Destination.Meta m -> sendAll(sender, meta(m, audienceId, joined, left), joined);
            case Destination.HubSpot h -> sendHubSpot(h, sender, audienceId, joined, left);
            case Destination.GoogleAds g -> sendGoogleAds(g, sender, audienceId, joined, left);
            case Destination.Ga4 g -> throw new IllegalArgumentException("GA4 has no audiences to sync");
        };
    }

    private static Sent sendAll(Sender sender, List<BuiltRequest> requests, List<Member> joined) {
        Outcome last = null;
        for (BuiltRequest r : requests) {
            last = sender.send(r);
            if (!(last instanceof Outcome.Delivered)) {
                break;
            }
        }
        return new Sent(last, joined);
    }

    /** HubSpot lists take record ids: the joined members' contacts are upserted by email first. */
    private static Sent sendHubSpot(Destination.HubSpot h, Sender sender, String listId, List<Member> joined,
            List<Member> left) {
        List<Member> withEmail = joined.stream().filter(m -> m.identified() && m.email() != null).toList();
        Map<String, String> ids = new HashMap<>();
        for (int i = 0; i < withEmail.size(); i += HUBSPOT_MAX_UPSERT) {
            Outcome o = sender.send(hubspotUpsert(h, withEmail.subList(i,
                    Math.min(withEmail.size(), i + HUBSPOT_MAX_UPSERT))));
            if (!(o instanceof Outcome.Delivered)) {
                return new Sent(o, joined);
            }
            ids.putAll(recordIds(o.body()));
        }
        List<Member> known = joined.stream().map(m -> m.email() == null ? m : m.withRecordId(ids.get(m.email())))
                .toList();
        return sendAll(sender, hubspot(h, listId, known, left), known);
    }

    /**
     * Customer Match takes a job per change: created, filled with operations, then run. Who joined and who left go
     * in jobs of their own; members with neither an email nor a phone cannot be matched.
     */
    private static Sent sendGoogleAds(Destination.GoogleAds g, Sender sender, String listId, List<Member> joined,
            List<Member> left) {
        Outcome last = null;
        for (var side : List.of(Map.entry(false, joined), Map.entry(true, left))) {
            List<Member> sent = side.getValue().stream().filter(m -> m.identified()
                    && (m.emailSha256() != null || m.phoneSha256() != null)).toList();
            if (sent.isEmpty()) continue;
            last = sender.send(googleAdsCreateJob(g, listId));
            if (!(last instanceof Outcome.Delivered)) {
                return new Sent(last, joined);
            }
            String job = jobResource(last.body());
            if (job == null) {
                return new Sent(new Outcome.Permanent(last.status(), last.body(),
                        "the job's create answered no resourceName"), joined);
            }
            List<BuiltRequest> steps = new ArrayList<>(googleAdsOperations(g, job, sent, side.getKey()));
            steps.add(googleAdsRun(g, job));
            last = sendAll(sender, steps, joined).last();
            if (!(last instanceof Outcome.Delivered)) {
                return new Sent(last, joined);
            }
        }
        return new Sent(last, joined);
    }

    static BuiltRequest webhook(Destination.Webhook w, long syncId, Map<String, Object> cohort, List<Member> joined,
            List<Member> left, Instant now) {
        List<String> j = joined.stream().map(Member::label).toList();
        List<String> l = left.stream().map(Member::label).toList();
        // The same diff has the same id, so that a receiver recognises a retry.
        String id = "cs_" + syncId + "_" + Pii.sha256Hex(String.join("\n", j) + "\n--\n" + String.join("\n", l))
                .substring(0, 24);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("type", "cohort.sync");
        body.put("sync_id", syncId);
        body.put("cohort", cohort);
        body.put("joined", j);
        body.put("left", l);
        body.put("synced_at", now.toString());
        return new BuiltRequest("webhook", "cohort-sync", "POST", URI.create(w.url()),
                Map.of("Content-Type", "application/json", "Hindsight-Event-Id", id), Json.write(body), List.of(),
                w.secrets(), false);
    }

    static List<BuiltRequest> meta(Destination.Meta m, String audienceId, List<Member> joined, List<Member> left) {
        List<BuiltRequest> out = new ArrayList<>();
        URI uri = URI.create(trim(m.baseUrl()) + "/v" + m.apiVersion().replaceFirst("^v", "") + "/" + audienceId
                + "/users");
        Map<String, String> headers = BuiltRequest.bearerJson(m.accessToken());
        for (var side : List.of(Map.entry("POST", joined), Map.entry("DELETE", left))) {
            List<List<String>> emails = new ArrayList<>();
            List<List<String>> ids = new ArrayList<>();
            for (Member u : side.getValue()) {
                // An anonymous device is never sent, even when it carries an email property of its own.
                if (!u.identified()) continue;
                if (u.emailSha256() != null) emails.add(List.of(u.emailSha256()));
                else ids.add(List.of(Pii.hashId(u.label())));
            }
            // Meta takes at most 10,000 rows a request.
            for (int i = 0; i < emails.size(); i += META_MAX_ROWS) {
                out.add(metaRequest(uri, headers, side.getKey(), "EMAIL_SHA256",
                        emails.subList(i, Math.min(emails.size(), i + META_MAX_ROWS))));
            }
            for (int i = 0; i < ids.size(); i += META_MAX_ROWS) {
                out.add(metaRequest(uri, headers, side.getKey(), "EXTERN_ID",
                        ids.subList(i, Math.min(ids.size(), i + META_MAX_ROWS))));
            }
        }
        return out;
    }

    private static BuiltRequest metaRequest(URI uri, Map<String, String> headers, String method, String schema,
            List<List<String>> data) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("schema", List.of(schema));
        payload.put("data", data);
        return new BuiltRequest("meta", method.equals("POST") ? "audience-add" : "audience-remove", method, uri,
                headers, Json.write(Map.of("payload", payload)), List.of(), List.of(), false);
    }

    /** Most contacts HubSpot takes in one batch upsert. */
    static final int HUBSPOT_MAX_UPSERT = 100;

    /**
     * HubSpot list membership changes: v3 lists take record ids, so a joined member is sent by the id of the contact
     * {@link #hubspotUpsert} made or found for their email, and a leaving one by the id kept in the baseline. An
     * anonymous device is never sent, as to Meta; a member without an email (so without a contact) is not either.
     */
    static List<BuiltRequest> hubspot(Destination.HubSpot h, String listId, List<Member> joined, List<Member> left) {
        List<BuiltRequest> out = new ArrayList<>();
        for (var side : List.of(Map.entry("add", joined), Map.entry("remove", left))) {
            List<String> ids = side.getValue().stream().filter(Member::identified).map(Member::recordId)
                    .filter(id -> id != null).toList();
            if (ids.isEmpty()) continue;
            out.add(new BuiltRequest("hubspot", "list-" + side.getKey(), "PUT", URI.create(trim(h.baseUrl())
                    + "/crm/v3/lists/" + listId + "/memberships/" + side.getKey()),
                    BuiltRequest.bearerJson(h.accessToken()), Json.write(ids),
                    List.of(), List.of(), false));
        }
        return out;
    }

    /** The contacts of (at most 100) members, upserted by email, whose answer names each one's record id. */
    static BuiltRequest hubspotUpsert(Destination.HubSpot h, List<Member> members) {
        List<Map<String, Object>> inputs = new ArrayList<>();
        for (Member m : members) {
            inputs.add(Map.of("idProperty", "email", "id", m.email(), "properties", Map.of("email", m.email())));
        }
        return new BuiltRequest("hubspot", "contacts-upsert", "POST", h.upsertUri(),
                BuiltRequest.bearerJson(h.accessToken()),
                Json.write(Map.of("inputs", inputs)), List.of(), List.of(), false);
    }

    /** Email -> record id, from a batch upsert's answer ({@code results[].id} and {@code .properties.email}). */
    static Map<String, String> recordIds(String upsertAnswer) {
        Map<String, String> out = new LinkedHashMap<>();
        if (upsertAnswer == null) return out;
        try {
            for (var r : Json.MAPPER.readTree(upsertAnswer).path("results")) {
                String email = Pii.normaliseEmail(r.path("properties").path("email").asText(null));
                String id = r.path("id").asText(null);
                if (email != null && id != null && id.matches("\\d{1,20}")) out.put(email, id);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // An unreadable answer names no ids: those members are not added, and the run says so.
        }
        return out;
    }

    /** Most members one Google Ads {@code :addOperations} request carries (Google takes 100,000, advises 10,000). */
    static final int GOOGLE_ADS_OPERATIONS = 10_000;

    /**
     * Creates a Customer Match offline user data job for the user list {@code listId}. Its consent fields say GRANTED
     * when the destination requires a consent flag (only members who granted it are sent), UNSPECIFIED otherwise.
     */
    static BuiltRequest googleAdsCreateJob(Destination.GoogleAds g, String listId) {
        String consent = g.requiredConsent() == null || g.requiredConsent().isBlank() ? "UNSPECIFIED" : "GRANTED";
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("userList", g.userList(listId));
        metadata.put("consent", Map.of("adUserData", consent, "adPersonalization", consent));
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("type", "CUSTOMER_MATCH_USER_LIST");
        job.put("customerMatchUserListMetadata", metadata);
        return new BuiltRequest("google_ads", "audience-job", "POST", g.createJobUri(), googleAdsHeaders(g),
                Json.write(Map.of("job", job)), List.of(), List.of(), false);
    }

    /** The job's resource name from the create's answer ({@code resourceName}), or null. */
    static String jobResource(String createAnswer) {
        try {
            String name = Json.MAPPER.readTree(createAnswer == null ? "{}" : createAnswer)
                    .path("resourceName").asText("");
            return name.matches("customers/\\d+/offlineUserDataJobs/\\d+") ? name : null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }

    /**
     * The job's operations: one {@code create} (or {@code remove}) per member, whose identifiers are the SHA-256 of
     * their normalised email and phone; at most {@link #GOOGLE_ADS_OPERATIONS} a request.
     */
    static List<BuiltRequest> googleAdsOperations(Destination.GoogleAds g, String job, List<Member> members,
            boolean remove) {
        List<Map<String, Object>> ops = new ArrayList<>();
        for (Member m : members) {
            List<Map<String, String>> ids = new ArrayList<>();
            if (m.emailSha256() != null) ids.add(Map.of("hashedEmail", m.emailSha256()));
            if (m.phoneSha256() != null) ids.add(Map.of("hashedPhoneNumber", m.phoneSha256()));
            if (ids.isEmpty() || !m.identified()) continue;
            ops.add(Map.of(remove ? "remove" : "create", Map.of("userIdentifiers", ids)));
        }
        List<BuiltRequest> out = new ArrayList<>();
        URI uri = URI.create(g.root() + "/" + job + ":addOperations");
        for (int i = 0; i < ops.size(); i += GOOGLE_ADS_OPERATIONS) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("enablePartialFailure", false);
            body.put("operations", ops.subList(i, Math.min(ops.size(), i + GOOGLE_ADS_OPERATIONS)));
            out.add(new BuiltRequest("google_ads", remove ? "audience-remove" : "audience-add", "POST", uri,
                    googleAdsHeaders(g), Json.write(body), List.of(), List.of(), false));
        }
        return out;
    }

    /** Runs the job: Google then applies its operations to the list (asynchronously, within hours). */
    static BuiltRequest googleAdsRun(Destination.GoogleAds g, String job) {
        return new BuiltRequest("google_ads", "audience-run", "POST", URI.create(g.root() + "/" + job + ":run"),
                googleAdsHeaders(g), "{}", List.of(), List.of(), false);
    }

    private static Map<String, String> googleAdsHeaders(Destination.GoogleAds g) {
        Map<String, String> h = new LinkedHashMap<>(BuiltRequest.bearerJson(g.accessToken()));
        h.put("developer-token", g.developerToken());
        if (g.loginCustomerId() != null) h.put("login-customer-id", g.loginCustomerId());
        return h;
    }


    private static String trim(String baseUrl) {
        return baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
