package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.vault.FakeJwt;
import dev.rotor.secrets.test.vault.MetadataFake;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code rotor.vault.auth.method} {@code ldap}, {@code gcp-iam}, {@code gcp-gce} and {@code azure} from properties,
 * logging in to the test kit's Vault fake, which checks each login as Vault does.
 */
class RotorVaultCloudAuthTest {
    private static final String SA = "orders@rotor-test.iam.gserviceaccount.com";

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private VaultFake vault;

    @BeforeEach
    void startVault() {
        vault = VaultFake.builder().clock(scheduler.timeSource()).build();
        vault.policy("app", "secret/*", "read");
        vault.kvPut("secret", "app/db", Map.of("password", "pw-cloud"));
    }

    @AfterEach
    void stopVault() {
        vault.close();
    }

    private ApplicationContextRunner runner(String... auth) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withBean(
                        RotorSecretsCustomizer.class,
                        () -> b -> b.scheduler(scheduler).executor(ManualScheduler.directExecutor()))
                .withBean("mem", InMemorySource.class, () -> new InMemorySource("mem", scheduler.clock()))
                .withPropertyValues("rotor.audit.enabled=false", "rotor.discover-sources=false")
                .withPropertyValues("rotor.vault.address=" + vault.address(), "rotor.vault.kv-versions.secret=2")
                .withPropertyValues(auth);
    }

    private void readsTheSecret(String... auth) {
        runner(auth).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Secrets.class).value("vault:secret/app/db#password"))
                    .isEqualTo("pw-cloud");
        });
    }

    @Test
    void ldap_withAPasswordFile_logsIn() throws Exception {
        vault.cloudAuth().ldapMount("ldap", TokenSpec.policies("app")).ldapUser("ldap", "alice", "alice-pw");
        Path pw = Files.writeString(tmp.resolve("ldap-password"), "alice-pw");
        readsTheSecret(
                "rotor.vault.auth.method=ldap",
                "rotor.vault.auth.username=alice",
                "rotor.vault.auth.password-ref=file:" + pw);
        assertThat(vault.count("POST", "auth/ldap/login/alice")).isEqualTo(1);
    }

    @Test
    void gcpIam_withAServiceAccountKeyFile_logsIn() throws Exception {
        KeyPair key = FakeJwt.rsaKeyPair();
        vault.cloudAuth()
                .gcpServiceAccountKey(SA, key.getPublic())
                .gcpRole("gcp", "orders", "iam", List.of(SA), TokenSpec.policies("app"));
        String pem = "-----BEGIN PRIVATE KEY-----\\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(key.getPrivate().getEncoded())
                        .replace("\n", "\\n") // JSON-escaped, as in the file Google hands out
                + "\\n-----END PRIVATE KEY-----\\n";
        Path file = Files.writeString(
                tmp.resolve("sa.json"),
                "{\"type\":\"service_account\",\"private_key_id\":\"k1\",\"private_key\":\"" + pem
                        + "\",\"client_email\":\"" + SA + "\"}");
        readsTheSecret(
                "rotor.vault.auth.method=gcp-iam",
                "rotor.vault.auth.role=orders",
                "rotor.vault.auth.service-account-key-file=" + file);
    }

    @Test
    void gcpGce_andAzure_withAMetadataAddress_logIn() {
        KeyPair google = FakeJwt.rsaKeyPair();
        KeyPair tenant = FakeJwt.rsaKeyPair();
        vault.cloudAuth()
                .gcpGoogleKey(google.getPublic())
                .gcpRole("gcp", "orders", "gce", List.of(SA), TokenSpec.policies("app"))
                .azureConfig("azure", "tenant-1", "https://vault.example.com/", tenant.getPublic())
                .azureRole("azure", "orders", "sub-1", "rg-1", TokenSpec.policies("app"));
        try (MetadataFake gce = MetadataFake.gcp(scheduler.timeSource(), google.getPrivate(), SA);
                MetadataFake imds = MetadataFake.azure(
                        scheduler.timeSource(), tenant.getPrivate(), "tenant-1", "sub-1", "rg-1", "vm-1", null)) {
            readsTheSecret(
                    "rotor.vault.auth.method=gcp-gce",
                    "rotor.vault.auth.role=orders",
                    "rotor.vault.auth.metadata-address=" + gce.address());
            readsTheSecret(
                    "rotor.vault.auth.method=azure",
                    "rotor.vault.auth.role=orders",
                    "rotor.vault.auth.resource=https://vault.example.com/",
                    "rotor.vault.auth.metadata-address=" + imds.address());
        }
    }

    @Test
    void awsIam_settingOfAnotherMethod_failsNamingTheConflict() {
        runner(
                        "rotor.vault.auth.method=aws-iam",
                        "rotor.vault.auth.role=orders",
                        "rotor.vault.auth.resource=https://vault.example.com/")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.vault.auth.resource does not apply to")
                        .hasMessageContaining("method=aws-iam"));
    }

    @Test
    void gcpIam_withoutKeyFile_failsNamingTheProperty() {
        runner("rotor.vault.auth.method=gcp-iam", "rotor.vault.auth.role=orders")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.vault.auth.service-account-key-file"));
    }
}
