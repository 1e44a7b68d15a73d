package dev.hindsight.define;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One way a definition matches raw events: a kind and AND-ed conditions; null conditions are absent.
 *
 * @param selector     CSS selector the event's element must match (click, submit, change)
 * @param text         element text equals; {@code textContains}, {@code textRegex} the other text tests
 * @param href         link target equals
 * @param path         URL path equals, with {@code *} as a wildcard for any characters
 * @param formId       the submitted form's id (submit)
 * @param event        the custom event's name (custom)
 * @param properties   property filters
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Rule(String kind, String selector, String text, String textContains, String textRegex, String href,
        String path, String pathContains, String pathRegex, String formId, String event,
        List<PropertyFilter> properties) {

    public static final List<String> KINDS = List.of("pageview", "click", "submit", "change", "custom");
}
