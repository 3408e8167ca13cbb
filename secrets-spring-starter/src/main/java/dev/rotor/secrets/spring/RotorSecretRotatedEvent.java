package dev.rotor.secrets.spring;

import java.util.List;
import java.util.Optional;
import org.springframework.context.ApplicationEvent;

/**
 * Published to the application context when a secret imported with {@code spring.config.import=rotor:<ref>} gets a
 * new version and its property source has been updated in place. It names the ref, the versions and the property
 * names that changed hands; it never holds a value (read the new values from the {@code Environment}).
 *
 * <pre>{@code
 * @EventListener
 * void onRotation(RotorSecretRotatedEvent event) {
 *     log.info("{} now at version {}", event.ref(), event.version());
 *     client.reconnect(environment.getProperty("db.password"));
 * }
 * }</pre>
 *
 * <p>Published on a Rotor engine thread, after the property source holds the new values. Immutable.
 */
public final class RotorSecretRotatedEvent extends ApplicationEvent {
    private static final long serialVersionUID = 1L;

    private final String ref;
    private final String version;
    private final String previousVersion;
    private final List<String> propertyNames;

    /**
     * @param source the object that published it (the property source's owner)
     * @param ref the imported ref, without the import's own parameters
     * @param version the version now in service
     * @param previousVersion the version it replaced, if known
     * @param propertyNames the names of the properties the secret provides now
     */
    public RotorSecretRotatedEvent(
            Object source, String ref, String version, String previousVersion, List<String> propertyNames) {
        super(source);
        this.ref = ref;
        this.version = version;
        this.previousVersion = previousVersion;
        this.propertyNames = List.copyOf(propertyNames);
    }

    /** The imported ref (for example {@code file:/run/secrets/db}), without the import's own parameters. */
    public String ref() {
        return ref;
    }

    /** The version now in service. */
    public String version() {
        return version;
    }

    /** The version it replaced. */
    public Optional<String> previousVersion() {
        return Optional.ofNullable(previousVersion);
    }

    /** The property names the secret provides now. */
    public List<String> propertyNames() {
        return propertyNames;
    }

    @Override
    public String toString() {
        return "RotorSecretRotatedEvent{ref=" + ref + ", version=" + version + ", previousVersion=" + previousVersion
                + ", properties=" + propertyNames + "}";
    }
}
