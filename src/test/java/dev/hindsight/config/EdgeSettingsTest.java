package dev.hindsight.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EdgeSettingsTest {

    @Test
    void flagsAndVariablesSetTheEdgeAndAFlagWins() {
        Settings s = Settings.from(new String[] {"--rate-address=7", "--trusted-proxies=10.0.0.1, ::1"},
                Map.of("HINDSIGHT_RATE_ADDRESS", "3", "HINDSIGHT_IDLE_TIMEOUT_SECONDS", "5",
                        "HINDSIGHT_METRICS_PUBLIC", "true"));

        assertThat(s.edge().rateAddress()).isEqualTo(7);
        assertThat(s.edge().idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.edge().trustedProxies()).containsExactlyInAnyOrder("10.0.0.1", "::1");
        assertThat(s.edge().metricsPublic()).isTrue();
        assertThat(s.edge().rateAppId()).as("default").isEqualTo(5_000);
    }

    @Test
    void unusableEdgeSettingsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> EdgeSettings.from(Map.of("trusted-proxies", "proxy.internal")))
                .hasMessageContaining("trusted-proxies");
        assertThatThrownBy(() -> EdgeSettings.from(Map.of("rate-key", "-1"))).hasMessageContaining("rate-key");
        assertThatThrownBy(() -> EdgeSettings.from(Map.of("metrics-public", "yes")))
                .hasMessageContaining("metrics-public");
        assertThatThrownBy(() -> EdgeSettings.from(Map.of("rate-burst-seconds", "0")))
                .hasMessageContaining("rate-burst-seconds");
        assertThatThrownBy(() -> EdgeSettings.from(Map.of("http-threads", "2"))).hasMessageContaining("http-threads");
    }
}
