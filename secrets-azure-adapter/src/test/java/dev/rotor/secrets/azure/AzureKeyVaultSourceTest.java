package dev.rotor.secrets.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.azure.internal.KeyVaultRef;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.azure.KeyVaultFake;
import dev.rotor.secrets.test.azure.KeyVaultFake.VersionSpec;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Refs, the builder, and what one fetch makes of a Key Vault secret's properties, on the fake over HTTPS. */
class AzureKeyVaultSourceTest {

    @Nested
    class Refs {
        private KeyVaultRef parse(String text) {
            return KeyVaultRef.parse(SecretRef.parse(text), Map.of(), "vault.azure.net", "azure-kv");
        }

        @Test
        void vaultName_becomesThePublicCloudUrl() {
            KeyVaultRef kv = parse("azure-kv:Orders-Prod/db-password#password");

            assertThat(kv.vaultUrl()).isEqualTo("https://orders-prod.vault.azure.net");
            assertThat(kv.name()).isEqualTo("db-password");
            assertThat(kv.version()).isNull();
        }

        @Test
        void versionPinned_andTheUrlForm() {
            String v = "0123456789abcdef0123456789ABCDEF";
            assertThat(parse("azure-kv:myvault/db/" + v).version()).isEqualTo(v.toLowerCase());

            KeyVaultRef url = parse("azure-kv:https://myvault.vault.azure.net/secrets/db/" + v + "#password");
            assertThat(url.vaultUrl()).isEqualTo("https://myvault.vault.azure.net");
            assertThat(url.name()).isEqualTo("db");
            assertThat(url.version()).isEqualTo(v.toLowerCase());
            assertThat(parse("azure-kv:https://myvault.vault.azure.cn:443/secrets/db")
                            .vaultUrl())
                    .isEqualTo("https://myvault.vault.azure.cn:443");
        }

        @Test
        void mappedVault_goesToItsUrl() {
            KeyVaultRef kv = KeyVaultRef.parse(
                    SecretRef.parse("azure-kv:local/db"),
                    Map.of("local", URI.create("https://127.0.0.1:8443/")),
                    "vault.azure.net",
                    "azure-kv");

            assertThat(kv.vaultUrl()).isEqualTo("https://127.0.0.1:8443");
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "azure-kv:db", // no vault
                    "azure-kv:ab/db", // vault name too short
                    "azure-kv:a23456789012345678901234x/db", // 25 characters
                    "azure-kv:1vault/db", // starts with a digit
                    "azure-kv:vault-/db", // ends with a hyphen
                    "azure-kv:my--vault/db", // two hyphens
                    "azure-kv:myvault/db_password", // underscore
                    "azure-kv:myvault/db/notahexversion",
                    "azure-kv:myvault/db/0123456789abcdef/extra",
                    "azure-kv:https://myvault.vault.azure.net/keys/db",
                    "azure-kv:https://myvault.vault.azure.net/secrets",
                    "azure-kv:https://user@myvault.vault.azure.net/secrets/db"
                })
        void malformed_isAConfigurationErrorNamingTheRefAndTheSource(String text) {
            SecretRef ref = SecretRef.parse(text);

            assertThatThrownBy(() -> parse(text))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("not a valid Azure Key Vault ref")
                    .hasMessageContaining(ref.withoutField().toString())
                    .hasMessageContaining("source=azure-kv");
        }

        @Test
        void secretNameOf127Characters_isTheLongest() {
            assertThat(parse("azure-kv:myvault/" + "a".repeat(127)).name()).hasSize(127);
            assertThatThrownBy(() -> parse("azure-kv:myvault/" + "a".repeat(128)))
                    .isInstanceOf(SecretConfigurationException.class);
        }

