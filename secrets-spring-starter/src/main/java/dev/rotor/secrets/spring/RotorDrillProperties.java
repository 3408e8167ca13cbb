package dev.rotor.secrets.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The rotation drill operation of the {@code rotor} Actuator endpoint ({@code rotor.endpoint.drill.*}); see {@link
 * RotorDrillEndpoint}.
 *
 * <pre>{@code
 * rotor.endpoint.drill.enabled=true      # default false
 * rotor.endpoint.drill.timeout=30s       # per secret, for its consumers' hand-overs
 * }</pre>
 */
@ConfigurationProperties("rotor.endpoint.drill")
public class RotorDrillProperties {
    /**
     * Whether the endpoint offers POST /actuator/rotor/drill. Off by default: a drill replaces real credentials, so an
     * application turns it on deliberately (and secures the endpoint's writes).
     */
    private boolean enabled;

    /** How long a drill waits, per secret, for every consumer bound to it to report its hand-over. */
    private Duration timeout = Duration.ofSeconds(30);

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }
}
