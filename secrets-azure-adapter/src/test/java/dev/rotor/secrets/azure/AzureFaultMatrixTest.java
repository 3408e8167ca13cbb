package dev.rotor.secrets.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretExpiredException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.azure.KeyVaultFake;
import dev.rotor.secrets.test.azure.KeyVaultFake.VersionSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a Key Vault call can fail, one row each, driven through the fake's own state (a token it no longer
 * accepts, a denied secret, a disabled or soft-deleted version, throttling, server errors, a slow or dripping answer,
 * a closed port), to the exception type the adapter throws and whether the engine retries it.
 */
class AzureFaultMatrixTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private KeyVaultFake fake;
    private AzureKeyVaultSource source;
    private SecretSource started;

    @BeforeEach
    void start() {
        fake = KeyVaultFake.builder().timeSource(scheduler.clock()).start();
    }

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        fake.close();
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row("401: no token the vault accepts", f -> f.revokeTokens(), SecretAccessDeniedException.class, false),
                row("403 ForbiddenByRbac", f -> f.denyAccess("db"), SecretAccessDeniedException.class, false),
                row("403 SecretDisabled", f -> f.disable("db"), SecretNotFoundException.class, false),
                row("404 soft-deleted", f -> f.deleteSecret("db"), SecretNotFoundException.class, false),
                row(
                        "404 purged",
                        f -> {
                            f.deleteSecret("db");
                            f.purgeDeletedSecret("db");
                        },
                        SecretNotFoundException.class,
                        false),
                row("429 Throttled", f -> f.throttle(Duration.ofSeconds(7)), SourceThrottledException.class, true),
                row("500 InternalServerError", KeyVaultFake::failInternally, SourceUnavailableException.class, true),
                row("503 ServiceUnavailable", KeyVaultFake::serviceUnavailable, SourceUnavailableException.class, true),
                row(
                        "200 that is not JSON",
                        f -> f.answerRaw("<html>proxy</html>".getBytes(StandardCharsets.UTF_8)),
                        SecretFormatException.class,
                        false),
                row(
                        "200 larger than the cap",
                        f -> f.answerRaw(
                                ("{\"value\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8)),
                        SecretFormatException.class,
                        false),
                row(
                        "502 from a proxy, no Key Vault body",
                        f -> f.answerRaw(502, "Bad Gateway".getBytes(StandardCharsets.UTF_8)),
                        SourceUnavailableException.class,
                        true),
                row("the port closed", KeyVaultFake::close, SourceUnavailableException.class, true));
    }

    private static Arguments row(
            String name, Consumer<KeyVaultFake> fault, Class<? extends SecretException> type, boolean retryable) {
        return Arguments.of(name, fault, type, retryable);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void fault_mapsToItsTypeAndRetryability(
            String name, Consumer<KeyVaultFake> fault, Class<? extends SecretException> type, boolean retryable) {
        fake.setSecret("db", "{\"password\":\"p1\"}");
        SecretRef ref = FakeVaults.ref("db");
        assertThat(fetch(ref).value(ref.withField("password"))).isEqualTo("p1");

        fault.accept(fake);
        SecretException e = catchThrowableOfType(SecretException.class, () -> fetch(ref));

        assertThat(e).as(name).isInstanceOf(type);
        assertThat(e.isRetryable()).as(name + " retryable").isEqualTo(retryable);
        assertThat(e.ref()).contains(ref);
        assertThat(e.source()).contains("azure-kv");
        assertThat(e.getMessage()).doesNotContain("p1");
    }

    @Test
    void throttled_carriesTheVaultsRetryAfter() {
        fake.setSecret("db", "v");
        fake.throttle(Duration.ofSeconds(7));

        SourceThrottledException e =
                catchThrowableOfType(SourceThrottledException.class, () -> fetch(FakeVaults.ref("db")));

        assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(e.getMessage()).contains("429", "Throttled", "retry after 7 s");
    }

    @Test
    void disabled_saysSoAndIsNotCalledAccessDenied() {
        fake.setSecret("db", "v");
        fake.disable("db");

        SecretNotFoundException e =
                catchThrowableOfType(SecretNotFoundException.class, () -> fetch(FakeVaults.ref("db")));

        assertThat(e.getMessage()).contains("SecretDisabled", "disabled");
    }

    @Test
    void softDeleted_isNotFound_andReadableAgainOnceRecovered() {
        String v1 = fake.setSecret("db", "v");
        fake.deleteSecret("db");
        SecretNotFoundException e =
                catchThrowableOfType(SecretNotFoundException.class, () -> fetch(FakeVaults.ref("db")));
        assertThat(e.getMessage()).contains("404", "recovered");

        fake.recoverDeletedSecret("db");

        assertThat(fetch(FakeVaults.ref("db")).version()).isEqualTo(v1);
    }

    @Test
    void notBeforeAhead_isNotYetUsable_andExpired_isExpired() {
        Instant now = scheduler.clock().now();
        fake.setSecret("early", "v", VersionSpec.defaults().notBefore(now.plus(Duration.ofDays(1))));
        fake.setSecret("late", "v", VersionSpec.defaults().expiresOn(now.minus(Duration.ofDays(1))));

        SecretNotFoundException early =
                catchThrowableOfType(SecretNotFoundException.class, () -> fetch(FakeVaults.ref("early")));
        SecretExpiredException late =
                catchThrowableOfType(SecretExpiredException.class, () -> fetch(FakeVaults.ref("late")));

        assertThat(early.getMessage()).contains("notBefore");
        assertThat(late.getMessage()).contains("expiresOn");
    }

    @Test
    void slowAnswer_isCutAtTheCallDeadline() {
        fake.setSecret("db", "v");
        source = FakeVaults.sourceFor(fake)
                .callTimeout(Duration.ofSeconds(3))
                .responseTimeout(Duration.ofSeconds(2))
                .readTimeout(Duration.ofSeconds(2))
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        fetch(FakeVaults.ref("db")); // the token and the challenge, before the fault
        fake.slow(Duration.ofSeconds(20));

        SourceUnavailableException e =
                catchThrowableOfType(SourceUnavailableException.class, () -> fetch(FakeVaults.ref("db")));

        assertThat(e.isRetryable()).isTrue();
    }

    @Test
    void drippingAnswer_isCutAtTheWholeCallDeadline_thoughEveryByteComesWithinTheReadTimeout() {
        fake.setSecret("db", "{\"password\":\"" + "x".repeat(200) + "\"}");
        source = FakeVaults.sourceFor(fake)
                .callTimeout(Duration.ofSeconds(3))
                .responseTimeout(Duration.ofSeconds(3))
                .readTimeout(Duration.ofSeconds(3))
                .connectTimeout(Duration.ofSeconds(3))
                .build();
        fetch(FakeVaults.ref("db"));
        fake.drip(Duration.ofMillis(100)); // 400 bytes: 40 s in all, each byte 100 ms after the last

        SourceUnavailableException e =
                catchThrowableOfType(SourceUnavailableException.class, () -> fetch(FakeVaults.ref("db")));

        assertThat(e.getMessage()).contains("call deadline");
    }

    @Test
    void noCredentialInTheChain_isAccessDenied_butAnUnreachableIdentityEndpointIsUnavailable() {
        fake.setSecret("db", "v");
        source = FakeVaults.sourceFor(fake)
                .credential(r -> reactor.core.publisher.Mono.error(
                        new com.azure.identity.CredentialUnavailableException("no identity: secret-ish detail")))
                .build();
        SecretAccessDeniedException denied =
                catchThrowableOfType(SecretAccessDeniedException.class, () -> fetch(FakeVaults.ref("db")));
        assertThat(denied.getMessage()).contains("could not get a token").doesNotContain("secret-ish");
        source.close();
        started = null;

        source = FakeVaults.sourceFor(fake)
                .credential(r ->
                        reactor.core.publisher.Mono.error(new com.azure.core.exception.ClientAuthenticationException(
                                "endpoint down", null, new java.net.ConnectException("refused"))))
                .build();
        SourceUnavailableException down =
                catchThrowableOfType(SourceUnavailableException.class, () -> fetch(FakeVaults.ref("db")));
        assertThat(down.isRetryable()).isTrue();
        assertThat(down.getMessage()).contains("identity endpoint");
    }

    @Test
    void sdkMakesNoRetryOfItsOwn_oneRequestPerFailedCall() {
        fake.setSecret("db", "v");
        fetch(FakeVaults.ref("db"));
        fake.failInternally();
        long before = fake.count("GET", "/secrets/db");

        catchThrowableOfType(SourceUnavailableException.class, () -> fetch(FakeVaults.ref("db")));

        assertThat(fake.count("GET", "/secrets/db") - before).isEqualTo(1);
    }

    private dev.rotor.secrets.Secret fetch(SecretRef ref) {
        if (started == null) {
            if (source == null) {
                source = FakeVaults.sourceFor(fake).build();
            }
            started = ManualSourceContext.start(source, scheduler);
        }
        return started.fetch(FetchRequest.of(ref, FetchReason.INITIAL));
    }
}
