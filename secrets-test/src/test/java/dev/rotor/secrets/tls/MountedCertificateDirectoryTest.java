package dev.rotor.secrets.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file source's {@code format=tls}: a directory as cert-manager's CSI driver and Kubernetes TLS secrets mount it,
 * read as one version whose lease is the leaf's validity, so that the engine's own deadlines (refresh at two thirds,
 * stop at the end) apply, on the manual clock.
 */
class MountedCertificateDirectoryTest {
    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant t0 = scheduler.clock().now();
    private final TestPki.Issued ca =
            TestPki.ca("Rotor Test CA", t0.minus(Duration.ofDays(10)), t0.plus(Duration.ofDays(365)));
    private Secrets secrets;

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
    }

    private Secrets start(RefreshPolicy policy) {
        secrets = Secrets.builder()
                .source(FileSecretSource.builder().watch(false).build())
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(FixedRandom.of(0.5))
                .refreshPolicy("file", policy)
                .build();
        return secrets;
    }

    private String ref(Path dir) {
        return "file:" + dir + "?format=tls";
    }

    @Test
    void mountedDirectory_isOneVersion_whoseLeaseIsTheLeafsValidity_refreshedAtTwoThirdsLessJitter() {
        // a poll far away, so that the lease's own refresh shows
        start(RefreshPolicy.builder()
                .pollInterval(Duration.ofDays(365))
                .spreadFirstRefresh(false)
                .build());
        MountedSecretDirectory mount = MountedSecretDirectory.in(tmp.resolve("tls"));
        TestPki.Issued leaf = TestPki.leaf(ca, "api", t0, t0.plus(Duration.ofDays(90)));
        mount.write(leaf.kubernetes(ca));

        Secret s = secrets.get(ref(mount.dir()));
        assertThat(s.fieldNames()).containsExactlyInAnyOrder("tls.crt", "tls.key", "ca.crt");
        Lease lease = s.lease().orElseThrow();
        assertThat(lease.issuedAt()).isEqualTo(t0);
        assertThat(lease.expiresAt()).isEqualTo(t0.plus(Duration.ofDays(90)));
        assertThat(lease).isEqualTo(CertificateBundle.from(s).validityLease());
        // two thirds of 90 days, less half (the fixed draw) of a tenth of it: 60 - 4.5 days
        Instant expected = t0.plus(Duration.ofDays(55)).plus(Duration.ofHours(12));
        Instant next = secrets.inventory().get(0).nextRefresh().orElseThrow();
        assertThat(next).isBetween(expected.minusMillis(1), expected.plusMillis(1));

        // no replacement until the end: the engine stops serving it when the certificate expires
        scheduler.advanceTo(t0.plus(Duration.ofDays(90)).plusSeconds(1));
        assertThat(catchThrowable(() -> secrets.get(ref(mount.dir())))).isInstanceOf(SecretException.class);

        // cert-manager writes the renewed certificate: the next look serves it, with its own lease
        TestPki.Issued renewed = TestPki.leaf(
                ca, "api", scheduler.clock().now(), scheduler.clock().now().plus(Duration.ofDays(90)));
        mount.write(renewed.kubernetes(ca));
        Secret again = secrets.refresh(ref(mount.dir()));
        assertThat(CertificateBundle.from(again).serialNumber()).isEqualTo(renewed.serial());
        assertThat(again.lease().orElseThrow().expiresAt())
                .isEqualTo(renewed.certificate.getNotAfter().toInstant());
    }

    @Test
    void mountedDirectory_isStillPolledForAReplacement_atThePollInterval() {
        start(RefreshPolicy.builder().spreadFirstRefresh(false).build()); // the file source's 10 s poll
        MountedSecretDirectory mount = MountedSecretDirectory.in(tmp.resolve("tls"));
        TestPki.Issued leaf = TestPki.leaf(ca, "api", t0, t0.plus(Duration.ofDays(90)));
        mount.write(leaf.kubernetes(ca));
        Secret first = secrets.get(ref(mount.dir()));
        assertThat(secrets.inventory().get(0).nextRefresh()).hasValue(t0.plusSeconds(10));

        TestPki.Issued renewed = TestPki.leaf(ca, "api", t0, t0.plus(Duration.ofDays(90)));
        mount.write(renewed.kubernetes(ca)); // the ..data swap
        scheduler.advance(Duration.ofSeconds(10));
        Secret now = secrets.get(ref(mount.dir()));
        assertThat(now.version()).isNotEqualTo(first.version());
        assertThat(CertificateBundle.from(now).serialNumber()).isEqualTo(renewed.serial());
    }

    @Test
    void filesReplacedOneByOne_newCertificateWithTheOldKey_isNeverServed() throws Exception {
        start(RefreshPolicy.builder().spreadFirstRefresh(false).build());
        Path dir = Files.createDirectories(tmp.resolve("plain"));
        TestPki.Issued one = TestPki.leaf(ca, "api", t0, t0.plus(Duration.ofDays(90)));
        Files.writeString(dir.resolve("tls.crt"), one.certPem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("tls.key"), one.pkcs8(), StandardCharsets.US_ASCII);
        Secret first = secrets.get(ref(dir));

        TestPki.Issued two = TestPki.leaf(ca, "api", t0, t0.plus(Duration.ofDays(90)));
        Files.writeString(dir.resolve("tls.crt"), two.certPem(), StandardCharsets.US_ASCII); // the key comes later
        assertThat(catchThrowable(() -> secrets.refresh(ref(dir))))
                .isInstanceOf(SourceUnavailableException.class)
                .hasMessageContaining("the private key does not match the certificate")
                .hasMessageContaining("try again later");
        assertThat(secrets.get(ref(dir)).version()).isEqualTo(first.version());
        assertThat(CertificateBundle.from(secrets.get(ref(dir))).serialNumber()).isEqualTo(one.serial());

        Files.writeString(dir.resolve("tls.key"), two.pkcs8(), StandardCharsets.US_ASCII);
        Secret second = secrets.refresh(ref(dir));
        assertThat(CertificateBundle.from(second).serialNumber()).isEqualTo(two.serial());
    }

    @Test
    void onePemFile_isReadToo() throws Exception {
        start(RefreshPolicy.builder().spreadFirstRefresh(false).build());
        TestPki.Issued leaf = TestPki.leaf(ca, "api", t0, t0.plus(Duration.ofDays(30)));
        Path pem = tmp.resolve("api.pem");
        Files.writeString(pem, leaf.certPem() + leaf.traditional(), StandardCharsets.US_ASCII);
        Secret s = secrets.get("file:" + pem + "?format=tls");
        assertThat(s.lease().orElseThrow().expiresAt()).isEqualTo(t0.plus(Duration.ofDays(30)));
        assertThat(CertificateBundle.from(s).serialNumber()).isEqualTo(leaf.serial());
    }
}
