package dev.hindsight.activate.destination;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A destination configured in one environment: where canonical events go, with which credentials, under
 * which mapping, and which consent flag a user must have granted before anything about them is sent.
 * {@code baseUrl} is the platform's API root (the real one in production, a stand-in in tests).
 */
public sealed interface Destination {

    /** The operator's name for this destination ("Meta production pixel"). */
    String name();

    EventMapping mapping();

    /** The consent flag a user must carry for their events to be sent; null or blank requires none. */
    String requiredConsent();

    /** The platform's name as the delivery log shows it. */
    default String kind() {
        return switch (this) {
            case Meta m -> "meta";
            case Ga4 g -> "ga4";
            case HubSpot h -> "hubspot";
            case Webhook w -> "webhook";
            case GoogleAds g -> "google_ads";
        };
    }

    /** How old an event may be and still be accepted by the platform; empty when it sets no limit. */
    default Optional<Duration> maxAge() {
        return switch (this) {
            case Meta m -> Optional.of(Duration.ofDays(7));
            case Ga4 g -> Optional.of(Duration.ofHours(72));
            case HubSpot h -> Optional.empty();
            case Webhook w -> Optional.empty();
            case GoogleAds g -> Optional.empty();
        };
    }

    /**
     * Meta Conversions API: {@code POST {baseUrl}/v{apiVersion}/{pixelId}/events}.
     *
     * @param actionSource  "website", "app", "email", "phone_call", "chat", "physical_store",
     *                      "system_generated", "business_messaging" or "other"
     * @param testEventCode the code from Events Manager's Test events tab, used by the test send
     */
    record Meta(String name, String baseUrl, String apiVersion, String pixelId, String accessToken,
            String actionSource, String testEventCode, EventMapping mapping, String requiredConsent)
            implements Destination {
        public static final String DEFAULT_BASE_URL = "https://graph.facebook.com";

        public URI eventsUri() {
            return URI.create(trim(baseUrl) + "/v" + apiVersion.replaceFirst("^v", "") + "/" + pixelId + "/events");
        }
    }

    /** GA4 Measurement Protocol for a web stream: {@code POST {baseUrl}/mp/collect?measurement_id=&api_secret=}. */
    record Ga4(String name, String baseUrl, String measurementId, String apiSecret, EventMapping mapping,
            String requiredConsent) implements Destination {
        public static final String DEFAULT_BASE_URL = "https://www.google-analytics.com";

        public URI collectUri(boolean validate) {
            return URI.create(trim(baseUrl) + (validate ? "/debug/mp/collect" : "/mp/collect")
                    + "?measurement_id=" + Urls.encode(measurementId) + "&api_secret=" + Urls.encode(apiSecret));
        }
    }

    /**
     * HubSpot with a private app's access token: contacts upserted by email, then one custom behavioural
     * event occurrence per canonical event.
     *
     * @param contactProperties HubSpot contact property -> user trait (e.g. "firstname" -> "first_name")
     */
    record HubSpot(String name, String baseUrl, String accessToken, EventMapping mapping,
            Map<String, String> contactProperties, String requiredConsent) implements Destination {
        public static final String DEFAULT_BASE_URL = "https://api.hubapi.com";

        public HubSpot {
            contactProperties = contactProperties == null ? Map.of() : Map.copyOf(contactProperties);
        }

        public URI upsertUri() {
            return URI.create(trim(baseUrl) + "/crm/v3/objects/contacts/batch/upsert");
        }

        public URI sendUri() {
            return URI.create(trim(baseUrl) + "/events/v3/send");
        }
    }

    /**
     * Any HTTPS endpoint receiving one signed JSON body per event.
     *
     * @param secrets the signing secrets, current first; during a rotation the previous one(s) follow, and
     *                every request carries one {@code v1=} signature per secret
     */
    record Webhook(String name, String url, List<String> secrets, EventMapping mapping, String requiredConsent)
            implements Destination {
        public Webhook {
            secrets = List.copyOf(secrets);
            if (secrets.isEmpty()) throw new IllegalArgumentException("a webhook needs at least one secret");
        }

        /** The same webhook after a rotation started: the new secret signs first, the old ones still sign. */
        public Webhook rotate(String newSecret) {
            var s = new java.util.ArrayList<String>();
            s.add(newSecret);
            s.addAll(secrets);
            return new Webhook(name, url, s, mapping, requiredConsent);
        }

        /** The rotation is over: only the current secret signs. */
        public Webhook finishRotation() {
            return new Webhook(name, url, List.of(secrets.getFirst()), mapping, requiredConsent);
        }
    }

    /**
     * Google Ads Customer Match, for cohort syncs only (canonical events go to Google through GA4): a user list of
     * the customer account filled through offline user data jobs
     * ({@code POST {baseUrl}/{apiVersion}/customers/{customerId}/offlineUserDataJobs:create}, then the job's
     * {@code :addOperations} and {@code :run}), with an OAuth access token and the developer token.
     *
     * @param loginCustomerId the manager account the token acts through, or null
     */
    record GoogleAds(String name, String baseUrl, String apiVersion, String customerId, String developerToken,
            String accessToken, String loginCustomerId, EventMapping mapping, String requiredConsent)
            implements Destination {
        public static final String DEFAULT_BASE_URL = "https://googleads.googleapis.com";

        /** The API root of this version, such as {@code https://googleads.googleapis.com/v21}. */
        public String root() {
            return trim(baseUrl) + "/v" + apiVersion.replaceFirst("^v", "");
        }

        public URI createJobUri() {
            return URI.create(root() + "/customers/" + customerId + "/offlineUserDataJobs:create");
        }

        /** The resource name of a user list of the customer. */
        public String userList(String listId) {
            return "customers/" + customerId + "/userLists/" + listId;
        }
    }

    private static String trim(String baseUrl) {
        return baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }
}
