package dev.hindsight.bench;

import dev.hindsight.query.Analysis;
import dev.hindsight.query.Analysis.Scope;
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
import dev.hindsight.store.duckdb.DuckDbDialect;
import dev.hindsight.store.duckdb.Sql;
import java.util.List;

/**
 * The query benchmark's PostgreSQL 15 SQL for the four analyses, written to have exactly the semantics of
 * Hindsight's (dev.hindsight.store.duckdb: Identities, AnalysisSql, RetentionSql, PathsSql, SessionSql; and the
 * query package's FunnelQuery and PathsQuery):
 * the same identity resolution through identity_links with the same span rules, the same literal prefilter before
 * the selector regex (as LIKE, which a pg_trgm index can serve), and the same funnel, retention and paths logic,
 * all of it in SQL (Hindsight computes the funnel's steps in Java, FunnelKernel, over its engine's scans). Where DuckDB has a construct PostgreSQL lacks, the equivalent is spelled out: ASOF LEFT JOIN
 * becomes a running min over the user's step events in reverse time order, QUALIFY a row_number subquery,
 * median percentile_cont(0.5), any_value min (all values of a run are equal), url_decode a SQL function.
 */
final class PgSql {

    /** The SQL function decoding %XX escapes (DuckDB's url_decode), created once per database. */
    static final String URL_DECODE = """
            CREATE FUNCTION hs_url_decode(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
              SELECT CASE WHEN strpos(s, '%') = 0 THEN s ELSE (SELECT convert_from(string_agg(CASE
                WHEN m[1] IS NOT NULL THEN decode(substr(m[1], 2), 'hex') ELSE convert_to(m[2], 'UTF8') END,
                ''::bytea ORDER BY ord), 'UTF8')
                FROM regexp_matches(s, '(%[0-9A-Fa-f]{2})|([^%]+|%)', 'g') WITH ORDINALITY AS t(m, ord)) END
            $$""";

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

    public String timestampParam() {
        return "(TIMESTAMP 'epoch' + ?::bigint * INTERVAL '1 millisecond')";
    }

    public String truncate(String unit, String column) {
        return "date_trunc('" + unit + "', " + column + ")";
    }

