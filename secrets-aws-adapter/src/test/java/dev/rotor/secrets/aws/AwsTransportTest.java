package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.aws.SecretsManagerFake;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The transport of the client the source builds: a deadline on every call (a store that drip-feeds its answer, on the
 * test kit's fake, ends at the deadline although each byte arrives well within any read timeout), and plain http only
 * to loopback. The deadlines are real time: they bound a real socket, so these tests measure with a generous margin.
 */
class AwsTransportTest {
    private static final String DB = "prod/db";
    private static final String DB_JSON = "{\"username\":\"app\",\"password\":\"s3cr3t-drip\"}";
    /** The fake's pace: one byte of the answer every 300 ms. */
    private static final Duration DRIP = Duration.ofMillis(300);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SecretsManagerFake aws =
            SecretsManagerFake.builder().scheduler(scheduler).start();
    private final ExecutorService caller = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        aws.close();
        caller.shutdownNow();
    }

    private AwsSecretsManagerSource.Builder builtClient() {
        return AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(FakeClients.TEST_CREDENTIALS);
    }

    private AwsSecretsManagerSource started(AwsSecretsManagerSource s) {
        return started(s, RefreshPolicy.defaults());
    }

    private AwsSecretsManagerSource started(AwsSecretsManagerSource s, RefreshPolicy policy) {
        return ManualSourceContext.start(s, scheduler, policy);
    }

    private static Secret fetch(AwsSecretsManagerSource s, String ref) {
        return s.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL));
    }

    // ---- the whole-call deadline ----

    @Test
    void builtClient_answerDripFedAByteEvery300ms_endsAtTheCallDeadlineAsRetryableUnavailable() {
        aws.createSecret(DB, DB_JSON);
        aws.drip(DRIP, "GetSecretValue");
        Duration deadline = Duration.ofSeconds(2);
        AwsSecretsManagerSource s = started(builtClient()
                .describeSecrets(false)
                .apiCallTimeout(deadline)
                .apiCallAttemptTimeout(Duration.ofSeconds(1))
                .build());
        try {
            long start = System.nanoTime();
            Throwable t = catchFailure(() -> fetch(s, "aws-sm:prod/db"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(t).isInstanceOf(SourceUnavailableException.class);
            assertThat(((SecretException) t).isRetryable()).isTrue();
            assertThat(t.getMessage())
                    .contains("GetSecretValue", "deadline", "ref=aws-sm:prod/db", "source=aws-sm")
                    .doesNotContain("s3cr3t-drip");
            assertThat(took).isGreaterThanOrEqualTo(deadline.minusMillis(300)).isLessThan(deadline.plusSeconds(3));
            // the whole answer (some 200 bytes of JSON) would take a minute at this pace, every byte well within the
            // client's read timeout (30 s): only the deadline ends the call
            assertThat(DRIP.multipliedBy(DB_JSON.length())).isGreaterThan(Duration.ofSeconds(10));
            assertThat(Thread.currentThread().isInterrupted())
                    .as("the SDK's deadline leaves no interrupt behind")
                    .isFalse();
            assertThat(aws.count("GetSecretValue", DB))
                    .as("the first attempt was cut at its own deadline and retried within the call")
                    .isEqualTo(2);
        } finally {
            s.close();
        }
    }

    @Test
    void builtClient_describeDripFed_endsAtTheCallDeadlineToo() {
        aws.createSecret(DB, DB_JSON);
        aws.drip(DRIP, "DescribeSecret");
        AwsSecretsManagerSource s = started(builtClient()
                .apiCallTimeout(Duration.ofSeconds(1))
                .apiCallAttemptTimeout(Duration.ofSeconds(1))
                .build());
        try {
            long start = System.nanoTime();
            Throwable t = catchFailure(() -> s.probe(SecretRef.parse("aws-sm:prod/db")));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(t)
                    .isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("DescribeSecret")
                    .hasMessageContaining("ref=aws-sm:prod/db");
            assertThat(took).isLessThan(Duration.ofSeconds(4));
        } finally {
            s.close();
        }
    }

    @Test
    void clientWithAReadTimeoutOnly_answerDripFed_isStillReadingLongAfterTheDeadline() throws Exception {
        // what the deadline replaces: a read timeout (here 1 s) never fires while a byte comes every 300 ms
        aws.createSecret(DB, DB_JSON);
        aws.drip(DRIP, "GetSecretValue");
        SecretsManagerClient readTimeoutOnly = SecretsManagerClient.builder()
                .endpointOverride(aws.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(FakeClients.TEST_CREDENTIALS)
                .httpClient(UrlConnectionHttpClient.builder()
                        .socketTimeout(Duration.ofSeconds(1))
                        .build())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .client(readTimeoutOnly)
                .describeSecrets(false)
                .build());
        try {
            CompletableFuture<Secret> call = CompletableFuture.supplyAsync(() -> fetch(s, "aws-sm:prod/db"), caller);

            assertThatThrownBy(() -> call.get(4, TimeUnit.SECONDS)).isInstanceOf(TimeoutException.class);
        } finally {
            aws.close(); // ends the drip, and so the call
            readTimeoutOnly.close();
        }
    }

    @Test
    void builtClient_defaults_areTenSecondsPerCallAndFivePerAttempt() {
        AwsSecretsManagerSource s = builtClient().build();
        try {
            ClientOverrideConfiguration c =
                    s.sdkClient().serviceClientConfiguration().overrideConfiguration();

            assertThat(c.apiCallTimeout()).contains(Duration.ofSeconds(10));
            assertThat(c.apiCallAttemptTimeout()).contains(Duration.ofSeconds(5));
            assertThat(AwsSecretsManagerSource.DEFAULT_API_CALL_TIMEOUT)
                    .isLessThan(RefreshPolicy.defaults().loadTimeout());
        } finally {
            s.close();
        }
    }

    @Test
    void builtClient_callDeadlineShorterThanTheDefaultAttempt_capsTheAttemptAtIt() {
        AwsSecretsManagerSource s =
                builtClient().apiCallTimeout(Duration.ofSeconds(3)).build();
        try {
            ClientOverrideConfiguration c =
                    s.sdkClient().serviceClientConfiguration().overrideConfiguration();

            assertThat(c.apiCallTimeout()).contains(Duration.ofSeconds(3));
            assertThat(c.apiCallAttemptTimeout()).contains(Duration.ofSeconds(3));
        } finally {
            s.close();
        }
    }

    private List<String> warningsWhileStarting(AwsSecretsManagerSource s, RefreshPolicy policy) {
        ch.qos.logback.classic.Logger log =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(AwsSecretsManagerSource.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        log.addAppender(logs);
        try {
            started(s, policy);
        } finally {
            log.detachAppender(logs);
        }
        List<String> out = new ArrayList<>();
        for (ch.qos.logback.classic.spi.ILoggingEvent e : logs.list) {
            if (e.getLevel() == ch.qos.logback.classic.Level.WARN) {
                out.add(e.getFormattedMessage());
            }
        }
        return out;
    }

    @Test
    void start_callDeadlineNotBelowTheEnginesLoadTimeout_warnsNamingBoth() {
        AwsSecretsManagerSource s = builtClient().build();
        try {
            List<String> warnings = warningsWhileStarting(
                    s,
                    RefreshPolicy.builder().loadTimeout(Duration.ofSeconds(8)).build());

            assertThat(warnings)
                    .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                    .contains("apiCallTimeout PT10S", "source aws-sm", "loadTimeout PT8S");
        } finally {
            s.close();
        }
    }

    @Test
    void start_defaultsAndTheDefaultLoadTimeout_warnNothing() {
        AwsSecretsManagerSource s = builtClient().build();
        try {
            assertThat(warningsWhileStarting(s, RefreshPolicy.defaults())).isEmpty();
        } finally {
            s.close();
        }
    }

    @Test
    void build_attemptLongerThanTheCall_failsNamingBoth() {
        assertThatThrownBy(() -> builtClient()
                        .apiCallTimeout(Duration.ofSeconds(2))
                        .apiCallAttemptTimeout(Duration.ofSeconds(3))
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("apiCallAttemptTimeout")
                .hasMessageContaining("apiCallTimeout");
    }

    @Test
    void build_nonPositiveTimeouts_failNamingThem() {
        assertThatThrownBy(() -> builtClient().apiCallTimeout(Duration.ZERO).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("apiCallTimeout must be positive");
        assertThatThrownBy(() -> builtClient()
                        .apiCallAttemptTimeout(Duration.ofSeconds(-1))
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("apiCallAttemptTimeout must be positive");
    }

    @Test
    void build_ownClientWithTimeouts_failsNamingThem() {
        try (SecretsManagerClient own = FakeClients.client(aws)) {
            assertThatThrownBy(() -> AwsSecretsManagerSource.builder()
                            .client(own)
                            .apiCallTimeout(Duration.ofSeconds(5))
                            .apiCallAttemptTimeout(Duration.ofSeconds(2))
                            .build())
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("apiCallTimeout")
                    .hasMessageContaining("apiCallAttemptTimeout")
                    .hasMessageContaining("configure those on your client");
        }
    }

    // ---- plain http only to loopback ----

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1:4566",
                "http://127.8.9.10:4566",
                "http://localhost:4566",
                "http://LOCALHOST",
                "http://[::1]:4566",
                "https://secretsmanager.internal.example",
                "https://10.0.0.5:8443"
            })
    void build_httpsOrLoopbackHttp_isAccepted(String endpoint) {
        AwsSecretsManagerSource s = AwsSecretsManagerSource.builder()
                .endpointOverride(URI.create(endpoint))
                .build();
        s.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://secretsmanager.internal.example",
                "http://10.0.0.5:4566",
                "http://128.0.0.1",
                "http://127.0.0.1.example.net",
                "http://localhost.example.net",
                "http://[::2]:4566",
                "http://[::ffff:10.0.0.1]"
            })
    void build_plainHttpToAHostThatIsNotLoopback_isRefusedNamingTheOptions(String endpoint) {
        assertThatThrownBy(() -> AwsSecretsManagerSource.builder()
                        .endpointOverride(URI.create(endpoint))
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("endpointOverride")
                .hasMessageContaining("plain http")
                .hasMessageContaining("allowInsecureHttp(true)")
                .hasMessageContaining("source=aws-sm");
    }

    @Test
    void build_plainHttpToAnyHost_isAcceptedWhenExplicitlyAllowed() {
        AwsSecretsManagerSource s = AwsSecretsManagerSource.builder()
                .endpointOverride(URI.create("http://secretsmanager.internal.example:4566"))
                .allowInsecureHttp(true)
                .build();
        s.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://127.0.0.1", "//127.0.0.1:4566", "https://user:pw@example.com", "https://h/?x=1"})
    void build_endpointThatIsNotAPlainHttpsOrHttpAddress_isRefusedNamingTheOption(String endpoint) {
        assertThatThrownBy(() -> AwsSecretsManagerSource.builder()
                        .endpointOverride(URI.create(endpoint))
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("endpointOverride")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw"));
    }

    @Test
    void build_ownClientWithAllowInsecureHttp_failsNamingIt() {
        try (SecretsManagerClient own = FakeClients.client(aws)) {
            assertThatThrownBy(() -> AwsSecretsManagerSource.builder()
                            .client(own)
                            .allowInsecureHttp(true)
                            .build())
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("allowInsecureHttp");
        }
    }

    private static Throwable catchFailure(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected the call to fail");
    }
}
