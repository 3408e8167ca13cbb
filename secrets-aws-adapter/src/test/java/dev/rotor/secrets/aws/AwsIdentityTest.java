package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.aws.SecretsManagerFake;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Who the application is to AWS, in every audit record: the caller STS {@code GetCallerIdentity} names, asked once
 * through the real SDK's STS client with the Secrets Manager client's credentials, region and endpoint, against the
 * test kit's fake (which answers STS's Query protocol on the same port).
 */
class AwsIdentityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE_ARN = "arn:aws:sts::123456789012:assumed-role/orders-app/i-0abc123";
    private static final String SECRET_KEY = "orders-secret-access-key-0001";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SecretsManagerFake aws =
            SecretsManagerFake.builder().scheduler(scheduler).start();
    private final List<SecretEvent> events = new CopyOnWriteArrayList<>();
    private Secrets secrets;

    @AfterEach
    void stop() {
        if (secrets != null) {
            secrets.close();
        }
        aws.close();
    }

    private Secrets start(AwsSecretsManagerSource source, LeakCheck leaks) {
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(events::add)
                .eventListener(leaks)
                .build();
        return secrets;
    }

    private AwsSecretsManagerSource.Builder ownClient(String accessKey) {
        return AwsSecretsManagerSource.builder()
                .endpointOverride(aws.endpoint())
                .region(Region.EU_WEST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, SECRET_KEY)));
    }

    private long stsCalls() {
        return aws.requests().stream()
                .filter(r -> r.operation().equals("GetCallerIdentity"))
                .count();
    }

    @Test
    void ownClient_recordsNameTheAssumedRoleStsReports_askedOnce() throws Exception {
        aws.caller("AKIDORDERS", ROLE_ARN);
        aws.createSecret("prod/db", "{\"password\":\"pw-1\"}");
        try (LeakCheck leaks = LeakCheck.builder().plant(SECRET_KEY, "pw-1").start()) {
            start(ownClient("AKIDORDERS").build(), leaks);
            assertThat(secrets.value("aws-sm:prod/db#password")).isEqualTo("pw-1");
            secrets.refresh("aws-sm:prod/db");

            SourceIdentity id = secrets.identity("aws-sm").orElseThrow();
            assertThat(id.principal()).contains(ROLE_ARN);
            assertThat(id.role()).contains("orders-app");
            assertThat(id.displayName()).contains("i-0abc123");
            assertThat(id.attributes()).containsEntry("account", "123456789012");
            assertThat(id.attributes().get("userId")).startsWith("AROA").endsWith(":i-0abc123");
            assertThat(stsCalls()).isEqualTo(1);

            JsonNode loaded = JSON.readTree(JsonAuditLogger.toJson(events.stream()
                    .filter(e -> e.type() == SecretEventType.LOADED)
                    .findFirst()
                    .orElseThrow()));
            assertThat(loaded.get("who").get("principal").asText()).isEqualTo(ROLE_ARN);
            assertThat(loaded.get("who").get("role").asText()).isEqualTo("orders-app");
            leaks.check(id, secrets.inventory());
        }
    }

    @Test
    void givenClient_stsUsesTheClientsCredentialsAndEndpoint() throws Exception {
        aws.caller("AKIDEXAMPLETEST", "arn:aws:iam::123456789012:user/ci/deployer");
        aws.createSecret("prod/api", "api-key-1");
        SecretsManagerClient client = FakeClients.client(aws);
        try (LeakCheck leaks = LeakCheck.builder().plant("api-key-1").start()) {
            start(AwsSecretsManagerSource.builder().client(client).build(), leaks);
            assertThat(secrets.value("aws-sm:prod/api")).isEqualTo("api-key-1");

            SourceIdentity id = secrets.identity("aws-sm").orElseThrow();
            assertThat(id.principal()).contains("arn:aws:iam::123456789012:user/ci/deployer");
            assertThat(id.displayName()).contains("deployer");
            assertThat(id.role()).isEmpty();
        } finally {
            client.close();
        }
    }

    @Test
    void stsRefuses_readsStillWork_andRecordsSayTheIdentityFailed() throws Exception {
        aws.denyOperation("GetCallerIdentity");
        aws.createSecret("prod/db", "pw-2");
        try (LeakCheck leaks = LeakCheck.builder().plant(SECRET_KEY, "pw-2").start()) {
            start(ownClient("AKIDORDERS").build(), leaks);
            assertThat(secrets.value("aws-sm:prod/db")).isEqualTo("pw-2");

            SourceIdentity id = secrets.identity("aws-sm").orElseThrow();
            assertThat(id.isKnown()).isFalse();
            assertThat(id.reason()).contains(SourceIdentity.FAILED);
            assertThat(id.errorClass()).contains(SecretAccessDeniedException.class.getName());
            JsonNode who = JSON.readTree(JsonAuditLogger.toJson(events.get(events.size() - 1)))
                    .get("who");
            assertThat(who.get("known").asBoolean()).isFalse();
            assertThat(who.get("errorClass").asText()).isEqualTo(SecretAccessDeniedException.class.getName());
            assertThat(who.get("error").asText()).contains("AccessDenied").contains("aws-sm");
        }
    }

    @Test
    void callerIdentityOff_noStsCall_identityUnsupported() {
        aws.createSecret("prod/db", "pw-3");
        try (LeakCheck leaks = LeakCheck.builder().plant("pw-3").start()) {
            start(ownClient("AKIDORDERS").callerIdentity(false).build(), leaks);
            secrets.get("aws-sm:prod/db");
            assertThat(secrets.identity("aws-sm")).contains(SourceIdentity.unsupported());
            assertThat(stsCalls()).isZero();
        }
    }
}
