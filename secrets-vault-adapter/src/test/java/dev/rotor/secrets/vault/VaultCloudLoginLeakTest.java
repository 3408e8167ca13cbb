package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.vault.FakeJwt;
import dev.rotor.secrets.test.vault.MetadataFake;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * No AWS secret key or session token, no JWT (self-signed, Google's or Azure's), no LDAP password and no Vault token
 * (every one the fake issues starts with {@code hvs.}) shows in a log line, an event, an exception, a {@code
 * toString()} or the inventory, through successful logins, renewals, re-logins and refused logins of the four methods.
 */
class VaultCloudLoginLeakTest {
    private static final String DB = "vault:secret/app/db";
    private static final String ARN = "arn:aws:iam::123456789012:role/orders";
    private static final String SA = "orders@rotor-test.iam.gserviceaccount.com";
    private static final String AWS_SECRET = "PLANTED-aws-secret-key-7f3a";
    private static final String AWS_SESSION = "PLANTED-aws-session-token-52c1";
    private static final String LDAP_PASSWORD = "PLANTED-ldap-password-0d9e";

    @TempDir
    Path dir;

    private static FakeVaultHarness harness() {
        FakeVaultHarness h = new FakeVaultHarness();
        h.vault.policy("app", "secret/*", "read");
        h.vault.kvPut("secret", "app/db", Map.of("password", "pw-1"));
        return h;
    }

    private static TokenSpec spec() {
        return TokenSpec.policies("app").ttl(Duration.ofSeconds(300)).renewable(false);
    }

    /** Logs in, reads, lets the token be replaced once, and hands what the world could see to the leak check. */
    private static void exercise(FakeVaultHarness h, VaultAuth auth, LeakCheck leaks) {
        h.start(h.sourceBuilder(auth), b -> b.eventListener(leaks));
        leaks.check(auth, h.source, h.secrets.get(DB));
        h.advance(Duration.ofSeconds(201));
        leaks.check(h.secrets.inventory(), h.secrets.health(), h.events.events());
    }

    @Test
    void cloudAndLdapLogins_leakNoCredentialNoJwtAndNoToken() throws Exception {
        KeyPair saKey = FakeJwt.rsaKeyPair();
        KeyPair google = FakeJwt.rsaKeyPair();
        KeyPair tenant = FakeJwt.rsaKeyPair();
        FakeVaultHarness aws = harness();
        FakeVaultHarness gcpIam = harness();
        FakeVaultHarness gce = harness();
        FakeVaultHarness azure = harness();
        FakeVaultHarness ldap = harness();
        FakeVaultHarness refused = harness();
        // the self-signed JWT is deterministic (RS256, the manual clock): the one GcpAuth will post at the first login
        long iat = gcpIam.scheduler.timeSource().now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", SA);
        claims.put("aud", "vault/orders");
        claims.put("iat", iat);
        claims.put("exp", iat + 600);
        String selfSigned = FakeJwt.sign(saKey.getPrivate(), "k1", claims);
        String pemLine = CloudKeys.pkcs8Pem(saKey).split("\n")[3];
        try (MetadataFake gceMetadata = MetadataFake.gcp(gce.scheduler.timeSource(), google.getPrivate(), SA);
                MetadataFake azureMetadata = MetadataFake.azure(
                        azure.scheduler.timeSource(),
                        tenant.getPrivate(),
                        "tenant-1",
                        "sub-1",
                        "rg-orders",
                        "vm-1",
                        null);
                LeakCheck leaks = LeakCheck.builder()
                        .plant(AWS_SECRET, AWS_SESSION, LDAP_PASSWORD, pemLine, selfSigned, "hvs.")
                        .plant(gceMetadata.token("vault/orders"))
                        .plant(azureMetadata.token("https://management.azure.com/"))
                        // the AWS SDK's signer prints the canonical request, session token included, at DEBUG: the
                        // adapter's README tells users to keep this logger at INFO; everything else runs at TRACE
                        .ignoreLoggers("software.amazon.awssdk.http.auth.aws.internal.signer")
                        .start()) {
            aws.vault
                    .cloudAuth()
                    .awsAccessKey("ASIAORDERS0001", AWS_SECRET, AWS_SESSION, ARN)
                    .awsRole("aws", "orders", ARN, spec())
                    .awsServerId("aws", "vault.example.com");
            exercise(
                    aws,
                    VaultAuth.awsIam(
                            "orders",
                            null,
                            "vault.example.com",
                            () -> AwsSessionCredentials.create("ASIAORDERS0001", AWS_SECRET, AWS_SESSION)),
                    leaks);

            gcpIam.vault
                    .cloudAuth()
                    .gcpServiceAccountKey(SA, saKey.getPublic())
                    .gcpRole("gcp", "orders", "iam", List.of(SA), spec());
            exercise(gcpIam, VaultAuth.gcpIam("orders", CloudKeys.serviceAccountKey(dir, SA, saKey)), leaks);

            gce.vault.cloudAuth().gcpGoogleKey(google.getPublic()).gcpRole("gcp", "orders", "gce", List.of(SA), spec());
            exercise(gce, VaultAuth.gcpGce("orders", gceMetadata.address()), leaks);

            azure.vault
                    .cloudAuth()
                    .azureConfig("azure", "tenant-1", "https://management.azure.com/", tenant.getPublic())
                    .azureRole("azure", "orders", "sub-1", "rg-orders", spec());
            exercise(azure, VaultAuth.azure("orders", "https://management.azure.com/", azureMetadata.address()), leaks);

            ldap.vault.cloudAuth().ldapMount("ldap", spec()).ldapUser("ldap", "alice", LDAP_PASSWORD);
            exercise(ldap, VaultAuth.ldap("alice", () -> LDAP_PASSWORD), leaks);

            // refused logins: a wrong signature (the right session token), a wrong password
            refused.vault
                    .cloudAuth()
                    .awsAccessKey("ASIAORDERS0001", "another-secret", AWS_SESSION, ARN)
                    .awsRole("aws", "orders", ARN, spec())
                    .ldapMount("ldap", spec())
                    .ldapUser("ldap", "alice", "another-password");
            VaultAuth wrongKey = VaultAuth.awsIam(
                    "orders",
                    null,
                    null,
                    () -> AwsSessionCredentials.create("ASIAORDERS0001", AWS_SECRET, AWS_SESSION));
            refused.start(refused.sourceBuilder(wrongKey), b -> b.eventListener(leaks));
            Throwable awsRefusal = catchThrowable(() -> refused.secrets.get(DB));
            assertThat(awsRefusal).isNotNull();
            leaks.check(awsRefusal, refused.source, refused.secrets.inventory(), refused.events.events());

            for (FakeVaultHarness h : List.of(aws, gcpIam, gce, azure, ldap, refused)) {
                h.close();
            }
            try (FakeVaultHarness other = harness()) {
                other.vault.cloudAuth().ldapMount("ldap", spec()).ldapUser("ldap", "alice", "another-password");
                other.start(
                        other.sourceBuilder(VaultAuth.ldap("alice", () -> LDAP_PASSWORD)), b -> b.eventListener(leaks));
                Throwable ldapRefusal = catchThrowable(() -> other.secrets.get(DB));
                assertThat(ldapRefusal).isNotNull();
                leaks.check(ldapRefusal, other.events.events());
            }
            assertThat(aws.vault.cloudAuth().awsAccessKeysUsed()).hasSize(2);
            leaks.assertNoLeaks();
            assertThat(leaks.capturesLogs()).isTrue();
        }
    }
}
