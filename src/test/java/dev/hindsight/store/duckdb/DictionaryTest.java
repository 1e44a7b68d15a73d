package dev.hindsight.store.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dictionary table behind a small cache and a growing filter hands out one id per string. */
class DictionaryTest {
    @TempDir
    Path dir;

    /** Begins the transaction as the store's writer does: the driver begins one at a statement. */
    private static void begin(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        }
    }

    @Test
    void idsStayOnePerStringPastTheCacheAndWhileTheFilterGrows() throws Exception {
        try (DuckDb db = new DuckDb(dir); DuckDBConnection c = db.connect()) {
            c.setAutoCommit(false);
            Dictionary d = new Dictionary(c, "actors", "key", 10);
            Map<String, Integer> first = new HashMap<>();
            // 80,000 strings: past the 65,536 the first filter is sized for, so it is rebuilt on the way.
            for (int batch = 0; batch < 8; batch++) {
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < 10_000; i++) {
                    keys.add("d:device-" + (batch * 10_000 + i));
                }
                begin(c);
                Dictionary.Ids ids = d.ids(keys);
                c.commit();
                d.committed(ids);
                first.putAll(ids.all());
            }
            // Asked again, with almost all of them evicted from the cache: the same ids, none new.
            List<String> again = new ArrayList<>(first.keySet());
            begin(c);
            Dictionary.Ids ids = d.ids(again);
            c.commit();
            d.committed(ids);
            assertThat(ids.all()).isEqualTo(first);
            assertThat(ids.fresh()).isEmpty();
            assertThat(db.query("SELECT count(*), count(DISTINCT key), count(DISTINCT id) FROM actors", List.of(),
                    rs -> rs.getLong(1) + "/" + rs.getLong(2) + "/" + rs.getLong(3))).containsExactly("80000/80000/80000");
            // A rolled-back id is not reused, and its string gets a new one next time.
            begin(c);
            Map<String, Integer> lost = d.ids(List.of("i:rolled-back")).all();
            c.rollback();
            begin(c);
            Dictionary.Ids kept = d.ids(List.of("i:rolled-back"));
            c.commit();
            d.committed(kept);
            assertThat(kept.all().get("i:rolled-back")).isGreaterThan(lost.get("i:rolled-back"));
            assertThat(db.query("SELECT count(*) FROM actors WHERE key = 'i:rolled-back'", List.of(), rs -> rs.getLong(1)))
                    .containsExactly(1L);
        }
    }
}
