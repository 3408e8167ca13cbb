package dev.rotor.secrets.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import dev.rotor.secrets.InvalidSecretRefException;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSourceProvider;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.gcp.SecretManagerFake;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The source on the real client, in process, against the stateful fake. */
class GoogleSecretManagerSourceTest {
    private static final String P = "my-project";

    private final SecretManagerFake fake = SecretManagerFake.start();
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingListener events = new RecordingListener();
    private GoogleSecretManagerSource source =
            GoogleSecretManagerSource.builder().settings(fake.settings()).build();
    private Secrets secrets;

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
        source.close();
        fake.close();
    }

    private Secret fetch(String ref) {
        ManualSourceContext.start(source, scheduler);
        return source.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL));
    }

    private Secrets client() {
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(FixedRandom.of(0.5))
                .refreshPolicy(RefreshPolicy.builder()
                        .pollJitter(0)
                        .spreadFirstRefresh(false)
                        .build())
                .eventListener(events)
                .build();
        return secrets;
    }

    @Test
    void fetch_jsonPayload_becomesFieldsWithTheVersionNumber() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "{\"username\":\"app\",\"password\":\"p1\",\"extra\":{\"a\":1}}");

        Secret s = fetch("gcp-sm:" + P + "/db");

        assertThat(s.version()).isEqualTo("1");
        assertThat(s.field("password")).contains("p1");
        assertThat(s.field("extra")).contains("{\"a\":1}");
        assertThat(s.attributes().get("name"))
                .isEqualTo("projects/" + fake.projectNumber(P) + "/secrets/db/versions/1");
    }

    @Test
    void fetch_otherPayload_isARawValueOfBytes() {
        fake.createSecret(P, "key");
        byte[] binary = {0, 1, 2, (byte) 0xff, '{'};
        fake.addVersion(P, null, "key", binary);

        assertThat(fetch("gcp-sm:" + P + "/key").bytes()).isEqualTo(binary);
    }

    @Test
    void fetch_payloadStartingAsJsonButBroken_isAFormatError() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "{\"password\": ");

        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void latest_isTheMostRecentlyCreatedVersion_andAPinnedNumberStaysPut() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "one");
        fake.addVersion(P, "db", "two");
        fake.addVersion(P, "db", "three");

        assertThat(fetch("gcp-sm:" + P + "/db").value()).isEqualTo("three");
        assertThat(fetch("gcp-sm:" + P + "/db/2").value()).isEqualTo("two");
        assertThat(fetch("gcp-sm:projects/" + P + "/secrets/db/versions/1").version())
                .isEqualTo("1");
    }

    @Test
    void alias_readsTheVersionItPointsAt_andFollowsItWhenMoved() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "one");
        fake.addVersion(P, "db", "two");
        fake.setAlias(P, "db", "stable", 1);
        assertThat(fetch("gcp-sm:" + P + "/db/stable").value()).isEqualTo("one");

        fake.setAlias(P, "db", "stable", 2);

        assertThat(fetch("gcp-sm:" + P + "/db/stable").value()).isEqualTo("two");
    }

    @Test
    void latestDisabled_isVersionNotEnabled_sayingWhichVersionAndState() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "one");
        fake.addVersion(P, "db", "two");
        fake.disable(P, "db", 2);

        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db"))
                .isInstanceOfSatisfying(SecretVersionNotEnabledException.class, e -> {
                    assertThat(e.state()).isEqualTo(SecretVersionNotEnabledException.State.DISABLED);
                    assertThat(e.versionNumber()).contains("2");
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.getMessage()).contains("version 2 is DISABLED").contains("gcp-sm:" + P + "/db");
                })
                .isInstanceOf(SecretNotFoundException.class);
        // the older version is still enabled, and readable by number
        assertThat(fetch("gcp-sm:" + P + "/db/1").value()).isEqualTo("one");
    }

    @Test
    void destroyedVersion_isVersionNotEnabled_destroyed() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "one");
        fake.destroy(P, "db", 1);

        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db/1"))
                .isInstanceOfSatisfying(SecretVersionNotEnabledException.class, e -> {
                    assertThat(e.state()).isEqualTo(SecretVersionNotEnabledException.State.DESTROYED);
                    assertThat(e.getMessage()).contains("version 1 is DESTROYED");
                });
    }

    @Test
    void client_disabledLatest_keepsServing_thenPicksUpTheVersionEnabledAgain() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "one");
        Secrets client = client();
        assertThat(client.value("gcp-sm:" + P + "/db")).isEqualTo("one");
        fake.addVersion(P, "db", "two");
        fake.disable(P, "db", 2);

        scheduler.advance(Duration.ofMinutes(6));
        assertThat(client.value("gcp-sm:" + P + "/db")).isEqualTo("one");
        assertThat(events.types()).contains(SecretEventType.REFRESH_FAILED);

        fake.enable(P, "db", 2);
        scheduler.advance(Duration.ofMinutes(11));

        assertThat(client.value("gcp-sm:" + P + "/db")).isEqualTo("two");
    }

    @Test
    void polls_costOneAccessEach_andAPinnedVersionNone() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "one");
        Secrets client = client();
        client.value("gcp-sm:" + P + "/db");
        client.value("gcp-sm:" + P + "/db/1");
        assertThat(fake.count("AccessSecretVersion")).isEqualTo(2);

        scheduler.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertThat(fake.count("AccessSecretVersion")).isEqualTo(3);

        fake.addVersion(P, "db", "two");
        scheduler.advance(Duration.ofMinutes(5));

        assertThat(client.value("gcp-sm:" + P + "/db")).isEqualTo("two");
        assertThat(fake.count("AccessSecretVersion"))
                .as("a change costs no more than a poll")
                .isEqualTo(4);
        assertThat(fake.requests())
                .extracting(r -> r.method)
                .as("no metadata call: those have a quota 150 times smaller")
                .containsOnly("AccessSecretVersion");
    }

    @Test
    void defaultPolicy_pollsEveryFiveMinutesWithinABudget() {
        RefreshPolicy p = source.defaultRefreshPolicy();
        assertThat(p.pollInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.requestsPerSecond()).isEqualTo(20.0);
        assertThat(p.overrides()).containsExactlyInAnyOrder("pollInterval", "requestsPerSecond");
    }

    @Test
    void corruptPayload_isAFormatError_andTheCorruptBytesAreNeverServed() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "good");
        Secrets client = client();
        assertThat(client.value("gcp-sm:" + P + "/db")).isEqualTo("good");
        fake.addVersion(P, "db", "fine");
        fake.corruptPayloads();

        scheduler.advance(Duration.ofMinutes(6));

        assertThat(client.value("gcp-sm:" + P + "/db")).isEqualTo("good");
        assertThat(events.events())
                .anySatisfy(e -> assertThat(e.errorClass()).contains(SecretFormatException.class.getName()));
        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("CRC32C");
    }

    @Test
    void payloadOverTheStoresLimit_isAFormatError() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.answerOversized(65_537);

        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("larger than 65536 bytes");
    }

    @Test
    void regionalSecret_isReadByItsRegionalName() {
        fake.createSecret(P, "europe-west4", "db");
        fake.addVersion(P, "europe-west4", "db", "eu".getBytes(StandardCharsets.UTF_8));

        assertThat(fetch("gcp-sm:" + P + "/db?location=europe-west4").value()).isEqualTo("eu");
        assertThat(fetch("gcp-sm:projects/" + P + "/locations/europe-west4/secrets/db")
                        .value())
                .isEqualTo("eu");
        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db")).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void builtClients_talkToTheRegionalEndpoint_withTheDeadlineAndNoRetries() throws Exception {
        GoogleSecretManagerSource built = GoogleSecretManagerSource.builder()
                .noCredentials()
                .callTimeout(Duration.ofSeconds(3))
                .build();

        SecretManagerServiceSettings global = built.settingsFor(null);
        SecretManagerServiceSettings regional = built.settingsFor("europe-west4");

        assertThat(global.getEndpoint()).isEqualTo("secretmanager.googleapis.com:443");
        assertThat(regional.getEndpoint()).isEqualTo("secretmanager.europe-west4.rep.googleapis.com:443");
        RetrySettings retry = regional.accessSecretVersionSettings().getRetrySettings();
        assertThat(retry.getTotalTimeoutDuration()).isEqualTo(Duration.ofSeconds(3));
        assertThat(retry.getMaxAttempts()).isEqualTo(1);
        assertThat(regional.accessSecretVersionSettings().getRetryableCodes()).isEmpty();
        InstantiatingGrpcChannelProvider transport =
                (InstantiatingGrpcChannelProvider) regional.getTransportChannelProvider();
        assertThat(transport.toBuilder().getMaxInboundMessageSize())
                .isEqualTo(GoogleSecretManagerSource.MAX_INBOUND_MESSAGE_SIZE);
        assertThat(transport.getEndpoint()).isEqualTo("secretmanager.europe-west4.rep.googleapis.com:443");
        assertThat(transport.toBuilder().getChannelConfigurator())
                .as("TLS: no plain-text configurator")
                .isNull();
        built.close();
    }

    @Test
    void endpointOverride_plainTextOnlyToLoopback() throws Exception {
        GoogleSecretManagerSource local = GoogleSecretManagerSource.builder()
                .endpoint("127.0.0.1:8085")
                .noCredentials()
                .build();
        GoogleSecretManagerSource remote = GoogleSecretManagerSource.builder()
                .endpoint("psc.example.internal:443")
                .noCredentials()
                .build();

        assertThat(((InstantiatingGrpcChannelProvider) local.settingsFor(null).getTransportChannelProvider())
                        .toBuilder().getChannelConfigurator())
                .isNotNull();
        assertThat(((InstantiatingGrpcChannelProvider) remote.settingsFor(null).getTransportChannelProvider())
                        .toBuilder().getChannelConfigurator())
                .isNull();
        assertThat(remote.settingsFor("us-east1").getEndpoint()).isEqualTo("psc.example.internal:443");
    }

    @Test
    void call_pastItsDeadline_isUnavailable() {
        source.close();
        source = GoogleSecretManagerSource.builder()
                .settings(fake.settings())
                .callTimeout(Duration.ofMillis(200))
                .build();
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.stall();

        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db"))
                .isInstanceOf(SourceUnavailableException.class)
                .hasMessageContaining("DEADLINE_EXCEEDED");
        assertThat(fake.count("AccessSecretVersion"))
                .as("one attempt: the engine retries")
                .isEqualTo(1);
    }

    @Test
    void yourClient_isUsedAndStaysOpenAfterClose() throws Exception {
        SecretManagerServiceClient mine = SecretManagerServiceClient.create(fake.settings());
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "mine");
        source.close();
        source = GoogleSecretManagerSource.builder().client(mine).build();

        assertThat(fetch("gcp-sm:" + P + "/db").value()).isEqualTo("mine");
        source.close();

        assertThat(mine.isShutdown()).isFalse();
        mine.close();
    }

    @Test
    void yourClient_regionalRefWithoutARegionalClient_isAConfigurationError() throws Exception {
        try (SecretManagerServiceClient mine = SecretManagerServiceClient.create(fake.settings())) {
            source.close();
            source = GoogleSecretManagerSource.builder().client(mine).build();

            assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db?location=us-east1"))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("regionalClient(\"us-east1\"")
                    .hasMessageContaining("secretmanager.us-east1.rep.googleapis.com:443");
        }
    }

    @Test
    void builder_clientAndOwnOptions_conflict() throws Exception {
        try (SecretManagerServiceClient mine = SecretManagerServiceClient.create(fake.settings())) {
            assertThatThrownBy(() -> GoogleSecretManagerSource.builder()
                            .client(mine)
                            .callTimeout(Duration.ofSeconds(1))
                            .endpoint("127.0.0.1:1")
                            .build())
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("client conflicts with endpoint, callTimeout");
        }
        assertThatThrownBy(() -> GoogleSecretManagerSource.builder()
                        .callTimeout(Duration.ZERO)
                        .build())
                .hasMessageContaining("callTimeout must be positive");
        assertThatThrownBy(() -> GoogleSecretManagerSource.builder()
                        .endpoint("https://x:443/")
                        .build())
                .hasMessageContaining("endpoint must be host:port");
    }

    @Test
    void unknownParameterOrBadRef_isRefusedBeforeAnyCall() {
        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db?stage=AWSCURRENT"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("unknown parameter 'stage'");
        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db/0")).isInstanceOf(InvalidSecretRefException.class);
        assertThat(fake.requests()).isEmpty();
    }

    @Test
    void closedSource_refusesCalls() {
        source.close();
        assertThatThrownBy(() -> fetch("gcp-sm:" + P + "/db")).hasMessageContaining("source is closed");
    }

    @Test
    void provider_isFoundByServiceLoader() {
        assertThat(StreamSupport.stream(
                        ServiceLoader.load(SecretSourceProvider.class).spliterator(), false))
                .anySatisfy(p -> {
                    assertThat(p).isInstanceOf(GoogleSecretManagerSourceProvider.class);
                    assertThat(p.scheme()).isEqualTo("gcp-sm");
                    assertThat(p.create()).isInstanceOf(GoogleSecretManagerSource.class);
                });
    }

    @Test
    void toString_namesTheSourceOnly() {
        assertThat(source.toString()).isEqualTo("GoogleSecretManagerSource{name=gcp-sm, client=built}");
    }
}
