package dev.rotor.secrets.spring;

import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A manual scheduler, an in-memory source with a static and a leased secret, and a context runner whose client runs
 * on them with every random draw at 0.5 (through a {@link RotorSecretsCustomizer} bean), so that every timing step is
 * the test's. There is no
 * {@code TimeSource} bean: the meters and the health read the client's own clock ({@code Secrets.timeSource()}).
 */
final class Fixture {
    static final String STATIC_VALUE = "PLANTED-static-4b1e";
    static final String DYN_PASS = "PLANTED-dyn-pass-";

    final ManualScheduler scheduler = new ManualScheduler();
    final InMemorySource source = new InMemorySource("mem", scheduler.clock());

    Fixture() {
        source.put("app/key", STATIC_VALUE);
        source.dynamic(
                "db/creds",
                n -> Map.of("username", "user" + n, "password", DYN_PASS + n),
                Duration.ofHours(1),
                Duration.ofHours(3),
                true);
    }

    ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withBean(InMemorySource.class, () -> source)
                .withBean(
                        RotorSecretsCustomizer.class,
                        () -> b -> b.scheduler(scheduler)
                                .executor(ManualScheduler.directExecutor())
                                // every jitter and start-up spread at half its range: timings are the test's too
                                .random(dev.rotor.secrets.test.FixedRandom.of(0.5)))
                .withPropertyValues("rotor.audit.enabled=false");
    }

    /** A configuration that defines the application's own client. */
    @Configuration(proxyBeanMethods = false)
    static class OwnClient {
        @Bean
        dev.rotor.secrets.Secrets mySecrets(InMemorySource source) {
            return dev.rotor.secrets.Secrets.builder()
                    .source(source)
                    .discoverSources(false)
                    .auditLog(false)
                    .build();
        }
    }
}
