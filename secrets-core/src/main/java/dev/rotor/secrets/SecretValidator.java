package dev.rotor.secrets;

import java.util.Optional;

/**
 * Vets a new version before it replaces the current one, for example by opening a database connection with the new
 * credentials. Throw any exception to veto: the current version stays in service, a {@link SecretEventType#REJECTED}
 * event is published and the refresh is retried with backoff. Runs on an engine thread.
 */
@FunctionalInterface
public interface SecretValidator {
    void validate(Secret candidate, Optional<Secret> current) throws Exception;
}
