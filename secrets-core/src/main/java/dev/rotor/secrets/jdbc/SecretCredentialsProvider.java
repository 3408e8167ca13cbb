package dev.rotor.secrets.jdbc;

import com.zaxxer.hikari.HikariCredentialsProvider;
import com.zaxxer.hikari.util.Credentials;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.Secrets;
import java.util.Objects;

/**
 * The pull model of HikariCP 7: the pool asks this provider for credentials each time it opens a connection, and the
 * provider answers from a live {@link SecretHandle} (one volatile read). Pass it as an instance; the class name setter
 * of HikariCP 7.0 and 7.1 cannot construct it. Combine it with a {@link HikariSecretBinding} so that a new version
 * also retires the connections opened with the old one. The provider always answers the version in service, so vet
 * new versions with a validator registered on the {@link Secrets.Builder} ({@link
 * HikariSecretBinding#validator}), not with {@link HikariSecretBinding.Builder#validateBeforeSwap}. Thread-safe.
 * Needs HikariCP 7 on the class path.
 *
 * <pre>{@code
 * HikariConfig config = new HikariConfig();
 * config.setJdbcUrl("jdbc:postgresql://db:5432/app");
 * config.setCredentialsProvider(SecretCredentialsProvider.of(secrets, "vault:database/creds/app",
 *         CredentialFields.defaults()));
 * HikariDataSource pool = new HikariDataSource(config);
 * HikariSecretBinding.bind(secrets, pool, "vault:database/creds/app", CredentialFields.defaults());
 * }</pre>
 */
public final class SecretCredentialsProvider implements HikariCredentialsProvider {
    private final SecretHandle handle;
    private final CredentialFields fields;

    private SecretCredentialsProvider(SecretHandle handle, CredentialFields fields) {
        this.handle = handle;
        this.fields = fields;
    }

    /** A provider of the credentials in {@code ref}; the first call loads the secret if it is not loaded yet. */
    public static SecretCredentialsProvider of(Secrets secrets, String ref, CredentialFields fields) {
        Objects.requireNonNull(secrets, "secrets");
        Objects.requireNonNull(fields, "fields");
        return new SecretCredentialsProvider(secrets.handle(Objects.requireNonNull(ref, "ref")), fields);
    }

    /**
     * The credentials of the version in service.
     *
     * @throws dev.rotor.secrets.SecretException when the secret cannot be served or lacks a field
     */
    @Override
    public Credentials getCredentials() {
        Secret s = handle.current();
        return Credentials.of(fields.username(s), fields.password(s));
    }

    @Override
    public String toString() {
        return "SecretCredentialsProvider{ref=" + handle.ref() + ", " + fields + "}";
    }
}
