package dev.rotor.secrets.spring;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.PoolReporter;
import dev.rotor.secrets.spring.internal.RotorSslBundle;
import dev.rotor.secrets.spring.internal.SslBundleBinder;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Publishes {@link RotorHealthIndicator} as the {@code rotor} health contributor when Spring Boot's health support is
 * on the class path and a {@link Secrets} bean exists. Off with {@code management.health.rotor.enabled=false}; backs
 * off when the application defines a bean named {@code rotorHealthIndicator}.
 *
 * <pre>{@code
 * management.health.rotor.enabled=false   # turns it off
 * }</pre>
 */
@AutoConfiguration(after = RotorAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(Secrets.class)
@ConditionalOnEnabledHealthIndicator("rotor")
public class RotorHealthAutoConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "rotorHealthIndicator")
    public RotorHealthIndicator rotorHealthIndicator(
            Secrets secrets, ObjectProvider<PoolReporter> pools, ObjectProvider<SslBundleBinder> sslBundles) {
        return new RotorHealthIndicator(
                secrets,
                () -> pools.orderedStream()
                        .map(PoolReporter::poolStatus)
                        .flatMap(Optional::stream)
                        .toList(),
                () -> sslBundles
                        .orderedStream()
                        .flatMap(b -> b.bundles().stream())
                        .map(RotorSslBundle::status)
                        .toList());
    }
}
