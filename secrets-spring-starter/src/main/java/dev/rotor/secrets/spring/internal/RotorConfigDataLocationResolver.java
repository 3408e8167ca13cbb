package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.RotorProperties;
import dev.rotor.secrets.spring.RotorSecretsCustomizer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.bootstrap.BootstrapContext;
import org.springframework.boot.bootstrap.BootstrapContextClosedEvent;
import org.springframework.boot.bootstrap.ConfigurableBootstrapContext;
import org.springframework.boot.context.config.ConfigDataLocation;
import org.springframework.boot.context.config.ConfigDataLocationResolver;
import org.springframework.boot.context.config.ConfigDataLocationResolverContext;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.util.ClassUtils;

/**
 * Resolves {@code rotor:<ref>[?prefix=...]} locations of {@code spring.config.import}. The first one creates the
 * client in the bootstrap context (from the {@code rotor.*} properties bound so far and a {@link
 * RotorSecretsCustomizer} registered there, if any) and, when the bootstrap context closes, hands it to the
 * application context as the bean {@value #BEAN_NAME}.
 *
 * <p>The {@code prefix} parameter belongs to the import and is taken off the ref before the source sees it; every
 * other parameter, and a {@code #field}, stay on the ref. Registered in {@code META-INF/spring.factories}.
 *
 * <pre>{@code
 * spring.config.import=rotor:file:/run/secrets/db?prefix=db.,optional:rotor:env:API_KEY
 * }</pre>
 */
public final class RotorConfigDataLocationResolver implements ConfigDataLocationResolver<RotorConfigDataResource> {
    /** The location prefix. */
    public static final String PREFIX = "rotor:";

    /** The import's own ref parameter: what every property name starts with. */
    public static final String PREFIX_PARAMETER = "prefix";

    /** The name of the bean that carries the bootstrap client into the application context. */
    public static final String BEAN_NAME = "rotorImportedSecrets";

    @Override
    public boolean isResolvable(ConfigDataLocationResolverContext context, ConfigDataLocation location) {
        return location.hasPrefix(PREFIX);
    }

