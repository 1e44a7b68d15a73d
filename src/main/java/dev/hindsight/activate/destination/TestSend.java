package dev.hindsight.activate.destination;

import java.util.ArrayList;
import java.util.List;

/**
 * The set-up screen's "send a test event": the sample is built as a test (GA4 to its validation endpoint,
 * Meta with {@code test_event_code}, HubSpot and webhooks with a marked test event), sent once, and what
 * the platform said is returned as it said it.
 */
public final class TestSend {
    private final RequestBuilder builder;
    private final Sender sender;

    public TestSend(RequestBuilder builder, Sender sender) {
        this.builder = builder;
        this.sender = sender;
    }

    /**
     * @param outcomes one per request sent, in order
     * @param messages every message the platform returned (GA4's validation messages, Meta's messages)
     */
    public record Result(Build build, List<Outcome> outcomes, List<String> messages) {
        public boolean ok() {
            return build.skipped().isEmpty() && !outcomes.isEmpty() && messages.isEmpty()
                    && outcomes.stream().allMatch(o -> o instanceof Outcome.Delivered);
        }
    }

    public Result send(Destination d, Outgoing sample) {
        Build b = builder.build(d, List.of(sample), true);
        List<Outcome> outcomes = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        for (BuiltRequest r : b.requests()) {
            Outcome o = sender.send(r);
            outcomes.add(o);
            switch (o) {
                case Outcome.Delivered del -> messages.addAll(del.messages());
                case Outcome.Retryable rt -> messages.add(rt.reason());
                case Outcome.Permanent p -> messages.add(p.reason());
            }
            if (!(o instanceof Outcome.Delivered)) break;
        }
        return new Result(b, outcomes, messages);
    }
}
