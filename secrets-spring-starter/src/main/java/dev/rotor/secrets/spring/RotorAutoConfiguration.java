package dev.rotor.secrets.spring;

import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.internal.Adapters;
import dev.rotor.secrets.spring.internal.AwsCredentials;
import dev.rotor.secrets.spring.internal.AzureCredentials;
import dev.rotor.secrets.spring.internal.ImportedSecrets;
import dev.rotor.secrets.spring.internal.SecretsFactory;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * Publishes a {@link Secrets} client built from the {@code rotor.*} properties (including the Vault and AWS sources
 * {@code rotor.vault.*} and {@code rotor.aws.*} describe, when their adapters are on the class path and no source bean
 * claims their scheme) and the {@link SecretSource}, {@link
 * SecretValidator}, {@link SecretEventListener} and {@link RotorSecretsCustomizer} beans of the context. Backs off
 * when the application defines its own {@link Secrets} bean, and entirely with {@code rotor.enabled=false}. The
 * client is closed with the context (leases revoked when {@code rotor.revoke-on-close=true}); its scheduler and
 * executor stay inside it and are never beans.
 *
 * <p>When {@code spring.config.import=rotor:...} created the client already, that same client is published: the
 * event listener beans are added to it, but source and validator beans cannot be (it was built before the context
 * existed; register a {@link RotorSecretsCustomizer} in the bootstrap registry for those).
 *
 * <pre>{@code
 * @Bean
 * SecretSource inMemory() { return new InMemorySource("mem", TimeSource.system()); } // picked up by the client
 * }</pre>
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(prefix = "rotor", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(RotorProperties.class)
public class RotorAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(RotorAutoConfiguration.class);
    private static final String INTERNAL = "dev.rotor.secrets.spring.internal.";

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Secrets rotorSecrets(
            RotorProperties properties,
            ObjectProvider<SecretSource> sources,
            ObjectProvider<SecretValidator> validators,
            ObjectProvider<SecretEventListener> listeners,
            ObjectProvider<RotorSecretsCustomizer> customizers,
            ObjectProvider<ImportedSecrets> imported,
            ApplicationContext context) {
        ImportedSecrets early = imported.getIfAvailable();
        if (early != null) {
            Secrets secrets = early.secrets();
            listeners.orderedStream().forEach(secrets::addEventListener);
            List<String> ignored = sources.orderedStream()
                    .map(SecretSource::name)
                    .collect(Collectors.toCollection(java.util.ArrayList::new));
            validators
                    .orderedStream()
                    .forEach(v -> ignored.add("validator " + v.getClass().getName()));
            customizers
                    .orderedStream()
                    .filter(c -> !c.getClass().getName().startsWith(INTERNAL)) // the starter's own (rotor.datasource)
                    .forEach(c -> ignored.add("customizer " + c.getClass().getName()));
            if (!ignored.isEmpty()) {
                LOG.warn(
                        "the client was created for spring.config.import=rotor:..., before the context; these beans"
                                + " are not part of it: {}",
                        ignored);
            }
            return secrets;
        }
        return SecretsFactory.builder(
                        properties,
                        sources.orderedStream().toList(),
                        validators.orderedStream().toList(),
                        listeners.orderedStream().toList(),
                        customizers.orderedStream().toList(),
                        adapters(context))
                .build();
    }

    private static Adapters adapters(ApplicationContext context) {
        ClassLoader loader = context.getClassLoader();
        Adapters adapters = Adapters.of(loader == null ? RotorAutoConfiguration.class.getClassLoader() : loader);
        if (ClassUtils.isPresent("software.amazon.awssdk.auth.credentials.AwsCredentialsProvider", loader)
                && ClassUtils.isPresent("dev.rotor.secrets.aws.AwsSecretsManagerSource", loader)) {
            adapters = adapters.withAwsCredentials(AwsCredentials.unique(context));
        }
        if (ClassUtils.isPresent("com.azure.core.credential.TokenCredential", loader)
                && ClassUtils.isPresent("dev.rotor.secrets.azure.AzureKeyVaultSource", loader)) {
            adapters = adapters.withAzureCredential(AzureCredentials.unique(context));
        }
        return adapters;
    }
}
