package dev.hindsight.store.duckdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.hindsight.define.Definition;
import dev.hindsight.define.DefinitionCatalog;
import dev.hindsight.define.Rule;
import dev.hindsight.http.Json;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Definitions in the DuckDB file; rules are kept as JSON. */
public final class DuckDbDefinitions implements DefinitionCatalog {
    private static final String COLUMNS = "id, env_id, name, description, category, owner, status, rules, "
            + "epoch_ms(created_at), epoch_ms(updated_at)";
    private static final TypeReference<List<Rule>> RULES = new TypeReference<>() {
    };

    private final DuckDb db;

    public DuckDbDefinitions(DuckDb db) {
        this.db = db;
    }

    @Override
    public List<Definition> list(long envId) {
        return db.query("SELECT " + COLUMNS + " FROM definitions WHERE env_id = ? ORDER BY name", List.of(envId),
                DuckDbDefinitions::read);
    }

    @Override
    public Optional<Definition> get(long envId, long id) {
        return db.query("SELECT " + COLUMNS + " FROM definitions WHERE env_id = ? AND id = ?", List.of(envId, id),
                DuckDbDefinitions::read).stream().findFirst();
    }

    @Override
    public Definition insert(Definition d) {
        long id = db.query("SELECT nextval('definition_ids')", List.of(), rs -> rs.getLong(1)).get(0);
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO definitions VALUES "
                    + "(?, ?, ?, ?, ?, ?, ?, ?, epoch_ms(?::BIGINT), epoch_ms(?::BIGINT))")) {
                bind(ps, id, d);
                return ps.executeUpdate();
            }
        });
        return new Definition(id, d.envId(), d.name(), d.description(), d.category(), d.owner(), d.status(),
                d.rules(), d.createdAt(), d.updatedAt());
    }

    @Override
    public void update(Definition d) {
        // Replaced whole in one transaction (DuckDB updates of indexed rows are a delete plus an insert anyway).
        db.withConnection(c -> {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM definitions WHERE id = ?");
                    PreparedStatement ins = c.prepareStatement("INSERT INTO definitions VALUES "
                            + "(?, ?, ?, ?, ?, ?, ?, ?, epoch_ms(?::BIGINT), epoch_ms(?::BIGINT))")) {
                del.setLong(1, d.id());
                del.executeUpdate();
                bind(ins, d.id(), d);
                ins.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
            return null;
        });
    }

    @Override
    public boolean delete(long envId, long id) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM definitions WHERE env_id = ? AND id = ?")) {
                ps.setLong(1, envId);
                ps.setLong(2, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    private static void bind(PreparedStatement ps, long id, Definition d) throws SQLException {
        ps.setLong(1, id);
        ps.setLong(2, d.envId());
        ps.setString(3, d.name());
        ps.setString(4, d.description());
        ps.setString(5, d.category());
        ps.setString(6, d.owner());
        ps.setString(7, d.status());
        try {
            ps.setString(8, Json.MAPPER.writeValueAsString(d.rules()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ps.setLong(9, d.createdAt());
        ps.setLong(10, d.updatedAt());
    }

    private static Definition read(ResultSet rs) throws SQLException {
        List<Rule> rules;
        try {
            rules = Json.MAPPER.readValue(rs.getString(8), RULES);
        } catch (JsonProcessingException e) {
            rules = new ArrayList<>();
        }
        return new Definition(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rules, rs.getLong(9), rs.getLong(10));
    }
}
