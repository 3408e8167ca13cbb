package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.RotorSecretRotatedEvent;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;

/**
 * The client built in the bootstrap context for {@code spring.config.import=rotor:...}, handed to the application
 * context as a bean so that the auto-configuration publishes this one client rather than building a second. Until
 * the context is ready, rotations update the property sources but publish no event (there is no one to tell yet).
 *
 * <p>Thread-safe. {@link #close()} closes the client (idempotent), so the client is closed with the context even when
 * the application defines its own {@link Secrets} bean.
 *
 * <pre>{@code
 * Secrets secrets = context.getBean(RotorConfigDataLocationResolver.BEAN_NAME, ImportedSecrets.class).secrets();
 * }</pre>
 */
public final class ImportedSecrets implements ApplicationEventPublisherAware, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImportedSecrets.class);

    private final Secrets secrets;
    private final PoolCheck poolCheck;
    private final DeferredAuditLog audit;
    private volatile ApplicationEventPublisher publisher;

    public ImportedSecrets(Secrets secrets) {
        this(secrets, null, null);
    }

    ImportedSecrets(Secrets secrets, PoolCheck poolCheck, DeferredAuditLog audit) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.poolCheck = poolCheck;
        this.audit = audit;
    }

    public Secrets secrets() {
        return secrets;
    }

    /**
     * The validator registered on this client for {@code rotor.datasource.ref} when the import built it (the pool
     * binder attaches the pool's check to it); empty when that property was not visible to the import or {@code
     * rotor.datasource.validate=false}.
     */
    public Optional<PoolCheck> poolCheck() {
        return Optional.ofNullable(poolCheck);
    }

    /** Writes the audit records held since the client was built (logging is set up now) and lets later ones through. */
    void releaseAudit() {
        if (audit != null) {
            audit.release();
        }
    }

    @Override
    public void setApplicationEventPublisher(ApplicationEventPublisher publisher) {
        this.publisher = publisher;
    }

    void publish(RotorSecretRotatedEvent event) {
        ApplicationEventPublisher target = publisher;
        if (target == null) {
            LOG.debug("no application context yet; not publishing {}", event);
            return;
        }
        try {
            target.publishEvent((ApplicationEvent) event);
        } catch (RuntimeException e) {
            // a listener in the application failed: the property source is already updated, keep the engine going
            LOG.warn("a listener failed on {}: {}", event, e.getClass().getName());
        }
    }

    @Override
    public void close() {
        publisher = null;
        releaseAudit();
        secrets.close();
    }

    @Override
    public String toString() {
        return "ImportedSecrets{" + secrets.inventory().size() + " secrets}";
    }
}
