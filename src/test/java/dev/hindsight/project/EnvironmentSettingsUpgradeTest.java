package dev.hindsight.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.Hindsight;
import dev.hindsight.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A store made before environment settings existed opens with the defaults and a new identity secret. */
class EnvironmentSettingsUpgradeTest {

    @Test
    void anEnvironmentOfAStoreMadeBeforeSettingsGetsTheDefaultsAndItsOwnIdentitySecret() throws Exception {
        Path dir = Files.createTempDirectory("hindsight-upgrade");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("hindsight.duckdb"));
                Statement st = c.createStatement()) {
            // The environments table as it was before the settings columns.
            st.execute("CREATE TABLE projects (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, "
                    + "created_at TIMESTAMP DEFAULT current_timestamp)");
            st.execute("""
                    CREATE TABLE environments (
                      id BIGINT PRIMARY KEY, project_id BIGINT NOT NULL, name VARCHAR NOT NULL, app_id VARCHAR NOT NULL UNIQUE,
                      secret_key VARCHAR NOT NULL, allow_any_origin BOOLEAN NOT NULL, allowed_origins VARCHAR[] NOT NULL,
                      query_blocklist VARCHAR[])""");
            st.execute("INSERT INTO projects (id, name) VALUES (1, 'Old')");
            st.execute("INSERT INTO environments VALUES (1, 1, 'production', '1234567890', 'hs_sk_old', false, [], [])");
        }

        String secret;
        try (Hindsight app = Hindsight.start(Settings.from(new String[] {"--port=0", "--data=" + dir,
                "--rollup-seconds=0"}, Map.of()), Clock.systemUTC())) {
            Environment env = app.projects().byAppId("1234567890");
            assertThat(env.settings()).isEqualTo(EnvironmentSettings.DEFAULTS);
            assertThat(env.secretKey()).isEqualTo("hs_sk_old");
            secret = env.identitySecret();
            assertThat(secret).startsWith("hs_iv_");
        }
        try (Hindsight app = Hindsight.start(Settings.from(new String[] {"--port=0", "--data=" + dir,
                "--rollup-seconds=0"}, Map.of()), Clock.systemUTC())) {
            assertThat(app.projects().byAppId("1234567890").identitySecret()).as("kept, not made anew").isEqualTo(secret);
        }
    }
}
