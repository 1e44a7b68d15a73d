package dev.hindsight.define;

import java.util.List;
import java.util.Optional;

/** Durable storage of definitions, per environment. */
public interface DefinitionCatalog {

    List<Definition> list(long envId);

    Optional<Definition> get(long envId, long id);

    /** Stores a new definition and returns it with its id. */
    Definition insert(Definition d);

    void update(Definition d);

    boolean delete(long envId, long id);
}
