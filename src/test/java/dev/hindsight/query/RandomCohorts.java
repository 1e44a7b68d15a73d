package dev.hindsight.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random dynamic cohort definitions over the events of a {@link GeneratedTraffic}, as {@code POST /api/cohorts} takes
 * them: {@code all} and {@code any} of two or three conditions (sometimes under {@code not}), nested up to two deep,
 * over {@code did} (with {@code at_least} from 0, sometimes {@code at_most}), {@code did_not}, {@code did ...
 * then_not} (sometimes {@code in_last}) with windows from an hour to 30 days, and user property conditions of every
 * kind of operator.
 */
final class RandomCohorts {
    private static final String[] WINDOWS = {"1h", "6h", "1d", "2d", "30d"};
    private static final List<String> PROPERTIES = List.of(
            "{\"property\": \"plan\", \"op\": \"eq\", \"value\": \"pro\"}",
            "{\"property\": \"plan\", \"op\": \"eq\", \"value\": \"free\"}",
            "{\"property\": \"plan\", \"op\": \"neq\", \"value\": \"pro\"}",
            "{\"property\": \"plan\", \"op\": \"contains\", \"value\": \"r\"}",
            "{\"property\": \"plan\", \"op\": \"is_set\"}",
            "{\"property\": \"plan\", \"op\": \"is_not_set\"}",
            "{\"property\": \"seats\", \"op\": \"gt\", \"value\": 4}",
            "{\"property\": \"seats\", \"op\": \"lte\", \"value\": 3}",
            "{\"property\": \"seats\", \"op\": \"gte\", \"value\": 6}");

    private RandomCohorts() {
    }

    /** A random condition; {@code depth} is how deep it sits (0 for the definition itself). */
    static String definition(Random rnd, GeneratedTraffic g, int depth) {
        List<String> names = new ArrayList<>(g.events().keySet());
        int shape = depth >= 2 ? 2 + rnd.nextInt(4) : rnd.nextInt(6);
        switch (shape) {
            case 0, 1 -> {
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < 2 + rnd.nextInt(2); i++) {
                    parts.add(definition(rnd, g, depth + 1));
                }
                String json = "{\"" + (shape == 0 ? "all" : "any") + "\": [" + String.join(", ", parts) + "]}";
                return rnd.nextInt(4) == 0 ? "{\"not\": " + json + "}" : json;
            }
            case 2 -> {
                int atLeast = rnd.nextInt(3);
                return "{\"did\": " + event(rnd, g, names) + ", \"at_least\": " + atLeast
                        + (rnd.nextBoolean() ? "" : ", \"at_most\": " + (atLeast + rnd.nextInt(3)))
                        + ", \"within\": \"" + window(rnd) + "\"}";
            }
            case 3 -> {
                return "{\"did_not\": " + event(rnd, g, names) + ", \"within\": \"" + window(rnd) + "\"}";
            }
            case 4 -> {
                return "{\"did\": " + event(rnd, g, names) + ", \"then_not\": " + event(rnd, g, names)
                        + ", \"within\": \"" + window(rnd) + "\""
                        + (rnd.nextBoolean() ? "" : ", \"in_last\": \"" + window(rnd) + "\"") + "}";
            }
            default -> {
                return PROPERTIES.get(rnd.nextInt(PROPERTIES.size()));
            }
        }
    }

    private static String event(Random rnd, GeneratedTraffic g, List<String> names) {
        return g.eventJson().get(names.get(rnd.nextInt(names.size())));
    }

    private static String window(Random rnd) {
        return WINDOWS[rnd.nextInt(WINDOWS.length)];
    }
}
