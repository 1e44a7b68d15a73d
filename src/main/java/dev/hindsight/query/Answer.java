package dev.hindsight.query;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * An analysis's answer, as {@code POST /api/query} writes it (which adds the query's {@link Range}): one
 * record per kind of {@link Analysis}, every switch over kinds exhaustive. Members are written in the order of the
 * components, under the snake_case names given; a component marked {@link JsonInclude.Include#NON_NULL} is left out
 * when null, any other is written as null. Semantics are in each kind's query class ({@link GraphQuery},
 * {@link FunnelQuery}, {@link RetentionQuery}, {@link PathsQuery}, {@link UsersQuery}, {@link SessionsQuery}).
 */
public sealed interface Answer {

    /** A graph's answer: its series' lines, and its formulas' lines when it has formulas (else left out). */
    record Graph(List<Line> series, @JsonInclude(JsonInclude.Include.NON_NULL) List<FormulaLine> formulas)
            implements Answer {
    }

    /**
     * One line of a graph series: the series' event label and measure, its property and aggregate when it has
     * them, its breakdown value when the graph has a breakdown, and a point per interval.
     */
    record Line(String label, String measure, @JsonInclude(JsonInclude.Include.NON_NULL) String property,
            @JsonInclude(JsonInclude.Include.NON_NULL) String aggregate,
            @JsonInclude(JsonInclude.Include.NON_NULL) String breakdown, List<Point> points) {
    }

    /** One line of a graph formula: its name and expression, its breakdown value when the graph has one, its points. */
    record FormulaLine(String name, String expression, @JsonInclude(JsonInclude.Include.NON_NULL) String breakdown,
            List<Point> points) {
    }

    /**
     * A line's value at the interval starting at {@code t} (an instant): a {@link Long} for a counting measure
     * (written as a whole number), else a {@link Double} or null.
     */
    record Point(String t, Number value) {
    }

    /**
     * A funnel's answer: its steps and drop-offs over every user, a group per breakdown value (left out without a
     * breakdown), and the page of users asked for (left out when none was).
     */
    record Funnel(List<Step> steps, @JsonProperty("dropped_off") List<DroppedOff> droppedOff,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<FunnelGroup> breakdowns,
            @JsonInclude(JsonInclude.Include.NON_NULL) StepUsers users) implements Answer {
    }

    /** A funnel step's users and conversions; the median is null for step 1 and for steps nobody reached. */
    record Step(String label, long count, double conversion,
            @JsonProperty("conversion_from_previous") double conversionFromPrevious,
            @JsonProperty("median_seconds_from_previous") Double medianSecondsFromPrevious) {
    }

    /** The users (their identities, sorted) whose furthest step of a funnel is {@code step}. */
    record DroppedOff(int step, List<String> users) {
    }

    /** A funnel's steps and drop-offs for the users of one breakdown value. */
    record FunnelGroup(String value, List<Step> steps, @JsonProperty("dropped_off") List<DroppedOff> droppedOff) {
    }

    /**
     * A page of the users who converted at or dropped off after a funnel step: {@code total} of them, these
     * identities, and where the next page starts (null on the last page).
     */
    record StepUsers(int step, String status, int total, List<String> identities,
            @JsonProperty("next_offset") Integer nextOffset) {
    }

    /** A retention answer: the grid of every user, and a grid per breakdown group (left out without a breakdown). */
    record Retention(List<Cohort> cohorts, @JsonInclude(JsonInclude.Include.NON_NULL) List<RetentionGroup> breakdowns)
            implements Answer {
    }

    /**
     * A row of a retention grid: the cohort starting at {@code start} (an instant), its users, and per period the
     * users retained and their rate (each null for a period that has not begun; a rate also for an empty cohort).
     */
    record Cohort(String start, long users, List<Long> retained, List<Double> rates) {
    }

    /** The retention grid of one breakdown group. */
    record RetentionGroup(String value, List<Cohort> cohorts) {
    }

    /** A paths answer: the nodes and edges of a Sankey diagram. */
    record Paths(List<Node> nodes, List<Edge> edges) implements Answer {
    }

    /** A paths node: {@code id} is {@code "step:label"}; {@code count} the occurrences whose step has the label. */
    record Node(String id, int step, String label, long count) {
    }

    /** A paths edge between two nodes' ids, forward in time, with the occurrences passing through both. */
    record Edge(String source, String target, long count) {
    }

    /** A users answer: the users listed, and how many qualify in all. */
    record Users(List<User> users, long total) implements Answer {
    }

    /**
     * A listed user: its identity (null when anonymous), user key, properties (a JSON object), event count and
     * first and last events' instants.
     */
    record User(String identity, @JsonProperty("user_key") String userKey, JsonNode properties,
            @JsonProperty("event_count") long eventCount, @JsonProperty("first_seen") String firstSeen,
            @JsonProperty("last_seen") String lastSeen) {
    }

    /** A sessions answer: the sessions listed, and how many there are in all. */
    record Sessions(List<Session> sessions, long total) implements Answer {
    }

    /** A listed session with its events, in order; see {@link SessionsQuery} for which members may be null. */
    record Session(@JsonProperty("session_id") String sessionId, @JsonProperty("user_key") String userKey,
            String identity, String start, String end, @JsonProperty("duration_seconds") long durationSeconds,
            @JsonProperty("landing_page") String landingPage, @JsonProperty("landing_path") String landingPath,
            String referrer, String channel, @JsonProperty("event_count") long eventCount,
            List<SessionEvent> events) {
    }

    /** An event of a listed session. */
    record SessionEvent(String kind, String name, String path, String text, String time) {
    }

    /** A query's range as answers echo it: both bounds as instants and as local times, and the time zone. */
    record Range(String from, String to, @JsonProperty("from_local") String fromLocal,
            @JsonProperty("to_local") String toLocal, @JsonProperty("time_zone") String timeZone) {
    }
}
