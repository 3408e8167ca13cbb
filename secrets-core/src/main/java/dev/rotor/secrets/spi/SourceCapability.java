package dev.rotor.secrets.spi;

/** The optional operations a {@link SecretSource} supports, beyond {@link SecretSource#fetch(FetchRequest)}. */
public enum SourceCapability {
    /** {@link SecretSource#renew}: extends a renewable lease. */
    RENEW,
    /** {@link SecretSource#revoke}: ends a lease before its time. */
    REVOKE,
    /** {@link SecretSource#probeVersion}: tells the current version id more cheaply than a fetch. */
    PROBE_VERSION,
    /** {@link SecretSource#fetchAll}: fetches many secrets in fewer calls. */
    FETCH_ALL,
    /** {@link SecretSource#rotate}: asks the store to create a new version now. */
    ROTATE,
    /** {@link SecretSource#alternates}: tells the other versions the store may accept during a rotation window. */
    ALTERNATES
}
