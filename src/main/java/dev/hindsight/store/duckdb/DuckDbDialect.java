package dev.hindsight.store.duckdb;

import dev.hindsight.define.BuiltIns;
import dev.hindsight.define.EventFilter;
import dev.hindsight.define.EventFilter.All;
import dev.hindsight.define.EventFilter.Always;
import dev.hindsight.define.EventFilter.Any;
import dev.hindsight.define.EventFilter.HierarchyMatches;
import dev.hindsight.define.EventFilter.KindIs;
import dev.hindsight.define.EventFilter.NameIs;
import dev.hindsight.define.EventFilter.Never;
import dev.hindsight.define.EventFilter.PropertyMatches;
import dev.hindsight.define.EventFilter.TextMatches;
import java.util.List;

/** DuckDB's SQL: RE2 regexes, json_extract_string for properties (built-ins: {@link BuiltInSql}), date_trunc. */
public final class DuckDbDialect implements Dialect {

    @Override
    public Sql filter(EventFilter f) {
        return switch (f) {
            case Always a -> new Sql().append("TRUE");
            case Never n -> new Sql().append("FALSE");
            case All all -> join(all.of(), " AND ", "TRUE");
            case Any any -> any(any);
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
    public String timestamp(String isoDate) {
        return "TIMESTAMP '" + isoDate + "'";
    }

    @Override
    public String epochMs(String timestamp) {
        return "epoch_ms(" + timestamp + ")";
    }

    @Override
    public String epochUs(String timestamp) {
        return "epoch_us(" + timestamp + ")";
    }

    @Override
    public String truncate(String unit, String column) {
        return "date_trunc('" + unit + "', " + column + ")";
    }

    @Override
    public String plusMs(String timestamp, long ms) {
        return "(" + timestamp + " + to_milliseconds(" + ms + "))";
    }

    @Override
    public String property(String key) {
        if (BuiltIns.isBuiltIn(key)) {
            return BuiltInSql.value(key);
        }
        return "json_extract_string(properties, " + jsonPath(key) + ")";
    }

    /** JSON's number syntax (RFC 8259), which RE2 (DuckDB's regex engine) and java.util.regex read alike. */
    static final String NUMBER_SYNTAX = "-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?";

    @Override
    public String number(String key) {
        String text = property(key);
        // TRY_CAST alone would also take ' 5', 'inf', 'NaN' and '1_000'; the syntax check keeps to numbers.
        return "CASE WHEN regexp_full_match(" + text + ", '" + NUMBER_SYNTAX + "') AND isfinite(TRY_CAST(" + text
                + " AS DOUBLE)) THEN TRY_CAST(" + text + " AS DOUBLE) END";
    }

    @Override
    public String intDiv(String a, String b) {
        return "(" + a + ") // (" + b + ")";
    }

    @Override
    public String monthNumber(String timestamp) {
        return "(year(" + timestamp + ") * 12 + month(" + timestamp + "))";
    }

    @Override
    public String firstIf(String value, String order, String condition) {
        return "first(" + value + " ORDER BY " + order + ")" + (condition == null ? "" : " FILTER (WHERE " + condition + ")");
    }

    @Override
    public String jsonObjectAgg(String key, String jsonValue) {
        return "json_group_object(" + key + ", " + jsonValue + "::JSON)::VARCHAR";
    }

    // The store's actors dictionary keys devices as 'd:' || device_id and identities as 'i:' || identity.
    @Override
    public String userLabels() {
        return "(SELECT id AS user_key, CASE WHEN starts_with(key, 'd:') THEN 'device:' || substr(key, 3)"
                + " ELSE substr(key, 3) END AS label FROM actors)";
    }

    @Override
    public Sql userKeysLabelled(String label) {
        return new Sql().append("(SELECT id FROM actors WHERE key = 'i:' || ").param(label)
                .append(" OR (starts_with(").param(label).append(", 'device:') AND key = 'd:' || substr(").param(label)
                .append(", 8)))");
    }

    @Override
    public String identityUserKeys() {
        return "(SELECT substr(key, 3) AS identity, id AS user_key FROM actors WHERE starts_with(key, 'i:'))";
    }

    @Override
    public String deviceUserKeys() {
        return "(SELECT substr(key, 3) AS device_id, id AS user_key FROM actors WHERE starts_with(key, 'd:'))";
    }

    /** A JSON path naming one top-level key, as a SQL string literal. */
    static String jsonPath(String key) {
        return "'$.\"" + key.replace("\\", "\\\\").replace("\"", "\\\"").replace("'", "''") + "\"'";
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

    /**
     * An OR, factored (see {@link Any#factored}); an OR of selectors alone is one lookup in the dictionary of
     * hierarchies rather than one per selector.
     */
    private Sql any(Any any) {
        EventFilter f = any.factored();
        if (!(f instanceof Any a)) {
            return filter(f);
        }
        if (a.of().size() > 1 && a.of().stream().allMatch(HierarchyMatches.class::isInstance)) {
            Sql sql = new Sql().append("hierarchy_id IN (SELECT id FROM hierarchies WHERE ");
            for (int i = 0; i < a.of().size(); i++) {
                sql.append(i == 0 ? "" : " OR ").append(hierarchyMatch("hierarchy", (HierarchyMatches) a.of().get(i)));
            }
            return sql.append(")");
        }
        return join(a.of(), " OR ", "FALSE");
    }

    /**
     * A selector's condition: the regex runs over the dictionary of distinct hierarchies (thousands of rows, not
     * millions), and events match on the integer {@code hierarchy_id}. The literal prefilter runs before the regex:
     * contains() is a vectorised substring scan, the regex is not.
     */
    private static Sql hierarchy(HierarchyMatches h) {
        return new Sql().append("hierarchy_id IN (SELECT id FROM hierarchies WHERE ")
                .append(hierarchyMatch("hierarchy", h)).append(")");
    }

    /** The condition that {@code column}, a hierarchy string, satisfies the selector: literal prefilter, then regex. */
    public static Sql hierarchyMatch(String column, HierarchyMatches h) {
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
                    sql.append("contains(" + column + ", ").param(all.get(j)).append(")");
                }
                sql.append(")");
            }
            sql.append(") AND ");
        }
        return sql.append("regexp_full_match(" + column + ", ").param(h.regex()).append("))");
    }

