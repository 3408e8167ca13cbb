package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretValidator;
import java.util.Objects;
import java.util.Optional;

/**
 * The validator of {@code rotor.datasource.ref}, registered on the client before the pool it checks exists: the
 * client of {@code spring.config.import} is built before the application context, and the context's own client
 * before its pool bean. Until {@link #attach} gives it the pool's check it lets every version through (there is no
 * pool configuration to try a version with yet); then it delegates, and remembers the latest version it vetoed until a
 * later one passes, so that the health can tell a pool left on older credentials.
 *
 * <p>Thread-safe; runs on engine threads.
 */
public final class PoolCheck implements SecretValidator {
    private final SecretRef ref;
    private volatile SecretValidator delegate;
    private volatile String vetoed;

    PoolCheck(SecretRef ref) {
        this.ref = Objects.requireNonNull(ref, "ref").withoutField();
    }

    /** The ref it is registered for. */
    SecretRef ref() {
        return ref;
    }

    /** From now on, versions are checked by {@code check} (named after the pool). */
    void attach(SecretValidator check) {
        this.delegate = Objects.requireNonNull(check, "check");
    }

    boolean attached() {
        return delegate != null;
    }

    @Override
    public void validate(Secret candidate, Optional<Secret> current) throws Exception {
        SecretValidator d = delegate;
        if (d == null) {
            return;
        }
        try {
            d.validate(candidate, current);
        } catch (Exception e) {
            vetoed = candidate.version();
            throw e;
        }
        vetoed = null;
    }

    /** The latest version this check vetoed, while no later one has passed. */
    Optional<String> vetoed() {
        return Optional.ofNullable(vetoed);
    }

    @Override
    public String name() {
        SecretValidator d = delegate;
        return d == null ? "HikariCP pool (not bound yet)" : d.name();
    }

    @Override
    public String toString() {
        return "PoolCheck{" + name() + "}";
    }
}
