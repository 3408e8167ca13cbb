package dev.rotor.secrets.spring;

import java.util.List;
import org.springframework.context.ApplicationEvent;

/**
 * Published after a secret imported with {@code spring.config.import=rotor:<ref>} rotated and the {@code
 * @ConfigurationProperties} beans bound from its properties were re-bound in place (see {@code
 * rotor.config.rebind.enabled}). It names the beans re-bound and the beans that could not be, which keep their previous
 * values; never a value.
 *
 * <pre>{@code
 * @EventListener
 * void onRebound(RotorPropertiesReboundEvent event) {
 *     if (!event.failed().isEmpty()) {
 *         log.warn("still on the old values: {}", event.failed());
 *     }
 * }
 * }</pre>
 *
 * <p>Published on the Rotor engine thread that delivered the rotation, after the {@link RotorSecretRotatedEvent}'s
 * listeners. Immutable.
 */
public final class RotorPropertiesReboundEvent extends ApplicationEvent {
    private static final long serialVersionUID = 1L;

    private final String ref;
    private final String version;
    private final List<String> rebound;
    private final List<String> failed;

    /**
     * @param source the object that published it
     * @param ref the imported ref that rotated
     * @param version the version now in service
     * @param rebound the names of the beans re-bound to the new values
     * @param failed the names of the beans that could not be re-bound and keep their previous values
     */
    public RotorPropertiesReboundEvent(
            Object source, String ref, String version, List<String> rebound, List<String> failed) {
        super(source);
        this.ref = ref;
        this.version = version;
        this.rebound = List.copyOf(rebound);
        this.failed = List.copyOf(failed);
    }

    /** The imported ref that rotated. */
    public String ref() {
        return ref;
    }

    /** The version now in service. */
    public String version() {
        return version;
    }

    /** The names of the beans re-bound to the new values. */
    public List<String> rebound() {
        return rebound;
    }

    /** The names of the beans that could not be re-bound: they keep their previous values. */
    public List<String> failed() {
        return failed;
    }

    @Override
    public String toString() {
        return "RotorPropertiesReboundEvent{ref=" + ref + ", version=" + version + ", rebound=" + rebound + ", failed="
                + failed + "}";
    }
}
