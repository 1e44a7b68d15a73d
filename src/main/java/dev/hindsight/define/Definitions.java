package dev.hindsight.define;

import dev.hindsight.error.FieldError;
import dev.hindsight.error.HindsightException;
import dev.hindsight.define.EventFilter.Column;
import dev.hindsight.define.EventFilter.TextOp;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks definitions and compiles their rules to an {@link EventFilter}: rules OR-ed, each rule's conditions
 * AND-ed with its kind. Every problem is reported with the path of its field ({@code rules[1].selector}).
 */
public final class Definitions {
    private Definitions() {
    }

    /**
     * The filter a definition's rules describe. The rules are checked again (a few microseconds), so that a
     * definition saved before a rule existed gets a 400 naming the field rather than failing in the engine.
     */
    public static EventFilter compile(List<Rule> rules) {
        check(rules);
        List<EventFilter> any = new ArrayList<>();
        for (Rule r : rules) {
            any.add(compile(r));
        }
        return any.size() == 1 ? any.get(0) : new EventFilter.Any(any);
    }

    static EventFilter compile(Rule r) {
        List<EventFilter> all = new ArrayList<>();
        all.add(new EventFilter.KindIs(r.kind()));
        if (r.event() != null) {
            all.add(new EventFilter.NameIs(r.event()));
        }
        if (r.selector() != null) {
            HierarchyPattern p = HierarchyPattern.compile(r.selector());
            all.add(new EventFilter.HierarchyMatches(p.regex(), p.literals()));
        }
        text(all, Column.TEXT, TextOp.EQUALS, r.text());
        text(all, Column.TEXT, TextOp.CONTAINS, r.textContains());
        text(all, Column.TEXT, TextOp.REGEX, r.textRegex());
        text(all, Column.HREF, TextOp.EQUALS, r.href());
        text(all, Column.PATH, r.path() != null && r.path().contains("*") ? TextOp.WILDCARD : TextOp.EQUALS, r.path());
        text(all, Column.PATH, TextOp.CONTAINS, r.pathContains());
        text(all, Column.PATH, TextOp.REGEX, r.pathRegex());
        if (r.formId() != null) {
            all.add(new EventFilter.PropertyMatches("form_id", "=", r.formId()));
        }
        if (r.properties() != null) {
            for (PropertyFilter p : r.properties()) {
                all.add(new EventFilter.PropertyMatches(p.key(), p.op(), p.value()));
            }
        }
        return all.size() == 1 ? all.get(0) : new EventFilter.All(all);
    }

    private static void text(List<EventFilter> all, Column column, TextOp op, String value) {
        if (value != null) {
            all.add(new EventFilter.TextMatches(column, op, value));
        }
    }

    /** Refuses rules that cannot be compiled, naming every offending field. */
    public static void check(List<Rule> rules) {
        List<FieldError> errors = new ArrayList<>();
        if (rules == null || rules.isEmpty()) {
            throw HindsightException.field("rules", "at least one rule is required");
        }
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            String at = "rules[" + i + "].";
            if (r == null) {
                errors.add(FieldError.of("rules[" + i + "]", "must be an object"));
                continue;
            }
            if (r.kind() == null || !Rule.KINDS.contains(r.kind())) {
                errors.add(FieldError.of(at + "kind", "must be one of " + Rule.KINDS));
                continue;
            }
            boolean element = List.of("click", "submit", "change").contains(r.kind());
            if (r.selector() != null) {
                if (!element) {
                    errors.add(FieldError.of(at + "selector", "applies to click, submit and change rules only"));
                } else {
                    try {
                        HierarchyPattern.compile(r.selector());
                    } catch (SelectorException e) {
                        errors.add(FieldError.of(at + "selector", e.getMessage()));
                    }
                }
            }
            if (!element && (r.text() != null || r.textContains() != null || r.textRegex() != null || r.href() != null)) {
                errors.add(FieldError.of(at + "text", "text and href conditions apply to click, submit and change rules only"));
            }
            if (r.event() != null && !r.kind().equals("custom")) {
                errors.add(FieldError.of(at + "event", "applies to custom rules only"));
            }
            if (r.kind().equals("custom") && (r.event() == null || r.event().isBlank())) {
                errors.add(FieldError.of(at + "event", "is required for a custom rule: the custom event's name"));
            }
            if (r.formId() != null && !r.kind().equals("submit")) {
                errors.add(FieldError.of(at + "form_id", "applies to submit rules only"));
            }
            regex(errors, at + "text_regex", r.textRegex());
            regex(errors, at + "path_regex", r.pathRegex());
            if (r.properties() != null) {
                for (int j = 0; j < r.properties().size(); j++) {
                    PropertyFilter p = r.properties().get(j);
                    String pat = at + "properties[" + j + "].";
                    if (p == null || p.key() == null || p.key().isBlank()) {
                        errors.add(FieldError.of(pat + "key", "is required"));
                        continue;
                    }
                    if (!validText(p.key())) {
                        // No stored property has such a key, and the engine cannot take NUL in a JSON path.
                        errors.add(FieldError.of(pat + "key", "must be valid Unicode text without NUL"));
                        continue;
                    }
                    if (BuiltIns.isBuiltIn(p.key()) && BuiltIns.problem(p.key()) != null) {
                        errors.add(FieldError.of(pat + "key", BuiltIns.problem(p.key())));
                        continue;
                    }
                    if (p.op() == null || !PropertyFilter.OPS.contains(p.op())) {
                        errors.add(FieldError.of(pat + "op", "must be one of " + PropertyFilter.OPS));
                    } else if (List.of(">", "<", ">=", "<=").contains(p.op()) && !(p.value() instanceof Number)) {
                        errors.add(FieldError.of(pat + "value", "must be a number for '" + p.op() + "'"));
                    } else if (!p.op().startsWith("is_") && (p.value() == null || !(p.value() instanceof String
                            || p.value() instanceof Number || p.value() instanceof Boolean))) {
                        errors.add(FieldError.of(pat + "value", "must be a string, number or boolean"));
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw HindsightException.validation(errors.size() + " problem(s) in the rules", errors);
        }
    }

    /** Whether {@code s} has no NUL and no lone surrogate. */
    private static boolean validText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || Character.isLowSurrogate(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    /** Refuses what RE2 (the engine of DuckDB and ClickHouse) would not take: see {@link Re2Rules}. */
    private static void regex(List<FieldError> errors, String field, String regex) {
        if (regex != null) {
            Re2Rules.problem(regex).ifPresent(why -> errors.add(FieldError.of(field, why)));
        }
    }
}
