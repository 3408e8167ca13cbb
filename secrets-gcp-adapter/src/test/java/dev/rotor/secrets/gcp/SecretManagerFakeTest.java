package dev.rotor.secrets.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.AddSecretVersionRequest;
import com.google.cloud.secretmanager.v1.DeleteSecretRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsRequest;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;
import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.gcp.SecretManagerFake;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake, specified through Google's real client: one test per behaviour the API reference documents. */
class SecretManagerFakeTest {
    private static final String P = "my-project";
    private static final String DB = "projects/" + P + "/secrets/db";

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:10Z"));
    private final SecretManagerFake fake = SecretManagerFake.start(clock);
    private final SecretManagerServiceClient client = client(fake);

    private static SecretManagerServiceClient client(SecretManagerFake fake) {
        SecretManagerServiceSettings.Builder b = fake.settings().toBuilder();
        RetrySettings once = RetrySettings.newBuilder()
                .setTotalTimeoutDuration(Duration.ofSeconds(10))
                .setInitialRpcTimeoutDuration(Duration.ofSeconds(10))
                .setMaxRpcTimeoutDuration(Duration.ofSeconds(10))
                .setMaxAttempts(1)
                .build();
        b.applyToAllUnaryMethods(m -> {
            m.setRetrySettings(once).setRetryableCodes(Set.of());
            return null;
        });
        try {
            return SecretManagerServiceClient.create(b.build());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void close() {
        client.close();
        fake.close();
    }

    private SecretVersion add(String data) {
        return client.addSecretVersion(AddSecretVersionRequest.newBuilder()
                .setParent(DB)
                .setPayload(SecretPayload.newBuilder().setData(ByteString.copyFromUtf8(data)))
                .build());
    }

    private static StatusCode.Code code(Runnable call) {
        try {
            call.run();
        } catch (ApiException e) {
            return e.getStatusCode().getCode();
        }
        throw new AssertionError("expected the call to fail");
    }

    @Test
    void versions_areNumberedFrom1_andNamedWithTheProjectNumber() {
        client.createSecret("projects/" + P, "db", Secret.getDefaultInstance());
        SecretVersion v1 = add("one");
        SecretVersion v2 = add("two");

        String number = fake.projectNumber(P);
        assertThat(v1.getName()).isEqualTo("projects/" + number + "/secrets/db/versions/1");
        assertThat(v2.getName()).endsWith("/versions/2");
        assertThat(v1.getState()).isEqualTo(SecretVersion.State.ENABLED);
        assertThat(client.accessSecretVersion("projects/" + number + "/secrets/db/versions/1")
                        .getPayload()
                        .getData()
                        .toStringUtf8())
                .isEqualTo("one");
    }

    @Test
    void latest_isTheMostRecentlyCreated_evenWhenNotEnabled() {
        fake.createSecret(P, "db");
        add("one");
        add("two");
        client.disableSecretVersion(DB + "/versions/2");

        assertThat(code(() -> client.accessSecretVersion(DB + "/versions/latest")))
                .isEqualTo(StatusCode.Code.FAILED_PRECONDITION);
        assertThat(client.getSecretVersion(DB + "/versions/latest").getName()).endsWith("/versions/2");
        assertThat(client.accessSecretVersion(DB + "/versions/1")
                        .getPayload()
                        .getData()
                        .toStringUtf8())
                .isEqualTo("one");
    }

    @Test
    void access_answersTheCrc32cOfThePayload() {
        fake.createSecret(P, "db");
        add("payload");

        AccessSecretVersionResponse r = client.accessSecretVersion(DB + "/versions/latest");

        assertThat(r.getPayload().getDataCrc32C())
                .isEqualTo(SecretManagerFake.crc32c("payload".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void states_disableEnableDestroy_andDestroyedIsFinal() {
        fake.createSecret(P, "db");
        add("one");
        String v1 = DB + "/versions/1";

        assertThat(client.disableSecretVersion(v1).getState()).isEqualTo(SecretVersion.State.DISABLED);
        assertThat(client.enableSecretVersion(v1).getState()).isEqualTo(SecretVersion.State.ENABLED);
        SecretVersion destroyed = client.destroySecretVersion(v1);

        assertThat(destroyed.getState()).isEqualTo(SecretVersion.State.DESTROYED);
        assertThat(destroyed.hasDestroyTime()).isTrue();
        assertThat(code(() -> client.enableSecretVersion(v1))).isEqualTo(StatusCode.Code.FAILED_PRECONDITION);
        assertThat(code(() -> client.accessSecretVersion(v1))).isEqualTo(StatusCode.Code.FAILED_PRECONDITION);
        assertThat(client.getSecretVersion(v1).getState()).isEqualTo(SecretVersion.State.DESTROYED);
    }

    @Test
    void aliases_setByUpdateSecret_areReadLikeVersions() {
        fake.createSecret(P, "db");
        add("one");
        add("two");

        Secret updated = client.updateSecret(
                Secret.newBuilder().setName(DB).putVersionAliases("stable", 1).build(),
                FieldMask.newBuilder().addPaths("version_aliases").build());

        assertThat(updated.getVersionAliasesMap()).containsEntry("stable", 1L);
        assertThat(client.accessSecretVersion(DB + "/versions/stable").getName())
                .endsWith("/versions/1");
        assertThat(code(() -> client.updateSecret(
                        Secret.newBuilder()
                                .setName(DB)
                                .putVersionAliases("next", 9)
                                .build(),
                        FieldMask.newBuilder().addPaths("version_aliases").build())))
                .isEqualTo(StatusCode.Code.INVALID_ARGUMENT);
    }

    @Test
    void list_newestFirst_inPages() {
        fake.createSecret(P, "db");
        add("one");
        add("two");
        add("three");

        var page = client.listSecretVersions(ListSecretVersionsRequest.newBuilder()
                        .setParent(DB)
                        .setPageSize(2)
                        .build())
                .getPage();

        assertThat(page.getValues()).extracting(SecretVersion::getName).allMatch(n -> n.contains("/versions/"));
        assertThat(page.getValues())
                .extracting(v -> v.getName().substring(v.getName().length() - 1))
                .containsExactly("3", "2");
        assertThat(page.hasNextPage()).isTrue();
        assertThat(page.getNextPage().getValues())
                .extracting(v -> v.getName().substring(v.getName().length() - 1))
                .containsExactly("1");
    }

    @Test
    void addSecretVersion_checksTheSizeAndTheChecksum() {
        fake.createSecret(P, "db");

        assertThat(code(() -> client.addSecretVersion(AddSecretVersionRequest.newBuilder()
                        .setParent(DB)
                        .setPayload(SecretPayload.newBuilder().setData(ByteString.copyFrom(new byte[65_537])))
                        .build())))
                .isEqualTo(StatusCode.Code.INVALID_ARGUMENT);
        assertThat(code(() -> client.addSecretVersion(AddSecretVersionRequest.newBuilder()
                        .setParent(DB)
                        .setPayload(SecretPayload.newBuilder()
                                .setData(ByteString.copyFromUtf8("x"))
                                .setDataCrc32C(1))
                        .build())))
                .isEqualTo(StatusCode.Code.INVALID_ARGUMENT);
        SecretVersion ok = client.addSecretVersion(AddSecretVersionRequest.newBuilder()
                .setParent(DB)
                .setPayload(SecretPayload.newBuilder()
                        .setData(ByteString.copyFromUtf8("x"))
                        .setDataCrc32C(SecretManagerFake.crc32c(new byte[] {'x'})))
                .build());
        assertThat(ok.getClientSpecifiedPayloadChecksum()).isTrue();
    }

    @Test
    void deleteSecret_removesEveryVersion_andHonoursTheEtag() {
        fake.createSecret(P, "db");
        add("one");
        String etag = client.getSecret(DB).getEtag();

        assertThat(code(() -> client.deleteSecret(DeleteSecretRequest.newBuilder()
                        .setName(DB)
                        .setEtag("\"stale\"")
                        .build())))
                .isEqualTo(StatusCode.Code.ABORTED);
        client.deleteSecret(
                DeleteSecretRequest.newBuilder().setName(DB).setEtag(etag).build());

        assertThat(code(() -> client.accessSecretVersion(DB + "/versions/1"))).isEqualTo(StatusCode.Code.NOT_FOUND);
        assertThat(code(() -> client.getSecret(DB))).isEqualTo(StatusCode.Code.NOT_FOUND);
    }

    @Test
    void createSecret_twice_alreadyExists_andBadIdsAreRefused() {
        client.createSecret("projects/" + P, "db", Secret.getDefaultInstance());

        assertThat(code(() -> client.createSecret("projects/" + P, "db", Secret.getDefaultInstance())))
                .isEqualTo(StatusCode.Code.ALREADY_EXISTS);
        assertThat(code(() -> client.createSecret("projects/" + P, "bad.id", Secret.getDefaultInstance())))
                .isEqualTo(StatusCode.Code.INVALID_ARGUMENT);
    }

    @Test
    void regionalSecrets_liveApartFromGlobalOnes() {
        client.createSecret("projects/" + P + "/locations/us-east1", "db", Secret.getDefaultInstance());
        client.addSecretVersion(AddSecretVersionRequest.newBuilder()
                .setParent("projects/" + P + "/locations/us-east1/secrets/db")
                .setPayload(SecretPayload.newBuilder().setData(ByteString.copyFromUtf8("regional")))
                .build());

        assertThat(client.accessSecretVersion("projects/" + P + "/locations/us-east1/secrets/db/versions/1")
                        .getName())
                .contains("/locations/us-east1/secrets/db/versions/1");
        assertThat(code(() -> client.accessSecretVersion(DB + "/versions/1"))).isEqualTo(StatusCode.Code.NOT_FOUND);
    }

    @Test
    void quotas_perProjectAndKind_refillEachMinute() {
        fake.createSecret(P, "db");
        add("one");
        fake.createSecret("other-project", "db");
        fake.addVersion("other-project", "db", "x");
        fake.quota("READ", 1);
        fake.quota("ACCESS", 1);

        client.getSecret(DB);
        assertThat(code(() -> client.getSecret(DB))).isEqualTo(StatusCode.Code.RESOURCE_EXHAUSTED);
        client.accessSecretVersion(DB + "/versions/1");
        assertThat(code(() -> client.accessSecretVersion(DB + "/versions/1")))
                .isEqualTo(StatusCode.Code.RESOURCE_EXHAUSTED);
        client.accessSecretVersion("projects/other-project/secrets/db/versions/1");

        clock.advance(Duration.ofSeconds(50));
        client.getSecret(DB);
        client.accessSecretVersion(DB + "/versions/1");
    }

    @Test
    void denial_isPerSecret() {
        fake.createSecret(P, "db");
        add("one");
        fake.createSecret(P, "api");
        fake.addVersion(P, "api", "k");
        fake.denyAccess(P, "db");

        assertThat(code(() -> client.accessSecretVersion(DB + "/versions/1")))
                .isEqualTo(StatusCode.Code.PERMISSION_DENIED);
        assertThat(client.accessSecretVersion("projects/" + P + "/secrets/api/versions/1")
                        .getPayload()
                        .getData()
                        .toStringUtf8())
                .isEqualTo("k");
    }

    @Test
    void unknownVersionOrAlias_isNotFound() {
        fake.createSecret(P, "db");

        assertThat(code(() -> client.accessSecretVersion(DB + "/versions/latest")))
                .as("no version yet")
                .isEqualTo(StatusCode.Code.NOT_FOUND);
        add("one");
        assertThat(code(() -> client.accessSecretVersion(DB + "/versions/2"))).isEqualTo(StatusCode.Code.NOT_FOUND);
        assertThat(code(() -> client.accessSecretVersion(DB + "/versions/nope")))
                .isEqualTo(StatusCode.Code.NOT_FOUND);
    }
}
