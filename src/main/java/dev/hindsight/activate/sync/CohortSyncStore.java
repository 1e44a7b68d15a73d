package dev.hindsight.activate.sync;

import java.util.List;
import java.util.Optional;

/**
 * Cohort syncs and their run log, implemented by each store engine. A sync's {@code baselineJson} is the
 * membership the destination last accepted ({label: {email_sha256, phone_sha256, record_id}}: hashes, never the
 * email or phone themselves, and HubSpot's record id); it is replaced only
 * after a run the destination accepted, so a failed run is retried with the same diff.
 */
public interface CohortSyncStore {
    /** A sync as kept. {@code audienceId}: Meta's Custom Audience id or HubSpot's list id (null for webhooks). */
    record SyncRow(long envId, long id, long cohortId, long destinationId, int scheduleMinutes, String audienceId,
            String baselineJson, Long lastSuccessAt, long nextDueAt, long createdAt) {
    }

    /** One run: {@code status} is running, delivered, failed or skipped (nothing changed). */
    record RunRow(long syncId, long id, long startedAt, Long finishedAt, int joined, int left, String status,
            Integer answerStatus, String answerBody, String reason) {
    }

    long nextSyncId();

    long nextRunId();

    void saveSync(SyncRow row);

    void deleteSync(long envId, long id);

    Optional<SyncRow> sync(long envId, long id);

    /** Every sync of every environment, by id. */
    List<SyncRow> syncs();

    void saveRun(long envId, RunRow run);

    /** A sync's runs, newest first. */
    List<RunRow> runs(long syncId, int limit);
}
