package dev.rotor.secrets.spring;

import dev.rotor.secrets.spring.internal.PropertiesRebinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;

/**
 * Re-binds {@code @ConfigurationProperties} beans in place when a secret imported with {@code
 * spring.config.import=rotor:...} rotates: a bean whose prefix covers one of the rotated property names gets the new
 * values (its getters answer them), without a refresh scope; one that fails to re-bind keeps its previous values, with
 * a warning and a {@link RotorPropertiesReboundEvent}. On by default; off with {@code
 * rotor.config.rebind.enabled=false}.
 *
 * <pre>{@code
 * spring.config.import=rotor:vault:secret/app/db?prefix=app.db.
 * // @ConfigurationProperties("app.db") class DbProperties { ... getPassword() ... }: the new password after a rotation
 * }</pre>
 */
@AutoConfiguration(after = RotorAutoConfiguration.class)
@ConditionalOnBooleanProperty(prefix = "rotor.config.rebind", name = "enabled", matchIfMissing = true)
public class RotorRebindAutoConfiguration {
    @Bean
    static PropertiesRebinder rotorPropertiesRebinder() {
        return new PropertiesRebinder();
    }
}
