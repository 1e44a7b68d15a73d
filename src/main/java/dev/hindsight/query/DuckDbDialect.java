package dev.hindsight.query;

import dev.hindsight.query.EventFilter.All;
import dev.hindsight.query.EventFilter.Always;
import dev.hindsight.query.EventFilter.Any;
import dev.hindsight.query.EventFilter.HierarchyMatches;
import dev.hindsight.query.EventFilter.KindIs;
import dev.hindsight.query.EventFilter.NameIs;
import dev.hindsight.query.EventFilter.Never;
import dev.hindsight.query.EventFilter.PropertyMatches;
import dev.hindsight.query.EventFilter.TextMatches;
import java.util.List;

/** DuckDB's SQL: RE2 regexes, json_extract_string for properties, date_trunc. */
public final class DuckDbDialect implements Dialect {

    @Override
    public Sql filter(EventFilter f) {
        return switch (f) {
            case Always a -> new Sql().append("TRUE");
            case Never n -> new Sql().append("FALSE");
            case All all -> join(all.of(), " AND ", "TRUE");
            case Any any -> join(any.of(), " OR ", "FALSE");
            case KindIs k -> new Sql().append("kind = ").param(k.kind());
            case NameIs n -> new Sql().append("name = ").param(n.name());
            case HierarchyMatches h -> hierarchy(h);
            case TextMatches t -> text(t);
            case PropertyMatches p -> property(p);
        };
    }

    @Override
    public String timestampParam() {
        return "epoch_ms(?::BIGINT)";
    }

    @Override
    public String truncate(String unit, String column) {
        return "date_trunc('" + unit + "', " + column + ")";
    }

    private Sql join(List<EventFilter> parts, String op, String empty) {
        if (parts.isEmpty()) {
            return new Sql().append(empty);
        }
        Sql sql = new Sql().append("(");
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                sql.append(op);
            }
            sql.append(filter(parts.get(i)));
        }
        return sql.append(")");
    }

    private static Sql hierarchy(HierarchyMatches h) {
        // The literal prefilter runs first: contains() is a vectorised substring scan, the regex is not.
        Sql sql = new Sql().append("(");
        if (!h.literals().isEmpty() && h.literals().stream().noneMatch(List::isEmpty)) {
            sql.append("(");
            for (int i = 0; i < h.literals().size(); i++) {
                if (i > 0) {
                    sql.append(" OR ");
                }
                sql.append("(");
                List<String> all = h.literals().get(i);
                for (int j = 0; j < all.size(); j++) {
                    if (j > 0) {
                        sql.append(" AND ");
                    }
                    sql.append("contains(hierarchy, ").param(all.get(j)).append(")");
                }
                sql.append(")");
            }
            sql.append(") AND ");
        }
        return sql.append("regexp_full_match(hierarchy, ").param(h.regex()).append("))");
    }

    private static Sql text(TextMatches t) {
        String col = t.column().sql();
        return switch (t.op()) {
            case EQUALS -> new Sql().append(col + " = ").param(t.value());
            case CONTAINS -> new Sql().append("contains(" + col + ", ").param(t.value()).append(")");
            case WILDCARD -> new Sql().append(col + " LIKE ").param(like(t.value())).append(" ESCAPE '\\'");
            case REGEX -> new Sql().append("regexp_matches(" + col + ", ").param(t.value()).append(")");
        };
    }

    /** A LIKE pattern from a wildcard pattern: {@code *} is any characters, everything else literal. */
    static String like(String wildcard) {
        StringBuilder sb = new StringBuilder();
        for (char c : wildcard.toCharArray()) {
            switch (c) {
                case '*' -> sb.append('%');
                case '%', '_', '\\' -> sb.append('\\').append(c);
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Sql property(PropertyMatches p) {
        String path = "'$.\"" + p.key().replace("\\", "\\\\").replace("\"", "\\\"").replace("'", "''") + "\"'";
        String raw = "json_extract(properties, " + path + ")";
        String str = "json_extract_string(properties, " + path + ")";
        return switch (p.op()) {
            case "is_set" -> new Sql().append(raw + " IS NOT NULL");
            case "is_not_set" -> new Sql().append(raw + " IS NULL");
            case "contains" -> new Sql().append("contains(" + str + ", ").param(String.valueOf(p.value())).append(")");
            case ">", "<", ">=", "<=" -> new Sql().append("TRY_CAST(" + str + " AS DOUBLE) " + p.op() + " ")
                    .param(((Number) p.value()).doubleValue());
            case "=" -> equality(str, p.value(), false);
            case "!=" -> equality(str, p.value(), true);
            default -> throw new IllegalArgumentException("unknown property operator " + p.op());
        };
    }

    private static Sql equality(String str, Object value, boolean negate) {
        Sql sql = new Sql();
        if (value instanceof Number n) {
            sql.append("TRY_CAST(" + str + " AS DOUBLE) " + (negate ? "IS DISTINCT FROM " : "= ")).param(n.doubleValue());
        } else {
            sql.append(str + (negate ? " IS DISTINCT FROM " : " = ")).param(String.valueOf(value));
        }
        return sql;
    }
}
