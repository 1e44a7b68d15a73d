package dev.hindsight.http;

import dev.hindsight.config.EdgeSettings;
import dev.hindsight.store.EventStore;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/**
 * Operations: readiness at {@code /health} (public) and Prometheus metrics at {@code /metrics} (behind the admin or
 * metrics token unless the settings make it public).
 */
public final class OpsRoutes {
    private final EventStore store;
    private final PrometheusMeterRegistry metrics;
    private final Auth auth;
    private final EdgeSettings edge;

    public OpsRoutes(EventStore store, PrometheusMeterRegistry metrics, Auth auth, EdgeSettings edge) {
        this.store = store;
        this.metrics = metrics;
        this.auth = auth;
        this.edge = edge;
    }

    public void register(Javalin app) {
        app.get("/health", ctx -> {
            if (store.isOpen()) {
                ctx.json(Map.of("status", "ready"));
            } else {
                ctx.status(503).json(Map.of("status", "unavailable", "detail", "the event store is not open"));
            }
        });
        app.get("/metrics", ctx -> {
            auth.metrics(ctx, edge.metricsPublic(), edge.metricsToken());
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
        });
    }
}
