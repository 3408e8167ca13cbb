package dev.rotor.secrets.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.gcp.SecretManagerFake;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What in-process calls cannot show: the client the source builds, over a real HTTP/2 connection to the fake on
 * {@code 127.0.0.1} (plain text, loopback only), caps what it reads at the wire and keeps its call deadline.
 */
class GcpTransportTest {
    private static final String P = "my-project";

    private final SecretManagerFake fake = SecretManagerFake.start();
    private GoogleSecretManagerSource source;

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
        fake.close();
    }

    private GoogleSecretManagerSource built(Duration timeout) {
        source = ManualSourceContext.start(
                GoogleSecretManagerSource.builder()
                        .endpoint(fake.listenOnLoopback())
                        .noCredentials()
                        .callTimeout(timeout)
                        .build(),
                new ManualScheduler());
        return source;
    }

    private String fetch(String ref) {
        return source.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL))
                .value();
    }

    @Test
    void builtClient_readsOverTheWire() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "over-the-wire");
        built(Duration.ofSeconds(10));

        assertThat(fetch("gcp-sm:" + P + "/db")).isEqualTo("over-the-wire");
    }

    @Test
    void answerOverTheInboundCap_isRefusedByTheClient_asAFormatError() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.answerOversized(GoogleSecretManagerSource.MAX_INBOUND_MESSAGE_SIZE + 1);
        built(Duration.ofSeconds(10));

        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("inbound message size");
    }

    @Test
    void answerUnderTheCapButOverTheStoresLimit_isStillRefused() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.answerOversized(100_000);
        built(Duration.ofSeconds(10));

        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("larger than 65536 bytes");
    }

    @Test
    void aStoreThatNeverAnswers_isCutAtTheDeadline() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.stall();
        built(Duration.ofMillis(300));

        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db"))
                .isInstanceOf(SourceUnavailableException.class)
                .hasMessageContaining("DEADLINE_EXCEEDED");
    }
}
