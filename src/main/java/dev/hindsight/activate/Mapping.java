package dev.hindsight.activate;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A registry mapping (reference 004): events named {@code sourceEvent} from {@code source} become the canonical
 * {@code canonicalEvent}, and must carry {@code requiredProperties}. Only an approved mapping applies; a draft waits
 * for an architect's or an admin's approval, a deprecated one applies no more.
 */
public record Mapping(long id, String source, @JsonProperty("source_event") String sourceEvent,
        @JsonProperty("canonical_event") String canonicalEvent,
        @JsonProperty("required_properties") List<String> requiredProperties, String status) {
    public static final String DRAFT = "draft";
    public static final String APPROVED = "approved";
    public static final String DEPRECATED = "deprecated";
    public static final List<String> STATUSES = List.of(DRAFT, APPROVED, DEPRECATED);
}