    @Override
    public List<RotorConfigDataResource> resolve(
            ConfigDataLocationResolverContext context, ConfigDataLocation location) {
        SecretRef written = SecretRef.parse(location.getNonPrefixedValue(PREFIX));
        Map<String, String> parameters = new TreeMap<>(written.parameters());
        String prefix = parameters.remove(PREFIX_PARAMETER);
        StringBuilder text = new StringBuilder(written.scheme()).append(':').append(written.path());
        written.field().ifPresent(f -> text.append('#').append(f));
        char sep = '?';
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            text.append(sep).append(p.getKey()).append('=').append(p.getValue());
            sep = '&';
        }
        register(context.getBootstrapContext(), context.getBinder());
        return List.of(new RotorConfigDataResource(SecretRef.parse(text.toString()), prefix, location.isOptional()));
    }

    private static void register(ConfigurableBootstrapContext bootstrap, Binder binder) {
        if (bootstrap.isRegistered(ImportedSecrets.class)) {
            return;
        }
        bootstrap.register(ImportedSecrets.class, context -> create(binder, context));
        bootstrap.addCloseListener(RotorConfigDataLocationResolver::handOver);
    }

    /**
     * The adapters for the import's client: a {@code TokenCredential} registered in the bootstrap registry signs in
     * to Azure (no bean exists yet); else the SDK's defaults.
     */
    private static Adapters adapters(BootstrapContext bootstrap) {
        ClassLoader loader = RotorConfigDataLocationResolver.class.getClassLoader();
        Adapters adapters = Adapters.of(loader);
        if (ClassUtils.isPresent("com.azure.core.credential.TokenCredential", loader)
                && ClassUtils.isPresent(AzureSources.CLASS_NAME, loader)) {
            adapters = adapters.withAzureCredential(AzureCredentials.registered(bootstrap));
        }
        return adapters;
    }

    private static ImportedSecrets create(Binder binder, BootstrapContext bootstrap) {
        RotorProperties properties = binder.bind("rotor", RotorProperties.class).orElseGet(RotorProperties::new);
        List<RotorSecretsCustomizer> customizers = bootstrap.isRegistered(RotorSecretsCustomizer.class)
                ? List.of(bootstrap.get(RotorSecretsCustomizer.class))
                : List.of();
        // an import of rotor:env:NAME names the variable: that is the application's opt-in for it
        properties.getEnv().getAllow().addAll(importedVariables(binder));
        // the same property sources (rotor.vault.*, rotor.aws.*) as the context's client; no beans exist yet, so the
        // AWS source uses the SDK's default credentials chain
        Secrets.Builder builder = SecretsFactory.builder(
                properties, List.of(), List.of(), List.of(), customizers, adapters(bootstrap), importedRefs(binder));
        // the first loads happen before Spring Boot has set up logging: hold their audit records until it has
        DeferredAuditLog audit = null;
        if (properties.getAudit().isEnabled()) {
            audit = new DeferredAuditLog();
            builder.auditLog(false).eventListener(audit);
        }
        // rotor.datasource.ref's pool does not exist yet: register its check now, the pool binder attaches the pool
        PoolCheck poolCheck = poolCheck(properties.getDatasource());
        if (poolCheck != null) {
            builder.validator(properties.getDatasource().getRef().strip(), poolCheck);
        }
        return new ImportedSecrets(builder.build(), poolCheck, audit);
    }

    /**
     * The refs of the {@code rotor:...} entries of {@code spring.config.import} (without {@code optional:}): naming a
     * file there allows the file: source its directory.
     */
    private static List<String> importedRefs(Binder binder) {
        List<String> out = new java.util.ArrayList<>();
        for (String entry : binder.bind(
                        "spring.config.import",
                        org.springframework.boot.context.properties.bind.Bindable.listOf(String.class))
                .orElse(List.of())) {
            String e = entry.strip();
            if (e.startsWith("optional:")) {
                e = e.substring("optional:".length());
            }
            if (e.startsWith(PREFIX)) {
                out.add(e.substring(PREFIX.length()));
            }
        }
        return out;
    }

    /** The variables named by the {@code rotor:env:NAME} entries of {@code spring.config.import}. */
    private static List<String> importedVariables(Binder binder) {
        List<String> out = new java.util.ArrayList<>();
        for (String entry : binder.bind(
                        "spring.config.import",
                        org.springframework.boot.context.properties.bind.Bindable.listOf(String.class))
                .orElse(List.of())) {
            String e = entry.strip();
            if (e.startsWith("optional:")) {
                e = e.substring("optional:".length());
            }
            String prefix = "rotor:env:";
            if (e.startsWith(prefix)) {
                String name = e.substring(prefix.length());
                int cut = indexOfAny(name, "#?");
                out.add(cut < 0 ? name : name.substring(0, cut));
            }
        }
        return out;
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** A check for {@code rotor.datasource.ref}, unless it is unset, invalid (the binder reports it) or not wanted. */
    private static PoolCheck poolCheck(RotorProperties.Datasource datasource) {
        String ref = datasource.getRef();
        if (ref == null || ref.isBlank() || !datasource.isValidate()) {
            return null;
        }
        try {
            return new PoolCheck(SecretRef.parse(ref.strip()));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void handOver(BootstrapContextClosedEvent event) {
        ImportedSecrets imported = event.getBootstrapContext().get(ImportedSecrets.class);
        imported.releaseAudit(); // Spring Boot has set up logging by the time the bootstrap context closes
        ConfigurableApplicationContext context = event.getApplicationContext();
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        if (beanFactory instanceof BeanDefinitionRegistry) {
            RootBeanDefinition definition = new RootBeanDefinition(ImportedSecrets.class, () -> imported);
            definition.setDestroyMethodName("close");
            ((BeanDefinitionRegistry) beanFactory).registerBeanDefinition(BEAN_NAME, definition);
        } else {
            beanFactory.registerSingleton(BEAN_NAME, imported);
            context.addApplicationListener(e -> {
                if (e instanceof ContextClosedEvent) {
                    imported.close();
                }
            });
        }
    }
}
