package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.FakeJwt;
import dev.rotor.secrets.test.vault.MetadataFake;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFakeCloudAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * The logins that need no secret of their own (AWS IAM, Google Cloud gce and iam, Azure managed identity) and LDAP,
 * end to end: a real {@code Secrets} client reads a KV secret from the test kit's Vault fake, which checks each login
 * as Vault and the third party would (the SigV4 signature recomputed, the JWT verified under the issuer's key).
 */
class VaultCloudLoginTest {
    private static final String DB = "vault:secret/app/db";
    private static final String ARN = "arn:aws:iam::123456789012:role/orders";
    private static final String SA = "orders@rotor-test.iam.gserviceaccount.com";

    private final FakeVaultHarness h = new FakeVaultHarness();
    private final VaultFakeCloudAuth cloud = h.vault.cloudAuth();

    @TempDir
    Path dir;

    @BeforeEach
    void seed() {
        h.vault.policy("app", "secret/*", "read");
        h.vault.kvPut("secret", "app/db", Map.of("password", "pw-1"));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private static TokenSpec spec(long ttlSeconds) {
        return TokenSpec.policies("app").ttl(Duration.ofSeconds(ttlSeconds));
    }

    private static AwsCredentialsProvider fixed(AwsCredentials c) {
        return () -> c;
    }

    /**
     * Reads {@link #DB}, expects a {@link SecretAccessDeniedException} naming the ref and the source, and answers the
     * messages of it and its causes: the login's own exception, which carries Vault's reason, is among them.
     */
    private String denied() {
        SecretAccessDeniedException e =
                catchThrowableOfType(() -> h.secrets.get(DB), SecretAccessDeniedException.class);
        assertThat(e).as("the read is refused with SecretAccessDeniedException").isNotNull();
        assertThat(e.ref()).contains(SecretRef.parse(DB));
        assertThat(e.source()).isPresent();
        assertThat(e.getMessage()).contains(DB).contains(e.source().orElseThrow());
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t.getClass().getSimpleName())
                    .append(": ")
                    .append(t.getMessage())
                    .append('\n');
        }
        return chain.toString();
    }

    // ---- AWS IAM ----

    @Test
    void awsIam_signedGetCallerIdentity_logsIn_andTheSecretIsRead() {
        cloud.awsAccessKey("AKIAORDERS0001", "secret-key-1", null, ARN).awsRole("aws", "orders", ARN, spec(3000));
        h.start(VaultAuth.awsIam(
                "orders", null, null, fixed(AwsBasicCredentials.create("AKIAORDERS0001", "secret-key-1"))));

        assertThat(h.secrets.get(DB).field("password")).contains("pw-1");
        assertThat(cloud.awsAccessKeysUsed()).containsExactly("AKIAORDERS0001");
        assertThat(h.vault.count("POST", "auth/aws/login")).isEqualTo(1);
    }

    @Test
    void awsIam_sessionCredentials_regionalEndpoint_andServerId_areAccepted() {
        cloud.awsAccessKey("ASIAORDERS0002", "secret-key-2", "session-token-2", ARN)
                .awsRole("aws-eu", "orders", "arn:aws:iam::123456789012:role/*", spec(3000))
                .awsSts("aws-eu", "https://sts.eu-west-1.amazonaws.com", "eu-west-1")
                .awsServerId("aws-eu", "vault.example.com");
        h.start(VaultAuth.awsIam(
                        "orders",
                        "eu-west-1",
                        "vault.example.com",
                        fixed(AwsSessionCredentials.create("ASIAORDERS0002", "secret-key-2", "session-token-2")))
                .withMount("aws-eu"));

        assertThat(h.secrets.get(DB).field("password")).contains("pw-1");
    }

    @Test
    void awsIam_wronglySignedRequest_isRefused_asSecretAccessDenied() {
        cloud.awsAccessKey("AKIAORDERS0001", "secret-key-1", null, ARN).awsRole("aws", "orders", ARN, spec(3000));
        h.start(VaultAuth.awsIam(
                "orders", null, null, fixed(AwsBasicCredentials.create("AKIAORDERS0001", "not-the-secret-key"))));

        assertThat(denied()).contains("403 from STS").contains("SignatureDoesNotMatch");
        assertThat(cloud.awsAccessKeysUsed()).isEmpty();
    }

    @Test
    void awsIam_serverIdRequiredByTheMount_butNotSent_isRefused() {
        cloud.awsAccessKey("AKIAORDERS0001", "secret-key-1", null, ARN)
                .awsRole("aws", "orders", ARN, spec(3000))
                .awsServerId("aws", "vault.example.com");
        h.start(VaultAuth.awsIam(
                "orders", null, null, fixed(AwsBasicCredentials.create("AKIAORDERS0001", "secret-key-1"))));

        assertThat(denied()).contains("X-Vault-AWS-IAM-Server-ID");
    }

    @Test
    void awsIam_principalOutsideTheRolesBinding_isRefused() {
        cloud.awsAccessKey("AKIAORDERS0001", "secret-key-1", null, "arn:aws:iam::123456789012:role/billing")
                .awsRole("aws", "orders", ARN, spec(3000));
        h.start(VaultAuth.awsIam(
                "orders", null, null, fixed(AwsBasicCredentials.create("AKIAORDERS0001", "secret-key-1"))));

        assertThat(denied()).contains("does not belong to the role");
    }

    @Test
    void awsIam_rotatedKeys_theNextLoginSignsWithTheNewOnes() {
        AtomicReference<AwsCredentials> current =
                new AtomicReference<>(AwsBasicCredentials.create("AKIAORDERS0001", "secret-key-1"));
        cloud.awsAccessKey("AKIAORDERS0001", "secret-key-1", null, ARN)
                .awsRole("aws", "orders", ARN, spec(300).renewable(false));
        h.start(VaultAuth.awsIam("orders", null, null, current::get));
        assertThat(h.secrets.get(DB).field("password")).contains("pw-1");

        // the key is rotated: the new one is live, the old one deactivated, and the provider answers the new one
        cloud.awsAccessKey("AKIAORDERS0003", "secret-key-3", null, ARN).removeAwsAccessKey("AKIAORDERS0001");
        current.set(AwsBasicCredentials.create("AKIAORDERS0003", "secret-key-3"));
        h.advance(Duration.ofSeconds(201)); // the non-renewable token is replaced before it ends

        assertThat(h.vault.logins()).isEqualTo(2);
        assertThat(cloud.awsAccessKeysUsed()).containsExactly("AKIAORDERS0001", "AKIAORDERS0003");
        h.vault.kvPut("secret", "app/other", Map.of("k", "v"));
        assertThat(h.secrets.get("vault:secret/app/other").field("k")).contains("v");
    }

    @Test
    void awsIam_renewableToken_isRenewedThroughRenewSelf_withoutANewLogin() {
        cloud.awsAccessKey("AKIAORDERS0001", "secret-key-1", null, ARN).awsRole("aws", "orders", ARN, spec(3000));
        h.start(VaultAuth.awsIam(
                "orders", null, null, fixed(AwsBasicCredentials.create("AKIAORDERS0001", "secret-key-1"))));
        h.secrets.get(DB);

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.vault.count("POST", "auth/token/renew-self")).isEqualTo(1);
        assertThat(h.vault.logins()).isEqualTo(1);
    }

    // ---- GCP ----

    @Test
    void gcpIam_selfSignedJwt_logsIn_andTheSecretIsRead() throws Exception {
        KeyPair key = FakeJwt.rsaKeyPair();
        cloud.gcpServiceAccountKey(SA, key.getPublic()).gcpRole("gcp", "orders", "iam", List.of(SA), spec(3000));
        h.start(VaultAuth.gcpIam("orders", CloudKeys.serviceAccountKey(dir, SA, key)));

        assertThat(h.secrets.get(DB).field("password")).contains("pw-1");
        assertThat(h.vault.count("POST", "auth/gcp/login")).isEqualTo(1);
    }

    @Test
    void gcpIam_jwtSignedByAKeyVaultDoesNotKnow_isRefused() throws Exception {
        cloud.gcpServiceAccountKey(SA, FakeJwt.rsaKeyPair().getPublic())
                .gcpRole("gcp", "orders", "iam", List.of(SA), spec(3000));
        h.start(VaultAuth.gcpIam("orders", CloudKeys.serviceAccountKey(dir, SA, FakeJwt.rsaKeyPair())));

        assertThat(denied()).contains("unable to verify the JWT signature");
    }

    @Test
    void gcpIam_serviceAccountNotBoundToTheRole_isRefused() throws Exception {
        KeyPair key = FakeJwt.rsaKeyPair();
        cloud.gcpServiceAccountKey(SA, key.getPublic())
                .gcpRole("gcp", "orders", "iam", List.of("billing@rotor-test.iam.gserviceaccount.com"), spec(3000));
        h.start(VaultAuth.gcpIam("orders", CloudKeys.serviceAccountKey(dir, SA, key)));

        assertThat(denied()).contains("is not authorized for role");
    }

    @Test
    void gcpGce_identityTokenFromTheMetadataServer_logsIn_andIsFetchedAgainAtEachLogin() {
        KeyPair google = FakeJwt.rsaKeyPair();
        cloud.gcpGoogleKey(google.getPublic())
                .gcpRole("gcp", "orders", "gce", List.of(SA), spec(300).renewable(false));
        try (MetadataFake metadata = MetadataFake.gcp(h.scheduler.timeSource(), google.getPrivate(), SA)) {
            h.start(VaultAuth.gcpGce("orders", metadata.address()));

            assertThat(h.secrets.get(DB).field("password")).contains("pw-1");
            h.advance(Duration.ofSeconds(201));

            assertThat(h.vault.logins()).isEqualTo(2);
            assertThat(metadata.tokensIssued()).isEqualTo(2);
            assertThat(metadata.refused()).isZero();
        }
    }

    @Test
    void gcpGce_expiredIdentityToken_isRefused() {
        KeyPair google = FakeJwt.rsaKeyPair();
        cloud.gcpGoogleKey(google.getPublic()).gcpRole("gcp", "orders", "gce", List.of(SA), spec(3000));
        // a metadata server whose clock is two hours behind: its tokens ended an hour ago
        ManualClock behind = new ManualClock(h.scheduler.timeSource().now().minus(Duration.ofHours(2)));
        try (MetadataFake metadata = MetadataFake.gcp(behind, google.getPrivate(), SA)) {
            h.start(VaultAuth.gcpGce("orders", metadata.address()));

            assertThat(denied()).contains("the JWT has expired");
        }
    }

    // ---- Azure ----

    @Test
    void azure_managedIdentityToken_andInstanceFields_logIn_andTheSecretIsRead() {
        KeyPair tenant = FakeJwt.rsaKeyPair();
        cloud.azureConfig("azure", "tenant-1", "https://management.azure.com/", tenant.getPublic())
                .azureRole("azure", "orders", "sub-1", "rg-orders", spec(3000));
        try (MetadataFake metadata = MetadataFake.azure(
                h.scheduler.timeSource(), tenant.getPrivate(), "tenant-1", "sub-1", "rg-orders", "orders-vm-1", null)) {
            h.start(VaultAuth.azure("orders", "https://management.azure.com/", metadata.address()));

            assertThat(h.secrets.get(DB).field("password")).contains("pw-1");
            assertThat(metadata.refused()).isZero();
        }
    }

    @Test
    void azure_scaleSetInstance_postsVmssName() {
        KeyPair tenant = FakeJwt.rsaKeyPair();
        cloud.azureConfig("azure", "tenant-1", "https://management.azure.com/", tenant.getPublic())
                .azureRole("azure", "orders", "sub-1", null, spec(3000));
        try (MetadataFake metadata = MetadataFake.azure(
                h.scheduler.timeSource(),
                tenant.getPrivate(),
                "tenant-1",
                "sub-1",
                "rg-orders",
                "orders_0",
                "orders-vmss")) {
            h.start(VaultAuth.azure("orders", "https://management.azure.com/", metadata.address()));

            assertThat(h.secrets.get(DB).field("password")).contains("pw-1");
        }
    }

    @Test
    void azure_tokenForAnotherAudience_isRefused() {
        KeyPair tenant = FakeJwt.rsaKeyPair();
        cloud.azureConfig("azure", "tenant-1", "https://vault.example.com/", tenant.getPublic())
                .azureRole("azure", "orders", "sub-1", "rg-orders", spec(3000));
        try (MetadataFake metadata = MetadataFake.azure(
                h.scheduler.timeSource(), tenant.getPrivate(), "tenant-1", "sub-1", "rg-orders", "orders-vm-1", null)) {
            h.start(VaultAuth.azure("orders", "https://management.azure.com/", metadata.address()));

            assertThat(denied()).contains("audience did not match");
        }
    }

    @Test
    void azure_subscriptionNotBoundToTheRole_isRefused() {
        KeyPair tenant = FakeJwt.rsaKeyPair();
        cloud.azureConfig("azure", "tenant-1", "https://management.azure.com/", tenant.getPublic())
                .azureRole("azure", "orders", "sub-other", null, spec(3000));
        try (MetadataFake metadata = MetadataFake.azure(
                h.scheduler.timeSource(), tenant.getPrivate(), "tenant-1", "sub-1", "rg-orders", "orders-vm-1", null)) {
            h.start(VaultAuth.azure("orders", "https://management.azure.com/", metadata.address()));

            assertThat(denied()).contains("subscription ID not authorized");
        }
    }

    // ---- LDAP ----

    @Test
    void ldap_passwordFromASupplier_groupPoliciesApply_andTheSupplierIsAskedAtEachLogin() {
        h.vault.policy("ldap-readers", "secret/*", "read");
        cloud.ldapMount(
                        "ldap",
                        TokenSpec.policies().ttl(Duration.ofSeconds(300)).renewable(false))
                .ldapGroup("ldap", "readers", "ldap-readers")
                .ldapUser("ldap", "alice", "alice-password-1", "readers");
        AtomicInteger asked = new AtomicInteger();
        h.start(VaultAuth.ldap("alice", () -> {
            asked.incrementAndGet();
            return "alice-password-1";
        }));

        assertThat(h.secrets.get(DB).field("password")).contains("pw-1");
        h.advance(Duration.ofSeconds(201));

        assertThat(h.vault.count("POST", "auth/ldap/login/alice")).isEqualTo(2);
        assertThat(asked).hasValue(2);
    }

    @Test
    void ldap_passwordFromAFile_logsIn() throws Exception {
        cloud.ldapMount("ldap", TokenSpec.policies("app").ttl(Duration.ofSeconds(3000)))
                .ldapUser("ldap", "alice", "alice-password-1");
        Path file = Files.writeString(dir.resolve("ldap-password"), "alice-password-1\n");
        h.start(VaultAuth.ldap("alice", file).withMount("ldap"));

        assertThat(h.secrets.get(DB).field("password")).contains("pw-1");
    }

    @Test
    void ldap_wrongPassword_isRefused_asSecretAccessDenied() {
        cloud.ldapMount("ldap", TokenSpec.policies("app")).ldapUser("ldap", "alice", "alice-password-1");
        h.start(VaultAuth.ldap("alice", () -> "not-alices-password"));

        assertThat(denied()).contains("failed to bind as user").doesNotContain("not-alices-password");
    }

    @Test
    void ldap_userWithoutAGroupGrantingTheRead_isLoggedIn_butTheReadIsRefused() {
        cloud.ldapMount("ldap", TokenSpec.policies()).ldapUser("ldap", "bob", "bob-password-1");
        h.start(VaultAuth.ldap("bob", () -> "bob-password-1"));

        denied();
        assertThat(h.vault.count("POST", "auth/ldap/login/bob")).isGreaterThanOrEqualTo(1);
    }
}
