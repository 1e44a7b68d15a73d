package dev.hindsight.http;

import dev.hindsight.config.EdgeSettings;
import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Jetty's set-up under Javalin: the bounds on what one connection may cost (idle timeout, minimum body data rate,
 * header size, connections, threads), and problem+json for the errors Jetty answers itself.
 */
public final class HttpEdge {
    private HttpEdge() {
    }

    /** Applies {@code settings} to the server that {@code config} will start, listening on {@code port}. */
    public static void configure(JavalinConfig config, EdgeSettings settings, int port) {
        QueuedThreadPool threads = new QueuedThreadPool(settings.maxThreads(), Math.min(8, settings.maxThreads()),
                60_000);
        threads.setName("hindsight-http");
        config.jetty.threadPool = threads;
        config.jetty.modifyHttpConfiguration(http -> {
            http.setRequestHeaderSize(settings.maxHeaderBytes());
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
        });
        config.jetty.addConnector((server, http) -> {
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setPort(port);
            connector.setIdleTimeout(settings.idleTimeout().toMillis());
            return connector;
        });
        config.jetty.modifyServer(server -> {
            server.setErrorHandler(new ProblemErrorHandler());
            if (settings.maxConnections() > 0) {
                server.addBean(new ConnectionLimit(settings.maxConnections(), server));
            }
        });
        config.jetty.modifyServletContextHandler(context -> {
            context.setErrorHandler(new ProblemErrorHandler());
            // The ingest endpoints read bodies without holding a thread (Bodies.readAsync), so a slow sender costs
            // only its connection; this rate and the idle timeout bound how long it keeps that.
            context.setAttribute(Bodies.MIN_RATE, settings.minRequestRate());
        });
    }
}
