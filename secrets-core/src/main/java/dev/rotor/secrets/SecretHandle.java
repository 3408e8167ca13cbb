package dev.rotor.secrets;

/**
 * A live view of one secret. {@link #current()} is one volatile read: keep the handle in a field and call it on every
 * use, and a rotation is picked up without any listener. Thread-safe.
 *
 * <pre>{@code
 * SecretHandle apiKey = secrets.handle("vault:secret/app/payments#apiKey");
 * request.header("X-Api-Key", apiKey.current().value(apiKey.ref()));
 * }</pre>
 */
public interface SecretHandle {
    /** The ref this handle was created for (with its field, if any). */
    SecretRef ref();

    /**
     * The version in service now.
     *
     * @throws SecretExpiredException when the lease has ended and the stale policy forbids serving it
     */
    Secret current();

    /**
     * The value of the handle's field (or the raw value): {@code current().value(ref())}, the same {@code String} on
     * every call while one version is in service, without allocating. A {@code String} cannot be wiped: for the
     * wipeable form read {@code current().bytes()}.
     */
    default String value() {
        return current().value(ref());
    }
}
