package dev.rotor.secrets;

import java.util.Optional;

/**
 * Vets a new version before it replaces the current one, for example by opening a database connection with the new
 * credentials. Throw any exception to veto: the current version stays in service, a {@link SecretEventType#REJECTED}
 * event is published and the refresh is retried with backoff. Runs on an engine thread.
 */
@FunctionalInterface
public interface SecretValidator {
    /**
     * Vets {@code candidate}. Throw to veto; a {@link SecretRejectedException} thrown here carries its message into the
     * {@link SecretEventType#REJECTED} event and the inventory (so name the missing field or the SQLState there, never a
     * value), any other exception only its type.
     */
    void validate(Secret candidate, Optional<Secret> current) throws Exception;

    /**
     * A name for this validator that a person reads in a refusal ("HikariCP pool orders-db"); the default is the class
     * name, which for a lambda says little: override it, or wrap the lambda with {@link #named(String,
     * SecretValidator)}.
     */
    default String name() {
        return getClass().getName();
    }

    /** {@code validator} under a readable {@code name}. */
    static SecretValidator named(String name, SecretValidator validator) {
        java.util.Objects.requireNonNull(name, "name");
        java.util.Objects.requireNonNull(validator, "validator");
        return new SecretValidator() {
            @Override
            public void validate(Secret candidate, Optional<Secret> current) throws Exception {
                validator.validate(candidate, current);
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public String toString() {
                return "SecretValidator{" + name + "}";
            }
        };
    }
}
