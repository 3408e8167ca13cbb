package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.RotorSslBundle;
import dev.rotor.secrets.spring.internal.SslBundleBinder;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import dev.rotor.secrets.test.RecordingListener;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code rotor.ssl.bundle.<name>.*} on a real embedded Tomcat serving HTTPS from the bundle ({@code
 * server.ssl.bundle}): the bundle is registered from an in-memory secret or a mounted certificate directory, a renewal
 * is handed to Spring Boot's registry ({@code updateBundle}) and a new handshake sees the new certificate; a client
 * built from {@link SslBundles} trusts the server through the bundle's CA. The client runs on a manual clock, and every
 * refresh is the test's.
 */
class RotorSslBundleTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant manualNow = scheduler.clock().now();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    // valid on the manual clock (the engine's checks) and on the system clock (the JDK's, in the handshake)
    private final Instant from = min(manualNow, Instant.now()).minus(Duration.ofDays(30));
    private final Instant to = max(manualNow, Instant.now()).plus(Duration.ofDays(365));
    private final Pki.Issued ca = Pki.ca("Rotor Test CA", from, to);

    @TempDir
    Path tmp;

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static BigInteger bundleSerial(SslBundle bundle) throws Exception {
        KeyStore store = bundle.getStores().getKeyStore();
        return ((X509Certificate) store.getCertificate(RotorSslBundle.KEY_ALIAS)).getSerialNumber();
    }

    @Test
    void inMemorySecret_isRegisteredAndServed_renewalIsHandedOverAndANewHandshakeSeesIt() throws Exception {
        Pki.Issued first = Pki.leaf(ca, "web", from, to);
        Pki.Issued renewed = Pki.leaf(ca, "web", from, to);
        source.putFields("tls/web", first.tlsFields(ca));
        source.put("tls/ca", ca.certPem());
        try (ConfigurableApplicationContext context = SslServer.start(
                scheduler,
                source,
                events,
                "--rotor.ssl.bundle.web.ref=mem:tls/web",
                "--rotor.ssl.bundle.web.trust-ref=mem:tls/ca",
                "--server.ssl.bundle=web")) {
            SslBundles bundles = context.getBean(SslBundles.class);
            Secrets secrets = context.getBean(Secrets.class);
            int port = SslServer.port(context);
            assertThat(bundles.getBundleNames()).contains("web");
            assertThat(bundleSerial(bundles.getBundle("web"))).isEqualTo(first.serial());
            // a client built from the bundle: its trust store holds the CA, so it verifies the server's chain
            SSLContext client = bundles.getBundle("web").createSslContext();
            assertThat(SslServer.serial(client, port)).isEqualTo(first.serial());

            String v1 = secrets.get("mem:tls/web").version();
            source.putFields("tls/web", renewed.tlsFields(ca));
            String v2 = secrets.refresh("mem:tls/web").version();

            assertThat(v2).isNotEqualTo(v1);
            assertThat(bundleSerial(bundles.getBundle("web"))).isEqualTo(renewed.serial());
            assertThat(SslServer.serial(bundles.getBundle("web").createSslContext(), port))
                    .as("a handshake after the renewal")
                    .isEqualTo(renewed.serial());
            List<SecretEvent> handOvers = events.ofType(SecretEventType.HANDED_OVER);
            assertThat(handOvers).hasSize(1);
            SecretEvent h = handOvers.get(0);
            assertThat(h.source()).contains("web");
            assertThat(h.detail()).contains("ssl-bundle");
            assertThat(h.version()).contains(v2);
            assertThat(h.previousVersion()).contains(v1);
            assertThat(h.duration()).isPresent();
            assertThat(h.errorMessage()).isEmpty();
            RotorSslBundle bundle =
                    context.getBean(SslBundleBinder.class).bundle("web").orElseThrow();
            assertThat(bundle.keyBinding().orElseThrow().handOvers()).isEqualTo(1);
            assertThat(bundle.certificate().orElseThrow().serialNumber()).isEqualTo(renewed.serial());
        }
    }

    @Test
    void mountedCertificateDirectory_renewalReachesTheServer() throws Exception {
        Pki.Issued first = Pki.leaf(ca, "web", from, to);
        Pki.Issued renewed = Pki.leaf(ca, "web", from, to);
        MountedSecretDirectory mount =
                MountedSecretDirectory.in(tmp.resolve("tls")).write(first.tlsFields(ca));
        String ref = "file:" + mount.dir() + "?format=tls";
        source.put("tls/ca", ca.certPem());
        try (ConfigurableApplicationContext context = SslServer.start(
                scheduler,
                source,
                events,
                "--rotor.ssl.bundle.web.ref=" + ref,
                "--rotor.ssl.bundle.client.ref=" + ref,
                "--rotor.ssl.bundle.client.trust-ref=file:" + mount.dir().resolve("ca.crt"),
                "--server.ssl.bundle=web")) {
            SslBundles bundles = context.getBean(SslBundles.class);
            Secrets secrets = context.getBean(Secrets.class);
            int port = SslServer.port(context);
            assertThat(bundles.getBundle("web").getStores().getTrustStore())
                    .as("no trust-ref, no trust store")
                    .isNull();
            SSLContext client = bundles.getBundle("client").createSslContext();
            assertThat(SslServer.serial(client, port)).isEqualTo(first.serial());

            mount.write(renewed.tlsFields(ca)); // cert-manager's renewal: one atomic swap of ..data
            secrets.refresh(ref);

            assertThat(SslServer.serial(bundles.getBundle("client").createSslContext(), port))
                    .isEqualTo(renewed.serial());
            assertThat(events.ofType(SecretEventType.HANDED_OVER))
                    .extracting(e -> e.source().orElseThrow())
                    .containsExactlyInAnyOrder("web", "client");
        }
    }

    @Test
    void caRollover_theTrustVersionIsHandedOver_thenAServerCertificateOfTheNewCaIsTrusted() throws Exception {
        Pki.Issued newCa = Pki.ca("Rotor Test CA 2", from, to);
        Pki.Issued first = Pki.leaf(ca, "web", from, to);
        Pki.Issued ofNewCa = Pki.leaf(newCa, "web", from, to);
        source.putFields("tls/web", first.tlsFields(ca));
        source.put("tls/ca", ca.certPem());
        try (ConfigurableApplicationContext context = SslServer.start(
                scheduler,
                source,
                events,
                "--rotor.ssl.bundle.web.ref=mem:tls/web",
                "--rotor.ssl.bundle.web.trust-ref=mem:tls/ca",
                "--server.ssl.bundle=web")) {
            SslBundles bundles = context.getBean(SslBundles.class);
            Secrets secrets = context.getBean(Secrets.class);
            int port = SslServer.port(context);
            assertThat(bundles.getBundle("web").getStores().getTrustStore().size())
                    .isEqualTo(1);

            source.put("tls/ca", ca.certPem() + newCa.certPem()); // both CAs during the rollover
            secrets.refresh("mem:tls/ca");
            assertThat(bundles.getBundle("web").getStores().getTrustStore().size())
                    .isEqualTo(2);
            assertThat(events.ofType(SecretEventType.HANDED_OVER))
                    .singleElement()
                    .satisfies(e -> assertThat(e.detail()).contains("ssl-bundle-trust"));

            source.putFields("tls/web", ofNewCa.tlsFields(newCa));
            secrets.refresh("mem:tls/web");
            assertThat(SslServer.serial(bundles.getBundle("web").createSslContext(), port))
                    .as("the server on the new CA, the client trusting it through the bundle")
                    .isEqualTo(ofNewCa.serial());
            assertThat(bundleSerial(bundles.getBundle("web"))).isEqualTo(ofNewCa.serial());
        }
    }

    @Test
    void expiredFirstVersion_stopsTheStartUpNamingTheRefAndWhy() {
        Pki.Issued expired = Pki.leaf(ca, "web", manualNow.minus(Duration.ofDays(90)), manualNow.minusSeconds(60));
        source.putFields("tls/web", expired.tlsFields(ca));
        Throwable t = catchThrowable(() -> SslServer.start(
                        scheduler, source, events, "--rotor.ssl.bundle.web.ref=mem:tls/web", "--server.ssl.bundle=web")
                .close());
        Throwable root = t;
        while (root.getCause() != null && !(root instanceof SecretRejectedException)) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(SecretRejectedException.class);
        assertThat(root.getMessage()).contains("mem:tls/web").contains("expired");
    }
}
