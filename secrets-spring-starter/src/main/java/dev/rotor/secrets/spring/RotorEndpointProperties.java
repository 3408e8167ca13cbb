package dev.rotor.secrets.spring;

import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the {@code rotor} Actuator endpoint ({@code management.endpoint.rotor.*}), read like the health
 * endpoint's own.
 *
 * <pre>{@code
 * management.endpoint.rotor.show-details=when-authorized   # the default
 * management.endpoint.rotor.roles=ops
 * }</pre>
 */
@ConfigurationProperties("management.endpoint.rotor")
public class RotorEndpointProperties {
    /**
     * When the endpoint shows each secret's version id and last error text: never, when-authorized (an
     * authenticated caller, holding one of the roles when roles are set) or always. Without details it lists refs,
     * sources, states and times only.
     */
    private Show showDetails = Show.WHEN_AUTHORIZED;

    /**
     * Roles that may see details when show-details is when-authorized; empty means any authenticated caller.
     */
    private Set<String> roles = new LinkedHashSet<>();

    public Show getShowDetails() {
        return showDetails;
    }

    public void setShowDetails(Show showDetails) {
        this.showDetails = showDetails;
    }

    public Set<String> getRoles() {
        return roles;
    }

    public void setRoles(Set<String> roles) {
        this.roles = roles;
    }
}
