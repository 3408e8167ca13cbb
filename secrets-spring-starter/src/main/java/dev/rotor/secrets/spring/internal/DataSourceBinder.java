package dev.rotor.secrets.spring.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.jdbc.CredentialFields;
import dev.rotor.secrets.jdbc.HikariSecretBinding;
import dev.rotor.secrets.spring.RotorProperties;
import dev.rotor.secrets.spring.RotorSecretsCustomizer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Binds the application's {@link HikariDataSource} bean to the secret {@code rotor.datasource.ref} names, with {@link
 * HikariSecretBinding}. When the pool bean has been created and configured (after Spring Boot bound {@code
 * spring.datasource.*} to it) and before anything borrows a connection, the pool gets the user name and password of
 * the secret's current version; from then on the binding hands every new version to it.
 *
 * <p>Validation ({@code rotor.datasource.validate}, default on): as a customizer of the client this registers {@link
 * HikariSecretBinding#validator} for the ref, so a version that cannot log in is vetoed and the old one stays in
 * service (and its lease alive). The client of {@code spring.config.import} gets the same check when the import saw
 * {@code rotor.datasource.ref} ({@link ImportedSecrets#poolCheck()}); the application's own {@link Secrets} bean
 * cannot, so the binding validates before each swap instead. {@link #poolStatus()} tells the health whether the pool
 * is on the newest version.
 *
 * <p>Every {@link HandOverListener} bean is told of each hand-over and refusal (on the engine thread that delivers
 * the version; one that throws is logged and the others still run).
 *
 * <p>One pool: a second {@link HikariDataSource} bean, or none at all, stops the start-up naming the property. The
 * binding is closed with the context; the pool keeps its credentials.
 *
 * <pre>{@code
 * rotor.datasource.ref=file:/run/secrets/db
 * rotor.datasource.drain-timeout=10s
 * }</pre>
 */
public final class DataSourceBinder
        implements BeanPostProcessor, SmartInitializingSingleton, DisposableBean, RotorSecretsCustomizer, PoolReporter {
    private static final Logger LOG = LoggerFactory.getLogger(DataSourceBinder.class);
    private static final String P = "rotor.datasource.";

    private final SecretRef ref;
    private final CredentialFields fields;
    private final boolean validate;
    private final Duration drainTimeout;
    private final Supplier<Secrets> secrets;
    private final Supplier<List<HandOverListener>> listeners;
    private final Supplier<Optional<PoolCheck>> importedCheck;
    private final PoolCheck ownCheck;
    private volatile HikariDataSource pool;
    private volatile String poolBean;
    private volatile boolean validatorRegistered;
    private volatile PoolCheck check;
    private volatile HikariSecretBinding binding;

    /**
     * @throws SecretConfigurationException naming the property when a setting is missing or wrong
     */
    public DataSourceBinder(
            RotorProperties.Datasource properties,
            Supplier<Secrets> secrets,
            Supplier<List<HandOverListener>> listeners) {
        this(properties, secrets, listeners, Optional::empty);
    }

    /**
     * As the other constructor; {@code importedCheck} answers the check the client of {@code spring.config.import}
     * registered for {@code rotor.datasource.ref} (see {@link ImportedSecrets#poolCheck()}), when that client is the
     * context's.
     *
     * @throws SecretConfigurationException naming the property when a setting is missing or wrong
     */
    public DataSourceBinder(
            RotorProperties.Datasource properties,
            Supplier<Secrets> secrets,
            Supplier<List<HandOverListener>> listeners,
            Supplier<Optional<PoolCheck>> importedCheck) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.listeners = Objects.requireNonNull(listeners, "listeners");
        this.importedCheck = Objects.requireNonNull(importedCheck, "importedCheck");
        String text = properties.getRef();
        if (text == null || text.isBlank()) {
            throw new SecretConfigurationException(P + "ref must be set", null, null);
        }
        try {
            this.ref = SecretRef.parse(text.strip());
        } catch (RuntimeException e) {
            // the text is not echoed: a value pasted where a ref belongs may be a credential
            throw new SecretConfigurationException(
                    P + "ref is not a Rotor ref (scheme:path, for example file:/run/secrets/db)", null, null);
        }
        if (ref.field().isPresent()) {
            throw new SecretConfigurationException(
                    P + "ref must name the whole secret, not one field (use " + P + "username-field and " + P
                            + "password-field): " + ref,
                    ref,
                    null);
        }
        try {
            this.fields = CredentialFields.of(properties.getUsernameField(), properties.getPasswordField());
        } catch (RuntimeException e) {
            throw new SecretConfigurationException(
                    P + "username-field and " + P + "password-field must be two different field names", ref, null, e);
        }
        Duration drain = properties.getDrainTimeout();
        if (drain == null || drain.isNegative()) {
            throw new SecretConfigurationException(P + "drain-timeout must not be negative, was " + drain, ref, null);
        }
        this.drainTimeout = drain;
        this.validate = properties.isValidate();
        this.ownCheck = new PoolCheck(ref);
    }

    /**
     * Registers the connection check for the ref on the client, when validation is on. Until the pool bean exists it
     * lets every version through: there is no pool configuration to try one with yet.
     */
    @Override
    public void customize(Secrets.Builder builder) {
        if (validate) {
            builder.validator(ref.toString(), ownCheck);
            validatorRegistered = true;
        }
    }

    /** The check on the client that vets versions for the pool: this binder's own, or the config import's. */
    private PoolCheck clientCheck() {
        if (!validate) {
            return null;
        }
        if (validatorRegistered) {
            return ownCheck;
        }
        PoolCheck imported = importedCheck.get().orElse(null);
        if (imported != null && imported.ref().equals(ref)) {
            return imported;
        }
        if (imported != null) {
            LOG.warn(
                    "rotor.datasource.ref was {} when spring.config.import built the client and is {} now; the pool"
                            + " validates before each swap instead",
                    imported.ref(),
                    ref);
        }
        return null;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (!(bean instanceof HikariDataSource)) {
            return bean;
        }
        synchronized (this) {
            if (pool != null) {
                throw new SecretConfigurationException(
                        P + "ref binds one HikariDataSource, and the context has two: " + poolBean + " and " + beanName,
                        ref,
                        null);
            }
            HikariDataSource target = (HikariDataSource) bean;
            Secrets client = secrets.get();
            pool = target;
            poolBean = beanName;
            try {
                Secret current = client.get(ref);
                if (!target.isRunning()) {
                    // before the pool's first connection: it starts with the secret's credentials
                    target.setUsername(fields.username(current));
                    target.setPassword(fields.password(current));
                }
            } catch (SecretException e) {
                // the failure keeps its type; the start-up's failure analysis reads which property led to it
                e.addSuppressed(new FailedProperty(P + "ref", ref.toString()));
                throw e;
            }
            String name = poolName(target, beanName);
            PoolCheck vetting = clientCheck();
            if (vetting != null) {
                vetting.attach(HikariSecretBinding.validator(target, fields, name));
            }
            check = vetting;
            binding = HikariSecretBinding.builder(client, target, ref.toString())
                    .fields(fields)
                    .name(name)
                    .validateBeforeSwap(validate && vetting == null)
                    .drainTimeout(drainTimeout)
                    .onHandOver(handOverListener(listeners.get()))
                    .bind();
            LOG.info(
                    "Rotor binds pool {} (bean {}) to {}{}",
                    name,
                    beanName,
                    ref,
                    validate ? (vetting != null ? ", validated by the client" : ", validated before each swap") : "");
        }
        return bean;
    }

    /** HikariCP's pool name when it has one (HikariCP names an unnamed pool only when it starts), else the bean name. */
    static String poolName(HikariDataSource pool, String beanName) {
        String name = pool.getPoolName();
        return name == null || name.isBlank() ? beanName : name;
    }

    /**
     * The pool against its secret: behind when the client vetoed a version for it, or when it refused one itself
     * (validation before the swap) and stayed on older credentials; in sync otherwise, a hand-over under way included.
     */
    @Override
    public Optional<PoolStatus> poolStatus() {
        HikariSecretBinding b = binding;
        if (b == null) {
            return Optional.empty();
        }
        String poolVersion = b.poolVersion().orElse(null);
        PoolCheck c = check;
        Optional<String> vetoed = c == null ? Optional.empty() : c.vetoed();
        if (vetoed.isPresent()) {
            return Optional.of(new PoolStatus(b.poolName(), ref.toString(), poolVersion, vetoed.get(), true));
        }
        if (b.behind()) {
            return Optional.of(new PoolStatus(
                    b.poolName(), ref.toString(), poolVersion, b.latestVersion().orElse(null), true));
        }
        String newest = secrets.get().inventory().stream()
                .filter(e -> e.ref().equals(ref))
                .findFirst()
                .flatMap(InventoryEntry::version)
                .orElse(poolVersion);
        return Optional.of(new PoolStatus(b.poolName(), ref.toString(), poolVersion, newest, false));
    }

    /** Tells every listener; one that throws is logged and the others still run. */
    private static HandOverListener handOverListener(List<HandOverListener> all) {
        List<HandOverListener> copy = List.copyOf(all);
        return h -> {
            for (HandOverListener l : copy) {
                try {
                    l.onHandOver(h);
                } catch (RuntimeException e) {
                    LOG.warn(
                            "hand-over listener {} threw {}; ignored",
                            l.getClass().getName(),
                            e.getClass().getName());
                }
            }
        };
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (pool == null) {
            throw new SecretConfigurationException(
                    P + "ref is set but the context has no HikariDataSource bean", ref, null);
        }
    }

    /** The binding, once the pool bean exists. */
    public Optional<HikariSecretBinding> binding() {
        return Optional.ofNullable(binding);
    }

    @Override
    public void destroy() {
        HikariSecretBinding b = binding;
        if (b != null) {
            b.close();
        }
    }

    @Override
    public String toString() {
        return "DataSourceBinder{ref=" + ref + ", pool=" + poolBean + "}";
    }
}
