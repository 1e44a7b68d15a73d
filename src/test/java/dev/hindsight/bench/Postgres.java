package dev.hindsight.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PostgreSQL 15 server from Debian's package ({@code apt-get install postgresql}), started on a
 * free port in a temporary directory for the query benchmark's comparison run. PostgreSQL refuses to run as
 * root, so when the benchmark runs as root the server runs as the {@code postgres} user the package creates.
 */
final class Postgres implements AutoCloseable {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private final Path dir;
    private final int port;

    private Postgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    static Postgres start() throws IOException, InterruptedException {
        if (!Files.isExecutable(BIN.resolve("postgres"))) {
            throw new IllegalStateException("PostgreSQL 15 is not installed: apt-get install postgresql");
        }
        Path dir = Files.createTempDirectory("hindsight-pg");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), true);
        Path data = dir.resolve("data");
        run(asPostgres(BIN.resolve("initdb") + " -D " + data + " -U postgres --auth=trust --no-sync -E UTF8 "
                + "--locale=C.UTF-8"), false);
        // Settings for an analytical benchmark on a 2-core, 24 GiB machine: generous memory, parallel workers.
        run(asPostgres(BIN.resolve("pg_ctl") + " -D " + data + " -l " + dir.resolve("log") + " -w -o \"-p " + port
                + " -k " + dir + " -c shared_buffers=4GB -c work_mem=512MB -c maintenance_work_mem=2GB"
                + " -c max_parallel_workers_per_gather=2 -c effective_cache_size=12GB -c fsync=off"
                + " -c synchronous_commit=off -c full_page_writes=off -c jit=off\" start"), false);
        return new Postgres(dir, port);
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "");
    }

    /** A directory the server can read files from (for COPY … FROM 'file'). */
    Path dir() {
        return dir;
    }

    @Override
    public void close() throws Exception {
        run(asPostgres(BIN.resolve("pg_ctl") + " -D " + dir.resolve("data") + " -m immediate stop"), false);
    }

    private static List<String> asPostgres(String command) {
        boolean root = "root".equals(System.getProperty("user.name"));
        return root ? List.of("runuser", "-u", "postgres", "--", "sh", "-c", command) : List.of("sh", "-c", command);
    }

    private static void run(List<String> cmd, boolean quiet) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("failed: " + String.join(" ", cmd) + "\n" + (quiet ? "" : out));
        }
    }
}
