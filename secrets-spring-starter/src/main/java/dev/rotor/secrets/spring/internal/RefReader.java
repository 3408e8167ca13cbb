package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.env.EnvSecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the secrets a source's own settings point at (a Vault AppRole secret id, a token, a password) once, at start-up,
 * through a short-lived client with the discovered sources ({@code file:}, {@code env:}, ...). Failures name the
 * property and the ref, never a value.
 *
 * <pre>{@code
 * String secretId = RefReader.discovered().read("rotor.vault.auth.secret-id-ref", "file:/run/secrets/secret-id");
 * }</pre>
 */
interface RefReader {
    /** The value of {@code ref}, named in errors by {@code property}. */
    String read(String property, String ref);

    /** A reader over the sources {@code ServiceLoader} finds. */
    static RefReader discovered() {
        return (property, ref) -> {
            // a value pasted where its ref belongs is a credential: until the text is known to be a ref of a scheme
            // this reader has a source for, no message, cause or ref carries it
            SecretRef parsed;
            try {
                parsed = SecretRef.parse(ref == null ? "" : ref.strip());
            } catch (RuntimeException e) {
                throw new SecretConfigurationException(
                        property + " is not a Rotor ref (scheme:path, for example file:/run/secrets/secret-id)",
                        null,
                        null);
            }
            Set<String> known = discoverableSchemes();
            if (!known.contains(parsed.scheme())) {
                throw new SecretConfigurationException(
                        property + " does not name a secret Rotor can read here: its scheme has no source (known"
                                + " schemes are " + known + "); it must say where the value is, for example"
                                + " file:/run/secrets/secret-id, not hold the value itself",
                        null,
                        null);
            }
            Secrets.Builder builder = Secrets.builder().discoverSources(true).auditLog(false);
            if (parsed.scheme().equals(EnvSecretSource.SCHEME)) {
                // the property names the variable: that is the application's opt-in for this one variable
                builder.source(EnvSecretSource.allowing(System.getenv(), List.of(parsed.path())));
            }
            try (Secrets secrets = builder.build()) {
                return secrets.value(ref.strip());
            } catch (SecretException e) {
                throw new SecretConfigurationException(
                        property + " could not be read: " + e.getMessage(), null, null, e);
            }
        };
    }

    /** The schemes the reader's client finds sources for: the discovered providers' and env. */
    private static Set<String> discoverableSchemes() {
        Set<String> out = new TreeSet<>();
        out.add(EnvSecretSource.SCHEME);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        for (SecretSourceProvider p : ServiceLoader.load(
                SecretSourceProvider.class, loader == null ? RefReader.class.getClassLoader() : loader)) {
            out.add(p.scheme());
        }
        return out;
    }
}
