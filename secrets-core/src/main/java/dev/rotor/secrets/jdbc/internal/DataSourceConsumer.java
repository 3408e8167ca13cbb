package dev.rotor.secrets.jdbc.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.jdbc.CredentialFields;
import java.util.Objects;
import java.util.Optional;

/**
 * A data source that opens every connection with the version in service, as a {@link SecretConsumer}: validation
 * opens (and closes) one connection with the candidate; a hand-over is immediate, since the next connection already
 * logs in with the new version, and takes no hold, so the previous version is let go at once. Thread-safe.
 */
public final class DataSourceConsumer implements SecretConsumer {
    private final String name;
    private final CredentialFields fields;
    private final LoginCheck.Opener opener;

    public DataSourceConsumer(String name, CredentialFields fields, LoginCheck.Opener opener) {
        this.name = Objects.requireNonNull(name, "name");
        this.fields = Objects.requireNonNull(fields, "fields");
        this.opener = Objects.requireNonNull(opener, "opener");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "data-source";
    }

    @Override
    public String displayName() {
        return "data source " + name;
    }

    @Override
    public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
        LoginCheck.check(candidate, fields, opener);
    }

    /** Nothing to swap: each connection reads the version in service when it opens. */
    @Override
    public void accept(SecretChange change) {}

    @Override
    public String toString() {
        return "DataSourceConsumer{" + name + "}";
    }
}
