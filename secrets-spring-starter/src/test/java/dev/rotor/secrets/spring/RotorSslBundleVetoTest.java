package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.RotorSslBundle;
import dev.rotor.secrets.spring.internal.SslBundleBinder;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A certificate version that fails the checks (expired on the client's manual clock, a key that is not the leaf's) is
 * vetoed: the embedded server keeps serving the certificate it has, Spring Boot's registry keeps the bundle, and an
 * event names the ref and why. With the starter's client the engine vetoes it ({@code REJECTED}); with the
 * application's own client the bundle refuses it on delivery (a failed {@code HANDED_OVER}). A good version afterwards
 * is served.
 */
class RotorSslBundleVetoTest {
    private static final String REF = "mem:tls/web";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant manualNow = scheduler.clock().now();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private final Instant from =
            (manualNow.isBefore(Instant.now()) ? manualNow : Instant.now()).minus(Duration.ofDays(30));
    private final Instant to =
            (manualNow.isAfter(Instant.now()) ? manualNow : Instant.now()).plus(Duration.ofDays(365));
    private final Pki.Issued ca = Pki.ca("Rotor Test CA", from, to);
    private final Pki.Issued first = Pki.leaf(ca, "web", from, to);
    // expired on the client's clock (the manual one), a day ago
    private final Pki.Issued expired =
            Pki.leaf(ca, "web", manualNow.minus(Duration.ofDays(90)), manualNow.minus(Duration.ofDays(1)));
    private final Pki.Issued otherKey = Pki.withOtherKey(Pki.leaf(ca, "web", from, to));
    private final Pki.Issued good = Pki.leaf(ca, "web", from, to);

    private static BigInteger servedSerial(SslBundles bundles, int port) throws Exception {
        SSLContext client = bundles.getBundle("web").createSslContext();
        return SslServer.serial(client, port);
    }

    private static BigInteger registered(SslBundles bundles) throws Exception {
        return ((X509Certificate)
                        bundles.getBundle("web").getStores().getKeyStore().getCertificate(RotorSslBundle.KEY_ALIAS))
                .getSerialNumber();
    }

    @Test
    void starterClient_expiredAndMismatchedVersions_areVetoedByTheEngine_theServerKeepsTheOldCertificate()
            throws Exception {
        source.putFields("tls/web", first.tlsFields(ca));
        source.put("tls/ca", ca.certPem());
        try (ConfigurableApplicationContext context = SslServer.start(
                scheduler,
                source,
                events,
                "--rotor.ssl.bundle.web.ref=" + REF,
                "--rotor.ssl.bundle.web.trust-ref=mem:tls/ca",
                "--server.ssl.bundle=web")) {
            SslBundles bundles = context.getBean(SslBundles.class);
            Secrets secrets = context.getBean(Secrets.class);
            int port = SslServer.port(context);
            String v1 = secrets.get(REF).version();

            source.putFields("tls/web", expired.tlsFields(ca));
            catchThrowable(() -> secrets.refresh(REF));
            source.putFields("tls/web", otherKey.tlsFields(ca));
            catchThrowable(() -> secrets.refresh(REF));

            assertThat(servedSerial(bundles, port))
                    .as("served after the vetoes")
                    .isEqualTo(first.serial());
            assertThat(registered(bundles)).isEqualTo(first.serial());
            assertThat(secrets.get(REF).version())
                    .as("the engine kept the version in service")
                    .isEqualTo(v1);
            List<SecretEvent> rejected = events.ofType(SecretEventType.REJECTED);
            assertThat(rejected).hasSize(2);
            for (SecretEvent e : rejected) {
                assertThat(e.ref().orElseThrow().toString()).isEqualTo(REF);
                assertThat(e.errorMessage().orElseThrow()).contains("SSL bundle web");
            }
            assertThat(rejected.get(0).errorMessage().orElseThrow()).contains("expired");
            assertThat(rejected.get(1).errorMessage().orElseThrow()).containsIgnoringCase("key");
            assertThat(events.ofType(SecretEventType.HANDED_OVER)).isEmpty();

            source.putFields("tls/web", good.tlsFields(ca));
            secrets.refresh(REF);
            assertThat(servedSerial(bundles, port))
                    .as("a good version afterwards")
                    .isEqualTo(good.serial());
        }
    }

    @Test
    void ownClient_badVersions_areRefusedOnDelivery_theServerKeepsTheOldCertificate() throws Exception {
        source.putFields("tls/web", first.tlsFields(ca));
        source.put("tls/ca", ca.certPem());
        Secrets own = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .auditLog(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(events)
                .build();
        try (ConfigurableApplicationContext context = SslServer.start(
                scheduler,
                source,
                events,
                own,
                "--rotor.ssl.bundle.web.ref=" + REF,
                "--rotor.ssl.bundle.web.trust-ref=mem:tls/ca",
                "--server.ssl.bundle=web")) {
            assertThat(context.getBean(Secrets.class)).isSameAs(own);
            SslBundles bundles = context.getBean(SslBundles.class);
            int port = SslServer.port(context);

            source.putFields("tls/web", expired.tlsFields(ca));
            own.refresh(REF);
            source.putFields("tls/web", otherKey.tlsFields(ca));
            own.refresh(REF);

            assertThat(servedSerial(bundles, port)).isEqualTo(first.serial());
            assertThat(registered(bundles)).isEqualTo(first.serial());
            List<SecretEvent> refused = events.ofType(SecretEventType.HANDED_OVER);
            assertThat(refused).hasSize(2);
            for (SecretEvent e : refused) {
                assertThat(e.ref().orElseThrow().toString()).isEqualTo(REF);
                assertThat(e.source()).contains("web");
                assertThat(e.errorMessage().orElseThrow()).contains("SSL bundle web refused version");
            }
            assertThat(refused.get(0).errorMessage().orElseThrow()).contains("expired");
            RotorSslBundle bundle =
                    context.getBean(SslBundleBinder.class).bundle("web").orElseThrow();
            assertThat(bundle.keyBinding().orElseThrow().behind()).isTrue();

            source.putFields("tls/web", good.tlsFields(ca));
            own.refresh(REF);
            assertThat(servedSerial(bundles, port)).isEqualTo(good.serial());
            assertThat(bundle.keyBinding().orElseThrow().behind()).isFalse();
        } finally {
            own.close();
        }
    }
}
