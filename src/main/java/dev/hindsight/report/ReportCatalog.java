package dev.hindsight.report;

import java.util.List;
import java.util.Optional;

/** Durable storage of saved reports and dashboards, per environment; listed in the order they were created. */
public interface ReportCatalog {

    /** At most {@code limit} reports of an environment with an id above {@code afterId}, by id. */
    List<Report> reports(long envId, long afterId, int limit);

    int countReports(long envId);

    Optional<Report> report(long envId, long id);

    /** Stores a new report and returns it with its id. */
    Report insert(Report r);

    void update(Report r);

    /** Deletes a report and takes it off every dashboard of its environment, at once; whether it existed. */
    boolean deleteReport(long envId, long id);

    /** At most {@code limit} dashboards of an environment with an id above {@code afterId}, by id. */
    List<Dashboard> dashboards(long envId, long afterId, int limit);

    int countDashboards(long envId);

    Optional<Dashboard> dashboard(long envId, long id);

    /** Stores a new dashboard and returns it with its id. */
    Dashboard insert(Dashboard d);

    void update(Dashboard d);

    boolean deleteDashboard(long envId, long id);
}
