package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.RotorSecretRotatedEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.config.ConfigData;
import org.springframework.boot.context.config.ConfigDataLoader;
import org.springframework.boot.context.config.ConfigDataLoaderContext;
import org.springframework.boot.context.config.ConfigDataResourceNotFoundException;

/**
 * Loads a {@code rotor:<ref>} import: reads the secret through the bootstrap client, turns its fields into
 * properties, and watches it, so that each new version replaces the properties in place and publishes a {@link
 * RotorSecretRotatedEvent}.
 *
 * <p>Property names: a secret with fields gives one property per field, named after it; a ref with {@code #field}
 * gives that field only; a secret with one raw value gives one property named after the last segment of the ref's
 * path. The {@code prefix} parameter is put in front of every name (for a raw value, without its trailing dot, it
 * replaces the name). A secret that does not exist is "not found" to Spring, so {@code optional:rotor:...} skips it;
 * any other failure stops the start-up with Rotor's message (ref and source, never a value). Without a prefix, a
 * field named into Spring's or Rotor's own namespaces ({@code spring.}, {@code management.}, {@code server.}, {@code
 * logging.}, {@code rotor.}) stops the start-up naming the field and the ref; a later version that brings one leaves
 * the properties on the version they have, with a warning.
 *
 * <pre>{@code
 * rotor:file:/run/secrets/db?prefix=db.    ->  db.username, db.password
 * rotor:file:/run/secrets/api_token        ->  api_token
 * }</pre>
 */
public final class RotorConfigDataLoader implements ConfigDataLoader<RotorConfigDataResource> {
    private static final Logger LOG = LoggerFactory.getLogger(RotorConfigDataLoader.class);

    /** Property namespaces a field of a secret imported without a prefix may not fall into. */
    static final List<String> RESERVED = List.of("spring", "management", "server", "logging", "rotor");

    @Override
    public ConfigData load(ConfigDataLoaderContext context, RotorConfigDataResource resource) {
        ImportedSecrets imported = context.getBootstrapContext().get(ImportedSecrets.class);
        Secrets secrets = imported.secrets();
        SecretRef ref = resource.ref();
        Secret secret;
        try {
            secret = secrets.get(ref);
        } catch (SecretNotFoundException e) {
            e.addSuppressed(new FailedProperty("spring.config.import", RotorConfigDataLocationResolver.PREFIX + ref));
            throw new ConfigDataResourceNotFoundException(resource, e);
        } catch (SecretException e) {
            // the failure keeps its type; the start-up's failure analysis reads which property led to it
            e.addSuppressed(new FailedProperty("spring.config.import", RotorConfigDataLocationResolver.PREFIX + ref));
            throw e;
        }
        Map<String, String> initial;
        try {
            initial = properties(resource, secret);
        } catch (SecretConfigurationException e) {
            e.addSuppressed(new FailedProperty("spring.config.import", RotorConfigDataLocationResolver.PREFIX + ref));
            throw e;
        }
        RotorPropertySource propertySource = new RotorPropertySource(resource.toString(), ref, initial);
        AtomicReference<String> served = new AtomicReference<>(secret.version());
        secrets.watch(ref.withoutField().toString(), change -> {
            Secret current = change.current();
            String before = served.getAndSet(current.version());
            if (current.version().equals(before)) {
                return; // the version already in the property source (the first delivery)
            }
            Map<String, String> next;
            try {
                next = properties(resource, current);
            } catch (SecretConfigurationException e) {
                // a new version brought a field into Spring's or Rotor's own names: keep the properties as they were
                LOG.warn("the properties of {} keep version {}: {}", resource, before, e.getMessage());
                served.set(before);
                return;
            }
            propertySource.replace(next);
            imported.publish(new RotorSecretRotatedEvent(
                    propertySource, ref.toString(), current.version(), before, propertySource.names()));
        });
        return new ConfigData(List.of(propertySource));
    }

    static Map<String, String> properties(RotorConfigDataResource resource, Secret secret) {
        SecretRef ref = resource.ref();
        String prefix = resource.prefix().orElse("");
        Map<String, String> out = new LinkedHashMap<>();
        if (ref.field().isPresent()) {
            out.put(prefix + ref.field().get(), secret.value(ref));
        } else if (secret.hasRawValue()) {
            out.put(rawName(ref, resource.prefix().orElse(null)), secret.value());
        } else {
            if (resource.prefix().isEmpty()) {
                refuseReservedFields(ref, secret);
            }
            secret.fields().forEach((name, value) -> out.put(prefix + name, value));
        }
        return out;
    }

    /**
     * Without a prefix, a field of the imported secret becomes a property of the same name: one named like Spring's or
     * Rotor's own settings ({@code spring.datasource.url}, {@code server.port}, {@code rotor.enabled}) would override
     * the application's configuration from the secret store. Such a field stops the start-up, naming it (never its
     * value) and the ref.
     *
     * @throws SecretConfigurationException naming the field and the ref
     */
    static void refuseReservedFields(SecretRef ref, Secret secret) {
        for (String field : new java.util.TreeSet<>(secret.fieldNames())) {
            String name = field.toLowerCase(java.util.Locale.ROOT);
            for (String namespace : RESERVED) {
                if (name.equals(namespace) || name.startsWith(namespace + ".")) {
                    throw new SecretConfigurationException(
                            "spring.config.import=rotor:" + ref + " has no prefix, and the secret's field '" + field
                                    + "' would become the property of the same name, in the " + namespace
                                    + ".* namespace of Spring or Rotor; add a prefix (rotor:" + ref
                                    + "?prefix=app.) or import one field (rotor:" + ref + "#<field>)",
                            ref,
                            null);
                }
            }
        }
    }

    private static String rawName(SecretRef ref, String prefix) {
        if (prefix != null) {
            String name = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
            if (!name.isEmpty()) {
                return name;
            }
        }
        String path = ref.path();
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
