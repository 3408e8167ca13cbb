package dev.rotor.secrets;

/**
 * Told when a watched secret gets a new version. For one secret, deliveries are ordered, each version reaches a
 * listener at most once, and a listener is never called concurrently with itself. Calls run on an engine thread. A
 * listener that throws is logged and isolated; the others still run, and the version stays in service. The previous
 * version's lease is revoked only after every listener has returned.
 *
 * <pre>{@code
 * secrets.watch("vault:database/creds/app", change -> pool.swap(change.current()));
 * }</pre>
 */
@FunctionalInterface
public interface SecretListener {
    void onChange(SecretChange change);
}
