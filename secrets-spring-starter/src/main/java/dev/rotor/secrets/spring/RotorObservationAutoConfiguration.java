package dev.rotor.secrets.spring;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.ObserverSlot;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Attaches {@link RotorObservations} to the Rotor client when the context has an {@link ObservationRegistry} bean
 * (Spring Boot's observation auto-configuration makes one when Micrometer is present): from then on each refresh,
 * renewal, rotation, login and hand-over is an observation (see {@link RotorObservations} for the names and keys). Off
 * with {@code rotor.observations.enabled=false}. A {@link Secrets} bean the application built itself is left alone:
 * give it {@code Secrets.builder().observer(new RotorObservations(registry))}.
 *
 * <pre>{@code
 * rotor.observations.enabled=false   # turns them off
 * }</pre>
 */
@AutoConfiguration(
        after = RotorAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean({Secrets.class, ObservationRegistry.class})
@ConditionalOnBooleanProperty(prefix = "rotor.observations", name = "enabled", matchIfMissing = true)
public class RotorObservationAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(RotorObservationAutoConfiguration.class);

    @Bean
    RotorObservationAttachment rotorObservationAttachment(Secrets secrets, ObservationRegistry registry) {
        return new RotorObservationAttachment(secrets, new RotorObservations(registry));
    }

    /** Fills the client's observer slot while the context runs; empties it at close. Not a public type. */
    static final class RotorObservationAttachment implements DisposableBean {
        private final ObserverSlot slot;
        private final RotorObservations observations;

        RotorObservationAttachment(Secrets secrets, RotorObservations observations) {
            this.observations = observations;
            this.slot = secrets.observer()
                    .filter(ObserverSlot.class::isInstance)
                    .map(ObserverSlot.class::cast)
                    .orElse(null);
            if (slot == null) {
                LOG.info("the Secrets bean was not built by the starter: Rotor observations are not attached to it"
                        + " (give its builder observer(new RotorObservations(registry)))");
            } else {
                slot.fill(observations);
            }
        }

        RotorObservations observations() {
            return observations;
        }

        @Override
        public void destroy() {
            if (slot != null) {
                slot.empty(observations);
            }
        }
    }
}
