package dev.rotor.secrets.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.gcp.internal.StatusOnly;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.gcp.SecretManagerFake;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every gRPC status the store can answer, one row each: the Rotor exception it becomes, whether the engine retries
 * it, and that the message names the ref, the source and the status code, never the store's description.
 */
class GcpFaultMatrixTest {
    private static final String P = "my-project";
    private static final SecretRef REF = SecretRef.parse("gcp-sm:" + P + "/db");

    private final SecretManagerFake fake = SecretManagerFake.start();
    private final GoogleSecretManagerSource source = ManualSourceContext.start(
            GoogleSecretManagerSource.builder().settings(fake.settings()).build(), new ManualScheduler());

    @AfterEach
    void close() {
        source.close();
        fake.close();
    }

    @ParameterizedTest(name = "{0} -> {1}, retryable {2}")
    @CsvSource({
        "NOT_FOUND, SecretNotFoundException, false",
        "PERMISSION_DENIED, SecretAccessDeniedException, false",
        "UNAUTHENTICATED, SecretAccessDeniedException, false",
        "RESOURCE_EXHAUSTED, SourceThrottledException, true",
        "FAILED_PRECONDITION, SecretConfigurationException, false",
        "UNAVAILABLE, SourceUnavailableException, true",
        "DEADLINE_EXCEEDED, SourceUnavailableException, true",
        "INTERNAL, SourceUnavailableException, true",
        "UNKNOWN, SourceUnavailableException, true",
        "ABORTED, SourceUnavailableException, true",
        "CANCELLED, SourceUnavailableException, true",
        "DATA_LOSS, SourceUnavailableException, true",
        "INVALID_ARGUMENT, SecretConfigurationException, false",
        "OUT_OF_RANGE, SecretConfigurationException, false",
        "UNIMPLEMENTED, SecretConfigurationException, false",
        "ALREADY_EXISTS, SecretConfigurationException, false",
    })
    void status_becomesItsRotorException(Status.Code code, String type, boolean retryable) {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.fail(Status.fromCode(code).withDescription("store says WITHHELD-DESCRIPTION"));

        SecretException e = catchThrowableOfType(SecretException.class, this::fetch);

        assertThat(e.getClass().getSimpleName()).isEqualTo(type);
        assertThat(e.isRetryable()).isEqualTo(retryable);
        assertThat(e.ref()).contains(REF);
        assertThat(e.source()).contains("gcp-sm");
        assertThat(e.getMessage()).contains("AccessSecretVersion failed with " + code.name());
        // the core withholds every cause's message too; the client's exception was reduced to its code before that
        assertThat(e.getCause()).hasMessageContaining(StatusOnly.class.getName());
        for (Throwable c = e; c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).doesNotContain("WITHHELD");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "'Secret Version [projects/1/secrets/db/versions/3] is in DISABLED state.', DISABLED, 3",
        "'Secret Version [projects/1/secrets/db/versions/9] is in DESTROYED state.', DESTROYED, 9",
        "'the version is DISABLED', DISABLED, ",
    })
    void failedPrecondition_onAVersionNotEnabled_saysWhich(String description, String state, String number) {
        fake.createSecret(P, "db");
        fake.fail(Status.FAILED_PRECONDITION.withDescription(description));

        SecretVersionNotEnabledException e = catchThrowableOfType(SecretVersionNotEnabledException.class, this::fetch);

        assertThat(e.state().name()).isEqualTo(state);
        assertThat(e.versionNumber().orElse(null)).isEqualTo(number);
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.getMessage()).doesNotContain("Secret Version [");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "'gRPC message exceeds maximum size 131072: 200000'",
        "'Received message larger than max (200000 vs. 131072)'",
    })
    void resourceExhausted_fromTheClientsOwnSizeCap_isAFormatErrorNotThrottling(String description) {
        fake.createSecret(P, "db");
        fake.fail(Status.RESOURCE_EXHAUSTED.withDescription(description));

        Throwable e = catchThrowableOfType(SecretFormatException.class, this::fetch);

        assertThat(e).isNotInstanceOf(SourceThrottledException.class).hasMessageContaining("inbound message size");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"NOT_FOUND", "PERMISSION_DENIED", "UNAVAILABLE"})
    void theFakesOwnAnswers_mapTheSameWay(Status.Code code) {
        // not a status planted by the test: the fake's model answers it
        if (code == Status.Code.PERMISSION_DENIED) {
            fake.createSecret(P, "db");
            fake.addVersion(P, "db", "x");
            fake.denyAccess(P, "db");
        } else if (code == Status.Code.UNAVAILABLE) {
            fake.createSecret(P, "db");
            fake.makeUnavailable();
        }
        Throwable e = catchThrowableOfType(SecretException.class, this::fetch);

        assertThat(e)
                .isInstanceOf(
                        code == Status.Code.NOT_FOUND
                                ? SecretNotFoundException.class
                                : code == Status.Code.PERMISSION_DENIED
                                        ? SecretAccessDeniedException.class
                                        : SourceUnavailableException.class);
        assertThat(fake.requests()).extracting(r -> r.status).containsExactly(code);
    }

    private void fetch() {
        source.fetch(FetchRequest.of(REF, FetchReason.INITIAL));
    }
}
