package dev.rotor.secrets.spring;

import dev.rotor.secrets.Secrets;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Publishes the {@code rotor} Actuator endpoint ({@link RotorEndpoint}) when Actuator is on the class path, a
 * {@link Secrets} bean exists and the endpoint is enabled and exposed. Backs off when the application defines its
 * own {@link RotorEndpoint}. Details (version ids, last errors) follow {@link RotorEndpointProperties}.
 *
 * <pre>{@code
 * management.endpoints.web.exposure.include=health,rotor
 * management.endpoint.rotor.show-details=when-authorized   # the default; never, or always
 * rotor.endpoint.drill.enabled=true                        # adds POST /actuator/rotor/drill (default off)
 * }</pre>
 */
@AutoConfiguration(after = RotorAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(Secrets.class)
@EnableConfigurationProperties({RotorEndpointProperties.class, RotorDrillProperties.class})
public class RotorEndpointAutoConfiguration {
    /** With {@code rotor.endpoint.drill.enabled=true}: the same endpoint with its drill write operation. */
    @Bean
    @ConditionalOnMissingBean(RotorEndpoint.class)
    @ConditionalOnAvailableEndpoint(RotorEndpoint.class)
    @ConditionalOnProperty(name = "rotor.endpoint.drill.enabled", havingValue = "true")
    public RotorDrillEndpoint rotorDrillEndpoint(
            Secrets secrets, RotorEndpointProperties properties, RotorDrillProperties drill) {
        return new RotorDrillEndpoint(secrets, properties.getShowDetails(), properties.getRoles(), drill.getTimeout());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(RotorEndpoint.class)
    public RotorEndpoint rotorEndpoint(Secrets secrets, RotorEndpointProperties properties) {
        return new RotorEndpoint(secrets, properties.getShowDetails(), properties.getRoles());
    }
}
