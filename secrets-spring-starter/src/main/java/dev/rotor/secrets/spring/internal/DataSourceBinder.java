package dev.rotor.secrets.spring.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.jdbc.CredentialFields;
import dev.rotor.secrets.jdbc.HandOverListener;
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
 * service (and its lease alive). When the client was built without it (the application's own {@link Secrets} bean, or
 * the client of {@code spring.config.import}), the binding validates before each swap instead.
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
        implements BeanPostProcessor, SmartInitializingSingleton, DisposableBean, RotorSecretsCustomizer {
    private static final Logger LOG = LoggerFactory.getLogger(DataSourceBinder.class);
    private static final String P = "rotor.datasource.";

    private final SecretRef ref;
    private final CredentialFields fields;
    private final boolean validate;
    private final Duration drainTimeout;
    private final Supplier<Secrets> secrets;
    private final Supplier<List<HandOverListener>> listeners;
    private volatile HikariDataSource pool;
    private volatile String poolBean;
    private volatile boolean validatorRegistered;
    private volatile HikariSecretBinding binding;

    /**
     * @throws SecretConfigurationException naming the property when a setting is missing or wrong
     */
    public DataSourceBinder(
            RotorProperties.Datasource properties,
            Supplier<Secrets> secrets,
            Supplier<List<HandOverListener>> listeners) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.listeners = Objects.requireNonNull(listeners, "listeners");
        String text = properties.getRef();
        if (text == null || text.isBlank()) {
            throw new SecretConfigurationException(P + "ref must be set", null, null);
        }
        try {
            this.ref = SecretRef.parse(text.strip());
        } catch (RuntimeException e) {
            throw new SecretConfigurationException(P + "ref is not a Rotor ref: " + text, null, null, e);
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
    }

    /** Registers the connection check for the ref on the client, when validation is on. */
    @Override
    public void customize(Secrets.Builder builder) {
        if (validate) {
            builder.validator(ref.toString(), this::check);
            validatorRegistered = true;
        }
    }

    private void check(Secret candidate, Optional<Secret> current) throws Exception {
        HikariDataSource target = pool;
        if (target == null) {
            return; // read before the pool bean exists: there is no pool configuration to try it with yet
        }
        HikariSecretBinding.validator(target, fields).validate(candidate, current);
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
            Secret current = client.get(ref);
            if (!target.isRunning()) {
                // before the pool's first connection: it starts with the secret's credentials
                target.setUsername(fields.username(current));
                target.setPassword(fields.password(current));
            }
            binding = HikariSecretBinding.builder(client, target, ref.toString())
                    .fields(fields)
                    .validateBeforeSwap(validate && !validatorRegistered)
                    .drainTimeout(drainTimeout)
                    .onHandOver(handOverListener(listeners.get()))
                    .bind();
            LOG.info(
                    "Rotor binds pool {} (bean {}) to {}{}",
                    target.getPoolName(),
                    beanName,
                    ref,
                    validate
                            ? (validatorRegistered ? ", validated by the client" : ", validated before each swap")
                            : "");
        }
        return bean;
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
