package dev.hindsight.store.duckdb;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * The SQL condition selecting one user's merged events: those sent with the identity, plus the anonymous
 * events of each merged device inside the span its link covers.
 */
record UserPredicate(String identity, List<Span> spans) {

    /** A device's span: {@code fromMs} null means since the beginning, {@code toMs} null means until now. */
    record Span(String deviceId, Long fromMs, Long toMs) {
    }

    String sql() {
        StringBuilder sb = new StringBuilder("identity = ?");
        for (Span s : spans) {
            sb.append(" OR (identity IS NULL AND device_id = ?");
            if (s.fromMs() != null) {
                sb.append(" AND time >= epoch_ms(?)");
            }
            if (s.toMs() != null) {
                sb.append(" AND time < epoch_ms(?)");
            }
            sb.append(')');
        }
        return sb.toString();
    }

    /** Binds the parameters from {@code index} on; returns the next free index. */
    int bind(PreparedStatement ps, int index) throws SQLException {
        ps.setString(index++, identity);
        for (Span s : spans) {
            ps.setString(index++, s.deviceId());
            if (s.fromMs() != null) {
                ps.setLong(index++, s.fromMs());
            }
            if (s.toMs() != null) {
                ps.setLong(index++, s.toMs());
            }
        }
        return index;
    }
}
