package dev.hindsight.report;

import dev.hindsight.config.Settings;
import dev.hindsight.account.Access;
import dev.hindsight.query.QueryRoutes;
import io.javalin.Javalin;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.function.LongUnaryOperator;

/** Saved reports and dashboards: {@code /api/reports} and {@code /api/dashboards}, wired together. */
public final class ReportApi {
    private final ReportRoutes reports;
    private final DashboardRoutes dashboards;

    /**
     * The API over {@code catalog}, answering reports with {@code queries} through a cache whose entries are current
     * while {@code dataVersion} (an environment's data version) does not change.
     */
    public ReportApi(ReportCatalog catalog, QueryRoutes queries, LongUnaryOperator dataVersion, Access access, Clock clock,
            Settings.QueryBounds bounds, MeterRegistry metrics) {
        Reports answers = new Reports(queries, new AnswerCache(ReportLimits.cacheBytes(), dataVersion, clock, metrics));
        this.reports = new ReportRoutes(catalog, answers, access, clock);
        this.dashboards = new DashboardRoutes(catalog, answers, reports, access, clock, bounds.timeoutMs(),
                (long) bounds.maxResultMb() << 20);
    }

    public void register(Javalin app) {
        reports.register(app);
        dashboards.register(app);
    }
}
