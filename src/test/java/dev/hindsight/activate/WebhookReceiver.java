package dev.hindsight.activate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hindsight.activate.destination.WebhookSignature;
import io.javalin.Javalin;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A webhook receiver as a customer would write one: it verifies {@code Hindsight-Signature} over the raw
 * body with its own secrets and clock (400 when it does not verify), requires a JSON body with an
 * {@code id}, and acknowledges a repeated {@code id} without processing it twice.
 */
public final class WebhookReceiver extends StandIn {
    volatile List<String> secrets;
    public final List<JsonNode> processed = Collections.synchronizedList(new ArrayList<>());
    final List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
    final List<WebhookSignature.Result> verdicts = Collections.synchronizedList(new ArrayList<>());

    public WebhookReceiver(Clock clock, List<String> secrets) {
        super(clock);
        this.secrets = secrets;
    }

    @Override
    protected void routes(Javalin app) {
        app.post("/hook", ctx -> {
            var verdict = WebhookSignature.verify(ctx.header(WebhookSignature.HEADER),
                    ctx.bodyAsBytes(), secrets, clock);
            verdicts.add(verdict);
            if (verdict != WebhookSignature.Result.VALID) {
                ctx.status(400).json(Map.of("error", "signature " + verdict));
                return;
            }
            if (!String.valueOf(ctx.contentType()).startsWith("application/json")) {
                ctx.status(415);
                return;
            }
            JsonNode body = JSON.readTree(new String(ctx.bodyAsBytes(), StandardCharsets.UTF_8));
            String id = body.path("id").asText("");
            if (id.isEmpty()) {
                ctx.status(400).json(Map.of("error", "id missing"));
                return;
            }
            synchronized (processed) {
                if (processed.stream().anyMatch(p -> p.path("id").asText().equals(id))) duplicates.add(id);
                else processed.add(body);
            }
            ctx.status(200).json(Map.of("received", true));
        });
    }

    public String url() {
        return baseUrl() + "/hook";
    }
}