    private static Sql text(TextMatches t) {
        String col = column(t.column());
        return switch (t.op()) {
            case EQUALS -> new Sql().append(col + " = ").param(t.value());
            case CONTAINS -> new Sql().append("contains(" + col + ", ").param(t.value()).append(")");
            case WILDCARD -> wildcard(col, t.value());
            case REGEX -> new Sql().append("regexp_matches(" + col + ", ").param(t.value()).append(")");
        };
    }

    /** The events table's column of a text field. */
    public static String column(EventFilter.Column c) {
        return switch (c) {
            case TEXT -> "target_text";
            case HREF -> "href";
            case PATH -> "path";
            case URL -> "url";
        };
    }

    /**
     * The condition that {@code col} matches a wildcard pattern. The common shapes ({@code /products/*},
     * {@code *.pdf}, {@code *checkout*}, no wildcard) become prefix, suffix, substring and equality tests, which the
     * engine runs about twice as fast as a LIKE with an escape clause; any other shape is a LIKE.
     */
    static Sql wildcard(String col, String pattern) {
        int stars = (int) pattern.chars().filter(c -> c == '*').count();
        boolean lead = pattern.startsWith("*");
        boolean trail = pattern.endsWith("*") && pattern.length() > 1;
        String inner = pattern.substring(lead ? 1 : 0, pattern.length() - (trail ? 1 : 0));
        if (stars == 0) {
            return new Sql().append(col + " = ").param(pattern);
        } else if (stars == 1 && trail) {
            return new Sql().append("starts_with(" + col + ", ").param(inner).append(")");
        } else if (stars == 1 && lead) {
            return new Sql().append("ends_with(" + col + ", ").param(inner).append(")");
        } else if (stars == 2 && lead && trail) {
            return new Sql().append("contains(" + col + ", ").param(inner).append(")");
        }
        return new Sql().append(col + " LIKE ").param(like(pattern)).append(" ESCAPE '\\'");
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
        if (BuiltIns.isBuiltIn(p.key())) {
            return BuiltInSql.filter(p);
        }
        String path = jsonPath(p.key());
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

    /**
     * Whether a property whose text is {@code text} has it in the properties' JSON text as is, between quotes: it
     * cannot be a number, boolean or null (whose text has no quotes), and the writer (Jackson) escapes nothing in
     * it (only quotes, backslashes and control characters, and nothing in printable ASCII otherwise).
     */
    static boolean quotedInJson(String text) {
        if (text.isEmpty() || text.equals("true") || text.equals("false") || text.equals("null")) {
            return false;
        }
        char first = text.charAt(0);
        if (first >= '0' && first <= '9' || "-+.[{".indexOf(first) >= 0 || text.equals("NaN") || text.equals("Infinity")) {
            return false;
        }
        return text.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '"' && c != '\\');
    }

    private static Sql equality(String str, Object value, boolean negate) {
        Sql sql = new Sql();
        if (value instanceof Number n) {
            sql.append("TRY_CAST(" + str + " AS DOUBLE) " + (negate ? "IS DISTINCT FROM " : "= ")).param(n.doubleValue());
        } else {
            String text = String.valueOf(value);
            if (!negate && quotedInJson(text)) {
                // A cheap test of the JSON text before parsing it.
                return sql.append("(contains(properties, ").param('"' + text + '"').append(") AND " + str + " = ")
                        .param(text).append(")");
            }
            sql.append(str + (negate ? " IS DISTINCT FROM " : " = ")).param(text);
        }
        return sql;
    }
}
