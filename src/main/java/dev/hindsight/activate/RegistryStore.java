package dev.hindsight.activate;

import java.util.List;

/**
 * Where the schema registry keeps its versions: append-only, every change a new version of its entry (a schema by
 * its event name, a mapping by its id), a deletion a version too. Implemented by each store engine.
 */
public interface RegistryStore {

    /** One version of an entry: its body as JSON (null when the version deletes it), who made it, when and what. */
    record Version(String kind, String key, int version, String bodyJson, boolean deleted, String changedBy,
            long changedAt, String change) {
    }

    /** Every version of one entry, oldest first. */
    List<Version> versions(long envId, String kind, String key);

    /** The latest version of every entry of a kind, deleted ones included, by key. */
    List<Version> latest(long envId, String kind);

    /** Appends a version; false when that version of the entry exists already (a concurrent change won). */
    boolean append(long envId, Version v);

    /** A new mapping id. */
    long nextMappingId();
}
