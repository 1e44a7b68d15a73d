package dev.hindsight.activate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.hindsight.define.Rule;
import java.util.List;
import java.util.Map;

/**
 * One version of a definition mapping (issue 15, point 3): the Hindsight definition {@code definitionId} (a virtual
 * event) promoted to the canonical event {@code canonicalEvent}, each canonical property taken from the raw event
 * ({@code properties}). Only an approved version produces canonical events, and it produces them by {@code pinned},
 * the definition's rules as they were when it was approved: an edit of the definition changes nothing downstream
 * until a new version is approved (reference 004, "What happens when Heap virtual event definitions change?").
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DefinitionMapping(long id, @JsonProperty("definition_id") long definitionId,
        @JsonProperty("canonical_event") String canonicalEvent, Map<String, Source> properties, String status,
        Pinned pinned) {

    /** Where a canonical property comes from: {@code from} (an event property, a built-in, {@code $user.<name>}) or a constant {@code value}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Source(String from, Object value) {
    }

    /** The definition as the approval saw it: its name, its rules, and the hash of the rules that tells an edit. */
    public record Pinned(@JsonProperty("definition_name") String definitionName, List<Rule> rules,
            @JsonProperty("rules_hash") String rulesHash, @JsonProperty("approved_by") String approvedBy,
            @JsonProperty("approved_at") long approvedAt) {
    }

    DefinitionMapping with(String newStatus, Pinned newPinned) {
        return new DefinitionMapping(id, definitionId, canonicalEvent, properties, newStatus, newPinned);
    }
}
