package dev.hindsight.activate;

import static dev.hindsight.activate.Fixtures.out;
import static dev.hindsight.activate.Fixtures.user;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hindsight.MutableClock;
import dev.hindsight.activate.destination.Destination;
import dev.hindsight.activate.destination.Outcome;
import dev.hindsight.activate.destination.RequestBuilder;
import dev.hindsight.activate.destination.Sender;
import dev.hindsight.activate.destination.TestSend;
import dev.hindsight.activate.destination.WebhookSignature;
import dev.hindsight.activate.destination.WebhookSignature.Result;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookTest {
    final MutableClock clock = Fixtures.clock();
    final WebhookReceiver receiver = new WebhookReceiver(clock, List.of("whsec_old"));
    final Destination.Webhook dest = new Destination.Webhook("CRM hook", receiver.url(), List.of("whsec_old"),
            Fixtures.mapping("order.completed"), null);
    final RequestBuilder builder = new RequestBuilder(clock);
    final Sender sender = Sender.create(clock, Duration.ofSeconds(5));
    final byte[] body = "{\"id\":\"ord_10492_purchase\"}".getBytes(StandardCharsets.UTF_8);

    @AfterEach
    void close() {
        receiver.close();
    }

    @Test
    void signatureIsHmacSha256OfTimestampDotBody() throws Exception {
        long t = clock.instant().getEpochSecond();
        String header = WebhookSignature.header(t, body, List.of("whsec_old"));
        // computed independently, as the README's recipe does
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("whsec_old".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal((t + "." + new String(body, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(header).isEqualTo("t=" + t + ",v1=" + expected);
        assertThat(WebhookSignature.verify(header, body, List.of("whsec_old"), clock)).isEqualTo(Result.VALID);
    }

    @Test
    void tamperedBodiesWrongSecretsAndOldTimestampsFail() {
        long t = clock.instant().getEpochSecond();
        String header = WebhookSignature.header(t, body, List.of("whsec_old"));
        byte[] tampered = "{\"id\":\"ord_10493_purchase\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(WebhookSignature.verify(header, tampered, List.of("whsec_old"), clock))
                .isEqualTo(Result.NO_MATCHING_SIGNATURE);
        assertThat(WebhookSignature.verify(header, body, List.of("whsec_other"), clock))
                .isEqualTo(Result.NO_MATCHING_SIGNATURE);
        assertThat(WebhookSignature.verify(header.replace("t=" + t, "t=" + (t + 1)), body, List.of("whsec_old"), clock))
                .isEqualTo(Result.NO_MATCHING_SIGNATURE);
        assertThat(WebhookSignature.verify(null, body, List.of("whsec_old"), clock)).isEqualTo(Result.MISSING);
        assertThat(WebhookSignature.verify("v1=abc", body, List.of("whsec_old"), clock)).isEqualTo(Result.MALFORMED);

        clock.advance(Duration.ofMinutes(5));
        assertThat(WebhookSignature.verify(header, body, List.of("whsec_old"), clock)).isEqualTo(Result.VALID);
        clock.advance(Duration.ofSeconds(1));
        assertThat(WebhookSignature.verify(header, body, List.of("whsec_old"), clock))
                .isEqualTo(Result.TIMESTAMP_OUT_OF_TOLERANCE);
    }

    @Test
    void eventsAreDeliveredSignedAndARetryIsSignedAnew() {
        var request = builder.build(dest, List.of(out("ord_10492_purchase", Duration.ofDays(40), user()))).requests()
                .getFirst();

        assertThat(sender.send(request)).isInstanceOf(Outcome.Delivered.class);
        var got = receiver.processed.getFirst();
        assertThat(got.get("id").asText()).isEqualTo("ord_10492_purchase");
        assertThat(got.get("type").asText()).isEqualTo("order.completed");
        assertThat(got.get("data").get("user_id").asText()).isEqualTo("cust_2048");
        assertThat(got.get("data").get("properties").get("order_id").asText()).isEqualTo("ord_10492");

        clock.advance(Duration.ofHours(1)); // a retry an hour later still verifies, and is recognised as a repeat
        assertThat(sender.send(request)).isInstanceOf(Outcome.Delivered.class);
        assertThat(receiver.duplicates).containsExactly("ord_10492_purchase");
        assertThat(receiver.verdicts).containsOnly(Result.VALID);
    }

    @Test
    void duringARotationEitherSecretVerifies() {
        var rotating = dest.rotate("whsec_new");
        var request = builder.build(rotating, List.of(out("r1", Duration.ZERO, user()))).requests().getFirst();
        assertThat(request.signingSecrets()).containsExactly("whsec_new", "whsec_old");

        assertThat(sender.send(request)).isInstanceOf(Outcome.Delivered.class); // receiver still on the old secret
        receiver.secrets = List.of("whsec_new");
        assertThat(sender.send(request)).isInstanceOf(Outcome.Delivered.class); // receiver switched
        String header = receiver.received.getLast().headers().get(WebhookSignature.HEADER);
        assertThat(header.split(",")).hasSize(3).anyMatch(p -> p.startsWith("t=")).filteredOn(p -> p.startsWith("v1=")).hasSize(2);

        var done = rotating.finishRotation();
        var after = builder.build(done, List.of(out("r2", Duration.ZERO, user()))).requests().getFirst();
        receiver.secrets = List.of("whsec_old");
        assertThat(sender.send(after)).isInstanceOfSatisfying(Outcome.Permanent.class,
                p -> assertThat(p.body()).contains("NO_MATCHING_SIGNATURE"));
    }

    @Test
    void testSendIsMarked() {
        var result = new TestSend(builder, sender).send(dest, out("t", Duration.ZERO, user()));
        assertThat(result.ok()).isTrue();
        assertThat(receiver.processed.getFirst().get("test").asBoolean()).isTrue();
    }
}
