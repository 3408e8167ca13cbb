package dev.rotor.secrets.spring.internal;

import java.util.Optional;

/**
 * Tells the health where a bound pool stands. Implemented by the pool binder; an interface of its own so that the
 * health support never loads HikariCP's classes.
 */
public interface PoolReporter {
    /** The bound pool's status; empty while no pool is bound. */
    Optional<PoolStatus> poolStatus();
}