        @Test
        void parameters_areRefused() {
            AzureKeyVaultSource s = AzureKeyVaultSource.create();
            assertThatThrownBy(() -> s.fetch(
                            FetchRequest.of(SecretRef.parse("azure-kv:myvault/db?version=1"), FetchReason.INITIAL)))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("no parameters");
        }
    }

    @Nested
    class TheBuilder {
        @Test
        void clientOfTheUsers_conflictsWithTheOptionsOfTheBuiltClient() {
            SecretClient mine = new SecretClientBuilder()
                    .vaultUrl("https://myvault.vault.azure.net")
                    .credential(r -> reactor.core.publisher.Mono.empty())
                    .buildClient();

            assertThatThrownBy(() -> AzureKeyVaultSource.builder()
                            .client(mine)
                            .callTimeout(Duration.ofSeconds(1))
                            .trustStore(emptyTrust())
                            .build())
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("callTimeout, trustStore");
        }

        @Test
        void credential_conflictsWithAManagedIdentityClientId() {
            assertThatThrownBy(() -> AzureKeyVaultSource.builder()
                            .credential(r -> reactor.core.publisher.Mono.empty())
                            .managedIdentityClientId("00000000-0000-0000-0000-000000000001")
                            .build())
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("credential conflicts with managedIdentityClientId");
        }

        @Test
        void timeouts_mustBePositiveAndWithinTheCallDeadline() {
            assertThatThrownBy(() -> AzureKeyVaultSource.builder()
                            .callTimeout(Duration.ZERO)
                            .build())
                    .hasMessageContaining("callTimeout must be positive");
            assertThatThrownBy(() -> AzureKeyVaultSource.builder()
                            .callTimeout(Duration.ofSeconds(2))
                            .readTimeout(Duration.ofSeconds(3))
                            .build())
                    .hasMessageContaining("must not be longer than callTimeout");
        }

        @Test
        void vaultUrl_mustBeHttpsWithNoPath() {
            assertThatThrownBy(() -> AzureKeyVaultSource.builder()
                            .vaultUrl("local", URI.create("http://127.0.0.1:8080"))
                            .build())
                    .hasMessageContaining("must be https");
            assertThatThrownBy(() -> AzureKeyVaultSource.builder()
                            .vaultUrl("local", URI.create("https://127.0.0.1:8443/secrets"))
                            .build())
                    .hasMessageContaining("no path");
        }

        @Test
        void building_makesNoCall_andToStringNamesNoCredential() {
            AzureKeyVaultSource s = AzureKeyVaultSource.builder().name("kv").build();

            assertThat(s.name()).isEqualTo("kv");
            assertThat(s.toString()).contains("kv", "vault.azure.net").doesNotContain("credential");
            s.close();
        }

        @Test
        void providerIsFoundByTheServiceLoader() {
            Map<String, SecretSourceProvider> byScheme = StreamSupport.stream(
                            ServiceLoader.load(SecretSourceProvider.class).spliterator(), false)
                    .collect(Collectors.toMap(SecretSourceProvider::scheme, p -> p, (a, b) -> a));

            assertThat(byScheme).containsKey("azure-kv");
            assertThat(byScheme.get("azure-kv").create()).isInstanceOf(AzureKeyVaultSource.class);
        }

        private java.security.KeyStore emptyTrust() {
            try {
                java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
                ks.load(null, null);
                return ks;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    @Nested
    class Fetching {
        private final ManualScheduler scheduler = new ManualScheduler();
        private final KeyVaultFake fake =
                KeyVaultFake.builder().timeSource(scheduler.clock()).start();
        private final AzureKeyVaultSource source = FakeVaults.sourceFor(fake).build();
        private final SecretSource started = ManualSourceContext.start(source, scheduler);

        @AfterEach
        void stop() {
            source.close();
            fake.close();
        }

        private Secret fetch(String ref) {
            return started.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL));
        }

        @Test
        void jsonValue_becomesFields_withTheVersionAndTheProperties() {
            String v1 = fake.setSecret(
                    "db",
                    "{\"username\":\"app\",\"password\":\"p1\",\"port\":5432}",
                    VersionSpec.defaults().contentType("application/json"));

            Secret s = fetch("azure-kv:rotor-test/db");

            assertThat(s.version()).isEqualTo(v1);
            assertThat(s.fields()).containsEntry("username", "app").containsEntry("port", "5432");
            assertThat(s.attributes())
                    .containsEntry("contentType", "application/json")
                    .containsEntry("vaultUrl", fake.vaultUrl().toString())
                    .containsKey("updatedOn");
            assertThat(s.lease()).isEmpty();
        }

        @Test
        void expiresOn_isTheLeaseEnd_countedFromTheVersionsCreation_andAskedToBePolledMeanwhile() {
            Instant created = scheduler.clock().now();
            Instant expires = created.plus(Duration.ofDays(90));
            fake.setSecret("db", "p1", VersionSpec.defaults().expiresOn(expires));
            scheduler.advance(Duration.ofHours(1));

            Secret s = fetch("azure-kv:rotor-test/db");

            Lease lease = s.lease().orElseThrow();
            assertThat(lease.issuedAt()).isEqualTo(created);
            assertThat(lease.expiresAt()).isEqualTo(expires);
            assertThat(lease.renewable()).isFalse();
            assertThat(s.checkAgainAt()).isPresent();
            assertThat(s.checkAgainAt().get())
                    .isBefore(scheduler.clock().now().plus(Duration.ofMinutes(5).plusSeconds(1)));
            // the same version read again is the same lease: no change for the engine
            assertThat(fetch("azure-kv:rotor-test/db").lease()).contains(lease);
        }

        @Test
        void pinnedVersion_isReadAsPinned_andProbedWithoutACall() {
            String v1 = fake.setSecret("db", "p1");
            fake.setSecret("db", "p2");
            SecretRef pinned = SecretRef.parse("azure-kv:rotor-test/db/" + v1);

            assertThat(fetch(pinned.toString()).value()).isEqualTo("p1");
            long calls = fake.requests().size();
            assertThat(started.probe(pinned))
                    .hasValueSatisfying(p -> assertThat(p.version()).isEqualTo(v1));
            assertThat(fake.requests()).hasSize((int) calls);
            assertThat(started.probe(SecretRef.parse("azure-kv:rotor-test/db"))).isEmpty();
        }

        @Test
        void urlFormRef_readsTheSameSecret() {
            fake.setSecret("db", "p1");
            AzureKeyVaultSource urlSource = AzureKeyVaultSource.builder()
                    .credential(FakeVaults.credential(fake))
                    .trustStore(fake.trustStore())
                    .disableChallengeResourceVerification(true)
                    .build();
            try {
                SecretSource s = ManualSourceContext.start(urlSource, scheduler);
                Secret secret = s.fetch(FetchRequest.of(
                        SecretRef.parse("azure-kv:" + fake.vaultUrl() + "/secrets/db"), FetchReason.INITIAL));
                assertThat(secret.value()).isEqualTo("p1");
            } finally {
                urlSource.close();
            }
        }

        @Test
        void bearerChallenge_isAnsweredOnce_thenTheTokenIsSentStraightAway() {
            fake.setSecret("db", "p1");

            fetch("azure-kv:rotor-test/db");
            fetch("azure-kv:rotor-test/db");

            assertThat(fake.requests()).extracting(KeyVaultFake.Request::status).containsExactly(401, 200, 200);
        }

        @Test
        void clientOfTheUsers_isUsedAsGiven() throws Exception {
            fake.setSecret("db", "p1");
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(fake.trustStore());
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            SecretClient mine = new SecretClientBuilder()
                    .vaultUrl(fake.vaultUrl().toString())
                    .credential(FakeVaults.credential(fake))
                    .httpClient(new JdkHttpClientBuilder(
                                    java.net.http.HttpClient.newBuilder().sslContext(tls))
                            .build())
                    .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1))))
                    .disableChallengeResourceVerification()
                    .buildClient();
            AzureKeyVaultSource given =
                    AzureKeyVaultSource.builder().client(mine).build();
            try {
                SecretSource s = ManualSourceContext.start(given, scheduler);
                assertThat(s.fetch(FetchRequest.of(
                                        SecretRef.parse("azure-kv:" + fake.vaultUrl() + "/secrets/db"),
                                        FetchReason.INITIAL))
                                .value())
                        .isEqualTo("p1");
                assertThatThrownBy(() -> s.fetch(
                                FetchRequest.of(SecretRef.parse("azure-kv:othervault/db"), FetchReason.INITIAL)))
                        .isInstanceOf(SecretConfigurationException.class)
                        .hasMessageContaining("no client for the vault");
                fake.denyAccess("db");
                assertThatThrownBy(() -> s.fetch(FetchRequest.of(
                                SecretRef.parse("azure-kv:" + fake.vaultUrl() + "/secrets/db"), FetchReason.INITIAL)))
                        .isInstanceOf(dev.rotor.secrets.SecretAccessDeniedException.class);
            } finally {
                given.close();
            }
        }
    }
}
