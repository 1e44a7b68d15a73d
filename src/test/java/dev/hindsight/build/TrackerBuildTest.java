package dev.hindsight.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrackerBuildTest {
    @TempDir
    Path dir;

    @Test
    void buildPassesWithinTheBudgetAndFailsPastIt() throws Exception {
        Path out = dir.resolve("hindsight.js");
        assertThat(TrackerBuild.build(Path.of("src/main/tracker"), out, TrackerBuild.BUDGET_BYTES)).isTrue();
        int gz = TrackerBuild.gzipSize(Files.readString(out));
        assertThat(gz).isLessThanOrEqualTo(TrackerBuild.BUDGET_BYTES);
        assertThat(TrackerBuild.build(Path.of("src/main/tracker"), out, gz - 1)).isFalse();
    }

    @Test
    void minifiedTrackerIsOneIife() throws Exception {
        String js = TrackerBuild.compile(Path.of("src/main/tracker")).strip();
        assertThat(js).startsWith("(function(){").endsWith("})();");
    }
}
