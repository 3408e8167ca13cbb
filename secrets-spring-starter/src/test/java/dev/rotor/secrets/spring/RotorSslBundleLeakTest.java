package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.SslBundleBinder;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * No private key (its PEM lines or its whole base64 body) and no key store password leaves the SSL bundles: a real
 * server starts on a bundle, a renewal is handed over, an expired version and a key of another certificate are vetoed,
 * and every log line, standard output and error, every event, the exceptions, the {@code rotor} endpoint's inventory,
 * the {@code rotor} health (its {@code sslBundles} detail, with the refused versions' reasons) and the {@code
 * toString()} of the bundles (Rotor's and Spring Boot's, the live {@code SSLContext} and its managers) are scanned by a
 * {@link LeakCheck}.
 */
class RotorSslBundleLeakTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant manualNow = scheduler.clock().now();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final Instant from =
            (manualNow.isBefore(Instant.now()) ? manualNow : Instant.now()).minus(Duration.ofDays(30));
    private final Instant to =
            (manualNow.isAfter(Instant.now()) ? manualNow : Instant.now()).plus(Duration.ofDays(365));
    private final Pki.Issued ca = Pki.ca("Rotor Test CA", from, to);
    private final Pki.Issued first = Pki.leaf(ca, "web", from, to);
    private final Pki.Issued renewed = Pki.leaf(ca, "web", from, to);
    private final Pki.Issued expired =
            Pki.leaf(ca, "web", manualNow.minus(Duration.ofDays(90)), manualNow.minus(Duration.ofDays(1)));
    private final Pki.Issued otherKey = Pki.withOtherKey(Pki.leaf(ca, "web", from, to));

    private String loggingSystem;
    private LeakCheck leaks;

    @BeforeEach
    void captureEverything() {
        // keep Spring Boot from re-initialising logback (which would drop the capturing appender)
        loggingSystem = System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        List<String> planted = new ArrayList<>();
        for (Pki.Issued i : List.of(ca, first, renewed, expired, otherKey)) {
            planted.addAll(i.keyLines());
        }
        leaks = LeakCheck.builder().plant(planted.toArray(new String[0])).start();
    }

    @AfterEach
    void scan() {
        try {
            assertThat(leaks.capturesLogs()).isTrue();
            leaks.close(); // fails on any planted value found
        } finally {
            if (loggingSystem == null) {
                System.clearProperty("org.springframework.boot.logging.LoggingSystem");
            } else {
                System.setProperty("org.springframework.boot.logging.LoggingSystem", loggingSystem);
            }
        }
    }

    @Test
    void renewalAndVetoes_leakNoKeyAndNoKeyStorePassword() throws Exception {
        source.putFields("tls/web", first.tlsFields(ca));
        source.put("tls/ca", ca.certPem());
        List<String> storePasswords = new ArrayList<>();
        try (ConfigurableApplicationContext context = SslServer.start(
                scheduler,
                source,
                leaks,
                "--rotor.ssl.bundle.web.ref=mem:tls/web",
                "--rotor.ssl.bundle.web.trust-ref=mem:tls/ca",
                "--server.ssl.bundle=web")) {
            SslBundles bundles = context.getBean(SslBundles.class);
            Secrets secrets = context.getBean(Secrets.class);
            int port = SslServer.port(context);
            storePasswords.add(bundles.getBundle("web").getStores().getKeyStorePassword());
            assertThat(SslServer.serial(bundles.getBundle("web").createSslContext(), port))
                    .isEqualTo(first.serial());

            source.putFields("tls/web", renewed.tlsFields(ca));
            leaks.check(secrets.refresh("mem:tls/web"));
            storePasswords.add(bundles.getBundle("web").getStores().getKeyStorePassword());
            source.putFields("tls/web", expired.tlsFields(ca));
            leaks.check(catchThrowable(() -> secrets.refresh("mem:tls/web")));
            source.putFields("tls/web", otherKey.tlsFields(ca));
            leaks.check(catchThrowable(() -> secrets.refresh("mem:tls/web")));
            assertThat(SslServer.serial(bundles.getBundle("web").createSslContext(), port))
                    .isEqualTo(renewed.serial());

            SslBundle bundle = bundles.getBundle("web");
            SslBundleBinder binder = context.getBean(SslBundleBinder.class);
            Health health = context.getBean(RotorHealthIndicator.class).health();
            assertThat(health.getDetails()).containsKey("sslBundles");
            List<Object> shown = List.of(
                    health,
                    health.getDetails(),
                    binder.bundle("web").orElseThrow().status(),
                    bundle.createSslContext(),
                    bundle.getManagers().getKeyManagers()[0],
                    bundle.getManagers().getTrustManagers()[0],
                    bundle,
                    bundle.getStores(),
                    bundle.getKey(),
                    binder,
                    binder.bundles(),
                    binder.bundle("web").orElseThrow().keyBinding().orElseThrow(),
                    binder.bundle("web").orElseThrow().certificate().orElseThrow(),
                    secrets.inventory(),
                    secrets.health(),
                    new RotorEndpoint(secrets, Show.ALWAYS, Set.of()).inventory(SecurityContext.NONE));
            leaks.check(shown.toArray());
            for (Object o : shown) {
                for (String pw : storePasswords) {
                    assertThat(String.valueOf(o)).doesNotContain(pw);
                }
            }
        }
        assertThat(storePasswords).doesNotHaveDuplicates();
        for (String line : leaks.logLines()) {
            for (String pw : storePasswords) {
                assertThat(line).doesNotContain(pw);
            }
        }
        assertThat(leaks.logLines()).anyMatch(l -> l.contains("Rotor registered SSL bundle web"));
    }
}
