package dev.hindsight.activate.destination;

import java.util.Map;
import java.util.Set;

/**
 * What Hindsight knows about the user of a canonical event, as the destinations use it. Every field may be
 * null. Contact details arrive raw or already SHA-256 hashed; builders normalise and hash them where the
 * platform requires it.
 *
 * @param consents      the consent flags the user has granted (e.g. "ads", "analytics", "crm")
 * @param gaClientId    GA4's client_id (the _ga cookie's id); the anonymous id stands in when absent
 * @param hubspotId     a HubSpot contact id when known (objectId)
 * @param pageUrl       the page the event happened on (Meta's event_source_url)
 * @param traits        user properties a CRM may receive (HubSpot contact properties)
 */
public record UserData(String email, String phone, String externalId, String fbp, String fbc,
        String clientIp, String userAgent, String gaClientId, String hubspotId, String pageUrl,
        Set<String> consents, Map<String, Object> traits) {
    public UserData {
        consents = consents == null ? Set.of() : Set.copyOf(consents);
        traits = traits == null ? Map.of() : Map.copyOf(traits);
    }

    public static UserData none() {
        return new UserData(null, null, null, null, null, null, null, null, null, null, Set.of(), Map.of());
    }

    public UserData withConsents(Set<String> c) {
        return new UserData(email, phone, externalId, fbp, fbc, clientIp, userAgent, gaClientId, hubspotId,
                pageUrl, c, traits);
    }

    public boolean hasConsent(String flag) {
        return flag == null || flag.isBlank() || consents.contains(flag);
    }
}
