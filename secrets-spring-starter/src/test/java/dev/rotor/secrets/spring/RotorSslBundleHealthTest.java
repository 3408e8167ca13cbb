package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.RotorSslBundle;
import dev.rotor.secrets.spring.internal.SslBundleBinder;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The {@code rotor} health lists each Rotor SSL bundle ({@code sslBundles}): name, ref, state, the certificate in
 * service with its time left on the client's manual clock, the trusted CAs, when the registry last took a version and
 * the last version refused with its reason. A certificate past its {@code notAfter} or a bundle never loaded makes the
 * health {@code DOWN}, as a required secret past its lease does.
 */
class RotorSslBundleHealthTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant now = scheduler.clock().now();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final Instant from = now.minus(Duration.ofDays(30));
    private final Pki.Issued ca = Pki.ca("Rotor Test CA", from, now.plus(Duration.ofDays(365)));

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        RotorAutoConfiguration.class,
                        RotorSslBundleAutoConfiguration.class,
                        SslAutoConfiguration.class,
                        RotorHealthAutoConfiguration.class))
                .withBean(InMemorySource.class, () -> source)
                .withBean(
                        RotorSecretsCustomizer.class,
                        () -> b -> b.scheduler(scheduler)
                                .executor(ManualScheduler.directExecutor())
                                .random(FixedRandom.of(0.5)))
                .withPropertyValues(
                        "rotor.audit.enabled=false",
                        "rotor.ssl.bundle.web.ref=mem:tls/web",
                        "rotor.ssl.bundle.web.trust-ref=mem:tls/ca");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bundleDetail(Health health) {
        List<Map<String, Object>> bundles =
                (List<Map<String, Object>>) health.getDetails().get("sslBundles");
        assertThat(bundles).hasSize(1);
        return bundles.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> part(Map<String, Object> detail, String key) {
        return (Map<String, Object>) detail.get(key);
    }

    @Test
    void bundleInService_isListedWithItsCertificateAndTimeLeft_healthUp() {
        Instant notAfter = now.plus(Duration.ofDays(20));
        Pki.Issued leaf = Pki.leaf(ca, "web", from, notAfter);
        source.putFields("tls/web", leaf.tlsFields(ca));
        source.put("tls/ca", ca.certPem());
        runner().run(context -> {
            assertThat(context).hasNotFailed();
            scheduler.advance(Duration.ofHours(1));
            Health health = context.getBean(RotorHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("rotor", "UP");
            Map<String, Object> web = bundleDetail(health);
            assertThat(web)
                    .containsEntry("bundle", "web")
                    .containsEntry("ref", "mem:tls/web")
                    .containsEntry("state", "IN_SERVICE")
                    .containsEntry("updatedAt", now.toString())
                    .doesNotContainKey("lastRefused");
            assertThat(part(web, "certificate"))
                    .containsEntry("subject", "CN=web")
                    .containsEntry("serial", leaf.serial().toString(16))
                    .containsEntry("notBefore", from.toString())
                    .containsEntry("notAfter", notAfter.toString())
                    .containsEntry(
                            "timeLeft",
                            Duration.ofDays(20).minus(Duration.ofHours(1)).toString())
                    .containsEntry(
                            "version",
                            context.getBean(Secrets.class).get("mem:tls/web").version());
            assertThat(part(web, "trust"))
                    .containsEntry("ref", "mem:tls/ca")
                    .containsEntry("certificates", 1)
                    .containsEntry(
                            "earliestNotAfter", now.plus(Duration.ofDays(365)).toString());
        });
    }

    @Test
    void refusedVersion_itsReasonIsListed_theBundleStaysInService_healthUp() {
        Pki.Issued leaf = Pki.leaf(ca, "web", from, now.plus(Duration.ofDays(20)));
        Pki.Issued expired = Pki.leaf(ca, "web", from, now.minus(Duration.ofDays(1)));
        source.putFields("tls/web", leaf.tlsFields(ca));
        source.put("tls/ca", ca.certPem());
        runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            String inService = secrets.get("mem:tls/web").version();
            source.putFields("tls/web", expired.tlsFields(ca));
            catchThrowable(() -> secrets.refresh("mem:tls/web"));

            Health health = context.getBean(RotorHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            Map<String, Object> web = bundleDetail(health);
            assertThat(web).containsEntry("state", "IN_SERVICE");
            assertThat(part(web, "certificate"))
                    .containsEntry("serial", leaf.serial().toString(16))
                    .containsEntry("version", inService);
            Map<String, Object> refused = part(web, "lastRefused");
            assertThat(refused).containsEntry("ref", "mem:tls/web").containsEntry("at", now.toString());
            assertThat(refused.get("version")).isNotNull().isNotEqualTo(inService);
            assertThat((String) refused.get("reason")).contains("expired");
            for (String line : expired.keyLines()) {
                assertThat(health.toString()).doesNotContain(line);
            }
        });
    }

    @Test
    void certificateExpires_onTheClientsClock_healthDown() {
        Instant notAfter = now.plus(Duration.ofHours(2));
        source.putFields("tls/web", Pki.leaf(ca, "web", from, notAfter).tlsFields(ca));
        source.put("tls/ca", ca.certPem());
        runner().run(context -> {
            assertThat(context.getBean(RotorHealthIndicator.class).health().getStatus())
                    .isEqualTo(Status.UP);

            scheduler.advance(Duration.ofHours(3));
            Health health = context.getBean(RotorHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("rotor", "DOWN");
            Map<String, Object> web = bundleDetail(health);
            assertThat(web).containsEntry("state", "EXPIRED");
            assertThat(part(web, "certificate"))
                    .containsEntry("timeLeft", Duration.ofHours(-1).toString());
        });
    }

    @Test
    void bundleNeverLoaded_healthDown() {
        RotorProperties.Ssl properties = new RotorProperties.Ssl();
        RotorProperties.SslBundle web = new RotorProperties.SslBundle();
        web.setRef("mem:tls/web");
        properties.getBundle().put("web", web);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .auditLog(false)
                .scheduler(scheduler)
                .build()) {
            SslBundleBinder binder = new SslBundleBinder(properties, () -> secrets, List::of);
            RotorHealthIndicator indicator = new RotorHealthIndicator(secrets, List::of, () -> binder.bundles().stream()
                    .map(RotorSslBundle::status)
                    .toList());

            Health health = indicator.health();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("rotor", "DOWN");
            Map<String, Object> detail = bundleDetail(health);
            assertThat(detail)
                    .containsEntry("bundle", "web")
                    .containsEntry("state", "NOT_LOADED")
                    .containsEntry("updatedAt", null)
                    .doesNotContainKey("certificate");
        }
    }
}
