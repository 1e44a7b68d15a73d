package dev.hindsight.http;

import dev.hindsight.store.EventStore;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/** Operations: readiness at {@code /health} and Prometheus metrics at {@code /metrics}. */
public final class OpsRoutes {
    private final EventStore store;
    private final PrometheusMeterRegistry metrics;

    public OpsRoutes(EventStore store, PrometheusMeterRegistry metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    public void register(Javalin app) {
        app.get("/health", ctx -> {
            if (store.isOpen()) {
                ctx.json(Map.of("status", "ready"));
            } else {
                ctx.status(503).json(Map.of("status", "unavailable", "detail", "the event store is not open"));
            }
        });
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
    }
}
