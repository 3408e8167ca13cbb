package dev.rotor.secrets.spring;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.jdbc.HikariSecretBinding;
import dev.rotor.secrets.spring.internal.DataSourceBinder;
import dev.rotor.secrets.spring.internal.ImportedSecrets;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Keeps the application's HikariCP pool on the current version of the credentials secret {@code
 * rotor.datasource.ref} names: the pool bean gets the secret's user name and password before its first connection,
 * and every new version afterwards ({@link HikariSecretBinding}: a new connection is checked first, then the pool gets
 * the credentials and retires its old connections as they come back). Active when HikariCP is on the class path and
 * the property is set.
 *
 * <pre>{@code
 * spring.datasource.url=jdbc:postgresql://db:5432/orders
 * rotor.datasource.ref=vault:database/creds/orders
 * rotor.datasource.username-field=username       # the defaults
 * rotor.datasource.password-field=password
 * rotor.datasource.validate=true
 * rotor.datasource.drain-timeout=30s
 * }</pre>
 *
 * Every {@link HandOverListener} bean hears of each hand-over (to log it, count it, or alert on a refusal).
 *
 * <p>A missing or second {@code HikariDataSource} bean, a ref with a {@code #field}, or a secret without the fields
 * stops the start-up with a {@link SecretConfigurationException} (or the secret's own error) naming the ref.
 */
@AutoConfiguration(after = RotorAutoConfiguration.class)
@ConditionalOnClass({HikariDataSource.class, HikariSecretBinding.class})
@ConditionalOnBooleanProperty(prefix = "rotor", name = "enabled", matchIfMissing = true)
@ConditionalOnProperty(prefix = "rotor.datasource", name = "ref")
public class RotorDataSourceAutoConfiguration {

    /** Static, as a bean post-processor must be; reads its properties from the environment, not from a bean. */
    @Bean
    public static DataSourceBinder rotorDataSourceBinder(
            Environment environment,
            ObjectProvider<Secrets> secrets,
            ObjectProvider<HandOverListener> listeners,
            ObjectProvider<ImportedSecrets> imported) {
        RotorProperties.Datasource properties = Binder.get(environment)
                .bind("rotor.datasource", RotorProperties.Datasource.class)
                .orElseGet(RotorProperties.Datasource::new);
        return new DataSourceBinder(
                properties,
                () -> {
                    Secrets client = secrets.getIfAvailable();
                    if (client == null) {
                        throw new SecretConfigurationException(
                                "rotor.datasource.ref is set but the context has no Secrets client", null, null);
                    }
                    return client;
                },
                () -> listeners.orderedStream().toList(),
                () -> {
                    // the config import's check counts only when its client is the context's
                    ImportedSecrets early = imported.getIfAvailable();
                    Secrets client = secrets.getIfAvailable();
                    return early != null && early.secrets() == client ? early.poolCheck() : Optional.empty();
                });
    }
}