    private static String epochMs(String ts) {
        return "(extract(epoch FROM " + ts + ") * 1000)::bigint";
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
                    sql.append("hierarchy LIKE ").param("%" + escapeLike(all.get(j)) + "%");
                }
                sql.append(")");
            }
            sql.append(") AND ");
        }
        // regexp_full_match: anchored at both ends.
        return sql.append("hierarchy ~ ").param("^(?:" + h.regex() + ")$").append(")");
    }

    private static String escapeLike(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static Sql text(TextMatches t) {
        String col = DuckDbDialect.column(t.column());
        return switch (t.op()) {
            case EQUALS -> new Sql().append(col + " = ").param(t.value());
            case CONTAINS -> new Sql().append("strpos(" + col + ", ").param(t.value()).append(") > 0");
            case WILDCARD -> new Sql().append(col + " LIKE ").param(like(t.value()));
            case REGEX -> new Sql().append(col + " ~ ").param(t.value());
        };
    }

    private static String like(String wildcard) {
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
        String str = "(properties ->> " + quote(p.key()) + ")";
        return switch (p.op()) {
            case "is_set" -> new Sql().append("properties ? " + quote(p.key()));
            case "=" -> {
                if (p.value() instanceof Number) {
                    throw new UnsupportedOperationException("numeric property equality is not needed by the benchmark");
                }
                yield new Sql().append(str + " = ").param(String.valueOf(p.value()));
            }
            default -> throw new UnsupportedOperationException("operator " + p.op() + " is not needed by the benchmark");
        };
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Identities.events: the CTE {@code ev} with user_key, in PostgreSQL. */
    Sql events(Scope scope, EventFilter filter) {
        Sql sql = links(scope).append(", ev AS (SELECT * FROM (").append(resolved(scope, filter)).append(") r");
        if (scope.cohort() != null) {
            // Identities.cohort: only the events of the cohort's members (CohortSql.members, for Did rules).
            sql.append(scope.cohort().not() ? " WHERE user_key NOT IN (" : " WHERE user_key IN (")
                    .append(members(scope.envId(), scope.cohort().cohort().definition(), scope.cohort().nowMs()))
                    .append(")");
        }
        return sql.append(")");
    }

    /**
     * CohortSql.members for a rule of {@code did} conditions under {@code all}: the users (resolved as the events are)
     * whose events matching each condition in [now - within, now) number within its bounds.
     */
    Sql members(long envId, dev.hindsight.query.Membership m, long nowMs) {
        List<dev.hindsight.query.Membership> leaves = m instanceof dev.hindsight.query.Membership.All a ? a.of() : List.of(m);
        Sql sql = new Sql();
        for (int i = 0; i < leaves.size(); i++) {
            if (!(leaves.get(i) instanceof dev.hindsight.query.Membership.Did d) || d.atLeast() < 1) {
                throw new UnsupportedOperationException("only did-at-least rules are needed by the benchmark");
            }
            Scope window = new Scope(envId, Math.max(0, nowMs - d.withinMs()), nowMs);
            sql.append(i == 0 ? "" : " INTERSECT ").append("SELECT user_key FROM (").append(resolved(window, d.event()))
                    .append(") d" + i + " GROUP BY user_key HAVING count(*) >= ").param(d.atLeast());
            if (d.atMost() != null) {
                sql.append(" AND count(*) <= ").param(d.atMost());
            }
        }
        return sql;
    }

    /**
     * The CTE {@code links}: each link with the span of its device's time it covers (Identities.links). Not
     * materialized: a cohort filter reads it twice, and a materialized CTE has no statistics, so that PostgreSQL
     * joined the events to it in a nested loop (over 300 s for the retention in a cohort at 2 million events).
     */
    private Sql links(Scope scope) {
        return new Sql()
                .append("links AS NOT MATERIALIZED (SELECT device_id, identity, undone_at,"
                        + " CASE WHEN row_number() OVER w = 1 THEN TIMESTAMP '1970-01-01' ELSE valid_from END AS span_from,"
                        + " coalesce(lead(valid_from) OVER w, TIMESTAMP '9999-12-31') AS span_to"
                        + " FROM identity_links WHERE env_id = ").param(scope.envId())
                .append(" WINDOW w AS (PARTITION BY device_id ORDER BY valid_from, id))");
    }

    /** The scope's events matching {@code filter}, all columns, with user_key resolved through {@code links}. */
    private Sql resolved(Scope scope, EventFilter filter) {
        return new Sql().append("SELECT e.*, coalesce(e.identity, l.identity, 'device:' || e.device_id) AS user_key")
                .append(" FROM (SELECT * FROM events WHERE env_id = ").param(scope.envId())
                .append(" AND time >= " + timestampParam()).params(scope.fromMs())
                .append(" AND time < " + timestampParam()).params(scope.toMs())
                .append(" AND ").append(filter(filter)).append(") e")
                .append(" LEFT JOIN links l ON l.device_id = e.device_id AND l.undone_at IS NULL")
                .append(" AND e.time >= l.span_from AND e.time < l.span_to");
    }

    /** AnalysisSql.graphSeries without breakdown: rows (bucket epoch ms, value). */
    Sql graph(Analysis.Graph g) {
        Analysis.Series s = g.series().get(0);
        String measure = switch (s.measure()) {
            case "count" -> "count(*)";
            case "users" -> "count(DISTINCT user_key)";
            case "sessions" -> "count(DISTINCT session_id)";
            case "sum" -> "sum(x)";
            default -> throw new IllegalArgumentException(s.measure());
        };
        if (s.property() == null) {
            return new Sql().append("WITH ").append(events(g.scope(), s.event().filter()))
                    .append(" SELECT " + epochMs(truncate(g.interval(), "time")) + " AS t, " + measure
                            + " FROM ev GROUP BY 1 ORDER BY 1");
        }
        // A numeric value: JSON's number syntax (a JSON number's text has it too), finite as a double. PostgreSQL has
        // no TRY_CAST: a text beyond a double's range (1e400) would fail the cast; the generator sends none.
        String text = "(properties ->> '" + s.property().replace("'", "''") + "')";
        String x = "CASE WHEN " + text + " ~ '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$' THEN " + text
                + "::float8 END";
        if (g.breakdown() != null) {
            return graphBreakdown(g, measure, x);
        }
        return new Sql().append("WITH ").append(events(g.scope(), s.event().filter()))
                .append(" SELECT " + epochMs(truncate(g.interval(), "time")) + " AS t, " + measure
                        + " FROM (SELECT time, " + x + " AS x FROM ev) n WHERE x IS NOT NULL AND x <> 'Infinity'::float8"
                        + " AND x <> '-Infinity'::float8 GROUP BY 1 ORDER BY 1");
    }

    /**
     * A property measure broken down by a property (AnalysisSql.graphSeries): rows (bucket epoch ms, value, x). The
     * events are read unresolved (a property measure needs no users). A session-level built-in is worked out from
     * each session's first event (by time, then seq; an event without a session from its own columns), which
     * PostgreSQL finds through the index on (session_id, time, seq) for the sessions of the series' events only.
     * The top values are those of the series' events, by events.
     */
    private Sql graphBreakdown(Analysis.Graph g, String measure, String x) {
        Analysis.Series s = g.series().get(0);
        String key = g.breakdown().property();
        boolean session = dev.hindsight.define.BuiltIns.ALL.get(key) == dev.hindsight.define.BuiltIns.Level.SESSION;
        Scope sc = g.scope();
        Sql sql = new Sql().append("WITH ev AS (SELECT * FROM events WHERE env_id = ").param(sc.envId())
                .append(" AND time >= " + timestampParam()).params(sc.fromMs())
                .append(" AND time < " + timestampParam()).params(sc.toMs())
                .append(" AND ").append(filter(s.event().filter())).append(")");
        if (session) {
            sql.append(", fs AS (SELECT DISTINCT ON (session_id) session_id, referrer, url, query FROM events"
                    + " WHERE env_id = ").param(sc.envId())
                    .append(" AND session_id IN (SELECT session_id FROM ev) ORDER BY session_id, time, seq)")
                    .append(", eb AS (SELECT ev.time, ev.properties, CASE WHEN ev.session_id IS NULL THEN "
                            + sessionBuiltIn(key, "ev.") + " ELSE " + sessionBuiltIn(key, "fs.") + " END AS bv"
                            + " FROM ev LEFT JOIN fs ON fs.session_id = ev.session_id)");
        } else {
            sql.append(", eb AS (SELECT time, properties, " + value(key) + " AS bv FROM ev)");
        }
        sql.append(", top AS (SELECT bv AS v FROM eb WHERE bv IS NOT NULL GROUP BY bv ORDER BY count(*) DESC, bv LIMIT ")
                .param(g.breakdown().limit()).append(")");
        return sql.append(" SELECT " + epochMs(truncate(g.interval(), "time")) + " AS t, CASE WHEN bv IN (SELECT v FROM top)"
                + " THEN bv WHEN bv IS NULL THEN '(none)' ELSE '(other)' END AS b, " + measure
                + " FROM (SELECT time, bv, " + x + " AS x FROM eb) n WHERE x IS NOT NULL AND x <> 'Infinity'::float8"
                + " AND x <> '-Infinity'::float8 GROUP BY 1, 2 ORDER BY 1, 2");
    }

    /** An event-level property's value as text (BuiltInSql.event for the built-ins the benchmark uses). */
    private static String value(String key) {
        return switch (key) {
            case "$browser", "$os", "$device_type", "$path", "$url" -> "nullif(" + key.substring(1) + ", '')";
            default -> {
                if (key.startsWith("$")) {
                    throw new UnsupportedOperationException("built-in " + key + " is not needed by the benchmark");
                }
                yield "(properties ->> " + quote(key) + ")";
            }
        };
    }

    /** BuiltInSql.session in PostgreSQL, over the columns of the relation {@code p} ("fs.", "ev."). */
    private static String sessionBuiltIn(String key, String p) {
        return switch (key) {
            case "$channel" -> channel(p);
            case "$referrer" -> "nullif(" + p + "referrer, '')";
            case "$referring_domain" -> host(p + "referrer");
            case "$utm_source", "$utm_medium", "$utm_campaign", "$utm_term", "$utm_content" ->
                    queryParam(p + "query", key.substring(1));
            default -> throw new UnsupportedOperationException("built-in " + key + " is not needed by the benchmark");
        };
    }

    /** BuiltInSql.channel (BuiltIns.channel rule by rule) in PostgreSQL. */
    private static String channel(String p) {
        String query = p + "query";
        String medium = "lower(" + queryParam(query, "utm_medium") + ")";
        String source = "lower(" + queryParam(query, "utm_source") + ")";
        String referrer = host(p + "referrer");
        String clickIds = "(coalesce(" + query + ", '') ~ '(^|&)(" + String.join("|", dev.hindsight.define.BuiltIns.CLICK_IDS)
                + ")(=|&|$)')";
        String social = "(string_to_array(" + referrer + ", '.') && " + array(dev.hindsight.define.BuiltIns.SOCIAL_LABELS)
                + " OR " + dev.hindsight.define.BuiltIns.SOCIAL_HOSTS.stream().sorted().map(h -> referrer + " = " + quote(h)
                        + " OR right(" + referrer + ", " + (h.length() + 1) + ") = " + quote("." + h))
                        .collect(java.util.stream.Collectors.joining(" OR ")) + ")";
        String search = "(string_to_array(" + referrer + ", '.') && " + array(dev.hindsight.define.BuiltIns.SEARCH_LABELS) + ")";
        return "(CASE WHEN " + medium + " IN " + in(dev.hindsight.define.BuiltIns.PAID_MEDIUMS) + " OR " + medium
                + " LIKE 'paid%' OR " + clickIds + " THEN 'paid'"
                + " WHEN " + medium + " IN " + in(dev.hindsight.define.BuiltIns.EMAIL_MEDIUMS) + " OR " + source + " IN "
                + in(dev.hindsight.define.BuiltIns.EMAIL_SOURCES) + " THEN 'email'"
                + " WHEN " + medium + " IN " + in(dev.hindsight.define.BuiltIns.SOCIAL_MEDIUMS) + " OR coalesce(" + social
                + ", FALSE) THEN 'social'"
                + " WHEN coalesce(" + search + ", FALSE) THEN 'search'"
                + " WHEN " + referrer + " IS NOT NULL AND " + referrer + " IS DISTINCT FROM " + host(p + "url")
                + " THEN 'referral' ELSE 'direct' END)";
    }

    /** BuiltInSql.host: the lower-cased host of a URL, NULL when it has none. */
    private static String host(String url) {
        return "nullif(lower((regexp_match(" + url + ", " + quote(dev.hindsight.define.BuiltIns.HOST_REGEX) + "))[1]), '')";
    }

    /** BuiltInSql.param: the first value of a query parameter, %XX-decoded, NULL when empty. */
    private static String queryParam(String query, String name) {
        return "nullif(hs_url_decode((regexp_match(" + query + ", '(?:^|&)" + name + "=([^&]*)'))[1]), '')";
    }

    private static String in(java.util.Collection<String> values) {
        return "(" + values.stream().sorted().map(PgSql::quote).collect(java.util.stream.Collectors.joining(", ")) + ")";
    }

    private static String array(java.util.Collection<String> values) {
        return "ARRAY[" + values.stream().sorted().map(PgSql::quote).collect(java.util.stream.Collectors.joining(", "))
                + "]::text[]";
    }

    /**
     * The funnel without breakdown: one row, per step the users reaching it, per step k >= 2 the median ms from
     * step k-1, per step k < n the first 100 user keys whose furthest step is k.
     */
    Sql funnel(Analysis.Funnel f) {
        int n = f.steps().size();
        Scope wide = new Scope(f.scope().envId(), f.scope().fromMs(), f.scope().toMs() + f.windowMs());
        EventFilter any = new Any(f.steps().stream().map(Analysis.EventSpec::filter).toList());
        Sql sql = new Sql().append("WITH ").append(events(wide, any));
        sql.append(", m AS (SELECT user_key, time");
        for (int k = 1; k <= n; k++) {
            sql.append(", coalesce(").append(filter(f.steps().get(k - 1).filter())).append(", FALSE) AS m" + k);
        }
        // A breakdown's value is the step-1 event's (b), carried along with its attempt.
        String bk = f.breakdown() == null ? null : f.breakdown().property();
        sql.append(bk == null ? "" : ", " + value(bk) + " AS bv").append(" FROM ev)");
        sql.append(", a1 AS (SELECT user_key, time AS t1" + (bk == null ? "" : ", bv AS b")
                + " FROM m WHERE m1 AND time < " + timestampParam() + ")").params(f.scope().toMs());
        for (int k = 2; k <= n; k++) {
            StringBuilder prev = new StringBuilder(bk == null ? "" : ", b");
            StringBuilder nulls = new StringBuilder(bk == null ? "" : ", NULL::text");
            for (int j = 1; j < k; j++) {
                prev.append(", t" + j);
                nulls.append(", NULL::timestamp");
            }
            // The ASOF LEFT JOIN: for each attempt, the earliest step-k event of the user strictly after t(k-1).
            // In reverse time order (attempts before step events of the same time, so those are not "after"),
            // that is the running min of the step events seen so far.
            sql.append(", a" + k + " AS (SELECT user_key" + prev + ", CASE WHEN nx - t1 <= INTERVAL '" + f.windowMs()
                    + " milliseconds' THEN nx END AS t" + k + " FROM (SELECT *, min(time) FILTER (WHERE is_s) OVER"
                    + " (PARTITION BY user_key ORDER BY time DESC, is_s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
                    + " AS nx FROM (SELECT user_key" + prev + ", t" + (k - 1) + " AS time, FALSE AS is_s FROM a" + (k - 1)
                    + " UNION ALL SELECT user_key" + nulls + ", time, TRUE FROM m WHERE m" + k + ") x) y WHERE NOT is_s)");
        }
        StringBuilder reached = new StringBuilder("1");
        for (int k = 2; k <= n; k++) {
            reached.append(" + (t" + k + " IS NOT NULL)::int");
        }
        sql.append(", r AS (SELECT *, " + reached + " AS reached FROM a" + n + ")");
        // The user's result: the attempt reaching furthest, the earliest, then the smallest breakdown value.
        sql.append(", u AS (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY user_key ORDER BY reached DESC, t1"
                + (bk == null ? "" : ", b") + ") AS rn FROM r) q WHERE rn = 1)");
        if (bk != null) {
            // Rows (value, users per step): the limit values with most users, the rest "(other)", none "(none)".
            sql.append(", top AS (SELECT b FROM u WHERE b IS NOT NULL GROUP BY b ORDER BY count(*) DESC, b LIMIT ")
                    .param(f.breakdown().limit()).append(")");
            sql.append(" SELECT CASE WHEN b IN (SELECT b FROM top) THEN b WHEN b IS NULL THEN '(none)' ELSE '(other)' END");
            for (int k = 1; k <= n; k++) {
                sql.append(", count(*) FILTER (WHERE reached >= " + k + ")");
            }
            return sql.append(" FROM u GROUP BY 1 ORDER BY 1");
        }
        sql.append(" SELECT TRUE");
        for (int k = 1; k <= n; k++) {
            sql.append(", count(*) FILTER (WHERE reached >= " + k + ")");
        }
        for (int k = 2; k <= n; k++) {
            sql.append(", percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t" + k + " - t" + (k - 1)
                    + ") * 1000) FILTER (WHERE reached >= " + k + ")");
        }
        for (int k = 1; k < n; k++) {
            sql.append(", ((array_agg(user_key ORDER BY user_key) FILTER (WHERE reached = " + k + "))[1:100])::text");
        }
        return sql.append(" FROM u");
    }

    /** RetentionSql: rows (cohort epoch ms, k, users); k = -1 is the cohort's size. */
    Sql retention(Analysis.Retention r, long periodMs) {
        EventFilter any = new Any(List.of(r.start().filter(), r.returning().filter()));
        Sql sql = new Sql().append("WITH ").append(events(r.scope(), any));
        sql.append(", m AS (SELECT user_key, time, coalesce(").append(filter(r.start().filter()))
                .append(", FALSE) AS s, coalesce(").append(filter(r.returning().filter())).append(", FALSE) AS r FROM ev)");
        sql.append(", c AS (SELECT user_key, min(time) AS first, " + truncate(r.period(), "min(time)")
                + " AS cohort FROM m WHERE s GROUP BY user_key)");
        sql.append(", k AS (SELECT DISTINCT c.user_key, c.cohort, floor(extract(epoch FROM m.time - c.cohort) * 1000 / "
                + periodMs + ")::bigint AS k FROM c JOIN m ON m.user_key = c.user_key AND m.r AND m.time >= c.first)");
        sql.append(" SELECT " + epochMs("cohort") + " AS t, -1 AS k, count(*) AS users FROM c GROUP BY cohort");
        return sql.append(" UNION ALL SELECT " + epochMs("cohort") + ", k, count(*) FROM k WHERE k <= ")
                .param(r.periods()).append(" GROUP BY cohort, k");
    }

    /** PathsQuery.sql with raw labels: rows (step, prev label, label, occurrences). */
    Sql paths(Analysis.Paths p) {
        if (!p.labelWith().isEmpty()) {
            throw new UnsupportedOperationException("label_with is not needed by the benchmark");
        }
        String w = "(PARTITION BY user_key, session_id IS NULL ORDER BY time, seq)";
        String rawLabel = "CASE WHEN kind = 'pageview' THEN concat_ws(' ', 'pageview', path)"
                + " WHEN kind = 'custom' THEN name"
                + " ELSE concat_ws(' ', kind, coalesce(nullif(target_text, ''),"
                + " nullif(hs_url_decode(substring(hierarchy FROM '([^|\\[:]*)[^|]*$')), ''))) END";
        String order = "(PARTITION BY session_key ORDER BY time, seq)";
        String range = p.before() ? "o.run - " + p.depth() + " AND o.run - 1" : "o.run + 1 AND o.run + " + p.depth();
        return new Sql().append("WITH ").append(events(p.scope(), new Always()))
                .append(", sk AS (SELECT *, CASE WHEN session_id IS NULL AND (lag(time) OVER " + w + " IS NULL"
                        + " OR time - lag(time) OVER " + w + " > INTERVAL '30 minutes') THEN 1 ELSE 0 END AS brk FROM ev)")
                .append(", ss AS (SELECT *, CASE WHEN session_id IS NOT NULL THEN 's:' || session_id"
                        + " ELSE 'u:' || user_key || ':' || sum(brk) OVER (PARTITION BY user_key, session_id IS NULL"
                        + " ORDER BY time, seq ROWS UNBOUNDED PRECEDING) END AS session_key FROM sk)")
                .append(", lab AS (SELECT session_key, time, seq, coalesce(").append(filter(p.start().filter()))
                .append(", FALSE) AS is_start, " + rawLabel + " AS label FROM ss)")
                .append(", chg AS (SELECT *, CASE WHEN label IS NOT DISTINCT FROM lag(label) OVER " + order
                        + " THEN 0 ELSE 1 END AS c FROM lab WHERE label IS NOT NULL)")
                .append(", stream AS (SELECT *, sum(c) OVER (PARTITION BY session_key ORDER BY time, seq"
                        + " ROWS UNBOUNDED PRECEDING) AS run FROM chg)")
                .append(", runs AS (SELECT session_key, run, min(label) AS label FROM stream GROUP BY session_key, run)")
                .append(", occ AS (SELECT session_key, run, row_number() OVER () AS occ FROM stream WHERE is_start)")
                .append(", steps AS (SELECT o.occ, abs(r.run - o.run) AS step, r.label FROM occ o JOIN runs r"
                        + " ON r.session_key = o.session_key AND r.run BETWEEN " + range + ")")
                .append(" SELECT 0 AS step, NULL::text AS prev, NULL::text AS label, count(*) AS n FROM occ UNION ALL"
                        + " SELECT step, prev, label, count(*) FROM (SELECT step, label,"
                        + " lag(label) OVER (PARTITION BY occ ORDER BY step) AS prev FROM steps) x GROUP BY step, prev, label");
    }
}
