package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.env.EnvSecretSource;
import java.util.List;

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
            Secrets.Builder builder = Secrets.builder().discoverSources(true).auditLog(false);
            String env = EnvSecretSource.SCHEME + ":";
            if (ref != null && ref.startsWith(env) && ref.length() > env.length()) {
                // the property names the variable: that is the application's opt-in for this one variable
                String name = ref.substring(env.length());
                int cut = name.indexOf('#');
                builder.source(
                        EnvSecretSource.allowing(System.getenv(), List.of(cut < 0 ? name : name.substring(0, cut))));
            }
            try (Secrets secrets = builder.build()) {
                return secrets.value(ref);
            } catch (SecretException e) {
                throw new SecretConfigurationException(
                        property + " could not be read: " + e.getMessage(), null, null, e);
            } catch (IllegalArgumentException e) {
                // the text is not echoed: a value pasted where its ref belongs is a credential
                throw new SecretConfigurationException(
                        property + " is not a Rotor ref (scheme:path, for example file:/run/secrets/secret-id)",
                        null,
                        null);
            }
        };
    }
}
