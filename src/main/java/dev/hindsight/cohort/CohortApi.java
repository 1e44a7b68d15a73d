package dev.hindsight.cohort;

import dev.hindsight.account.Access;
import dev.hindsight.query.QueryRoutes;
import io.javalin.Javalin;
import java.time.Clock;

/** Cohorts: {@code /api/cohorts}, their members, sizes over time and changes, wired together. */
public final class CohortApi {
    private final CohortRoutes routes;

    /** The API over {@code catalog}, evaluating membership through {@code queries}. */
    public CohortApi(CohortCatalog catalog, QueryRoutes queries, Access access, Clock clock) {
        this.routes = new CohortRoutes(catalog, queries, access, clock);
    }

    public void register(Javalin app) {
        routes.register(app);
    }
}
