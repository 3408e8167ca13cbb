package dev.rotor.secrets.spring;

import dev.rotor.secrets.Secrets;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Publishes {@link RotorMetrics} as a {@link MeterBinder} (Spring Boot binds it to every meter registry) when
 * Micrometer is on the class path and a {@link Secrets} bean exists. Off with {@code rotor.metrics.enabled=false};
 * backs off when the application defines its own {@link RotorMetrics}. Gauges count time on the client's own clock
 * ({@link Secrets#timeSource()}), so they agree with the inventory.
 *
 * <pre>{@code
 * rotor.metrics.enabled=false   # turns them off
 * }</pre>
 */
@AutoConfiguration(after = RotorAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(Secrets.class)
@ConditionalOnBooleanProperty(prefix = "rotor.metrics", name = "enabled", matchIfMissing = true)
public class RotorMetricsAutoConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public RotorMetrics rotorMetrics(Secrets secrets) {
        return new RotorMetrics(secrets);
    }
}
